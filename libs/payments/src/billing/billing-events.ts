import type { BillingAttempt } from '../entities/billing-attempt.entity';
import type { BillingCycle } from '../entities/billing-cycle.entity';
import type { BillingChargeEventPayload, PaymentEventDraft, PaymentEventType } from '../events/payment-events';
import type { AttemptVerdict } from './billing-settlement';

/** Final outcomes a host hears about; retries in progress (TRANSIENT, UNKNOWN) are not news yet. */
const VERDICT_EVENTS: Partial<Record<AttemptVerdict, PaymentEventType[]>> = {
  PAID: ['billing.charge_succeeded'],
  HARD_DECLINE: ['billing.charge_failed'],
  SOFT_DECLINE: ['billing.charge_failed'],
  DUNNING_EXHAUSTED: ['billing.charge_failed', 'billing.dunning_exhausted'],
};

/** The events of one settled attempt, keyed by its subscription so a subscription's events arrive in order. */
export function billingAttemptEvents(
  verdict: AttemptVerdict,
  attempt: BillingAttempt,
  cycle: BillingCycle,
  settled: { paymentId: string | null; declineClass?: string | null; declineCode?: string | null },
): PaymentEventDraft[] {
  const payload: BillingChargeEventPayload = {
    subscriptionId: cycle.subscriptionId,
    cycleId: cycle.id,
    cycleNumber: cycle.cycleNo,
    attemptId: attempt.id,
    paymentId: settled.paymentId,
    orderId: attempt.orderId,
    amount: cycle.amount,
    declineClass: settled.declineClass ?? null,
    failureCode: settled.declineCode ?? null,
  };
  return (VERDICT_EVENTS[verdict] ?? []).map((type) => ({
    type,
    aggregateType: 'subscription',
    aggregateId: cycle.subscriptionId,
    payload,
  }));
}
