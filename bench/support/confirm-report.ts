import { cpus } from 'node:os';
import { median, perSecond, type PhaseResult, type TableStats } from './confirm-measure';
import type { PoolSettings, VariantName } from './confirm-variants';
import { formatTable } from './results';
import { roundMs } from './stats';

/** What one run measured: per variant, per concurrency, one phase per round; the bare HTTP call at concurrency 1. */
export interface ConfirmMeasurements {
  concurrencies: readonly number[];
  phases: Record<VariantName, Map<number, PhaseResult[]>>;
  rawHttp: PhaseResult[];
  writes: Record<VariantName, { confirms: number; before: TableStats; after: TableStats }>;
}

export interface RunSettings {
  rounds: number;
  confirmsPerPhase: Record<number, number>;
  pool: PoolSettings;
  warmUp: { batches: number; batchSize: number; stable: boolean };
  database: string;
}

export const TARGETS = {
  libraryOverLimit: 0.7,
  cpuOverLimit: 1.8,
  libraryOverNaive: 2,
  sequentialOverheadP50Ms: 1.0,
  roundTrips: 3,
} as const;

interface VariantFigures {
  confirmsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  nodeCpuMsPerConfirm: number;
  postgresCpuMsPerConfirm: number | null;
}

interface Target {
  target: string;
  value: number;
  goal: string;
  met: boolean;
}

/** Medians over the rounds of every per-phase figure; the ratios are ratios of those medians. */
export function confirmResult(m: ConfirmMeasurements, settings: RunSettings) {
  const figures = (phases: readonly PhaseResult[]): VariantFigures => {
    const pg = phases.map((p) => p.cpu.postgresMs);
    return {
      confirmsPerSec: round1(median(phases.map(perSecond))),
      p50Ms: roundMs(median(phases.map((p) => p.latency.p50Ms))),
      p99Ms: roundMs(median(phases.map((p) => p.latency.p99Ms))),
      nodeCpuMsPerConfirm: roundMs(median(phases.map((p) => p.cpu.nodeMs / p.count))),
      postgresCpuMsPerConfirm: pg.every((v) => v !== undefined)
        ? roundMs(median(phases.map((p) => (p.cpu.postgresMs as number) / p.count)))
        : null,
    };
  };
  const byConcurrency: Record<string, Record<VariantName, VariantFigures>> = {};
  const libraryOverLimit: Record<string, number> = {};
  const libraryOverNaive: Record<string, number> = {};
  const cpuOverLimit: Record<string, number> = {};
  for (const c of m.concurrencies) {
    const of = (variant: VariantName) => figures(m.phases[variant].get(c) ?? []);
    const row = { library: of('library'), limit: of('limit'), naive: of('naive') };
    byConcurrency[String(c)] = row;
    libraryOverLimit[String(c)] = ratio(row.library.confirmsPerSec, row.limit.confirmsPerSec);
    libraryOverNaive[String(c)] = ratio(row.library.confirmsPerSec, row.naive.confirmsPerSec);
    cpuOverLimit[String(c)] = ratio(row.library.nodeCpuMsPerConfirm, row.limit.nodeCpuMsPerConfirm);
  }
  const sequential = m.phases.library.get(1) ?? [];
  const sequentialOverheadP50Ms = roundMs(
    median(sequential.map((phase, round) => phase.latency.p50Ms - m.rawHttp[round].latency.p50Ms)),
  );
  const roundTrips = (variant: VariantName): number => {
    const all = [...m.phases[variant].values()].flat();
    return round2(all.reduce((n, p) => n + p.statements, 0) / all.reduce((n, p) => n + p.count, 0));
  };
  const roundTripsPerConfirm = {
    library: roundTrips('library'),
    limit: roundTrips('limit'),
    naive: roundTrips('naive'),
  };
  const writes = (variant: VariantName) => {
    const { confirms, before, after } = m.writes[variant];
    return {
      updatesPerConfirm: round2((after.updates - before.updates) / confirms),
      hotUpdatesPerConfirm: round2((after.hotUpdates - before.hotUpdates) / confirms),
      deadTuplesPerConfirm: round2((after.deadTuples - before.deadTuples) / confirms),
    };
  };
  const writesPerConfirm = { library: writes('library'), limit: writes('limit'), naive: writes('naive') };

  const targets: Target[] = [];
  for (const c of m.concurrencies.filter((c) => c >= 8)) {
    const value = libraryOverLimit[String(c)];
    targets.push({
      target: `libraryOverLimit @${c}`,
      value,
      goal: `≥ ${TARGETS.libraryOverLimit}`,
      met: value >= TARGETS.libraryOverLimit,
    });
  }
  for (const c of m.concurrencies) {
    const value = cpuOverLimit[String(c)];
    targets.push({
      target: `cpuOverLimit @${c}`,
      value,
      goal: `≤ ${TARGETS.cpuOverLimit}`,
      met: value <= TARGETS.cpuOverLimit,
    });
  }
  for (const c of m.concurrencies) {
    const value = libraryOverNaive[String(c)];
    targets.push({
      target: `libraryOverNaive @${c}`,
      value,
      goal: `≥ ${TARGETS.libraryOverNaive}`,
      met: value >= TARGETS.libraryOverNaive,
    });
  }
  targets.push({
    target: 'sequential overhead p50 (library − raw HTTP, @1)',
    value: sequentialOverheadP50Ms,
    goal: `≤ ${TARGETS.sequentialOverheadP50Ms} ms`,
    met: sequentialOverheadP50Ms <= TARGETS.sequentialOverheadP50Ms,
  });
  targets.push({
    target: 'round trips per library confirm',
    value: roundTripsPerConfirm.library,
    goal: `≤ ${TARGETS.roundTrips}`,
    met: roundTripsPerConfirm.library <= TARGETS.roundTrips,
  });

  return {
    libraryOverLimit,
    libraryOverNaive,
    cpuOverLimit,
    byConcurrency,
    sequentialOverheadP50Ms,
    rawHttpP50MsSequential: roundMs(median(m.rawHttp.map((p) => p.latency.p50Ms))),
    roundTripsPerConfirm,
    writesPerConfirm,
    targets,
    rounds: settings.rounds,
    confirmsPerPhase: settings.confirmsPerPhase,
    pool: settings.pool,
    warmUp: settings.warmUp,
    database: settings.database,
    node: process.version,
    cpus: cpus().length,
    date: new Date().toISOString(),
  };
}

export type ConfirmOverheadResult = ReturnType<typeof confirmResult>;

export function confirmReport(result: ConfirmOverheadResult): string {
  const ms = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(3));
  const rows: string[][] = [];
  for (const [c, row] of Object.entries(result.byConcurrency)) {
    for (const variant of ['library', 'limit', 'naive'] as const) {
      const f = row[variant];
      rows.push([
        c,
        variant,
        f.confirmsPerSec.toFixed(1),
        `${ms(f.p50Ms)} / ${ms(f.p99Ms)}`,
        ms(f.nodeCpuMsPerConfirm),
        ms(f.postgresCpuMsPerConfirm),
        String(result.roundTripsPerConfirm[variant]),
      ]);
    }
    rows.push([
      c,
      'library / limit, / naive',
      `${result.libraryOverLimit[c]} , ${result.libraryOverNaive[c]}`,
      '',
      `cpu ×${result.cpuOverLimit[c]}`,
      '',
      '',
    ]);
  }
  const writes = (['library', 'limit', 'naive'] as const).map((variant) => {
    const w = result.writesPerConfirm[variant];
    return [variant, String(w.updatesPerConfirm), String(w.hotUpdatesPerConfirm), String(w.deadTuplesPerConfirm)];
  });
  const targets = result.targets.map((t) => [t.target, String(t.value), t.goal, t.met ? 'met' : 'MISSED']);
  return [
    formatTable(
      [
        'conc.',
        'variant',
        'confirms/s (median)',
        'p50 / p99 ms',
        'node CPU ms/confirm',
        'pg CPU ms/confirm',
        'statements/confirm',
      ],
      rows,
    ),
    '',
    `sequential (concurrency 1): library p50 − raw HTTP p50 = ${ms(result.sequentialOverheadP50Ms)} ms ` +
      `(raw HTTP p50 ${ms(result.rawHttpP50MsSequential)} ms)`,
    '',
    formatTable(['payments table, per confirm', 'n_tup_upd', 'n_tup_hot_upd', 'n_dead_tup Δ'], writes),
    '',
    formatTable(['target', 'value', 'goal', 'result'], targets),
    '',
    `${result.rounds} rounds, confirms per phase ${JSON.stringify(result.confirmsPerPhase)}, pool max ${result.pool.max} ` +
      `idleTimeoutMillis ${result.pool.idleTimeoutMillis}, warm-up ${result.warmUp.batches} batches of ` +
      `${result.warmUp.batchSize} (${result.warmUp.stable ? 'settled' : 'never settled'}), ${result.database}, ` +
      `node ${result.node}, ${result.cpus} cpus`,
  ].join('\n');
}

function ratio(a: number, b: number): number {
  return b > 0 ? round2(a / b) : 0;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
