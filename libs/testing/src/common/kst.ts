/**
 * Korea Standard Time for the simulators: every gateway here stamps its answers in KST wall-clock time, each in its
 * own layout (ISO 8601 with an offset at Toss and NicePay, `yyyyMMddHHmmss` at KISPG, `yyyy-MM-dd HH:mm:ss` at
 * Apps-in-Toss). The layouts stay with each gateway; the calendar arithmetic lives here once.
 */

/** KST has no daylight saving: a fixed +09:00 offset. */
export const KST_OFFSET_MS = 9 * 60 * 60 * 1000;

export const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

export interface KstParts {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

/** The KST calendar fields of an instant. */
export function kstParts(date: Date): KstParts {
  const shifted = new Date(date.getTime() + KST_OFFSET_MS);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
    ms: shifted.getUTCMilliseconds(),
  };
}

/** `yyyyMMddHHmmss` in KST. */
export function kstCompact(date: Date): string {
  const p = kstParts(date);
  return `${p.year}${pad(p.month)}${pad(p.day)}${pad(p.hour)}${pad(p.minute)}${pad(p.second)}`;
}

/**
 * The instant of a KST wall-clock time, or undefined when the fields name no real time (2024-02-30, 24:00, 60 s):
 * parsers refuse such input rather than let Date.UTC roll it over into the next month or day.
 */
export function kstInstant(fields: Omit<KstParts, 'ms'> & { ms?: number }): Date | undefined {
  const { year, month, day, hour, minute, second, ms = 0 } = fields;
  const utcMs = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(utcMs);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  return new Date(utcMs - KST_OFFSET_MS);
}
