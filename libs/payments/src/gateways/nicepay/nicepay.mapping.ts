import type { LoggerService } from '@nestjs/common';
import { InvalidInputError, SignatureMismatchError, type GatewayUnavailableError } from '../../domain/errors';
import { malformedResponseError } from '../gateway-errors';
import { isKrwAmount, isRecord } from '../gateway-fields';
import type { BillingKeyTruth, CashReceiptTruth } from '../gateway-capabilities';
import type {
  CardInfo,
  GatewayCancelTruth,
  GatewayPaymentStatus,
  GatewayPaymentTruth,
  PaymentMethod,
  VirtualAccountInfo,
} from '../gateway.port';
import type { NicePayResult } from './nicepay.client';
import {
  nicePayPaymentSignature,
  nicePayReceiptSignature,
  nicePaySignatureMatches,
  parseNicePayDate,
} from './nicepay.crypto';
import type {
  NicePayBillingRegistration,
  NicePayCancelElement,
  NicePayCard,
  NicePayCashReceipt,
  NicePayPayment,
  NicePayVbank,
} from './nicepay.types';

/*
 * NicePay wire objects -> the port's canonical types: payment objects (after their signature verifies), cash
 * receipts, billing registrations, the returnUrl POST, and the status and method vocabularies
 * (docs/gateways/nicepay.md#status-and-method-mapping). Pure functions: no network, no state.
 */

/** Response `payMethod` -> canonical; wallets (with or without a card object) are EASY_PAY. */
const PAY_METHODS: Readonly<Record<string, PaymentMethod>> = {
  card: 'CARD',
  vbank: 'VIRTUAL_ACCOUNT',
  bank: 'TRANSFER',
  cellphone: 'MOBILE_PHONE',
  naverpay: 'EASY_PAY',
  kakaopay: 'EASY_PAY',
  payco: 'EASY_PAY',
  ssgpay: 'EASY_PAY',
  samsungpay: 'EASY_PAY',
  tosspay: 'EASY_PAY',
};

export function canonicalNicePayMethod(payMethod: string | null | undefined): PaymentMethod | null {
  if (payMethod === null || payMethod === undefined || payMethod === '') return null;
  return PAY_METHODS[payMethod] ?? payMethod;
}

/** Canonical method -> requestPay `method`. */
const CANONICAL_TO_NICEPAY_METHOD: Readonly<Record<string, string>> = {
  CARD: 'card',
  VIRTUAL_ACCOUNT: 'vbank',
  TRANSFER: 'bank',
  MOBILE_PHONE: 'cellphone',
};

/** requestPay `method` values NicePay's window accepts. */
const NICEPAY_METHODS = new Set([
  'card',
  'bank',
  'directCard',
  'vbank',
  'cellphone',
  'naverpayCard',
  'kakaopay',
  'kakaopayCard',
  'kakaopayMoney',
  'samsungpayCard',
  'payco',
  'ssgpay',
  'cardAndEasyPay',
]);

/** The requestPay `method` for a canonical (or NicePay's own) method name. */
export function nicePayMethodOf(method: string | undefined): string {
  // requestPay needs a method; a card window is the common default.
  if (method === undefined) return 'card';
  const mapped = CANONICAL_TO_NICEPAY_METHOD[method] ?? (NICEPAY_METHODS.has(method) ? method : undefined);
  if (!mapped) {
    throw new InvalidInputError(
      'method',
      `must be one of ${Object.keys(CANONICAL_TO_NICEPAY_METHOD).join(', ')} or a NicePay method (${[...NICEPAY_METHODS].join(', ')})`,
    );
  }
  return mapped;
}

/**
 * A 0000 payment object whose `signature` = sha256(tid + amount + ediDate + SK) verifies, mapped. A missing or wrong
 * signature on a success is a SignatureMismatchError: every 0000 payment answer carries one.
 */
export function verifiedPaymentTruth(
  result: NicePayResult<NicePayPayment>,
  operation: string,
  secretKey: string,
  logger?: LoggerService,
): GatewayPaymentTruth {
  const payment = result.body;
  if (!isRecord(payment) || typeof payment.tid !== 'string' || typeof payment.ediDate !== 'string') {
    throw malformed(operation, 'tid/ediDate');
  }
  if (typeof payment.amount !== 'number' || !Number.isSafeInteger(payment.amount)) throw malformed(operation, 'amount');
  const expected = nicePayPaymentSignature(payment.tid, payment.amount, payment.ediDate, secretKey);
  if (!nicePaySignatureMatches(payment.signature, expected)) {
    throw new SignatureMismatchError('nicepay', `${operation} response`);
  }
  return paymentTruthOf(payment, result.scrubbed, operation, logger);
}

/** Payment object -> canonical truth. Unknown fields are ignored. */
export function paymentTruthOf(
  payment: NicePayPayment,
  scrubbed: unknown,
  operation: string,
  logger?: LoggerService,
): GatewayPaymentTruth {
  if (!isRecord(payment)) throw malformed(operation, 'not a payment object');
  if (typeof payment.tid !== 'string' || payment.tid.length === 0) throw malformed(operation, 'tid');
  if (typeof payment.orderId !== 'string' || payment.orderId.length === 0) throw malformed(operation, 'orderId');
  const totalAmount = requireAmount(payment.amount, operation, 'amount');
  const balanceAmount = requireAmount(payment.balanceAmt, operation, 'balanceAmt');
  const cancels = (Array.isArray(payment.cancels) ? payment.cancels : []).map((element) =>
    mapCancel(element, operation),
  );
  const status = nicePayPaymentStatus(payment, balanceAmount, cancels.length, logger);
  const settled = payment.status === 'paid' || payment.status === 'partialCancelled' || payment.status === 'cancelled';
  return {
    gateway: 'nicepay',
    paymentKey: payment.tid,
    orderId: payment.orderId,
    status,
    totalAmount,
    balanceAmount,
    method: canonicalNicePayMethod(payment.payMethod),
    // An unpaid virtual account already carries paidAt (its issue time): only a settled payment has an approval time.
    approvedAt: settled ? parseNicePayDate(payment.paidAt) : null,
    currency: typeof payment.currency === 'string' ? payment.currency : undefined,
    card: mapCard(payment.card, payment.approveNo),
    virtualAccount: mapVbank(payment),
    cancels,
    failure:
      payment.status === 'failed'
        ? { code: 'NICEPAY_FAILED', message: String(payment.resultMsg ?? 'failed').slice(0, 200) }
        : null,
    lastTransactionKey: typeof payment.cancelledTid === 'string' && payment.cancelledTid ? payment.cancelledTid : null,
    receiptUrl: typeof payment.receiptUrl === 'string' ? payment.receiptUrl : null,
    raw: scrubbed,
  };
}

/**
 * `status` -> canonical. `ready` is an issued, unpaid virtual account; on any other method it means authenticated
 * but not approved (READY). An unpaid account whose deposit deadline has passed is EXPIRED, whether NicePay says
 * `expired` or still `ready` (docs/gateways/nicepay.md#virtual-accounts). A payment cancelled down to 0 is CANCELED
 * whatever it is called.
 */
function nicePayPaymentStatus(
  payment: NicePayPayment,
  balanceAmount: number,
  cancelCount: number,
  logger?: LoggerService,
): GatewayPaymentStatus {
  if (cancelCount > 0 && balanceAmount === 0) return 'CANCELED';
  switch (payment.status) {
    case 'paid':
      return 'PAID';
    case 'ready':
      if (payment.payMethod !== 'vbank' && !isRecord(payment.vbank)) return 'READY';
      return vbankExpired(payment) ? 'EXPIRED' : 'WAITING_FOR_DEPOSIT';
    case 'failed':
      return 'FAILED';
    case 'cancelled':
      return 'CANCELED';
    case 'partialCancelled':
      return 'PARTIALLY_CANCELED';
    case 'expired':
      return 'EXPIRED';
    default:
      // A status NicePay adds later: still in progress, never settled on a guess; sync will see the real state.
      logger?.warn?.(
        `nicepay: unknown payment status "${String(payment.status).slice(0, 30)}", treated as IN_PROGRESS`,
        'NicePayGateway',
      );
      return 'IN_PROGRESS';
  }
}

export interface ReceiptMappingContext {
  /** The amount we asked for, when the answer carries none. */
  amount?: number;
  type?: CashReceiptTruth['type'];
  /** The status an answer without one means (an issue is IN_PROGRESS, a cancel CANCELED). */
  defaultStatus: CashReceiptTruth['status'];
}

/** Cash-receipt answer: signature = sha256(tid + orderId + ediDate + SK) verified, then mapped. */
export function verifiedReceiptTruth(
  result: NicePayResult<NicePayCashReceipt>,
  operation: string,
  secretKey: string,
  context: ReceiptMappingContext,
): CashReceiptTruth {
  const receipt = result.body;
  if (
    !isRecord(receipt) ||
    typeof receipt.tid !== 'string' ||
    typeof receipt.orderId !== 'string' ||
    typeof receipt.ediDate !== 'string'
  ) {
    throw malformed(operation, 'tid/orderId/ediDate');
  }
  const expected = nicePayReceiptSignature(receipt.tid, receipt.orderId, receipt.ediDate, secretKey);
  if (!nicePaySignatureMatches(receipt.signature, expected))
    throw new SignatureMismatchError('nicepay', `${operation} response`);
  const amount = optionalAmount(receipt.amount) ?? optionalAmount(receipt.cancelAmt) ?? context.amount;
  if (amount === undefined) throw malformed(operation, 'amount');
  return {
    receiptKey: receipt.tid,
    orderId: receipt.orderId,
    amount,
    type:
      receipt.receiptType === 'individual'
        ? 'INCOME_DEDUCTION'
        : receipt.receiptType === 'company'
          ? 'EXPENSE_PROOF'
          : context.type,
    issueNumber: typeof receipt.approveNo === 'string' && receipt.approveNo ? receipt.approveNo : null,
    status: receiptStatusOf(receipt.status, context.defaultStatus),
    receiptUrl: typeof receipt.receiptUrl === 'string' ? receipt.receiptUrl : null,
    failure:
      receipt.status === 'issueFailed'
        ? { code: 'issueFailed', message: String(receipt.resultMsg ?? '').slice(0, 200) }
        : null,
    raw: result.scrubbed,
  };
}

function receiptStatusOf(status: unknown, fallback: CashReceiptTruth['status']): CashReceiptTruth['status'] {
  switch (status) {
    case 'issueRequested':
      return 'IN_PROGRESS';
    case 'issued':
    case 'cancelReqCancelled':
    case 'cancelFailed':
      // A cancel that was withdrawn or failed leaves the receipt issued.
      return 'ISSUED';
    case 'issueFailed':
      return 'FAILED';
    case 'issueReqCancelled':
    case 'cancelRequested':
    case 'cancelled':
      return 'CANCELED';
    default:
      return fallback;
  }
}

/** The billing-key registration answer (it carries no signature) as the port's BillingKeyTruth. */
export function billingKeyTruthOf(
  result: NicePayResult<NicePayBillingRegistration>,
  customerKey: string,
): BillingKeyTruth {
  const bid = result.body.bid;
  if (typeof bid !== 'string' || bid.length === 0) throw malformed('issueBillingKey', 'bid');
  return {
    billingKey: bid,
    customerKey,
    method: 'CARD',
    card: result.body.cardCode ? { issuerCode: result.body.cardCode } : null,
    authenticatedAt: parseNicePayDate(result.body.authDate),
    raw: result.scrubbed,
  };
}

function mapCancel(element: NicePayCancelElement, operation: string): GatewayCancelTruth {
  if (!isRecord(element) || typeof element.tid !== 'string') throw malformed(operation, 'cancels[].tid');
  return {
    transactionKey: element.tid,
    amount: requireAmount(element.amount, operation, 'cancels[].amount'),
    // The cancel element carries no tax-free part.
    taxFreeAmount: 0,
    canceledAt: parseNicePayDate(element.cancelledAt),
    reason: typeof element.reason === 'string' ? element.reason : null,
    status: 'DONE',
  };
}

function mapCard(card: NicePayCard | null | undefined, approveNo: unknown): CardInfo | null {
  if (!isRecord(card)) return null;
  const quota = typeof card.cardQuota === 'number' ? card.cardQuota : Number(card.cardQuota);
  return {
    issuerCode: typeof card.cardCode === 'string' ? card.cardCode : undefined,
    acquirerCode: typeof card.acquCardCode === 'string' ? card.acquCardCode : undefined,
    // NicePay masks the middle (`536112******1234`); anything not masked is not kept.
    maskedNumber: typeof card.cardNum === 'string' && card.cardNum.includes('*') ? card.cardNum : undefined,
    approveNo: typeof approveNo === 'string' && approveNo ? approveNo : undefined,
    installmentMonths: Number.isSafeInteger(quota) ? quota : undefined,
    cardType: typeof card.cardType === 'string' ? card.cardType : undefined,
  };
}

function mapVbank(payment: NicePayPayment): VirtualAccountInfo | null {
  const vbank = payment.vbank;
  if (!isRecord(vbank) || typeof vbank.vbankNumber !== 'string') return null;
  return {
    bankCode: String(vbank.vbankCode ?? ''),
    accountNumber: vbank.vbankNumber,
    customerName: typeof vbank.vbankHolder === 'string' ? vbank.vbankHolder : undefined,
    dueDate: vbankDeadline(vbank),
    expired: (payment.status === 'ready' || payment.status === 'expired') && vbankExpired(payment),
  };
}

/**
 * An unpaid account past its deposit deadline, by NicePay's own clock: the answer's `ediDate` (the time NicePay
 * answered) is later than `vbankExpDate`. NicePay's manual lists an `expired` status, but unpaid accounts have been
 * reported to stay `ready` after the deadline; the bank refuses deposits then either way. Our clock is not used: a
 * fast local clock must never expire an account NicePay still accepts deposits into.
 */
function vbankExpired(payment: NicePayPayment): boolean {
  if (payment.status === 'expired') return true;
  const deadline = isRecord(payment.vbank) ? vbankDeadline(payment.vbank) : null;
  const answeredAt = parseNicePayDate(payment.ediDate);
  return deadline !== null && answeredAt !== null && answeredAt.getTime() > deadline.getTime();
}

/** `vbankExpDate` as an instant; a bare date (YYYYMMDD) is open until the end of that day in Korea. */
function vbankDeadline(vbank: NicePayVbank): Date | null {
  const parsed = parseNicePayDate(vbank.vbankExpDate);
  if (parsed === null || !/^\d{8}$/.test(String(vbank.vbankExpDate))) return parsed;
  return new Date(parsed.getTime() + 24 * 60 * 60 * 1000);
}

function requireAmount(value: unknown, operation: string, field: string): number {
  // KRW amounts are integers; anything else cannot be booked exactly.
  if (!isKrwAmount(value)) throw malformed(operation, `${field} is not an integer KRW amount`);
  return value;
}

function optionalAmount(value: unknown): number | undefined {
  return isKrwAmount(value) ? value : undefined;
}

/**
 * A 0000 whose body we cannot read. NicePay said it did what we asked, so the money may well have moved: the outcome
 * is unknown (GatewayUnavailableError, requestSent), and the core reads the payment back or net-cancels, never marks
 * it FAILED (docs/gateways/nicepay.md#lost-approvals).
 */
export function malformed(operation: string, what: string): GatewayUnavailableError {
  return malformedResponseError('nicepay', operation, what);
}
