import type {
  CardInfo,
  CheckoutParams,
  GatewayCancelTruth,
  GatewayPaymentStatus,
  GatewayPaymentTruth,
  RefundAccount,
  VirtualAccountInfo,
} from '../gateway.port';
import { readCancelHistory, type ReadCancel } from './kispg.cancel-data';
import type { KispgCheckoutValues } from './kispg.checkout';
import type { KispgCallResult } from './kispg.client';
import { kispgEncData, parseKispgDateTime } from './kispg.crypto';
import { kispgMalformed } from './kispg.errors';
import {
  assertKispgText,
  canonicalKispgMethod,
  KISPG_TID_PATTERN,
  normalizeKispgMethod,
  readAmount,
  stringOf,
} from './kispg.fields';
import type {
  KispgCancelBody,
  KispgOrderBody,
  KispgPaymentBody,
  KispgResult,
  ResolvedKispgOptions,
} from './kispg.types';

/*
 * Wire ↔ port mapping for KISPG: the request bodies the adapter sends and the answers it turns into
 * `GatewayPaymentTruth` / `GatewayCancelTruth`. What is called when, and what is checked first, is kispg.gateway.ts.
 */

/** `charset` sent on every call: UTF-8 is KISPG's default, and all our amounts and hashes are ASCII anyway. */
export const KISPG_CHARSET = 'UTF-8';

/** trxStatus literals of /v2/order (docs/gateways/kispg.md#query-and-cancel-history). */
const TRX_APPROVED = '승인';
const TRX_CANCELED = '취소';
const TRX_WAITING_DEPOSIT = '입금대기';

/** What signs a request: encData = sha256(mid + ediDate + amount + merchantKey) (docs/gateways/kispg.md#request-signing). */
type KispgSigner = Pick<ResolvedKispgOptions, 'mid' | 'merchantKey'>;

// ---------------------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------------------

/** The `/v2/auth` form the browser submits (docs/gateways/kispg.md#checkout); amounts hashed exactly as sent. */
export function kispgAuthForm(
  options: KispgSigner & Pick<ResolvedKispgOptions, 'baseUrl'>,
  values: KispgCheckoutValues,
  ediDate: string,
): CheckoutParams {
  return {
    gateway: 'kispg',
    kind: 'form',
    actionUrl: `${options.baseUrl}/v2/auth`,
    method: 'POST',
    fields: {
      payMethod: values.payMethod,
      trxCd: values.escrow ? '1' : '0',
      mid: options.mid,
      goodsNm: values.goodsNm,
      currencyType: 'KRW',
      ordNo: values.ordNo,
      goodsAmt: values.goodsAmt,
      ordNm: values.ordNm,
      ordTel: values.ordTel,
      ordEmail: values.ordEmail,
      returnUrl: values.returnUrl,
      ediDate,
      encData: kispgEncData(options.mid, ediDate, values.goodsAmt, options.merchantKey),
      payReqType: '1',
      charset: KISPG_CHARSET,
      model: values.model,
      ...values.optional,
    },
  };
}

/** POST /v2/payment: the auth result's tid and amount, signed with a fresh ediDate. */
export function kispgPaymentBody(
  signer: KispgSigner,
  tid: string,
  goodsAmt: string,
  ediDate: string,
): KispgPaymentBody {
  return {
    mid: signer.mid,
    tid,
    goodsAmt,
    ediDate,
    encData: kispgEncData(signer.mid, ediDate, goodsAmt, signer.merchantKey),
    charset: KISPG_CHARSET,
  };
}

/** POST /v2/order by tid or ordNo, hashed with the payment's original amount. */
export function kispgOrderBody(
  signer: KispgSigner,
  reference: { tid: string } | { ordNo: string },
  goodsAmt: string,
  ediDate: string,
): KispgOrderBody {
  return {
    mid: signer.mid,
    ...reference,
    goodsAmt,
    ediDate,
    encData: kispgEncData(signer.mid, ediDate, goodsAmt, signer.merchantKey),
    charset: KISPG_CHARSET,
  };
}

export interface KispgCancelOrder {
  payMethod: string;
  tid: string;
  orderNo: string;
  amount: number;
  reason: string;
  /** partCanFlg 0: cancel everything still cancelable (canAmt = the remaining balance); else 1, part of it. */
  whole: boolean;
  refundAccount?: RefundAccount;
}

/** POST /v2/cancel: canAmt is what is hashed; the refund account in KISPG's field formats (docs/gateways/kispg.md#cancel). */
export function kispgCancelBody(signer: KispgSigner, order: KispgCancelOrder, ediDate: string): KispgCancelBody {
  const canAmt = String(order.amount);
  const body: KispgCancelBody = {
    payMethod: order.payMethod,
    tid: order.tid,
    mid: signer.mid,
    ordNo: order.orderNo,
    canAmt,
    canMsg: order.reason,
    partCanFlg: order.whole ? '0' : '1',
    encData: kispgEncData(signer.mid, ediDate, canAmt, signer.merchantKey),
    ediDate,
    charset: KISPG_CHARSET,
  };
  const account = order.refundAccount;
  if (account) {
    body.refundBankCd = assertKispgText(account.bankCode, 'refundAccount.bankCode', {
      maxBytes: 3,
      pattern: /^[0-9]{2,3}$/,
      patternHint: 'must be a 2-3 digit KISPG bank code',
    });
    body.refundAccnt = assertKispgText(account.accountNumber.replace(/[-\s]/g, ''), 'refundAccount.accountNumber', {
      maxBytes: 20,
      pattern: /^[0-9]+$/,
      patternHint: 'must be digits',
    });
    body.refundNm = assertKispgText(account.holderName, 'refundAccount.holderName', { maxBytes: 30 });
  }
  return body;
}

// ---------------------------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------------------------

/** What the flows know about a payment besides the answer's own fields. */
export interface KispgTruthFacts {
  tid: string;
  orderId: string;
  totalAmount: number;
  balanceAmount: number;
  status: GatewayPaymentStatus;
  payMethod: string | null;
  cancels: GatewayCancelTruth[];
}

/** Fields common to approval and query answers → truth. `raw` is the body already scrubbed by the HTTP layer. */
export function kispgTruthOf(result: KispgCallResult, facts: KispgTruthFacts): GatewayPaymentTruth {
  const body = result.body;
  return {
    gateway: 'kispg',
    paymentKey: facts.tid,
    orderId: facts.orderId,
    status: facts.status,
    totalAmount: facts.totalAmount,
    balanceAmount: facts.balanceAmount,
    method: facts.payMethod ? canonicalKispgMethod(facts.payMethod) : null,
    approvedAt: parseKispgDateTime(body.appDtm),
    currency: 'KRW',
    card: facts.payMethod === 'CARD' ? cardOf(body) : null,
    virtualAccount: facts.payMethod === 'VACNT' ? virtualAccountOf(body) : null,
    cancels: facts.cancels,
    failure: null,
    lastTransactionKey: null,
    raw: result.scrubbed,
  };
}

/**
 * A success answer of /v2/payment → truth. It must carry the approved tid (if any), a readable amount and ordNo: the
 * auth-result hash covers neither ordNo nor tid, so this answer is what binds the approved tid to our order. Another
 * amount or order is reported exactly as KISPG sent it: the core's apply refuses a truth that is not this payment and
 * keeps it UNKNOWN for a human; a local mismatch error here would read as a decline and mark it FAILED
 * (docs/gateways/kispg.md#answers-that-cannot-be-taken-at-face-value).
 */
export function kispgApprovalTruth(
  result: KispgCallResult,
  tid: string,
  payMethod: string | null,
): GatewayPaymentTruth {
  const body = result.body;
  if (body.tid !== undefined && body.tid !== tid) throw kispgMalformed('payment', 'tid differs from the approved tid');
  const approvedAmount = readAmount(body.amt);
  if (approvedAmount === null) throw kispgMalformed('payment', 'amt');
  const answeredOrderNo = stringOf(body.ordNo);
  if (!answeredOrderNo) throw kispgMalformed('payment', 'ordNo');
  return kispgTruthOf(result, {
    tid,
    orderId: answeredOrderNo,
    totalAmount: approvedAmount,
    balanceAmount: approvedAmount,
    status: payMethod === 'VACNT' ? 'WAITING_FOR_DEPOSIT' : 'PAID',
    payMethod,
    cancels: [],
  });
}

/** A /v2/order answer read: the truth, the cancels as read (with their content, to find ours after a cancel). */
export interface KispgOrderReadBack {
  truth: GatewayPaymentTruth;
  cancels: ReadCancel[];
}

/** When a /v2/order answer was read, and how long after a virtual account's deadline it still counts as open. */
export interface KispgReadMoment {
  now: Date;
  vacntExpiryGraceMs: number;
}

/**
 * /v2/order answer → truth (docs/gateways/kispg.md#query-and-cancel-history). trxStatus decides the state; the canceled
 * amount is computed from the amounts readable in cancelData, never from its key names. `warnings` are for the log:
 * what was read but could not be believed.
 */
export function readKispgOrder(
  result: KispgCallResult,
  lookup: { orderId: string; originalAmount: number },
  moment: KispgReadMoment,
): KispgOrderReadBack & { warnings: string[] } {
  const { orderId, originalAmount } = lookup;
  const body = result.body;
  const tid = stringOf(body.tid);
  if (!tid || !KISPG_TID_PATTERN.test(tid)) throw kispgMalformed('order', 'tid');
  const totalAmount = readAmount(body.amt);
  if (totalAmount === null) throw kispgMalformed('order', 'amt');
  const payMethod = normalizeKispgMethod(body.payMethod);
  const warnings: string[] = [];
  const history = readHistory(body.cancelData, tid, totalAmount, orderId, warnings);
  const state = orderState(body, tid, totalAmount, history, orderId, warnings);
  if (state.status === 'WAITING_FOR_DEPOSIT' && vacntDeadlinePassed(body, moment)) state.status = 'EXPIRED';
  const truth = kispgTruthOf(result, {
    tid,
    orderId: stringOf(body.ordNo) ?? orderId,
    totalAmount,
    balanceAmount: state.balanceAmount,
    status: state.status,
    payMethod,
    cancels: state.cancels.map((c) => kispgCancelTruth(c.transactionKey, c.amount, c.canceledAt, null)),
  });
  if (totalAmount !== originalAmount) {
    warnings.push(`kispg: /v2/order reports amt ${totalAmount} for ${orderId}, we hold ${originalAmount}`);
  }
  return { truth, cancels: state.cancels, warnings };
}

interface ReadHistory {
  /** False when cancelData could not be read: the state then comes from trxStatus alone. */
  readable: boolean;
  cancels: ReadCancel[];
  canceled: number;
}

function readHistory(
  cancelData: unknown,
  tid: string,
  totalAmount: number,
  orderId: string,
  warnings: string[],
): ReadHistory {
  const history = readCancelHistory(cancelData, tid);
  let cancels: ReadCancel[] = history ?? [];
  let canceled = cancels.reduce((sum, c) => sum + c.amount, 0);
  if (history !== null && canceled > totalAmount) {
    warnings.push(`kispg: cancelData of ${orderId} sums to more than the payment; ignored`);
    cancels = [];
    canceled = 0;
  }
  if (history === null && cancelData !== undefined && cancelData !== null && cancelData !== '') {
    warnings.push(`kispg: cancelData of ${orderId} is unreadable; status taken from trxStatus`);
  }
  return { readable: history !== null, cancels, canceled };
}

/**
 * `취소` = all cancelled; `승인` = cancelled by what the history proves (nothing, when it cannot be read: the ledger
 * keeps the cancels it already knows, cancelled amounts only grow); `입금대기` = waiting for the deposit.
 */
function orderState(
  body: KispgResult,
  tid: string,
  totalAmount: number,
  history: ReadHistory,
  orderId: string,
  warnings: string[],
): { status: GatewayPaymentStatus; balanceAmount: number; cancels: ReadCancel[] } {
  const trxStatus = stringOf(body.trxStatus) ?? '';
  const cancelYN = stringOf(body.cancelYN)?.toUpperCase();
  if (trxStatus === TRX_CANCELED || (trxStatus === '' && cancelYN === 'Y')) {
    const rest = totalAmount - history.canceled;
    // The history does not show the cancel that emptied the payment (a full cancel may not be listed): the rest.
    const cancels =
      history.readable && rest > 0
        ? [...history.cancels, { transactionKey: `${tid}:cancel:rest`, amount: rest, canceledAt: null, values: [] }]
        : history.cancels;
    return { status: 'CANCELED', balanceAmount: 0, cancels };
  }
  if (trxStatus === TRX_WAITING_DEPOSIT)
    return { status: 'WAITING_FOR_DEPOSIT', balanceAmount: totalAmount, cancels: [] };
  if (trxStatus === TRX_APPROVED) {
    const balanceAmount = totalAmount - history.canceled;
    return { status: cancelStatusFor(totalAmount, balanceAmount), balanceAmount, cancels: history.cancels };
  }
  // A literal we do not know: never settle on a guess (sync will see the real state later).
  warnings.push(`kispg: unknown trxStatus "${trxStatus}" for ${orderId}, treated as IN_PROGRESS`);
  return { status: 'IN_PROGRESS', balanceAmount: totalAmount, cancels: [] };
}

export function cancelStatusFor(totalAmount: number, balanceAmount: number): GatewayPaymentStatus {
  if (balanceAmount <= 0) return 'CANCELED';
  return balanceAmount < totalAmount ? 'PARTIALLY_CANCELED' : 'PAID';
}

export function kispgCancelTruth(
  transactionKey: string,
  amount: number,
  canceledAt: Date | null,
  reason: string | null,
): GatewayCancelTruth {
  return { transactionKey, amount, taxFreeAmount: 0, canceledAt, reason, status: 'DONE' };
}

/** Card fields of an approval/query answer. `cardType` is 0/1 in KISPG's table and 01 elsewhere: kept as sent. */
function cardOf(body: KispgResult): CardInfo {
  const quota = readAmount(body.quota);
  const cardNo = stringOf(body.cardNo);
  return {
    issuerCode: stringOf(body.appCardCd),
    acquirerCode: stringOf(body.acqCardCd),
    // KISPG returns the number masked (`12345678****1234`); anything not masked is not kept.
    maskedNumber: cardNo && cardNo.includes('*') ? cardNo : undefined,
    approveNo: stringOf(body.appNo),
    installmentMonths: quota ?? undefined,
    cardType: stringOf(body.cardType),
  };
}

/** VACNT fields: vacntNo, lmtDay (deposit deadline, yyyyMMdd KST), the bank in fnCd/fnNm. */
function virtualAccountOf(body: KispgResult): VirtualAccountInfo | null {
  const accountNumber = stringOf(body.vacntNo);
  if (!accountNumber) return null;
  const bankCode = stringOf(body.fnCd) ?? stringOf(body.fnNm) ?? '';
  return {
    bankCode: bankCode.slice(0, 10),
    accountNumber,
    customerName: stringOf(body.ordNm),
    dueDate: vacntDeadline(body),
  };
}

/** The deposit deadline: a yyyyMMdd lmtDay means "through that day", the end of the day in KST. */
function vacntDeadline(body: KispgResult): Date | null {
  const lmtDay = stringOf(body.lmtDay);
  return lmtDay && lmtDay.length === 8 ? parseKispgDateTime(`${lmtDay}235959`) : parseKispgDateTime(lmtDay);
}

/**
 * KISPG has no status for a virtual account whose deadline passed: it keeps answering 입금대기, and no deposit can
 * arrive any more. EXPIRED is final here, so it is read only once the deadline is a grace period behind us (a deposit
 * made at the last second may reach KISPG's records a little later); without a readable deadline, never.
 */
function vacntDeadlinePassed(body: KispgResult, moment: KispgReadMoment): boolean {
  const deadline = vacntDeadline(body);
  return deadline !== null && moment.now.getTime() > deadline.getTime() + moment.vacntExpiryGraceMs;
}
