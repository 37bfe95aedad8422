import { AmountMismatchError, OrderMismatchError, PaymentKeyMismatchError } from '../domain/errors';
import { type CancelStatus, PaymentStatus } from '../domain/payment-status';
import type { PaymentCancel } from '../entities/payment-cancel.entity';
import type { Payment } from '../entities/payment.entity';
import type { GatewayPaymentTruth } from '../gateways/gateway.port';
import type { ApplyOptions, ApplySource } from './payment-ledger';

/*
 * The rules `PaymentLedger.apply` uses on a payment row and a gateway truth, whichever way the row is written (under
 * its lock, or by the version-guarded statement): pure functions of the row, the truth and the options.
 */

/** A truth about another order, amount or gateway key is not about this payment and is never applied. */
export function assertTruthIsFor(payment: Payment, truth: GatewayPaymentTruth): void {
  const context = { paymentId: payment.id, gateway: payment.gateway };
  if (truth.orderId !== payment.orderId) throw new OrderMismatchError(payment.orderId, truth.orderId, context);
  if (truth.totalAmount !== payment.amount) throw new AmountMismatchError(payment.amount, truth.totalAmount, context);
  if (payment.gatewayPaymentKey && truth.paymentKey && truth.paymentKey !== payment.gatewayPaymentKey) {
    // Once we hold a gateway key (tid / paymentKey / payToken), a truth about another one is not about this
    // payment: adopting it would send later refunds to someone else's transaction.
    throw new PaymentKeyMismatchError(payment.gatewayPaymentKey, truth.paymentKey, context);
  }
}

/** Copies what the gateway knows and we keep (method, approval time, virtual account, failure, receipt...). */
export function copyTruthDetails(payment: Payment, truth: GatewayPaymentTruth, options: ApplyOptions): void {
  // A key becomes the payment's only with an approval behind it: a read-back of an unapproved window (READY, or still
  // processing) must not pin a key the buyer may replace by coming back through a new window.
  const approved = truth.status !== 'READY' && truth.status !== 'IN_PROGRESS';
  if (approved) payment.gatewayPaymentKey = truth.paymentKey || payment.gatewayPaymentKey;
  payment.method = truth.method ?? payment.method;
  payment.approvedAt = truth.approvedAt ?? payment.approvedAt;
  if (truth.vat !== undefined && truth.vat !== null) payment.vat = truth.vat;
  if (truth.virtualAccount) {
    payment.virtualAccountBankCode = truth.virtualAccount.bankCode;
    payment.virtualAccountNumber = truth.virtualAccount.accountNumber;
    payment.virtualAccountHolderName = truth.virtualAccount.customerName ?? payment.virtualAccountHolderName;
    payment.virtualAccountDueDate = truth.virtualAccount.dueDate ?? payment.virtualAccountDueDate;
  }
  if (truth.failure && (payment.status === PaymentStatus.FAILED || payment.status === PaymentStatus.EXPIRED)) {
    payment.failureCode = truth.failure.code.slice(0, 64);
    payment.failureMessage = truth.failure.message.slice(0, 512);
  }
  payment.lastTransactionKey = truth.lastTransactionKey ?? payment.lastTransactionKey;
  payment.receiptUrl = truth.receiptUrl ?? payment.receiptUrl;
  if (options.billingKeyId) payment.billingKeyId = options.billingKeyId;
  payment.raw = truth.raw ?? payment.raw;
}

/** Truths read from the gateway on our own authenticated call, as opposed to the answer to a call we just made. */
export function isReadBack(source: ApplySource): boolean {
  return source === 'sync' || source === 'webhook';
}

export function persistedFields(payment: Payment) {
  return {
    status: payment.status,
    canceledAmount: payment.canceledAmount,
    pendingCancelAmount: payment.pendingCancelAmount,
    balanceAmount: payment.balanceAmount,
    gatewayPaymentKey: payment.gatewayPaymentKey,
    method: payment.method,
    approvedAt: payment.approvedAt,
    vat: payment.vat,
    virtualAccountBankCode: payment.virtualAccountBankCode,
    virtualAccountNumber: payment.virtualAccountNumber,
    virtualAccountHolderName: payment.virtualAccountHolderName,
    virtualAccountDueDate: payment.virtualAccountDueDate,
    failureCode: payment.failureCode,
    failureMessage: payment.failureMessage,
    lastTransactionKey: payment.lastTransactionKey,
    receiptUrl: payment.receiptUrl,
    billingKeyId: payment.billingKeyId,
    raw: payment.raw as object,
    truthObservedAt: payment.truthObservedAt,
    version: payment.version,
  } satisfies Partial<Payment>;
}

export function sumOf(cancels: PaymentCancel[], statuses: CancelStatus[]): number {
  return cancels.filter((c) => statuses.includes(c.status)).reduce((sum, c) => sum + c.amount, 0);
}
