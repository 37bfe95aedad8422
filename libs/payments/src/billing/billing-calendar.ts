/**
 * The recurring-billing calendar: pure functions, no clock, no database. Every cycle's date is computed from the
 * subscription's anchor and its index, never from the previous cycle's date, so a short month never drags later
 * cycles earlier: anchor 31 gives Jan 31 → Feb 28 (29) → Mar 31 → Apr 30. Dates are local to the subscription's IANA
 * zone; the instants we store are UTC (10:00 in Asia/Seoul is 01:00 UTC the same day, 00:30 KST the previous UTC day).
 */

export interface LocalDate {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
}

export interface LocalTime {
  hour: number;
  minute: number;
}

export type IntervalUnit = 'MONTH' | 'DAY' | 'YEAR';

export interface BillingSchedule {
  unit: IntervalUnit;
  /** DAY: every `count` days. MONTH / YEAR: 1. */
  count: number;
  /** MONTH / YEAR: the anchor day (1–31); a month without it uses its last day. */
  anchorDay: number;
  /** YEAR: the anchor month (1–12). */
  anchorMonth: number | null;
  /** The local date of cycle 1 (occurrence 0). */
  firstDate: LocalDate;
  chargeTime: LocalTime;
  timeZone: string;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The local date of occurrence `k` (0-based): always from the anchor, clamped to the month's last day. */
export function occurrenceDate(schedule: BillingSchedule, k: number): LocalDate {
  const { firstDate } = schedule;
  if (schedule.unit === 'DAY') {
    const utc = new Date(Date.UTC(firstDate.year, firstDate.month - 1, firstDate.day + k * schedule.count));
    return { year: utc.getUTCFullYear(), month: utc.getUTCMonth() + 1, day: utc.getUTCDate() };
  }
  if (schedule.unit === 'YEAR') {
    const year = firstDate.year + k;
    const month = schedule.anchorMonth ?? firstDate.month;
    return { year, month, day: Math.min(schedule.anchorDay, daysInMonth(year, month)) };
  }
  const monthIndex = firstDate.year * 12 + (firstDate.month - 1) + k;
  const year = Math.floor(monthIndex / 12);
  const month = (monthIndex % 12) + 1;
  return { year, month, day: Math.min(schedule.anchorDay, daysInMonth(year, month)) };
}

/** The UTC instant of occurrence `k`: its local date at the charge time in the subscription's zone. */
export function occurrenceInstant(schedule: BillingSchedule, k: number): Date {
  return zonedInstant(occurrenceDate(schedule, k), schedule.chargeTime, schedule.timeZone);
}

/** The first date on or after `start` that the rule produces: where cycle 1 of a new subscription falls. */
export function firstChargeDate(
  rule: { unit: IntervalUnit; anchorDay: number; anchorMonth: number | null },
  start: LocalDate,
): LocalDate {
  if (rule.unit === 'DAY') return start;
  const probe: BillingSchedule = {
    unit: rule.unit,
    count: 1,
    anchorDay: rule.anchorDay,
    anchorMonth: rule.anchorMonth,
    firstDate: rule.unit === 'YEAR' ? { year: start.year, month: rule.anchorMonth ?? 1, day: 1 } : { ...start, day: 1 },
    chargeTime: { hour: 0, minute: 0 },
    timeZone: 'UTC',
  };
  const candidate = occurrenceDate(probe, 0);
  return compareDates(candidate, start) >= 0 ? candidate : occurrenceDate(probe, 1);
}

/**
 * The index of the period `now` falls in, starting the search at `fromK`: the largest k >= fromK whose instant is
 * <= now (or fromK when even that one is in the future). After downtime this is the one cycle worth charging.
 */
export function currentOccurrence(schedule: BillingSchedule, fromK: number, now: Date): number {
  let k = fromK;
  while (occurrenceInstant(schedule, k + 1).getTime() <= now.getTime()) k += 1;
  return k;
}

export function compareDates(a: LocalDate, b: LocalDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

export function formatLocalDate(date: LocalDate): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

export function parseLocalDate(text: string): LocalDate | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

export function parseLocalTime(text: string): LocalTime | null {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return match ? { hour: Number(match[1]), minute: Number(match[2]) } : null;
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The local calendar date of an instant in a zone. */
export function localDateOf(instant: Date, timeZone: string): LocalDate {
  const parts = wallClock(instant, timeZone);
  return { year: parts.year, month: parts.month, day: parts.day };
}

/**
 * The UTC instant of a local wall-clock time in a zone. The zone's offset is read at a first guess and again at the
 * result, which settles on the right side of an offset change; a wall time skipped by a DST jump lands after it.
 */
export function zonedInstant(date: LocalDate, time: LocalTime, timeZone: string): Date {
  const wall = Date.UTC(date.year, date.month - 1, date.day, time.hour, time.minute);
  const first = wall - offsetMs(new Date(wall), timeZone);
  const second = wall - offsetMs(new Date(first), timeZone);
  return new Date(second);
}

/** How far the zone's wall clock is ahead of UTC at `instant`. */
export function offsetMs(instant: Date, timeZone: string): number {
  const p = wallClock(instant, timeZone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(instant.getTime() / 1000) * 1000;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(instant: Date, timeZone: string): LocalDate & LocalTime & { second: number } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((part) => part.type === type)?.value);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}
