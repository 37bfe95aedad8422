/**
 * The money events the library publishes (docs/architecture.md#events). Each is written to the outbox in the same
 * transaction as the change it reports and delivered at least once through @nestjs/event-emitter under
 * `payments.<type>`; `id` stays the same across redeliveries, so a handler dedupes on it.
 */
export const PAYMENT_EVENT_PREFIX = 'payments.';

export interface PaymentEventPayload {
  paymentId: string;
  gateway: string;
  orderId: string;
  /** Status after the change, and before it (null for the first event of a payment). */
  status: string;
  previousStatus: string | null;
  /** Integer KRW. */
  amount: number;
  balanceAmount: number;
  canceledAmount: number;
  customerKey: string | null;
  method: string | null;
  failureCode: string | null;
}

export interface CancelEventPayload {
  cancelId: string;
  paymentId: string;
  gateway: string;
  orderId: string;
  /** Integer KRW asked to cancel. */
  amount: number;
  status: string;
  failureCode: string | null;
}

export interface BillingKeyEventPayload {
  billingKeyId: string;
  gateway: string;
  customerKey: string;
}

export interface BillingChargeEventPayload {
  subscriptionId: string;
  cycleId: string;
  cycleNumber: number;
  attemptId: string;
  paymentId: string | null;
  orderId: string;
  /** Integer KRW. */
  amount: number;
  declineClass: string | null;
  failureCode: string | null;
}

export interface ReconciliationMismatchPayload {
  runId: string;
  itemId: string;
  gateway: string;
  category: string;
  paymentId: string | null;
  orderId: string | null;
  expectedAmount: number | null;
  actualAmount: number | null;
}

/** Event type (without the prefix) → payload. */
export interface PaymentEventPayloads {
  'payment.paid': PaymentEventPayload;
  'payment.failed': PaymentEventPayload;
  'payment.canceled': PaymentEventPayload;
  'payment.partially_canceled': PaymentEventPayload;
  'payment.unknown': PaymentEventPayload;
  'payment.expired': PaymentEventPayload;
  'payment.waiting_for_deposit': PaymentEventPayload;
  'cancel.succeeded': CancelEventPayload;
  'cancel.failed': CancelEventPayload;
  'billing_key.deleted': BillingKeyEventPayload;
  'billing.charge_succeeded': BillingChargeEventPayload;
  'billing.charge_failed': BillingChargeEventPayload;
  'billing.dunning_exhausted': BillingChargeEventPayload;
  'reconciliation.mismatch': ReconciliationMismatchPayload;
}

export type PaymentEventType = keyof PaymentEventPayloads;

export const PAYMENT_EVENT_TYPES: readonly PaymentEventType[] = [
  'payment.paid',
  'payment.failed',
  'payment.canceled',
  'payment.partially_canceled',
  'payment.unknown',
  'payment.expired',
  'payment.waiting_for_deposit',
  'cancel.succeeded',
  'cancel.failed',
  'billing_key.deleted',
  'billing.charge_succeeded',
  'billing.charge_failed',
  'billing.dunning_exhausted',
  'reconciliation.mismatch',
];

/** What a handler receives. */
export interface PaymentsEvent<T extends PaymentEventType = PaymentEventType> {
  /** Stable across redeliveries: dedupe on it. */
  id: string;
  /** `payments.<type>`, the event-emitter name. */
  name: string;
  type: T;
  aggregateType: 'payment' | 'cancel' | 'billing_key' | 'subscription' | 'reconciliation_run';
  aggregateId: string;
  /** When the change committed (ISO 8601). */
  occurredAt: string;
  /** 1 on the first delivery, 2 after a handler threw once, ... */
  attempt: number;
  payload: PaymentEventPayloads[T];
}

/** An event about to be written to the outbox with its change. */
export interface PaymentEventDraft<T extends PaymentEventType = PaymentEventType> {
  type: T;
  aggregateType: PaymentsEvent['aggregateType'];
  aggregateId: string;
  payload: PaymentEventPayloads[T];
}

export function paymentEventName(type: PaymentEventType): string {
  return `${PAYMENT_EVENT_PREFIX}${type}`;
}
