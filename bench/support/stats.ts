/**
 * Latency statistics for the benchmarks. Samples are milliseconds from `performance.now()` differences (floats are
 * fine here: they are durations, never money).
 */
export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
}

/**
 * Nearest-rank percentile (the smallest sample with at least `fraction` of all samples at or below it), so a
 * reported p99 is a latency some request really had rather than an interpolation between two.
 */
export function percentile(sortedMs: Float64Array, fraction: number): number {
  if (sortedMs.length === 0) throw new RangeError('percentile of an empty sample');
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`percentile fraction must be in (0, 1], got ${fraction}`);
  const rank = Math.ceil(fraction * sortedMs.length);
  return sortedMs[rank - 1];
}

export function summarize(samplesMs: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samplesMs).sort();
  let total = 0;
  for (const sample of sorted) total += sample;
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    meanMs: total / sorted.length,
    maxMs: sorted[sorted.length - 1],
  };
}

/** Milliseconds rounded to microseconds: enough precision for a table and a JSON file, no float noise. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
