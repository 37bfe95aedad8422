import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import type { BodySize, ForgedDelivery, Forger } from './forgeries';
import { inboxRowsSince, inboxSize, ledgerChanges, ledgerSnapshot, type InboxRows } from './ledger-probe';
import { runWorkerPool } from './pool';
import { summarize, type LatencySummary } from './stats';
import type { DeliveryAnswer, WebhookClient, WireDelivery } from './webhook-client';

/** The simulators' request logs, as the flood reads them: every call the library made to a gateway. */
export interface GatewayCallLog {
  name: string;
  /** Every request the simulator has received so far. */
  total(): number;
  /** Payment lookups (read-backs) received so far. */
  lookups(): number;
}

/** Who a forged delivery appears to come from: the TCP connection it uses and the X-Forwarded-For it carries. */
export type SourcePlan = (index: number, delivery: ForgedDelivery) => { client: WebhookClient; forwardedFor?: string };

export interface FloodPlan {
  name: string;
  /** How the sources are chosen, for the table. */
  sources: string;
  deliveries: number;
  concurrency: number;
  forger: Forger;
  source: SourcePlan;
}

export interface FloodResult {
  name: string;
  sources: string;
  deliveries: number;
  /** Answers by HTTP status ('0' = transport error). */
  answers: Record<string, number>;
  /** Answers by forgery kind, then by status. */
  answersByKind: Record<string, Record<string, number>>;
  bodySizes: Record<BodySize, number>;
  /** Answers by body size, then by status. */
  answersBySize: Record<BodySize, Record<string, number>>;
  bodyBytes: number;
  latency: LatencySummary;
  wallMs: number;
  /** Rows of the seeded payments (and their cancels) that changed. */
  stateChanges: string[];
  /** Calls each simulator received during the flood: all of them, and the payment lookups among them. */
  gatewayCalls: Array<{ name: string; total: number; lookups: number }>;
  inbox: { bytesAdded: number; rowsAdded: number; rows: InboxRows };
  transportErrors: string[];
}

/**
 * Sends `plan.deliveries` forged deliveries at `plan.concurrency` (a closed loop: each of the N loops sends its next
 * delivery when the previous one answered), timing each from send to the end of its answer. Around it: the ledger
 * rows of the seeded payments, the simulators' request logs and the inbox's size, read before and after.
 */
export async function runFlood(
  plan: FloodPlan,
  context: { dataSource: DataSource; paymentIds: readonly string[]; gateways: readonly GatewayCallLog[] },
): Promise<FloodResult> {
  const { dataSource, paymentIds, gateways } = context;
  const deliveries = Array.from({ length: plan.deliveries }, () => plan.forger.next());
  const ledgerBefore = await ledgerSnapshot(dataSource, paymentIds);
  const callsBefore = gateways.map((g) => ({ total: g.total(), lookups: g.lookups() }));
  const inboxBefore = await inboxSize(dataSource);
  const startedAt = new Date();

  const answers = new Array<DeliveryAnswer>(deliveries.length);
  const started = performance.now();
  await runWorkerPool(deliveries, plan.concurrency, async (delivery, index) => {
    const { client, forwardedFor } = plan.source(index, delivery);
    const wire: WireDelivery = { gateway: delivery.gateway, contentType: delivery.contentType, body: delivery.body };
    if (forwardedFor !== undefined) wire.forwardedFor = forwardedFor;
    answers[index] = await client.post(wire);
  });
  const wallMs = performance.now() - started;

  const stateChanges = ledgerChanges(ledgerBefore, await ledgerSnapshot(dataSource, paymentIds));
  const gatewayCalls = gateways.map((g, i) => ({
    name: g.name,
    total: g.total() - callsBefore[i].total,
    lookups: g.lookups() - callsBefore[i].lookups,
  }));
  const inboxAfter = await inboxSize(dataSource);

  const tally: Record<string, number> = {};
  const byKind: Record<string, Record<string, number>> = {};
  const bodySizes: Record<BodySize, number> = { natural: 0, cap: 0, padded: 0 };
  const bySize: Record<BodySize, Record<string, number>> = { natural: {}, cap: {}, padded: {} };
  const transportErrors: string[] = [];
  let bodyBytes = 0;
  deliveries.forEach((delivery, index) => {
    const status = String(answers[index].status);
    tally[status] = (tally[status] ?? 0) + 1;
    const kind = (byKind[delivery.kind] ??= {});
    kind[status] = (kind[status] ?? 0) + 1;
    bodySizes[delivery.size] += 1;
    bySize[delivery.size][status] = (bySize[delivery.size][status] ?? 0) + 1;
    bodyBytes += Buffer.byteLength(delivery.body);
    const error = answers[index].error;
    if (error) transportErrors.push(`${delivery.kind}: ${error}`);
  });

  return {
    name: plan.name,
    sources: plan.sources,
    deliveries: deliveries.length,
    answers: tally,
    answersByKind: byKind,
    bodySizes,
    answersBySize: bySize,
    bodyBytes,
    latency: summarize(answers.map((answer) => answer.ms)),
    wallMs,
    stateChanges,
    gatewayCalls,
    inbox: {
      bytesAdded: inboxAfter.bytes - inboxBefore.bytes,
      rowsAdded: inboxAfter.rows - inboxBefore.rows,
      rows: await inboxRowsSince(dataSource, startedAt),
    },
    transportErrors,
  };
}

/** `{ '403': 1200, '200': 800 }` → `200×800 403×1200` (statuses in order). */
export function formatAnswers(answers: Record<string, number>): string {
  return Object.entries(answers)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([status, count]) => `${status === '0' ? 'error' : status}×${count}`)
    .join(' ');
}
