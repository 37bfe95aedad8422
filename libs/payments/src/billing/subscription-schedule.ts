import type { Subscription } from '../entities/subscription.entity';
import {
  localDateOf,
  occurrenceInstant,
  parseLocalDate,
  parseLocalTime,
  zonedInstant,
  type BillingSchedule,
  type LocalDate,
} from './billing-calendar';

/** The calendar of a stored subscription (its columns were validated when it was created). */
export function scheduleOf(subscription: Subscription): BillingSchedule {
  return {
    unit: subscription.intervalUnit,
    count: subscription.intervalCount,
    anchorDay: subscription.anchorDay,
    anchorMonth: subscription.anchorMonth,
    firstDate: parseLocalDate(subscription.firstChargeDate) as LocalDate,
    chargeTime: parseLocalTime(subscription.chargeTime) as { hour: number; minute: number },
    timeZone: subscription.timeZone,
  };
}

/** Cycle `cycleNo` (1-based) covers [start, end): from its occurrence to the next one. */
export function periodOf(schedule: BillingSchedule, cycleNo: number): { start: Date; end: Date } {
  return { start: occurrenceInstant(schedule, cycleNo - 1), end: occurrenceInstant(schedule, cycleNo) };
}

/**
 * When dunning retry `index` (0-based) of a cycle due at `dueAt` runs: `retryDays[index]` local days after the due
 * date, at the subscription's local charge time (null when the policy has no more retries).
 */
export function dunningRetryAt(subscription: Subscription, dueAt: Date, index: number): Date | null {
  const days = subscription.dunning.retryDays[index];
  if (days === undefined) return null;
  const schedule = scheduleOf(subscription);
  const due = localDateOf(dueAt, schedule.timeZone);
  const shifted = new Date(Date.UTC(due.year, due.month - 1, due.day + days));
  const date = { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
  return zonedInstant(date, schedule.chargeTime, schedule.timeZone);
}
