import { InvalidInputError } from '../domain/errors';

/** Korea has no daylight saving time: Asia/Seoul is UTC+9 all year. */
const KST_OFFSET_MS = 9 * 60 * 60_000;
const DAY_MS = 24 * 60 * 60_000;
/**
 * Rows this close to a day boundary are not judged by the day they fall in: our clock and the gateway's may put the
 * same transaction on either side of midnight. Our rows in the last 10 minutes of a day are checked by the next day's
 * run instead (with a read-back), so nothing is flagged missing because of a few minutes of skew.
 */
export const BOUNDARY_MARGIN_MS = 10 * 60_000;

/** One KST business day as UTC instants: [start, end). */
export interface BusinessDay {
  date: string;
  start: Date;
  end: Date;
  /** Our rows in [localFrom, localTo) are this run's to check (shifted back by the boundary margin). */
  localFrom: Date;
  localTo: Date;
}

export function businessDay(date: string): BusinessDay {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const startMs = match ? Date.UTC(+match[1], +match[2] - 1, +match[3]) - KST_OFFSET_MS : NaN;
  if (!match || Number.isNaN(startMs) || formatKstDate(new Date(startMs)) !== date) {
    throw new InvalidInputError('date', 'must be a KST calendar date yyyy-MM-dd');
  }
  return {
    date,
    start: new Date(startMs),
    end: new Date(startMs + DAY_MS),
    localFrom: new Date(startMs - BOUNDARY_MARGIN_MS),
    localTo: new Date(startMs + DAY_MS - BOUNDARY_MARGIN_MS),
  };
}

/** `yyyy-MM-dd` of an instant in Asia/Seoul. */
export function formatKstDate(at: Date): string {
  return new Date(at.getTime() + KST_OFFSET_MS).toISOString().slice(0, 10);
}

/** The KST day before the one `now` falls in: what a nightly run reconciles. */
export function previousKstDate(now: Date): string {
  return formatKstDate(new Date(now.getTime() - DAY_MS));
}
