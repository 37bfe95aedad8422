import { CancelStatus, PaymentStatus } from '../domain/payment-status';
import type { BillingKey } from '../entities/billing-key.entity';
import type { PaymentCancel } from '../entities/payment-cancel.entity';
import type { Payment } from '../entities/payment.entity';
import type { PaymentEventDraft, PaymentEventPayload, PaymentEventType } from './payment-events';

/** The statuses a host hears about; READY and IN_PROGRESS are our own bookkeeping. */
const STATUS_EVENTS: Partial<Record<PaymentStatus, PaymentEventType>> = {
  [PaymentStatus.PAID]: 'payment.paid',
  [PaymentStatus.FAILED]: 'payment.failed',
  [PaymentStatus.CANCELED]: 'payment.canceled',
  [PaymentStatus.PARTIALLY_CANCELED]: 'payment.partially_canceled',
  [PaymentStatus.UNKNOWN]: 'payment.unknown',
  [PaymentStatus.EXPIRED]: 'payment.expired',
  [PaymentStatus.WAITING_FOR_DEPOSIT]: 'payment.waiting_for_deposit',
};

/** Whether a move to this status is published (and so must be written with its event in one transaction). */
export function emitsEvent(status: PaymentStatus): boolean {
  return STATUS_EVENTS[status] !== undefined;
}

export interface PaymentSnapshot {
  status: PaymentStatus;
  canceledAmount: number;
}

/**
 * The event a payment change produces: a new status, or a further partial cancel that keeps it PARTIALLY_CANCELED.
 * Nothing when the status and the canceled amount are unchanged (a duplicate webhook, a repeated sync).
 */
export function paymentChangeEvents(before: PaymentSnapshot, after: Payment): PaymentEventDraft[] {
  const statusChanged = before.status !== after.status;
  const furtherCancel =
    after.status === PaymentStatus.PARTIALLY_CANCELED && after.canceledAmount > before.canceledAmount;
  if (!statusChanged && !furtherCancel) return [];
  const type = STATUS_EVENTS[after.status];
  if (!type) return [];
  return [{ type, aggregateType: 'payment', aggregateId: after.id, payload: paymentPayload(after, before.status) }];
}

export function paymentPayload(payment: Payment, previousStatus: PaymentStatus | null): PaymentEventPayload {
  return {
    paymentId: payment.id,
    gateway: payment.gateway,
    orderId: payment.orderId,
    status: payment.status,
    previousStatus,
    amount: payment.amount,
    balanceAmount: payment.balanceAmount,
    canceledAmount: payment.canceledAmount,
    customerKey: payment.customerKey ?? null,
    method: payment.method ?? null,
    failureCode: payment.failureCode ?? null,
  };
}

/** A cancel row that reached DONE or FAILED in this change. */
export function cancelChangeEvents(
  payment: Payment,
  cancel: PaymentCancel,
  previousStatus: CancelStatus | undefined,
): PaymentEventDraft[] {
  if (previousStatus === cancel.status) return [];
  const type =
    cancel.status === CancelStatus.DONE
      ? 'cancel.succeeded'
      : cancel.status === CancelStatus.FAILED
        ? 'cancel.failed'
        : null;
  if (!type) return [];
  return [
    {
      type,
      aggregateType: 'payment',
      aggregateId: payment.id,
      payload: {
        cancelId: cancel.id,
        paymentId: payment.id,
        gateway: payment.gateway,
        orderId: payment.orderId,
        amount: cancel.amount,
        status: cancel.status,
        failureCode: cancel.failureCode ?? null,
      },
    },
  ];
}

export function billingKeyDeletedEvent(key: BillingKey): PaymentEventDraft<'billing_key.deleted'> {
  return {
    type: 'billing_key.deleted',
    aggregateType: 'billing_key',
    aggregateId: key.id,
    payload: { billingKeyId: key.id, gateway: key.gateway, customerKey: key.customerKey },
  };
}
