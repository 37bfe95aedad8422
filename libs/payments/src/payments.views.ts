import type { BillingAttempt } from './entities/billing-attempt.entity';
import type { BillingCycle } from './entities/billing-cycle.entity';
import type { BillingKey } from './entities/billing-key.entity';
import type { CashReceipt } from './entities/cash-receipt.entity';
import type { PaymentCancel } from './entities/payment-cancel.entity';
import type { Payment } from './entities/payment.entity';
import type { Subscription } from './entities/subscription.entity';

/*
 * What the public services return: the stored rows without the columns only the library needs. The scrubbed gateway
 * body (`raw`, see PaymentsService.getRaw), optimistic-lock counters (`version`), encryption key ids, lookup hashes and
 * ciphertexts stay in the database: a host that serializes a result as it is (a controller returning it, a log line)
 * must not publish them. The library itself keeps reading the entities.
 */

const PAYMENT_HIDDEN = ['raw', 'version', 'webhookSecretHash', 'cancels'] as const;
const CANCEL_HIDDEN = ['raw', 'payment'] as const;
const BILLING_KEY_HIDDEN = ['raw', 'version', 'keyId', 'billingKeyHash', 'billingKeyCiphertext'] as const;
const CASH_RECEIPT_HIDDEN = ['raw', 'version', 'keyId', 'identityNumberHash', 'identityNumberCiphertext'] as const;
const VERSIONED_HIDDEN = ['version'] as const;

export type PaymentView = Omit<Payment, (typeof PAYMENT_HIDDEN)[number]>;
export type PaymentCancelView = Omit<PaymentCancel, (typeof CANCEL_HIDDEN)[number]>;
export type BillingKeyView = Omit<BillingKey, (typeof BILLING_KEY_HIDDEN)[number]>;
export type CashReceiptView = Omit<CashReceipt, (typeof CASH_RECEIPT_HIDDEN)[number]>;
export type SubscriptionView = Omit<Subscription, (typeof VERSIONED_HIDDEN)[number]>;
/** A billing cycle with its attempts, oldest first. */
export type BillingCycleView = Omit<BillingCycle, (typeof VERSIONED_HIDDEN)[number]> & { attempts: BillingAttempt[] };

/** A plain copy of `row` without `hidden`, so the result carries neither the keys nor the entity's prototype. */
function without<T extends object, K extends keyof T>(row: T, hidden: readonly K[]): Omit<T, K> {
  const copy: Partial<T> = { ...row };
  for (const key of hidden) delete copy[key];
  return copy as Omit<T, K>;
}

export const toPaymentView = (row: Payment): PaymentView => without(row, PAYMENT_HIDDEN);
export const toPaymentCancelView = (row: PaymentCancel): PaymentCancelView => without(row, CANCEL_HIDDEN);
export const toBillingKeyView = (row: BillingKey): BillingKeyView => without(row, BILLING_KEY_HIDDEN);
export const toCashReceiptView = (row: CashReceipt): CashReceiptView => without(row, CASH_RECEIPT_HIDDEN);
export const toSubscriptionView = (row: Subscription): SubscriptionView => without(row, VERSIONED_HIDDEN);
export const toBillingCycleView = (row: BillingCycle & { attempts: BillingAttempt[] }): BillingCycleView =>
  without(row, VERSIONED_HIDDEN);
