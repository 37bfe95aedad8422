import { BillingKeyStatus } from '../domain/payment-status';
import { InvalidInputError } from '../domain/errors';
import { newId } from '../domain/ids';
import type { BillingKey } from '../entities/billing-key.entity';
import type { Subscription } from '../entities/subscription.entity';
import {
  firstChargeDate,
  formatLocalDate,
  isTimeZone,
  localDateOf,
  occurrenceInstant,
  parseLocalDate,
  parseLocalTime,
  type IntervalUnit,
  type LocalDate,
} from './billing-calendar';
import type { CreateSubscriptionDto } from './billing.dto';
import { dunningProblems, type ResolvedBillingOptions } from './billing-options';
import { SubscriptionStatus } from './billing-status';
import { scheduleOf } from './subscription-schedule';

/** Refuses a billing key that is not ACTIVE, or is another customer's or another gateway's. Names `billingKeyId`. */
export function assertUsableBillingKey(key: BillingKey, customerKey: string, gateway: string): void {
  if (key.status !== BillingKeyStatus.ACTIVE) {
    throw new InvalidInputError('billingKeyId', `billing key ${key.id} is ${key.status}`);
  }
  if (key.gateway !== gateway) throw new InvalidInputError('billingKeyId', `belongs to gateway ${key.gateway}`);
  if (key.customerKey !== customerKey) throw new InvalidInputError('billingKeyId', 'belongs to another customer');
}

/**
 * The row of a new subscription (not saved): its calendar fixed from the input and the option defaults, cycle 1's
 * date the first the rule gives on or after the start date (today in its zone, plus the trial), and `next_charge_at`
 * that date at the local charge time. Every refusal is an InvalidInputError naming the field.
 */
export function newSubscriptionRow(
  dto: CreateSubscriptionDto,
  defaults: ResolvedBillingOptions,
  now: Date,
): Subscription {
  const timeZone = dto.timeZone ?? defaults.timeZone;
  if (!isTimeZone(timeZone)) throw new InvalidInputError('timeZone', 'must be an IANA time zone such as Asia/Seoul');
  const chargeTime = dto.chargeTime ?? defaults.chargeTime;
  if (!parseLocalTime(chargeTime)) throw new InvalidInputError('chargeTime', 'must be HH:mm');
  if ((dto.taxFreeAmount ?? 0) > dto.amount) throw new InvalidInputError('taxFreeAmount', 'must not exceed amount');
  const dunning = { ...defaults.dunning, ...dto.dunning };
  const [dunningProblem] = dunningProblems(dunning, 'dunning');
  if (dunningProblem) throw new InvalidInputError(dunningProblem.split(':')[0], dunningProblem.split(': ')[1]);

  const start = startDate(dto, timeZone, now);
  const { unit, count, anchorDay, anchorMonth } = intervalRule(dto, start);
  const firstDate = firstChargeDate({ unit, anchorDay, anchorMonth }, start);
  const row = {
    id: newId(),
    gateway: dto.gateway,
    customerKey: dto.customerKey,
    billingKeyId: dto.billingKeyId,
    orderName: dto.orderName,
    amount: dto.amount,
    taxFreeAmount: dto.taxFreeAmount ?? 0,
    pendingAmount: null,
    pendingTaxFreeAmount: null,
    intervalUnit: unit,
    intervalCount: count,
    anchorDay,
    anchorMonth,
    firstChargeDate: formatLocalDate(firstDate),
    chargeTime,
    timeZone,
    currentPeriodStart: null,
    currentPeriodEnd: null,
    nextChargeAt: null as Date | null,
    cycleNo: 0,
    status: dto.trialDays ? SubscriptionStatus.TRIALING : SubscriptionStatus.ACTIVE,
    statusReason: null,
    dunning,
    metadata: dto.metadata ?? null,
    cancelAtPeriodEnd: false,
    canceledAt: null,
  } as Subscription;
  row.nextChargeAt = occurrenceInstant(scheduleOf(row), 0);
  return row;
}

function startDate(dto: CreateSubscriptionDto, timeZone: string, now: Date): LocalDate {
  const base = dto.startDate ? parseLocalDate(dto.startDate) : localDateOf(now, timeZone);
  if (!base) throw new InvalidInputError('startDate', 'must be a valid date YYYY-MM-DD');
  if (!dto.trialDays) return base;
  const shifted = new Date(Date.UTC(base.year, base.month - 1, base.day + dto.trialDays));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

function intervalRule(
  dto: CreateSubscriptionDto,
  start: LocalDate,
): { unit: IntervalUnit; count: number; anchorDay: number; anchorMonth: number | null } {
  const { unit, every, anchorDay, anchorMonth } = dto.interval;
  if (unit !== 'DAY' && every !== undefined) throw new InvalidInputError('interval.every', 'only for unit DAY');
  if (unit !== 'YEAR' && anchorMonth !== undefined) {
    throw new InvalidInputError('interval.anchorMonth', 'only for unit YEAR');
  }
  if (unit === 'DAY') {
    if (anchorDay !== undefined) throw new InvalidInputError('interval.anchorDay', 'not for unit DAY');
    return { unit, count: every ?? 1, anchorDay: start.day, anchorMonth: null };
  }
  return {
    unit,
    count: 1,
    anchorDay: anchorDay ?? start.day,
    anchorMonth: unit === 'YEAR' ? (anchorMonth ?? start.month) : null,
  };
}
