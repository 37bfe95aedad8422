import type { BillingAttempt, BillingCycleView, SubscriptionView as SubscriptionRow } from 'nestjs-kr-payments';

/*
 * What the shop's API shows of a subscription and its cycles: an allow-list, like shop.views.ts. The attempts also hold
 * lease owners and fencing counters, which only the billing engine needs.
 */

export interface SubscriptionView {
  subscriptionId: string;
  gateway: string;
  customerKey: string;
  billingKeyId: string;
  orderName: string;
  amount: number;
  taxFreeAmount: number;
  /** From the next cycle created (changeAmount); null when no change waits. */
  pendingAmount: number | null;
  interval: { unit: string; every: number; anchorDay: number; anchorMonth: number | null };
  firstChargeDate: string;
  chargeTime: string;
  timeZone: string;
  status: string;
  /** Why it is PAST_DUE / UNPAID ('payment method required', 'payment declined', ...). */
  statusReason: string | null;
  cycleNo: number;
  currentPeriodStart: string | null;
  currentPeriodEnd: string | null;
  nextChargeAt: string | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: string | null;
  dunning: { retryDays: number[]; finalAction: string };
}

export interface AttemptView {
  attemptId: string;
  attemptNo: number;
  /** The orderId the gateway saw (one per attempt, for life). */
  orderId: string;
  paymentId: string | null;
  status: string;
  decline: { class: string | null; code: string | null; message: string | null } | null;
  finishedAt: string | null;
}

export interface CycleView {
  cycleId: string;
  cycleNo: number;
  status: string;
  amount: number;
  taxFreeAmount: number;
  periodStart: string;
  periodEnd: string;
  dueAt: string;
  /** When the next try is due; null when none is planned (paid, or waiting for a new payment method). */
  nextAttemptAt: string | null;
  paymentId: string | null;
  paidAt: string | null;
  attempts: AttemptView[];
}

export function toSubscriptionView(row: SubscriptionRow): SubscriptionView {
  return {
    subscriptionId: row.id,
    gateway: row.gateway,
    customerKey: row.customerKey,
    billingKeyId: row.billingKeyId,
    orderName: row.orderName,
    amount: row.amount,
    taxFreeAmount: row.taxFreeAmount,
    pendingAmount: row.pendingAmount,
    interval: {
      unit: row.intervalUnit,
      every: row.intervalCount,
      anchorDay: row.anchorDay,
      anchorMonth: row.anchorMonth,
    },
    firstChargeDate: row.firstChargeDate,
    chargeTime: row.chargeTime,
    timeZone: row.timeZone,
    status: row.status,
    statusReason: row.statusReason,
    cycleNo: row.cycleNo,
    currentPeriodStart: iso(row.currentPeriodStart),
    currentPeriodEnd: iso(row.currentPeriodEnd),
    nextChargeAt: iso(row.nextChargeAt),
    cancelAtPeriodEnd: row.cancelAtPeriodEnd,
    canceledAt: iso(row.canceledAt),
    dunning: { retryDays: row.dunning.retryDays, finalAction: row.dunning.finalAction },
  };
}

export function toCycleView(cycle: BillingCycleView): CycleView {
  return {
    cycleId: cycle.id,
    cycleNo: cycle.cycleNo,
    status: cycle.status,
    amount: cycle.amount,
    taxFreeAmount: cycle.taxFreeAmount,
    periodStart: new Date(cycle.periodStart).toISOString(),
    periodEnd: new Date(cycle.periodEnd).toISOString(),
    dueAt: new Date(cycle.dueAt).toISOString(),
    nextAttemptAt: iso(cycle.nextAttemptAt),
    paymentId: cycle.paymentId,
    paidAt: iso(cycle.paidAt),
    attempts: cycle.attempts.map(toAttemptView),
  };
}

function toAttemptView(attempt: BillingAttempt): AttemptView {
  return {
    attemptId: attempt.id,
    attemptNo: attempt.attemptNo,
    orderId: attempt.orderId,
    paymentId: attempt.paymentId,
    status: attempt.status,
    decline: attempt.declineCode
      ? { class: attempt.declineClass, code: attempt.declineCode, message: attempt.declineMessage }
      : null,
    finishedAt: iso(attempt.finishedAt),
  };
}

function iso(date: Date | null | undefined): string | null {
  return date ? new Date(date).toISOString() : null;
}
