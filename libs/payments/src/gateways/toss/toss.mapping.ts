/**
 * Wire -> port mapping for Toss Payments core API v1: Toss wire objects turned into canonical truths (payment, cancel,
 * billing key, cash receipt, transaction), status and method mapping, Toss dates. No network, no ordering of calls:
 * the flows live in toss.gateway.ts, the request bodies in toss.request-bodies.ts. Unknown fields and enum values are
 * tolerated because Toss adds them without a version bump (docs/gateways/toss.md#forward-compatibility).
 */
import type { LoggerService } from '@nestjs/common';
import type { GatewayUnavailableError } from '../../domain/errors';
import type { BillingKeyTruth, CashReceiptTruth, CashReceiptType, GatewayTransaction } from '../gateway-capabilities';
import { malformedResponseError } from '../gateway-errors';
import { isKrwAmount, isRecord } from '../gateway-fields';
import type {
  CardInfo,
  GatewayCancelTruth,
  GatewayPaymentStatus,
  GatewayPaymentTruth,
  PaymentMethod,
  VirtualAccountInfo,
} from '../gateway.port';
import type { TossResult } from './toss.client';
import type { TossBilling, TossCancel, TossCard, TossCashReceipt, TossPayment, TossTransaction } from './toss.types';

const KST_OFFSET_MS = 9 * 60 * 60 * 1000; // Asia/Seoul has no DST: always UTC+9

/**
 * Toss method literals -> canonical `PaymentMethod`: Korean by default, English names with `Accept-Language: en-US`
 * (docs/gateways/toss.md#status-and-method-mapping). The three gift-certificate kinds fold into GIFT_CERTIFICATE;
 * `raw` keeps the original.
 */
const TOSS_METHODS: Readonly<Record<string, PaymentMethod>> = {
  카드: 'CARD',
  CARD: 'CARD',
  가상계좌: 'VIRTUAL_ACCOUNT',
  VIRTUAL_ACCOUNT: 'VIRTUAL_ACCOUNT',
  간편결제: 'EASY_PAY',
  EASY_PAY: 'EASY_PAY',
  휴대폰: 'MOBILE_PHONE',
  MOBILE_PHONE: 'MOBILE_PHONE',
  계좌이체: 'TRANSFER',
  TRANSFER: 'TRANSFER',
  문화상품권: 'GIFT_CERTIFICATE',
  도서문화상품권: 'GIFT_CERTIFICATE',
  게임문화상품권: 'GIFT_CERTIFICATE',
  CULTURE_GIFT_CERTIFICATE: 'GIFT_CERTIFICATE',
  BOOK_GIFT_CERTIFICATE: 'GIFT_CERTIFICATE',
  GAME_GIFT_CERTIFICATE: 'GIFT_CERTIFICATE',
};

export function canonicalTossMethod(method: string | null | undefined): PaymentMethod | null {
  if (method === null || method === undefined || method === '') return null;
  return TOSS_METHODS[method] ?? method;
}

// ---------------------------------------------------------------------------------------------------------------
// Payments
// ---------------------------------------------------------------------------------------------------------------

/** Payment wire object -> canonical truth. Unknown fields are ignored. */
export function tossPaymentTruth(
  result: TossResult<TossPayment>,
  operation: string,
  logger?: LoggerService,
): GatewayPaymentTruth {
  const payment = result.body;
  if (!isRecord(payment)) throw malformedTossResponse(operation, 'not a Payment object');
  if (typeof payment.paymentKey !== 'string' || payment.paymentKey.length === 0)
    throw malformedTossResponse(operation, 'paymentKey');
  if (typeof payment.orderId !== 'string' || payment.orderId.length === 0)
    throw malformedTossResponse(operation, 'orderId');
  const totalAmount = requireAmount(payment.totalAmount, operation, 'totalAmount');
  const balanceAmount = requireAmount(payment.balanceAmount, operation, 'balanceAmount');
  const cancels = (Array.isArray(payment.cancels) ? payment.cancels : []).map((cancel) => mapCancel(cancel, operation));

  return {
    gateway: 'toss',
    paymentKey: payment.paymentKey,
    orderId: payment.orderId,
    status: tossPaymentStatus(
      payment.status,
      {
        balanceAmount,
        cancelCount: cancels.length,
        virtualAccountExpired: isRecord(payment.virtualAccount) && payment.virtualAccount.expired === true,
      },
      logger,
    ),
    totalAmount,
    balanceAmount,
    taxFreeAmount: optionalAmount(payment.taxFreeAmount),
    vat: optionalAmount(payment.vat),
    method: canonicalTossMethod(payment.method),
    approvedAt: parseTossDate(payment.approvedAt),
    currency: payment.currency,
    card: mapCard(payment.card),
    virtualAccount: mapVirtualAccount(payment.virtualAccount),
    webhookSecret: typeof payment.secret === 'string' && payment.secret.length > 0 ? payment.secret : null,
    cancels,
    failure: failureOf(payment.failure),
    lastTransactionKey: payment.lastTransactionKey ?? null,
    receiptUrl: payment.receipt?.url ?? null,
    raw: result.scrubbed,
  };
}

/**
 * Toss Payment.status -> canonical (docs/gateways/toss.md#status-and-method-mapping). A payment whose balance reached
 * 0 through cancels is CANCELED whatever Toss calls it: real answers show PARTIAL_CANCELED with balanceAmount 0.
 * A virtual account whose due date passed stays WAITING_FOR_DEPOSIT at Toss, with `virtualAccount.expired: true` and
 * no webhook; no deposit can arrive any more, so it is EXPIRED here.
 */
export function tossPaymentStatus(
  status: string,
  context: { balanceAmount: number | null; cancelCount: number; virtualAccountExpired?: boolean },
  logger?: LoggerService,
): GatewayPaymentStatus {
  if (context.cancelCount > 0 && context.balanceAmount === 0) return 'CANCELED';
  switch (status) {
    case 'DONE':
      return 'PAID';
    case 'PARTIAL_CANCELED':
      return 'PARTIALLY_CANCELED';
    case 'CANCELED':
      return 'CANCELED';
    case 'WAITING_FOR_DEPOSIT':
      return context.virtualAccountExpired ? 'EXPIRED' : 'WAITING_FOR_DEPOSIT';
    case 'ABORTED':
      return 'FAILED';
    case 'EXPIRED':
      return 'EXPIRED';
    case 'READY':
    case 'IN_PROGRESS':
      // Toss's IN_PROGRESS is "authenticated in the window, not confirmed": no approval exists yet (a confirm whose
      // request was lost reads back like this until the 10-minute confirm window ends in EXPIRED).
      return 'READY';
    default:
      // A status added after the API version we speak: report it as still in progress, never as settled, so nothing
      // is paid out or failed on a guess; sync will see the real state later.
      logger?.warn?.(`toss: unknown payment status "${String(status)}", treated as IN_PROGRESS`, 'TossGateway');
      return 'IN_PROGRESS';
  }
}

/**
 * The cancel a cancel request created: the one whose transactionKey is the payment's lastTransactionKey (Toss points
 * it at the newest cancel), else the newest by canceledAt (array order breaks ties: Toss appends).
 */
export function pickCreatedCancel(payment: GatewayPaymentTruth): GatewayCancelTruth | undefined {
  if (payment.cancels.length === 0) return undefined;
  const byKey = payment.cancels.find((cancel) => cancel.transactionKey === payment.lastTransactionKey);
  if (byKey) return byKey;
  let newest = payment.cancels[0];
  for (const cancel of payment.cancels) {
    if ((cancel.canceledAt?.getTime() ?? -Infinity) >= (newest.canceledAt?.getTime() ?? -Infinity)) newest = cancel;
  }
  return newest;
}

function mapCancel(cancel: TossCancel, operation: string): GatewayCancelTruth {
  if (!isRecord(cancel) || typeof cancel.transactionKey !== 'string') {
    throw malformedTossResponse(operation, 'cancels[].transactionKey');
  }
  return {
    transactionKey: cancel.transactionKey,
    amount: requireAmount(cancel.cancelAmount, operation, 'cancels[].cancelAmount'),
    taxFreeAmount: optionalAmount(cancel.taxFreeAmount) ?? 0,
    canceledAt: parseTossDate(cancel.canceledAt),
    reason: cancel.cancelReason ?? null,
    status: cancelStatusOf(cancel.cancelStatus),
  };
}

/** Asynchronous cancels go IN_PROGRESS -> DONE / ABORTED; an absent status means a synchronous, done cancel. */
function cancelStatusOf(status: TossCancel['cancelStatus']): GatewayCancelTruth['status'] {
  if (status === 'DONE' || status === null || status === undefined) return 'DONE';
  if (status === 'ABORTED') return 'FAILED';
  return 'IN_PROGRESS'; // IN_PROGRESS, or a value added later: not final yet
}

function mapCard(card: TossCard | null | undefined): CardInfo | null {
  if (!isRecord(card)) return null;
  return {
    issuerCode: card.issuerCode ?? undefined,
    acquirerCode: card.acquirerCode ?? undefined,
    // Toss returns the number already masked; anything not masked is not kept.
    maskedNumber: typeof card.number === 'string' && card.number.includes('*') ? card.number : undefined,
    approveNo: card.approveNo ?? undefined,
    installmentMonths: typeof card.installmentPlanMonths === 'number' ? card.installmentPlanMonths : undefined,
    cardType: card.cardType ?? undefined,
  };
}

function mapVirtualAccount(account: TossPayment['virtualAccount']): VirtualAccountInfo | null {
  if (!isRecord(account) || typeof account.accountNumber !== 'string') return null;
  return {
    bankCode: String(account.bankCode ?? ''),
    accountNumber: account.accountNumber,
    customerName: account.customerName ?? undefined,
    dueDate: parseTossDate(account.dueDate),
    expired: account.expired ?? undefined,
  };
}

function failureOf(failure: unknown): { code: string; message: string } | null {
  return isRecord(failure) && typeof failure.code === 'string'
    ? { code: failure.code, message: String(failure.message ?? '') }
    : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Billing keys, cash receipts, transactions
// ---------------------------------------------------------------------------------------------------------------

/** Billing wire object -> canonical billing key; the customerKey we sent stands in when Toss leaves it out. */
export function tossBillingKeyTruth(result: TossResult<TossBilling>, customerKey: string): BillingKeyTruth {
  const billing = result.body;
  if (!isRecord(billing) || typeof billing.billingKey !== 'string' || billing.billingKey.length === 0) {
    throw malformedTossResponse('issueBillingKey', 'billingKey');
  }
  return {
    billingKey: billing.billingKey,
    customerKey: typeof billing.customerKey === 'string' ? billing.customerKey : customerKey,
    method: canonicalTossMethod(billing.method) ?? undefined,
    card: mapCard(billing.card),
    authenticatedAt: parseTossDate(billing.authenticatedAt),
    raw: result.scrubbed,
  };
}

export function tossCashReceiptTruth(receipt: TossCashReceipt, scrubbed: unknown, operation: string): CashReceiptTruth {
  if (!isRecord(receipt) || typeof receipt.receiptKey !== 'string')
    throw malformedTossResponse(operation, 'receiptKey');
  return {
    receiptKey: receipt.receiptKey,
    orderId: String(receipt.orderId ?? ''),
    amount: requireAmount(receipt.amount, operation, 'amount'),
    type: cashReceiptTypeOf(receipt.type),
    issueNumber: receipt.issueNumber ?? null,
    status: cashReceiptStatusOf(receipt),
    receiptUrl: receipt.receiptUrl ?? null,
    failure: failureOf(receipt.failure),
    raw: scrubbed,
  };
}

/**
 * A CANCEL row (receiptKey `c_...`) stands for the canceled receipt; CONFIRM rows follow issueStatus
 * (docs/gateways/toss.md#cash-receipts).
 */
function cashReceiptStatusOf(receipt: TossCashReceipt): CashReceiptTruth['status'] {
  if (receipt.transactionType === 'CANCEL') return 'CANCELED';
  switch (receipt.issueStatus) {
    case 'COMPLETED':
      return 'ISSUED';
    case 'FAILED':
      return 'FAILED';
    default:
      // IN_PROGRESS, or a value added later: the tax office's final answer shows up a day or two later.
      return 'IN_PROGRESS';
  }
}

function cashReceiptTypeOf(type: string | null | undefined): CashReceiptType | undefined {
  // Korean by default; Accept-Language: en-US may turn these into English words.
  if (type === '소득공제' || type === 'INCOME_DEDUCTION' || /^income/i.test(type ?? '')) return 'INCOME_DEDUCTION';
  if (type === '지출증빙' || type === 'EXPENSE_PROOF' || /^expense/i.test(type ?? '')) return 'EXPENSE_PROOF';
  return undefined;
}

/**
 * A transaction row carries the status of that transaction: each approval and each cancel is its own row
 * (docs/gateways/toss.md#transaction-list). Rows reporting CANCELED / PARTIAL_CANCELED, or a negative amount, are
 * cancels; everything else is an approval. Amounts are reported as positive numbers either way.
 */
export function tossTransaction(row: TossTransaction, scrubbed: unknown, logger?: LoggerService): GatewayTransaction {
  if (!isRecord(row) || typeof row.transactionKey !== 'string' || typeof row.paymentKey !== 'string') {
    throw malformedTossResponse('listTransactions', 'transactionKey/paymentKey');
  }
  const amount = requireAmount(row.amount, 'listTransactions', 'amount', true);
  const isCancel = row.status === 'CANCELED' || row.status === 'PARTIAL_CANCELED' || amount < 0;
  const transactedAt = parseTossDate(row.transactionAt);
  if (!transactedAt) throw malformedTossResponse('listTransactions', 'transactionAt');
  return {
    transactionKey: row.transactionKey,
    paymentKey: row.paymentKey,
    orderId: String(row.orderId ?? ''),
    kind: isCancel ? 'CANCEL' : 'APPROVAL',
    amount: Math.abs(amount),
    status: tossPaymentStatus(row.status, { balanceAmount: null, cancelCount: 0 }, logger),
    method: canonicalTossMethod(row.method),
    transactedAt,
    raw: scrubbed,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Dates and amounts
// ---------------------------------------------------------------------------------------------------------------

/**
 * Toss timestamps carry an offset (`2022-01-01T00:00:00+09:00`); a few documented ones do not (a virtual account's
 * dueDate), and those are Asia/Seoul wall-clock (docs/gateways/toss.md#dates-and-times).
 */
export function parseTossDate(value: string | null | undefined): Date | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  const hasZone = /([zZ]|[+-]\d{2}:?\d{2})$/.test(value);
  const parsed = new Date(hasZone ? value : `${value}+09:00`);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

/** `yyyy-MM-ddTHH:mm:ss` in Asia/Seoul, the transaction list's filter format. */
export function formatKstDateTime(date: Date): string {
  return new Date(date.getTime() + KST_OFFSET_MS).toISOString().slice(0, 19);
}

/** `yyyy-MM-dd` in Asia/Seoul, the cash receipt list's `requestDate`. */
export function formatKstDate(date: Date): string {
  return formatKstDateTime(date).slice(0, 10);
}

function requireAmount(value: unknown, operation: string, field: string, allowNegative = false): number {
  // KRW amounts are integers; anything else cannot be booked exactly.
  if (!isKrwAmount(value, allowNegative))
    throw malformedTossResponse(operation, `${field} is not an integer KRW amount`);
  return value;
}

function optionalAmount(value: unknown): number | undefined {
  return isKrwAmount(value, true) ? value : undefined;
}

/** A 2xx whose body we cannot read: the call may have taken effect, so the outcome is unknown (read back). */
export function malformedTossResponse(operation: string, what: string): GatewayUnavailableError {
  return malformedResponseError('toss', operation, what);
}
