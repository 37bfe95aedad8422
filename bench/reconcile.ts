import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { ReconcileResult } from 'nestjs-kr-payments';
import type { BenchOutcome } from './confirm-overhead';
import { cpuSince, cpuSnapshot, type CpuSnapshot } from './support/cpu';
import { bootReconcileApp, type ReconcileApp } from './support/reconcile-app';
import { freeBusinessDate, runItems, seedLedger } from './support/reconcile-ledger';
import { heapLimitMb, processMaxRssMb, rssNowMb, RssSampler } from './support/reconcile-memory';
import { phaseBreakdown, type Phase, type ProgressEvent } from './support/reconcile-phases';
import { BLOCK, expectedExceptions, type ReconcilePlan } from './support/reconcile-plan';
import {
  compareItems,
  reconcileChecks,
  reconcileTable,
  TARGET_ELAPSED_MS,
  TARGET_PEAK_RSS_MB,
  type ItemComparison,
  type ReconcileResultFile,
} from './support/reconcile-report';
import { SimulatorProcess, type SimulatorStats } from './support/reconcile-simulator';
import { writeResult } from './support/results';

/**
 * reconcile: one `ReconciliationService.run({ gateway: 'toss', date })` over a day of 100,000 Toss transactions
 * (listed by the simulator, in its own process, in pages of 5,000) against 100,000 ledger rows with 1.2 % seeded
 * exceptions (support/reconcile-plan.ts). Seeding is not timed. Timed: the run, from the call to its answer (paging,
 * staging, rechecks, matching, repairs). Verified: every seeded exception found once in its category, no other
 * exception, every other transaction matched.
 */
export const BENCH_NAME = 'reconcile';
export const DEFAULT_TRANSACTIONS = 100_000;
export const PAGE_SIZE = 5_000;
/** The run holds one connection while paging and matching, up to 8 (its concurrency) while repairing. */
const POOL_SIZE = 10;

export async function runReconcile(log: (line: string) => void = console.log): Promise<BenchOutcome> {
  const transactions = transactionCount();
  const sim = await SimulatorProcess.start();
  let app: ReconcileApp | undefined;
  try {
    app = await bootReconcileApp(sim.url, POOL_SIZE);
    const tag = randomBytes(4).toString('hex');
    const plan: ReconcilePlan = {
      date: await freeBusinessDate(app.dataSource, new Date()),
      transactions,
      prefix: `bench_rc${tag}`,
      tag,
    };
    log(`${BENCH_NAME}: app up on ${app.database}; seeding ${transactions} transactions for ${plan.date} (KST)`);
    const seeding = await seed(app, sim, plan);
    log(`${BENCH_NAME}: seeded (simulator ${seeding.simulatorMs} ms, ledger ${seeding.ledgerMs} ms); reconciling`);

    const measured = await measureRun(app, plan.date);
    const stats = await sim.stats();
    const comparison = compareItems(expectedExceptions(plan), await runItems(app.dataSource, measured.result.run.id));
    const result = resultFile(plan, app, seeding, measured, stats, comparison);
    const checks = reconcileChecks(result, comparison, measured.result.run.status);
    log('');
    log(reconcileTable(result));
    log('');
    const failed = checks.filter((check) => !check.ok);
    if (failed.length > 0) {
      log(`${BENCH_NAME}: VERIFICATION FAILED, results not written:`);
      for (const check of failed) {
        log(`  - ${check.name}: ${check.value}`);
        for (const detail of check.details.slice(0, 10)) log(`      ${detail}`);
        if (check.details.length > 10) log(`      ... and ${check.details.length - 10} more`);
      }
      return { ok: false };
    }
    log(`${BENCH_NAME}: verified: every seeded exception found in its category, no false exception`);
    log(`${BENCH_NAME}: wrote ${writeResult(BENCH_NAME, result)}`);
    return { ok: true };
  } finally {
    await app?.close();
    await sim.stop();
  }
}

/** RECONCILE_TRANSACTIONS (a multiple of 500) shrinks the day for a quick try; the recorded figures use 100,000. */
function transactionCount(): number {
  const text = process.env['RECONCILE_TRANSACTIONS'];
  const count = text === undefined ? DEFAULT_TRANSACTIONS : Number(text);
  if (!Number.isSafeInteger(count) || count < BLOCK || count % BLOCK !== 0) {
    throw new Error(`RECONCILE_TRANSACTIONS must be a positive multiple of ${BLOCK}`);
  }
  return count;
}

interface Seeding {
  simulatorMs: number;
  ledgerMs: number;
  ledgerRows: number;
}

/** The simulator (its process) and the ledger (PostgreSQL) are seeded at the same time; neither is timed. */
async function seed(app: ReconcileApp, sim: SimulatorProcess, plan: ReconcilePlan): Promise<Seeding> {
  const ledgerStarted = performance.now();
  const [simulator, ledger] = await Promise.all([
    sim.seed(plan),
    seedLedger(app.dataSource, plan).then((rows) => ({ rows, ms: Math.round(performance.now() - ledgerStarted) })),
  ]);
  if (simulator.transactions !== plan.transactions || ledger.rows !== plan.transactions) {
    throw new Error(`seeding: ${simulator.transactions} transactions, ${ledger.rows} ledger rows`);
  }
  return { simulatorMs: simulator.ms, ledgerMs: ledger.ms, ledgerRows: ledger.rows };
}

interface Measured {
  result: ReconcileResult;
  elapsedMs: number;
  sampledPeakRssMb: number;
  rssBeforeRunMb: number;
  phases: Phase[];
  cpu: CpuSnapshot;
}

/**
 * The timed part: one run, with this process's RSS sampled throughout, CPU taken around it and the stages timed from
 * the run's progress events (listening costs the run one count query, for its ETA).
 */
async function measureRun(app: ReconcileApp, date: string): Promise<Measured> {
  const sampler = new RssSampler(() => performance.now());
  const events: ProgressEvent[] = [];
  const rssBeforeRunMb = rssNowMb();
  sampler.start();
  const cpuBefore = cpuSnapshot(app.embeddedDatabase);
  const started = performance.now();
  try {
    const result = await app.reconciliation.run({
      gateway: 'toss',
      date,
      onProgress: ({ stage }) => events.push({ stage, at: performance.now() }),
    });
    const ended = performance.now();
    const cpu = cpuSince(cpuBefore, cpuSnapshot(app.embeddedDatabase));
    sampler.stop();
    return {
      result,
      elapsedMs: ended - started,
      sampledPeakRssMb: sampler.peakMb(),
      rssBeforeRunMb,
      phases: phaseBreakdown(started, ended, events, sampler),
      cpu,
    };
  } finally {
    sampler.stop();
  }
}

function resultFile(
  plan: ReconcilePlan,
  app: ReconcileApp,
  seeding: Seeding,
  measured: Measured,
  stats: SimulatorStats,
  comparison: ItemComparison,
): ReconcileResultFile {
  const { run, autoFixed } = measured.result;
  const peakRssMb = processMaxRssMb();
  const elapsedMs = Math.round(measured.elapsedMs);
  const gatewaySideSeeds = ['AMOUNT_MISMATCH', 'STATUS_MISMATCH', 'MISSING_LOCAL', 'DUPLICATE']
    .map((category) => comparison.categories[category]?.seeded ?? 0)
    .reduce((sum, count) => sum + count, 0);
  return {
    transactions: plan.transactions,
    ledgerRows: seeding.ledgerRows,
    pageSize: PAGE_SIZE,
    businessDate: plan.date,
    elapsedMs,
    rowsPerSec: Math.round(plan.transactions / (measured.elapsedMs / 1000)),
    peakRssMb,
    sampledPeakRssMb: measured.sampledPeakRssMb,
    rssBeforeRunMb: measured.rssBeforeRunMb,
    runRssGrowthMb: Math.round((measured.sampledPeakRssMb - measured.rssBeforeRunMb) * 10) / 10,
    heapLimitMb: heapLimitMb(),
    execArgv: process.execArgv,
    phases: measured.phases,
    pages: run.pages,
    listRequests: stats.listPages,
    readBacks: stats.readBacks,
    stagedRows: run.stagedRows,
    matched: { expected: plan.transactions - gatewaySideSeeds, found: run.summary?.['MATCHED']?.count ?? 0 },
    categories: comparison.categories,
    missed: comparison.missed.length,
    falseExceptions: comparison.falseExceptions.length,
    autoFixed,
    autoFixable: comparison.repairableSeeded,
    cpu: {
      nodeMs: Math.round(measured.cpu.nodeMs),
      postgresMs: measured.cpu.postgresMs === undefined ? null : Math.round(measured.cpu.postgresMs),
      simulatorMaxRssMb: stats.maxRssMb,
    },
    seeding: { simulatorMs: seeding.simulatorMs, ledgerMs: seeding.ledgerMs },
    targets: {
      elapsedMs: TARGET_ELAPSED_MS,
      peakRssMb: TARGET_PEAK_RSS_MB,
      elapsedMet: elapsedMs <= TARGET_ELAPSED_MS,
      peakRssMet: peakRssMb <= TARGET_PEAK_RSS_MB,
    },
    database: app.database,
    node: process.version,
    cpus: cpus().length,
    date: new Date().toISOString(),
  };
}
