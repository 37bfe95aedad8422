import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { TossSimulator } from 'nestjs-kr-payments/testing';
import type { PaymentEventDraft } from '../libs/payments/src/events/payment-events';
import type { BenchOutcome } from './confirm-overhead';
import { openBenchDatabase, type BenchDatabase } from './support/bench-database';
import { bootOutboxApp, type OutboxBenchApp } from './support/outbox-app';
import { formatTable, writeResult } from './support/results';
import { roundMs, summarize, type LatencySummary } from './support/stats';

/**
 * outbox: how fast money events leave the outbox.
 *
 * Latency: events are committed one per transaction at a steady rate (the shape of live traffic) while the dispatcher
 * runs; each is timed from its commit returning to its handler being called. Run twice in the same process: woken by
 * NOTIFY (the default), and by polling alone (`listen: false`, the 1 s default poll) as the baseline.
 * Throughput: a backlog written while nothing dispatched (a dispatcher outage) is drained by dispatch rounds; events
 * per second from the first round to the last.
 * Verified: every event delivered exactly once, and each aggregate's events in the order they were committed.
 */
const NAME = 'outbox';
const LATENCY_EVENTS = Number(process.env.OUTBOX_BENCH_LATENCY_EVENTS ?? 2_000);
const LATENCY_RATE_PER_SEC = 200;
const BACKLOG_EVENTS = Number(process.env.OUTBOX_BENCH_BACKLOG_EVENTS ?? 20_000);
const EVENTS_PER_AGGREGATE = 4;
const DISPATCH_BATCH = 500;

interface LatencyRun {
  latency: LatencySummary;
  delivered: number;
}

export async function runOutbox(log: (line: string) => void = console.log): Promise<BenchOutcome> {
  const sim = await TossSimulator.start({ port: 0 });
  const database = await openBenchDatabase();
  try {
    const notify = await latencyRun(database, sim.url, true);
    const polled = await latencyRun(database, sim.url, false);
    const backlog = await throughputRun(database, sim.url);
    const ok =
      notify.delivered === LATENCY_EVENTS && polled.delivered === LATENCY_EVENTS && backlog.problems.length === 0;
    const result = {
      eventsPerSec: Math.round(backlog.eventsPerSec),
      backlogEvents: BACKLOG_EVENTS,
      commitToHandlerP50Ms: roundMs(notify.latency.p50Ms),
      commitToHandlerP99Ms: roundMs(notify.latency.p99Ms),
      pollOnlyP50Ms: roundMs(polled.latency.p50Ms),
      pollOnlyP99Ms: roundMs(polled.latency.p99Ms),
      notifySpeedupP50: Number((polled.latency.p50Ms / notify.latency.p50Ms).toFixed(1)),
      latencyEvents: LATENCY_EVENTS,
      latencyRatePerSec: LATENCY_RATE_PER_SEC,
      duplicates: backlog.duplicates,
      outOfOrder: backlog.outOfOrder,
      database: database.label,
      node: process.version,
      cpus: cpus().length,
      date: new Date().toISOString(),
    };
    log(
      formatTable(
        ['metric', 'value'],
        [
          ['backlog drained', `${BACKLOG_EVENTS} events, ${result.eventsPerSec} events/s`],
          ['commit → handler (NOTIFY)', `p50 ${result.commitToHandlerP50Ms} ms, p99 ${result.commitToHandlerP99Ms} ms`],
          ['commit → handler (poll only, baseline)', `p50 ${result.pollOnlyP50Ms} ms, p99 ${result.pollOnlyP99Ms} ms`],
          ['NOTIFY vs polling (p50)', `${result.notifySpeedupP50}× sooner`],
          ['delivered twice / out of order', `${result.duplicates} / ${result.outOfOrder}`],
        ],
      ),
    );
    for (const problem of backlog.problems) log(`outbox: ${problem}`);
    if (!ok) return { ok: false };
    log(`written ${writeResult(NAME, result)}`);
    return { ok: true };
  } finally {
    await database.close();
    await sim.stop();
  }
}

async function latencyRun(database: BenchDatabase, tossUrl: string, listen: boolean): Promise<LatencyRun> {
  const app = await bootOutboxApp(database, tossUrl, { listen });
  try {
    const committedAt = new Map<string, number>();
    const gapMs = 1_000 / LATENCY_RATE_PER_SEC;
    const start = performance.now();
    for (let i = 0; i < LATENCY_EVENTS; i++) {
      const due = start + i * gapMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const [id] = await writeEvents(app, [draft(randomUUID())]);
      committedAt.set(id, performance.now());
    }
    await waitFor(() => [...committedAt.keys()].every((id) => app.recorder.arrivedAt.has(id)), 30_000);
    const samples = [...committedAt].map(([id, at]) => Math.max(0, (app.recorder.arrivedAt.get(id) ?? at) - at));
    return {
      latency: summarize(samples),
      delivered: [...committedAt.keys()].filter((id) => app.recorder.arrivedAt.has(id)).length,
    };
  } finally {
    await app.close();
  }
}

async function throughputRun(database: BenchDatabase, tossUrl: string) {
  const writer = await bootOutboxApp(database, tossUrl, { dispatch: false });
  const aggregates = Array.from({ length: BACKLOG_EVENTS / EVENTS_PER_AGGREGATE }, () => randomUUID());
  const committedOrder = new Map<string, string[]>();
  try {
    // Each transaction commits one event of 100 different aggregates; an aggregate's events span transactions.
    for (let round = 0; round < EVENTS_PER_AGGREGATE; round++) {
      for (let from = 0; from < aggregates.length; from += 100) {
        const batch = aggregates.slice(from, from + 100);
        const ids = await writeEvents(
          writer,
          batch.map((aggregateId) => draft(aggregateId)),
        );
        batch.forEach((aggregateId, i) =>
          committedOrder.set(aggregateId, [...(committedOrder.get(aggregateId) ?? []), ids[i]]),
        );
      }
    }
  } finally {
    await writer.close();
  }
  const reader = await bootOutboxApp(database, tossUrl, { dispatch: false, batchSize: DISPATCH_BATCH });
  try {
    const started = performance.now();
    let delivered = 0;
    for (;;) {
      const round = await reader.dispatcher.dispatchDue(DISPATCH_BATCH);
      delivered += round.published;
      if (round.published === 0) break;
    }
    const elapsedMs = performance.now() - started;
    return { eventsPerSec: (delivered / elapsedMs) * 1_000, ...verify(reader, committedOrder) };
  } finally {
    await reader.close();
  }
}

function verify(app: OutboxBenchApp, committedOrder: Map<string, string[]>) {
  const problems: string[] = [];
  const duplicates = [...app.recorder.deliveries.values()].filter((count) => count > 1).length;
  let outOfOrder = 0;
  let missing = 0;
  for (const [aggregateId, ids] of committedOrder) {
    const seen = app.recorder.orderByAggregate.get(aggregateId) ?? [];
    if (seen.length < ids.length) missing += ids.length - seen.length;
    else if (seen.join() !== ids.join()) outOfOrder += 1;
  }
  if (duplicates > 0) problems.push(`${duplicates} events delivered more than once`);
  if (outOfOrder > 0) problems.push(`${outOfOrder} aggregates received their events out of commit order`);
  if (missing > 0) problems.push(`${missing} events never delivered`);
  return { problems, duplicates, outOfOrder };
}

/** Commits the drafts' events in one transaction through the library's outbox; returns their ids in draft order. */
function writeEvents(app: OutboxBenchApp, drafts: PaymentEventDraft[]): Promise<string[]> {
  return app.dataSource.transaction((manager) => app.outbox.record(manager, drafts));
}

function draft(aggregateId: string): PaymentEventDraft<'payment.paid'> {
  return {
    type: 'payment.paid',
    aggregateType: 'payment',
    aggregateId,
    payload: {
      paymentId: aggregateId,
      gateway: 'toss',
      orderId: `bench_${aggregateId.slice(0, 8)}`,
      status: 'PAID',
      previousStatus: 'IN_PROGRESS',
      amount: 15_000,
      balanceAmount: 15_000,
      canceledAmount: 0,
      customerKey: null,
      method: 'CARD',
      failureCode: null,
    },
  };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
