import type {
  BillingKeyView as BillingKeyRow,
  CashReceiptView as CashReceiptRow,
  PaymentCancelView as PaymentCancelRow,
  PaymentView as PaymentRow,
} from 'nestjs-kr-payments';

/*
 * What the shop's API shows of what PaymentsService returns. An explicit allow-list, in the shop's own field names:
 * the library's views already leave out the gateway body, hashes and version counters, and the shop's clients need
 * less still (no attempt keys, timestamps of internal steps or metadata).
 */

export interface OrderView {
  paymentId: string;
  gateway: string;
  orderId: string;
  orderName: string;
  type: string;
  method: string | null;
  status: string;
  amount: number;
  /** What can still be refunded. */
  balanceAmount: number;
  canceledAmount: number;
  /** Reserved by cancels whose gateway answer is not in yet. */
  pendingCancelAmount: number;
  taxFreeAmount: number;
  vat: number | null;
  approvedAt: string | null;
  virtualAccount: {
    bankCode: string | null;
    accountNumber: string;
    holderName: string | null;
    dueDate: string | null;
  } | null;
  receiptUrl: string | null;
  failure: { code: string; message: string | null } | null;
  cancels?: CancelView[];
}

export interface CancelView {
  cancelId: string;
  status: string;
  amount: number;
  taxFreeAmount: number;
  reason: string;
  canceledAt: string | null;
  failure: { code: string; message: string | null } | null;
}

export interface BillingKeyView {
  billingKeyId: string;
  gateway: string;
  customerKey: string;
  status: string;
  method: string | null;
  card: { issuerCode: string | null; maskedNumber: string | null; type: string | null };
  authenticatedAt: string | null;
  deletedAt: string | null;
}

export interface CashReceiptView {
  cashReceiptId: string;
  gateway: string;
  paymentId: string | null;
  orderId: string;
  type: string;
  status: string;
  amount: number;
  taxFreeAmount: number;
  issueNumber: string | null;
  receiptUrl: string | null;
  issuedAt: string | null;
  canceledAt: string | null;
  failure: { code: string; message: string | null } | null;
}

export function toOrderView(payment: PaymentRow, cancels?: PaymentCancelRow[]): OrderView {
  return {
    paymentId: payment.id,
    gateway: payment.gateway,
    orderId: payment.orderId,
    orderName: payment.orderName,
    type: payment.type,
    method: payment.method,
    status: payment.status,
    amount: payment.amount,
    balanceAmount: payment.balanceAmount,
    canceledAmount: payment.canceledAmount,
    pendingCancelAmount: payment.pendingCancelAmount,
    taxFreeAmount: payment.taxFreeAmount,
    vat: payment.vat,
    approvedAt: iso(payment.approvedAt),
    virtualAccount: payment.virtualAccountNumber
      ? {
          bankCode: payment.virtualAccountBankCode,
          accountNumber: payment.virtualAccountNumber,
          holderName: payment.virtualAccountHolderName,
          dueDate: iso(payment.virtualAccountDueDate),
        }
      : null,
    receiptUrl: payment.receiptUrl,
    failure: payment.failureCode ? { code: payment.failureCode, message: payment.failureMessage } : null,
    ...(cancels ? { cancels: cancels.map(toCancelView) } : {}),
  };
}

export function toCancelView(cancel: PaymentCancelRow): CancelView {
  return {
    cancelId: cancel.id,
    status: cancel.status,
    amount: cancel.amount,
    taxFreeAmount: cancel.taxFreeAmount,
    reason: cancel.reason,
    canceledAt: iso(cancel.canceledAt),
    failure: cancel.failureCode ? { code: cancel.failureCode, message: cancel.failureMessage } : null,
  };
}

export function toBillingKeyView(billingKey: BillingKeyRow): BillingKeyView {
  return {
    billingKeyId: billingKey.id,
    gateway: billingKey.gateway,
    customerKey: billingKey.customerKey,
    status: billingKey.status,
    method: billingKey.method,
    card: {
      issuerCode: billingKey.cardIssuerCode,
      maskedNumber: billingKey.cardNumberMasked,
      type: billingKey.cardType,
    },
    authenticatedAt: iso(billingKey.authenticatedAt),
    deletedAt: iso(billingKey.deletedAt),
  };
}

export function toCashReceiptView(receipt: CashReceiptRow): CashReceiptView {
  return {
    cashReceiptId: receipt.id,
    gateway: receipt.gateway,
    paymentId: receipt.paymentId,
    orderId: receipt.orderId,
    type: receipt.type,
    status: receipt.status,
    amount: receipt.amount,
    taxFreeAmount: receipt.taxFreeAmount,
    issueNumber: receipt.issueNumber,
    receiptUrl: receipt.receiptUrl,
    issuedAt: iso(receipt.issuedAt),
    canceledAt: iso(receipt.canceledAt),
    failure: receipt.failureCode ? { code: receipt.failureCode, message: receipt.failureMessage } : null,
  };
}

function iso(date: Date | null | undefined): string | null {
  return date ? new Date(date).toISOString() : null;
}
