import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, type Pool } from 'pg';
import { cpuSince, cpuSnapshot, type CpuSnapshot } from './cpu';
import { runWorkerPool } from './pool';
import { summarize, type LatencySummary } from './stats';

/**
 * Counts the statements this process sends to PostgreSQL: every statement, prepared or not, from TypeORM or from a
 * pool of our own, goes through pg's `Client.prototype.query` (TypeORM's driver and pg's Pool both call it), and each
 * is one round trip. Counting is on only inside a timed phase, so set-up and the stats reads are not counted.
 */
export class StatementCounter {
  private count = 0;
  private active = false;
  private texts: string[] | undefined;
  private readonly original = Client.prototype.query;

  install(): void {
    const original = this.original as (...args: unknown[]) => unknown;
    const seen = (first: unknown): void => {
      if (this.active) this.count += 1;
      const text = typeof first === 'string' ? first : (first as { text?: unknown } | null)?.text;
      if (this.texts) this.texts.push(String(text).replace(/\s+/g, ' ').slice(0, 110));
    };
    Client.prototype.query = function (this: Client, ...args: unknown[]) {
      seen(args[0]);
      return original.apply(this, args);
    } as typeof Client.prototype.query;
  }

  uninstall(): void {
    Client.prototype.query = this.original;
  }

  start(): void {
    this.count = 0;
    this.active = true;
  }

  stop(): number {
    this.active = false;
    return this.count;
  }

  /** The statements `work` sends, shortened: printed so a reader sees what a round trip of the library is. */
  async capture(work: () => Promise<void>): Promise<string[]> {
    this.texts = [];
    try {
      await work();
      return this.texts;
    } finally {
      this.texts = undefined;
    }
  }
}

export interface PhaseResult {
  count: number;
  wallMs: number;
  latency: LatencySummary;
  cpu: CpuSnapshot;
  statements: number;
}

/**
 * Runs `confirm` once per session through `concurrency` worker loops (closed loop). Each latency sample is the call
 * alone; wall clock, CPU and the statement count cover the whole phase.
 */
export async function timePhase<S>(
  sessions: readonly S[],
  concurrency: number,
  confirm: (session: S) => Promise<void>,
  counter: StatementCounter,
  measurePostgres: boolean,
): Promise<PhaseResult> {
  const latenciesMs = new Array<number>(sessions.length);
  const cpuStart = cpuSnapshot(measurePostgres);
  let statements: number;
  counter.start();
  const started = performance.now();
  try {
    await runWorkerPool(sessions, concurrency, async (session, i) => {
      const t0 = performance.now();
      await confirm(session);
      latenciesMs[i] = performance.now() - t0;
    });
  } finally {
    statements = counter.stop();
  }
  const wallMs = performance.now() - started;
  return {
    count: sessions.length,
    wallMs,
    latency: summarize(latenciesMs),
    cpu: cpuSince(cpuStart, cpuSnapshot(measurePostgres)),
    statements,
  };
}

export function perSecond(phase: PhaseResult): number {
  return phase.count / (phase.wallMs / 1000);
}

export interface TableStats {
  updates: number;
  hotUpdates: number;
  deadTuples: number;
}

/**
 * `pg_stat_user_tables` for payments, with every backend's pending counters flushed first. A backend publishes its
 * table counters at the end of a transaction only when a second has passed since its last flush (otherwise about
 * ten seconds later, when idle), so: wait a little over a second, then run one statement on every connection of
 * every pool (all checked out at once, so each connection gets one), then read the view in a fresh snapshot.
 */
export async function flushedTableStats(reader: Pool, pools: readonly Pool[]): Promise<TableStats> {
  await sleep(1_100);
  for (const pool of pools) {
    const clients = await Promise.all(Array.from({ length: pool.totalCount }, () => pool.connect()));
    try {
      await Promise.all(clients.map((client) => client.query('SELECT 1')));
    } finally {
      for (const client of clients) client.release();
    }
  }
  await reader.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await reader.query<{ upd: string; hot: string; dead: string }>(
    `SELECT n_tup_upd AS upd, n_tup_hot_upd AS hot, n_dead_tup AS dead
       FROM pg_stat_user_tables WHERE relname = 'payments'`,
  );
  return { updates: Number(rows[0].upd), hotUpdates: Number(rows[0].hot), deadTuples: Number(rows[0].dead) };
}

export interface WarmUpDecision {
  batches: number;
  stable: boolean;
  /** confirms/s of each batch, per variant (a settled variant has fewer). */
  throughputs: Record<string, number[]>;
}

/**
 * Warm-up until JIT and caches have settled, decided by measurement: batches of every variant run in turn, and a
 * variant is warm once a batch's throughput is within `tolerance` of its previous batch's (from batch `minBatches`
 * on). Warm-up ends when every variant is, or after `maxBatches`, after which the run goes on and says so.
 */
export async function warmUp(
  variants: ReadonlyArray<{ name: string; runBatch: () => Promise<PhaseResult> }>,
  options: { minBatches: number; maxBatches: number; tolerance: number },
  log: (line: string) => void,
): Promise<WarmUpDecision> {
  const throughputs: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v.name, []]));
  const settled = new Set<string>();
  for (let batch = 1; batch <= options.maxBatches; batch += 1) {
    const line: string[] = [];
    for (const variant of variants) {
      if (settled.has(variant.name)) continue;
      const series = throughputs[variant.name];
      series.push(perSecond(await variant.runBatch()));
      const change = series.length < 2 ? Infinity : Math.abs(series[series.length - 1] / series[series.length - 2] - 1);
      // Each variant warms until its own consecutive batches agree; one that settled stops, so a noisy neighbour's
      // batch does not make it run on.
      if (batch >= options.minBatches && change < options.tolerance) settled.add(variant.name);
      line.push(`${variant.name} ${series[series.length - 1].toFixed(0)}/s (Δ ${pct(change)})`);
    }
    log(`  warm-up batch ${batch}: ${line.join(', ')}`);
    if (settled.size === variants.length) return { batches: batch, stable: true, throughputs };
  }
  return { batches: options.maxBatches, stable: false, throughputs };
}

function pct(change: number): string {
  return Number.isFinite(change) ? `${(change * 100).toFixed(1)} %` : 'n/a';
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
