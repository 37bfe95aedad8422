import type { ReconcileRequest } from 'nestjs-kr-payments';
import type { RssSampler } from './reconcile-memory';

/** One stage of the run: wall time and the highest RSS sampled in it. */
export interface Phase {
  name: string;
  ms: number;
  peakRssMb: number;
}

/** The progress event the run hands to `onProgress`. */
export type ReconcileProgress = Parameters<NonNullable<ReconcileRequest['onProgress']>>[0];

export interface ProgressEvent {
  stage: ReconcileProgress['stage'];
  at: number;
}

/**
 * The run's stages from its progress events (`onProgress`, which the run emits at START, after each committed PAGE,
 * after each RECHECK batch, and as MATCH and REPAIR begin): paging = call → last committed page; then the staging
 * table's ANALYZE and the rechecks → matching → repairs and the run's bookkeeping, up to the answer.
 */
export function phaseBreakdown(
  startedAt: number,
  endedAt: number,
  events: readonly ProgressEvent[],
  sampler: RssSampler,
): Phase[] {
  const last = (stage: ProgressEvent['stage']) => events.filter((e) => e.stage === stage).pop()?.at;
  const match = last('MATCH') ?? endedAt;
  const repair = last('REPAIR') ?? endedAt;
  const paged = last('PAGE') ?? startedAt;
  const bounds: Array<[string, number, number]> = [
    ['list pages (fetch + stage)', startedAt, paged],
    ['ANALYZE + rechecks', paged, match],
    ['matching', match, repair],
    ['repairs + finish', repair, endedAt],
  ];
  return bounds.map(([name, from, to]) => ({
    name,
    ms: Math.round(to - from),
    peakRssMb: sampler.peakMb(from, to),
  }));
}
