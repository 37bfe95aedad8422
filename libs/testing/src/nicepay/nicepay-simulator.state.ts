import type { Clock } from '../clock';
import { nicepayError } from './nicepay-simulator.errors';
import { TID_METHOD_CODES, formatNiceDate, newTid, niceDateOrZero, sha256Hex } from './nicepay-simulator.format';
import type { FieldSpec } from './nicepay-simulator.validation';

/*
 * The simulator's records and the rules every endpoint shares: who owns a record, which orderIds are spent, how a
 * payment object is signed. Each part (authentication, the window, payments, billing, cash receipts) works on one
 * NicePaySimulatorState; see docs/gateways/nicepay.md#testing-against-the-simulator.
 */

/** A clientId + secretKey pair the simulator accepts. */
export interface NicePayKey {
  clientId: string;
  secretKey: string;
  /** The API-auth type the secret key was issued for: Basic or Token (Bearer). */
  authType: 'basic' | 'token';
  /** Server-approval (`S2_`/`R2_`) or Client-approval (`S1_`/`R1_`) key. */
  model: 'server' | 'client';
}

export type NicePayPaymentStatus = 'paid' | 'ready' | 'failed' | 'cancelled' | 'partialCancelled' | 'expired';

export type Json = Record<string, unknown>;

/** What the simulated JS-SDK window receives (AUTHNICE.requestPay params). */
export interface NicePayWindowInput {
  clientId: string;
  orderId: string;
  amount: number;
  method: string;
  goodsName: string;
  returnUrl: string;
  vbankHolder?: string;
  buyerName?: string;
  buyerEmail?: string;
  buyerTel?: string;
  mallReserved?: string;
  /** Tax-free part of the amount (requestPay `taxFreeAmt`). */
  taxFreeAmt?: number;
}

export interface AuthRecord {
  tid: string;
  authToken: string;
  clientId: string;
  orderId: string;
  amount: number;
  payMethod: string;
  goodsName: string;
  mallReserved?: string;
  buyerName?: string;
  buyerEmail?: string;
  buyerTel?: string;
  vbankHolder?: string;
  taxFreeAmt: number;
  /** Paid with a card (also inside a wallet): the payment object carries a `card`. */
  withCard: boolean;
  approved: boolean;
}

export interface StoredCancel {
  tid: string;
  amount: number;
  taxFreeAmt: number;
  reason: string;
  cancelledAt: Date;
}

export interface StoredPayment {
  tid: string;
  clientId: string;
  /** The secret key of the key that approved it: webhooks about it are signed with this one. */
  secretKey: string;
  orderId: string;
  payMethod: string;
  status: NicePayPaymentStatus;
  amount: number;
  taxFreeAmt: number;
  goodsName: string;
  mallReserved?: string;
  buyerName?: string;
  buyerEmail?: string;
  buyerTel?: string;
  approvedAt: Date;
  paidAt?: Date;
  cancels: StoredCancel[];
  card?: Json;
  bank?: Json;
  vbank?: { vbankCode: string; vbankName: string; vbankNumber: string; vbankExpDate: Date; vbankHolder: string };
  /** Set on billing charges: billing webhooks carry it. */
  bid?: string;
  channel: string | null;
  /** The payment's own orderId was already spent by a cancel request of this payment. */
  ownOrderIdUsedByCancel: boolean;
}

export interface StoredBillingKey {
  bid: string;
  clientId: string;
  cardNum: string;
  deletedAt?: Date;
}

export interface StoredReceiptCancel {
  tid: string;
  amount: number;
  cancelledAt: Date;
  approveNo: string;
}

export interface StoredReceipt {
  tid: string;
  clientId: string;
  orderId: string;
  amount: number;
  supplyAmt: number;
  goodsVat: number;
  taxFreeAmt: number;
  serviceAmt: number;
  goodsName: string;
  receiptType: string;
  buyerName?: string;
  buyerEmail?: string;
  buyerTel?: string;
  requestedAt: Date;
  approveNo: string;
  /** Set once cancelled in full (before or after the tax service issued it). */
  cancelledAt?: Date;
  cancels: StoredReceiptCancel[];
}

/** What the store tells the simulator about: a payment event to deliver as a webhook. */
export interface NicePayStoreEvents {
  /** `body` is the payment object already signed with the payment's own secret key; `eventType` its status. */
  paymentEvent(body: Json, eventType: string): void;
}

export interface NicePayStoreOptions {
  clock: Clock;
  mid: string;
  keys: readonly NicePayKey[];
  events: NicePayStoreEvents;
  sandboxRejectsPartialCancel: boolean;
  netCancelWindowMs: number;
  tokenTtlMs: number;
  cashReceiptIssueDelayMs: number;
  vbankValidMs: number;
  /** What an unpaid virtual account shows after its deposit deadline: still `ready`, or `expired`. */
  vbankExpiredStatus: 'ready' | 'expired';
}

export const OK_MESSAGE = '정상 처리되었습니다.';
export const AMOUNT: FieldSpec = { kind: 'integer', required: true, max: 12 };
/** Smallest credit-card approval (NicePay answers 3041 "1000원 미만 신용카드 승인 불가"). */
export const MIN_CARD_AMOUNT = 1_000;

/** Sandbox approvals always carry 삼성 (04), `123412******1234`, lump sum. */
export const SANDBOX_CARD = {
  cardCode: '04',
  cardName: '삼성',
  cardNum: '123412******1234',
  cardQuota: 0,
  isInterestFree: false,
  cardType: 'credit',
  canPartCancel: true,
  acquCardCode: '04',
  acquCardName: '삼성',
};

/**
 * The simulator's records. Every record belongs to one clientId (the merchant); another merchant's tid is "not
 * found". orderIds are unique per merchant across approvals, billing charges, billing-key issues and cancel requests.
 */
export class NicePaySimulatorState {
  readonly authRecords = new Map<string, AuthRecord>();
  readonly payments = new Map<string, StoredPayment>();
  /** scoped orderId → tid of the approved payment / billing charge. */
  readonly paymentTidByOrderId = new Map<string, string>();
  /** scoped orderIds spent by cancel requests and billing-key issues. */
  readonly spentOrderIds = new Set<string>();
  readonly billingKeys = new Map<string, StoredBillingKey>();
  readonly receipts = new Map<string, StoredReceipt>();
  readonly receiptOrderIds = new Set<string>();
  /** Cancel tids, so a cancel tid sent to /cancel is told apart from an unknown one. */
  readonly cancelTids = new Set<string>();

  constructor(readonly options: NicePayStoreOptions) {}

  get now(): Date {
    return this.options.clock.now();
  }

  reset(): void {
    this.authRecords.clear();
    this.payments.clear();
    this.paymentTidByOrderId.clear();
    this.spentOrderIds.clear();
    this.billingKeys.clear();
    this.receipts.clear();
    this.receiptOrderIds.clear();
    this.cancelTids.clear();
  }

  /** An issued virtual account nobody paid into before its deadline (on this clock): it takes no deposit any more. */
  vbankPastDeadline(payment: StoredPayment): boolean {
    if (!payment.vbank || (payment.status !== 'ready' && payment.status !== 'expired')) return false;
    return this.now.getTime() > payment.vbank.vbankExpDate.getTime();
  }

  /** Shows a lapsed unpaid account as `vbankExpiredStatus` says; called before a payment is shown or acted on. */
  settleVbankExpiry(payment: StoredPayment): void {
    if (this.options.vbankExpiredStatus === 'expired' && this.vbankPastDeadline(payment)) payment.status = 'expired';
  }

  /** The payment object with a fresh ediDate and signature = sha256(tid+amount+ediDate+SK). */
  paymentObject(payment: StoredPayment, secretKey: string, cancelledTid?: string): Json {
    this.settleVbankExpiry(payment);
    const ediDate = formatNiceDate(this.now);
    const latestCancel = payment.cancels.at(-1);
    return {
      resultCode: '0000',
      resultMsg: OK_MESSAGE,
      tid: payment.tid,
      cancelledTid: cancelledTid ?? null,
      orderId: payment.orderId,
      ediDate,
      // The original tid and amount, also in cancel answers.
      signature: sha256Hex(`${payment.tid}${payment.amount}${ediDate}${secretKey}`),
      status: payment.status,
      paidAt: niceDateOrZero(payment.paidAt),
      failedAt: '0',
      cancelledAt: niceDateOrZero(latestCancel?.cancelledAt),
      payMethod: payment.payMethod,
      amount: payment.amount,
      balanceAmt: balanceOf(payment),
      goodsName: payment.goodsName,
      mallReserved: payment.mallReserved ?? null,
      useEscrow: false,
      currency: 'KRW',
      channel: payment.channel,
      approveNo: payment.payMethod === 'vbank' ? null : '000000',
      buyerName: payment.buyerName ?? null,
      buyerTel: payment.buyerTel ?? null,
      buyerEmail: payment.buyerEmail ?? null,
      receiptUrl: paymentReceiptUrl(payment.tid),
      mallUserId: null,
      issuedCashReceipt: false,
      coupon: null,
      card: payment.card ? { ...payment.card } : null,
      bank: payment.bank ? { ...payment.bank } : null,
      vbank: payment.vbank ? { ...payment.vbank, vbankExpDate: formatNiceDate(payment.vbank.vbankExpDate) } : null,
      cancels: payment.cancels.length === 0 ? null : payment.cancels.map(cancelElement),
      cashReceipts: null,
    };
  }

  /** Sends the payment's current object as a webhook, signed with the secret key of the key that approved it. */
  emit(payment: StoredPayment, cancelledTid?: string): void {
    const body = this.paymentObject(payment, payment.secretKey, cancelledTid);
    // Billing webhooks carry the bid.
    if (payment.bid) body.bid = payment.bid;
    this.options.events.paymentEvent(body, payment.status);
  }

  windowKey(clientId: string): NicePayKey {
    const key = this.options.keys.find((k) => k.clientId === clientId);
    if (!key) throw new Error(`NicePaySimulator: unknown clientId '${clientId}'`);
    if (key.model !== 'server') {
      // Client-approval keys approve inside the window; only the server model is simulated.
      throw new Error(
        `NicePaySimulator: clientId '${clientId}' is a Client-approval key; the simulated window is the Server-approval model`,
      );
    }
    return key;
  }

  ownPayment(key: NicePayKey, tid: string): StoredPayment | undefined {
    const payment = this.payments.get(tid);
    return payment && payment.clientId === key.clientId ? payment : undefined;
  }

  assertOrderIdFree(clientId: string, orderId: string): void {
    const scoped = scope(clientId, orderId);
    if (this.paymentTidByOrderId.has(scoped) || this.spentOrderIds.has(scoped)) throw nicepayError('U112');
  }

  /**
   * A cancel's orderId must be new: not spent by an earlier cancel (of any payment) nor another payment's orderId.
   * The payment's own orderId is accepted once, which is what NicePay's official samples send.
   */
  spendCancelOrderId(clientId: string, orderId: string, payment: StoredPayment): void {
    const scoped = scope(clientId, orderId);
    if (orderId === payment.orderId) {
      if (payment.ownOrderIdUsedByCancel) throw nicepayError('U112');
      payment.ownOrderIdUsedByCancel = true;
      return;
    }
    if (this.paymentTidByOrderId.has(scoped) || this.spentOrderIds.has(scoped)) throw nicepayError('U112');
    this.spentOrderIds.add(scoped);
  }

  uniqueTid(methodCode: string): string {
    const now = this.now;
    for (;;) {
      const tid = newTid(this.options.mid, methodCode, now);
      if (!this.authRecords.has(tid) && !this.payments.has(tid) && !this.cancelTids.has(tid) && !this.receipts.has(tid))
        return tid;
    }
  }
}

/** A key per merchant and orderId: orderIds are unique per clientId. */
export const scope = (clientId: string, orderId: string): string => `${clientId}\u0000${orderId}`;

export const balanceOf = (payment: StoredPayment): number =>
  payment.amount - payment.cancels.reduce((sum, c) => sum + c.amount, 0);

/** The tid's method code for a payment's method (cancels get one of the same kind). */
export function methodCodeOf(payMethod: string): string {
  if (payMethod === 'bank') return TID_METHOD_CODES.bank;
  if (payMethod === 'vbank') return TID_METHOD_CODES.vbank;
  if (payMethod === 'cellphone') return TID_METHOD_CODES.cellphone;
  return TID_METHOD_CODES.card;
}

const paymentReceiptUrl = (tid: string): string =>
  `https://npg.nicepay.co.kr/issue/IssueLoader.do?type=0&innerWin=Y&TID=${tid}`;

function cancelElement(cancel: StoredCancel): Json {
  return {
    tid: cancel.tid,
    amount: cancel.amount,
    cancelledAt: formatNiceDate(cancel.cancelledAt),
    reason: cancel.reason,
    receiptUrl: paymentReceiptUrl(cancel.tid),
    couponAmt: 0,
  };
}
