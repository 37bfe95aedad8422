import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { PaymentStatus, type BillingService, type PaymentsService } from 'nestjs-kr-payments';
import { TossSimulator } from 'nestjs-kr-payments/testing';
import type { BenchOutcome } from './confirm-overhead';
import { bootBillingBenchApp, type BillingBenchApp } from './support/billing-app';
import {
  armChargeLatency,
  countGatewayCharges,
  firstChargeAt,
  gatewayProblems,
  verifyEngineLedger,
  verifySequentialLedger,
} from './support/billing-checks';
import { BILLING_TARGETS, billingReport, type BillingRunResult } from './support/billing-report';
import { seedDueSubscriptions, type SeededSubscription } from './support/billing-seeds';
import { cpuSince, cpuSnapshot } from './support/cpu';
import { writeResult } from './support/results';
import { roundMs } from './support/stats';

/**
 * billing-run: how long the recurring-billing engine takes to charge a day's due subscriptions against a gateway
 * that answers every charge in 50 ms, next to the loop most examples show (`for (const s of due) await charge(s)`).
 *
 * With C charges in flight and nothing but the gateway to wait for, N charges take N × latency / C: that is the
 * bound, and efficiency = bound / elapsed says how much of the pool's time went to anything else (sweeping, claiming,
 * settling, CPU). The sequential loop pays the latency N times over. Both run in the same process on their own,
 * freshly seeded subscriptions, so neither sees the other's charges; the simulator's own request log is then the
 * witness that no subscription was charged twice.
 */
export const BENCH_NAME = 'billing-run';
export const CHARGE_LATENCY_MS = 50;

interface BillingRunConfig {
  subscriptions: number;
  sequential: number;
  concurrency: number;
  batchSize: number;
}

/** Environment overrides are for quick development runs; the recorded result is the default, full run. */
export function billingRunConfig(env: NodeJS.ProcessEnv = process.env): BillingRunConfig {
  const positive = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
    return value;
  };
  const subscriptions = positive('BILLING_BENCH_SUBSCRIPTIONS', 10_000);
  const concurrency = positive('BILLING_BENCH_CONCURRENCY', 16);
  return {
    subscriptions,
    sequential: positive('BILLING_BENCH_SEQUENTIAL', subscriptions),
    concurrency,
    batchSize: positive('BILLING_BENCH_BATCH', subscriptions),
  };
}

export async function runBillingRun(log: (line: string) => void = console.log): Promise<BenchOutcome> {
  const config = billingRunConfig();
  const sim = await TossSimulator.start({ port: 0 });
  let app: BillingBenchApp | undefined;
  try {
    armChargeLatency(sim, CHARGE_LATENCY_MS);
    app = await bootBillingBenchApp({ tossBaseUrl: sim.url, ...config });
    return await measure(app, sim, config, log);
  } finally {
    await app?.close();
    await sim.stop();
  }
}

/** Seeds, runs the engine, seeds again, runs the naive loop, verifies, reports. */
async function measure(
  app: BillingBenchApp,
  sim: TossSimulator,
  config: BillingRunConfig,
  log: (line: string) => void,
): Promise<BenchOutcome> {
  const tag = randomBytes(4).toString('hex');
  log(`${BENCH_NAME}: app up on ${app.database}; C = ${config.concurrency}, runDue limit ${config.batchSize}`);

  log(`${BENCH_NAME}: seeding ${config.subscriptions} billing keys + due subscriptions (not timed)`);
  const engineSet = await timed(log, 'seeded', () =>
    seedDueSubscriptions(app, sim, `bench_${tag}_e`, config.subscriptions),
  );
  log(`${BENCH_NAME}: engine run, runDue until nothing is due`);
  const engineStartedAt = Date.now();
  const engine = await timeEngine(app, config.batchSize);
  const firstCharge = firstChargeAt(sim, engineSet);
  engine.firstChargeAfterMs = firstCharge === null ? null : firstCharge.getTime() - engineStartedAt;

  // Seeded only now, so the engine's passes never saw these: they are the sequential loop's alone.
  log(`${BENCH_NAME}: seeding ${config.sequential} more for the sequential loop (not timed)`);
  const sequentialSet = await timed(log, 'seeded', () =>
    seedDueSubscriptions(app, sim, `bench_${tag}_s`, config.sequential),
  );
  log(`${BENCH_NAME}: sequential loop over ${config.sequential} subscriptions (about ${estimate(config.sequential)})`);
  const sequential = await timeSequentialLoop(app, sequentialSet);

  const gateway = {
    engine: countGatewayCharges(sim, engineSet),
    sequential: countGatewayCharges(sim, sequentialSet),
  };
  const problems = [
    ...gatewayProblems('engine', gateway.engine, engineSet.length),
    ...gatewayProblems('sequential', gateway.sequential, sequentialSet.length),
    ...(await verifyEngineLedger(app.dataSource, engineSet)),
    ...(await verifySequentialLedger(app.dataSource, sequentialSet)),
    ...sequential.problems,
  ];
  const result = buildResult(config, engine, sequential.elapsedMs, gateway, app);
  log('');
  log(billingReport(result));
  log('');
  if (problems.length > 0) {
    log(`${BENCH_NAME}: VERIFICATION FAILED, results not written:`);
    for (const problem of problems.slice(0, 20)) log(`  - ${problem}`);
    return { ok: false };
  }
  log(
    `${BENCH_NAME}: verified: every one of the ${engineSet.length + sequentialSet.length} subscriptions charged ` +
      `exactly once at the gateway; every engine cycle PAID; every sequential payment PAID`,
  );
  log(`${BENCH_NAME}: wrote ${writeResult(BENCH_NAME, result)}`);
  return { ok: true };
}

interface EngineTiming {
  elapsedMs: number;
  passes: number;
  verdicts: Record<string, number>;
  charges: number;
  nodeCpuMs: number;
  postgresCpuMs: number | undefined;
  /** Wall-clock ms from the first pass to the gateway's first charge (set once the run is over). */
  firstChargeAfterMs: number | null;
}

/**
 * What a scheduler does, back to back: `runDue` passes until one finds nothing (no cycle created, no attempt run).
 * The clock starts at the first pass and stops when the empty pass returns, so it includes every sweep and claim.
 */
async function timeEngine(app: BillingBenchApp, limit: number): Promise<EngineTiming> {
  const billing: BillingService = app.billing;
  const verdicts: Record<string, number> = {};
  let passes = 0;
  let charges = 0;
  const cpuStart = cpuSnapshot(app.embeddedDatabase);
  const started = performance.now();
  for (;;) {
    const pass = await billing.runDue({ limit });
    passes += 1;
    for (const run of pass.attempts) verdicts[run.verdict] = (verdicts[run.verdict] ?? 0) + 1;
    charges += pass.attempts.length;
    if (pass.cyclesCreated === 0 && pass.attemptsCreated === 0 && pass.attempts.length === 0) break;
  }
  const elapsedMs = performance.now() - started;
  const cpu = cpuSince(cpuStart, cpuSnapshot(app.embeddedDatabase));
  return {
    elapsedMs,
    passes,
    verdicts,
    charges,
    nodeCpuMs: cpu.nodeMs,
    postgresCpuMs: cpu.postgresMs,
    firstChargeAfterMs: null,
  };
}

/**
 * The loop most blog posts show: read what is due, then charge it one by one. Same library call, same gateway,
 * same idempotency per cycle; only the waiting is serial.
 */
async function timeSequentialLoop(
  app: BillingBenchApp,
  set: readonly SeededSubscription[],
): Promise<{ elapsedMs: number; problems: string[] }> {
  const payments: PaymentsService = app.payments;
  const problems: string[] = [];
  const started = performance.now();
  const due = (await app.dataSource.query(
    `SELECT id, billing_key_id, amount, order_name, cycle_no FROM subscriptions
      WHERE id = ANY($1::uuid[]) AND next_charge_at <= now() ORDER BY next_charge_at`,
    [set.map((subscription) => subscription.id)],
  )) as Array<{ id: string; billing_key_id: string; amount: string; order_name: string; cycle_no: number }>;
  for (const s of due) {
    const payment = await payments.chargeBillingKey({
      billingKeyId: s.billing_key_id,
      amount: Number(s.amount),
      orderName: s.order_name,
      idempotencyKey: `${s.id}:${s.cycle_no + 1}`,
    });
    if (payment.status !== PaymentStatus.PAID) problems.push(`sequential: ${s.id} came back ${payment.status}`);
  }
  const elapsedMs = performance.now() - started;
  if (due.length !== set.length) problems.push(`sequential: ${due.length} of ${set.length} subscriptions were due`);
  return { elapsedMs, problems };
}

function buildResult(
  config: BillingRunConfig,
  engine: EngineTiming,
  sequentialElapsedMs: number,
  gateway: BillingRunResult['gateway'],
  app: BillingBenchApp,
): BillingRunResult {
  const boundMs = (config.subscriptions * CHARGE_LATENCY_MS) / config.concurrency;
  const efficiency = boundMs / engine.elapsedMs;
  const sequentialMsPerCharge = sequentialElapsedMs / config.sequential;
  const speedUp = sequentialMsPerCharge / (engine.elapsedMs / config.subscriptions);
  const round3 = (value: number) => Math.round(value * 1000) / 1000;
  return {
    subscriptions: config.subscriptions,
    concurrency: config.concurrency,
    batchSize: config.batchSize,
    chargeLatencyMs: CHARGE_LATENCY_MS,
    engine: {
      boundMs: roundMs(boundMs),
      elapsedMs: roundMs(engine.elapsedMs),
      efficiency: round3(efficiency),
      chargesPerSec: Math.round((engine.charges / (engine.elapsedMs / 1000)) * 10) / 10,
      passes: engine.passes,
      firstChargeAfterMs: engine.firstChargeAfterMs,
      verdicts: engine.verdicts,
      nodeCpuMsPerCharge: round3(engine.nodeCpuMs / config.subscriptions),
      postgresCpuMsPerCharge:
        engine.postgresCpuMs === undefined ? null : round3(engine.postgresCpuMs / config.subscriptions),
    },
    sequential: {
      subscriptions: config.sequential,
      elapsedMs: roundMs(sequentialElapsedMs),
      msPerCharge: round3(sequentialMsPerCharge),
    },
    speedUp: Math.round(speedUp * 10) / 10,
    doubleCharges: gateway.engine.doubleCharges + gateway.sequential.doubleCharges,
    gateway,
    targets: {
      ...BILLING_TARGETS,
      efficiencyMet: efficiency >= BILLING_TARGETS.efficiency,
      speedUpMet: speedUp >= BILLING_TARGETS.speedUp,
    },
    database: app.database,
    node: process.version,
    cpus: cpus().length,
    date: new Date().toISOString(),
  };
}

/** A rough duration for the log line, so nobody kills an eight-minute loop thinking it hung. */
function estimate(count: number): string {
  const minutes = (count * (CHARGE_LATENCY_MS + 5)) / 60_000;
  return minutes >= 1 ? `${minutes.toFixed(0)} min` : `${Math.round(minutes * 60)} s`;
}

async function timed<T>(log: (line: string) => void, label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  log(`${BENCH_NAME}: ${label} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}
