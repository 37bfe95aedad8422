import { createDecipheriv } from 'node:crypto';
import type { Clock } from '../clock';
import { nicepayError } from './nicepay-simulator.errors';
import {
  BANK_CODES,
  TID_METHOD_CODES,
  VBANK_BANKS,
  formatNiceDate,
  maskCardNumber,
  newAccessToken,
  newAuthToken,
  newBid,
  newTid,
  niceByteLength,
  niceDateOrZero,
  randomDigits,
  sha256Hex,
} from './nicepay-simulator.format';
import { type FieldSpec, SIGNED_REQUEST_FIELDS, readFields, verifySignData } from './nicepay-simulator.validation';

/** A clientId + secretKey pair the simulator accepts (nicepay.md §1.2). */
export interface NicePayKey {
  clientId: string;
  secretKey: string;
  /** The API-auth type the secret key was issued for: Basic or Token (Bearer) (nicepay.md §1.2, §1.4). */
  authType: 'basic' | 'token';
  /** Server-approval (`S2_`/`R2_`) or Client-approval (`S1_`/`R1_`) key (nicepay.md §1.2). */
  model: 'server' | 'client';
}

export type NicePayPaymentStatus = 'paid' | 'ready' | 'failed' | 'cancelled' | 'partialCancelled' | 'expired';

type Json = Record<string, unknown>;

/** What the simulated JS-SDK window receives (AUTHNICE.requestPay params, nicepay.md §5.1). */
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

interface AuthRecord {
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
  /** Paid with a card (also inside a wallet): the payment object carries a `card` (nicepay.md §7.2). */
  withCard: boolean;
  approved: boolean;
}

interface StoredCancel {
  tid: string;
  amount: number;
  taxFreeAmt: number;
  reason: string;
  cancelledAt: Date;
}

interface StoredPayment {
  tid: string;
  clientId: string;
  /** The secret key of the key that approved it: webhooks about it are signed with this one (nicepay.md §6). */
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
  /** Set on billing charges: billing webhooks carry it ([E26], nicepay.md §3.2). */
  bid?: string;
  channel: string | null;
  /** The payment's own orderId was already spent by a cancel request of this payment (nicepay.md §3.3). */
  ownOrderIdUsedByCancel: boolean;
}

interface StoredBillingKey {
  bid: string;
  clientId: string;
  cardNum: string;
  deletedAt?: Date;
}

interface StoredReceiptCancel {
  tid: string;
  amount: number;
  cancelledAt: Date;
  approveNo: string;
}

interface StoredReceipt {
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
  /** Set once cancelled in full (before or after NTS issued it). */
  cancelledAt?: Date;
  cancels: StoredReceiptCancel[];
}

/** What the store tells the simulator about: a payment event to deliver as a webhook (nicepay.md §6). */
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
}

const OK_MESSAGE = '정상 처리되었습니다.';
const DAY_MS = 24 * 60 * 60 * 1000;
/** Cancel windows by method (nicepay.md §3.3 table): card 1 year, deposited vbank 180 days. */
const CARD_CANCEL_WINDOW_MS = 365 * DAY_MS;
const VBANK_REFUND_WINDOW_MS = 180 * DAY_MS;

/** requestPay `method` (nicepay.md §5.1) → response `payMethod` (§7.2) and the tid's method code (§7.6). */
const WINDOW_METHODS: Readonly<Record<string, { payMethod: string; code: string; card: boolean }>> = {
  card: { payMethod: 'card', code: TID_METHOD_CODES.card, card: true },
  directCard: { payMethod: 'card', code: TID_METHOD_CODES.card, card: true },
  cardAndEasyPay: { payMethod: 'card', code: TID_METHOD_CODES.card, card: true },
  bank: { payMethod: 'bank', code: TID_METHOD_CODES.bank, card: false },
  vbank: { payMethod: 'vbank', code: TID_METHOD_CODES.vbank, card: false },
  cellphone: { payMethod: 'cellphone', code: TID_METHOD_CODES.cellphone, card: false },
  // Easy-pay card payments come back as the wallet name with a card object (nicepay.md §7.2).
  naverpayCard: { payMethod: 'naverpay', code: TID_METHOD_CODES.card, card: true },
  kakaopay: { payMethod: 'kakaopay', code: TID_METHOD_CODES.card, card: true },
  kakaopayCard: { payMethod: 'kakaopay', code: TID_METHOD_CODES.card, card: true },
  kakaopayMoney: { payMethod: 'kakaopay', code: TID_METHOD_CODES.card, card: false },
  samsungpayCard: { payMethod: 'samsungpay', code: TID_METHOD_CODES.card, card: true },
  payco: { payMethod: 'payco', code: TID_METHOD_CODES.card, card: true },
  ssgpay: { payMethod: 'ssgpay', code: TID_METHOD_CODES.card, card: true },
};

/** Sandbox approvals always carry 삼성 (04), `123412******1234`, lump sum (nicepay.md §3.2). */
const SANDBOX_CARD = {
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

const SANDBOX_BANK = { bankCode: '004', bankName: '국민' };

const AMOUNT: FieldSpec = { kind: 'integer', required: true, max: 12 };
/** Smallest credit-card approval (nicepay.md §8.20: 3041 "1000원 미만 신용카드 승인 불가"). */
const MIN_CARD_AMOUNT = 1_000;

/**
 * The simulator's state and NicePay's business rules (nicepay.md §3, §9). Every record belongs to one clientId
 * (the merchant); another merchant's tid is "not found". orderIds are unique per merchant across approvals,
 * billing charges, billing-key issues and cancel requests (nicepay.md §3.3, §8.3, §8.9).
 */
export class NicePaySimulatorStore {
  private readonly authRecords = new Map<string, AuthRecord>();
  private readonly payments = new Map<string, StoredPayment>();
  /** scoped orderId → tid of the approved payment / billing charge. */
  private readonly paymentTidByOrderId = new Map<string, string>();
  /** scoped orderIds spent by cancel requests and billing-key issues. */
  private readonly spentOrderIds = new Set<string>();
  private readonly billingKeys = new Map<string, StoredBillingKey>();
  private readonly receipts = new Map<string, StoredReceipt>();
  private readonly receiptOrderIds = new Set<string>();
  /** Cancel tids, so a cancel tid sent to /cancel is told apart from an unknown one. */
  private readonly cancelTids = new Set<string>();
  private readonly tokensByKey = new Map<string, { token: string; expireAt: Date }>();
  private readonly tokens = new Map<string, { key: NicePayKey; expireAt: Date }>();
  private mintedTokens = 0;

  constructor(private readonly options: NicePayStoreOptions) {}

  private get now(): Date {
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
    this.tokensByKey.clear();
    this.tokens.clear();
    this.mintedTokens = 0;
  }

  // ---- access tokens (nicepay.md §1.4) -------------------------------------------------------------------------

  /** Same token with the same expiry while it is valid; a new one after `expireAt`. There is no refresh. */
  issueToken(key: NicePayKey): Json {
    const now = this.now;
    const keyId = `${key.clientId}:${key.secretKey}`;
    let current = this.tokensByKey.get(keyId);
    if (!current || current.expireAt.getTime() <= now.getTime()) {
      if (current) this.tokens.delete(current.token);
      current = { token: newAccessToken(), expireAt: new Date(now.getTime() + this.options.tokenTtlMs) };
      this.tokensByKey.set(keyId, current);
      this.tokens.set(current.token, { key, expireAt: current.expireAt });
      this.mintedTokens += 1;
    }
    return {
      resultCode: '0000',
      resultMsg: OK_MESSAGE,
      accessToken: current.token,
      tokenType: 'Bearer',
      // The response table spells it `expiredAt`; every literal example and [E26] say `expireAt` (nicepay.md §1.4).
      expireAt: formatNiceDate(current.expireAt),
      now: formatNiceDate(now),
    };
  }

  /** The key behind a still-valid token, or undefined. */
  keyForToken(token: string): NicePayKey | undefined {
    const entry = this.tokens.get(token);
    if (!entry || entry.expireAt.getTime() <= this.now.getTime()) return undefined;
    return entry.key;
  }

  issuedTokens(): number {
    return this.mintedTokens;
  }

  // ---- the payment window (nicepay.md §5) ----------------------------------------------------------------------

  authenticate(input: NicePayWindowInput): Record<string, string> {
    const key = this.windowKey(input.clientId);
    const method = WINDOW_METHODS[input.method];
    if (!method) throw new Error(`NicePaySimulator.authenticate: unknown method '${input.method}' (nicepay.md §5.1)`);
    if (!Number.isSafeInteger(input.amount) || input.amount < 1) {
      throw new Error('NicePaySimulator.authenticate: amount must be a positive integer');
    }
    const taxFreeAmt = input.taxFreeAmt ?? 0;
    if (!Number.isSafeInteger(taxFreeAmt) || taxFreeAmt < 0 || taxFreeAmt > input.amount) {
      throw new Error('NicePaySimulator.authenticate: taxFreeAmt must be an integer between 0 and amount');
    }
    windowField('orderId', input.orderId, 64, true);
    windowField('goodsName', input.goodsName, 40, true);
    windowField('returnUrl', input.returnUrl, 500, true);
    windowField('mallReserved', input.mallReserved, 500, false);
    windowField('buyerName', input.buyerName, 30, false);
    windowField('buyerTel', input.buyerTel, 40, false);
    windowField('buyerEmail', input.buyerEmail, 60, false);
    windowField('vbankHolder', input.vbankHolder, 40, input.method === 'vbank');
    if (input.mallReserved?.includes('"')) throw new Error('NicePaySimulator.authenticate: mallReserved must not contain " (nicepay.md §8.19)');

    const tid = this.uniqueTid(method.code);
    const record: AuthRecord = {
      tid,
      authToken: newAuthToken(),
      clientId: key.clientId,
      orderId: input.orderId,
      amount: input.amount,
      payMethod: method.payMethod,
      // The window replaces `"` and `¦` in goodsName with `-` (nicepay.md §5.1).
      goodsName: input.goodsName.replace(/["¦]/g, '-'),
      mallReserved: input.mallReserved,
      buyerName: input.buyerName,
      buyerEmail: input.buyerEmail,
      buyerTel: input.buyerTel,
      vbankHolder: input.vbankHolder,
      taxFreeAmt,
      withCard: method.card,
      approved: false,
    };
    this.authRecords.set(tid, record);
    const amount = String(input.amount);
    // Exactly the §5.2 fields, all strings, as the browser form POST carries them.
    return {
      authResultCode: '0000',
      authResultMsg: '인증 성공',
      tid,
      clientId: key.clientId,
      orderId: input.orderId,
      amount,
      mallReserved: input.mallReserved ?? '',
      authToken: record.authToken,
      signature: sha256Hex(`${record.authToken}${key.clientId}${amount}${key.secretKey}`),
    };
  }

  authenticateFailure(input: { clientId: string; orderId: string; amount: number; code?: string; message?: string }): Record<string, string> {
    this.windowKey(input.clientId);
    const code = input.code ?? 'I002';
    if (code === '0000') throw new Error('NicePaySimulator.authenticateFailure: code must not be 0000');
    return {
      authResultCode: code,
      authResultMsg: input.message ?? '사용자가 결제를 취소하였습니다',
      clientId: input.clientId,
      orderId: input.orderId,
      amount: String(input.amount),
      mallReserved: '',
    };
  }

  /** The buyer pays into the issued account: ready → paid, a webhook (nicepay.md §6 "a vbank deposit"). */
  deposit(tid: string): void {
    const payment = this.payments.get(tid);
    if (!payment || payment.payMethod !== 'vbank') throw new Error(`NicePaySimulator.deposit: no virtual-account payment ${tid}`);
    if (payment.status !== 'ready') throw new Error(`NicePaySimulator.deposit: payment ${tid} is ${payment.status}, not ready`);
    payment.status = 'paid';
    payment.paidAt = this.now;
    this.emit(payment);
  }

  peekPayment(tid: string): Json | undefined {
    const payment = this.payments.get(tid);
    if (!payment) return undefined;
    // The merchant's secret key stays inside the store.
    const { secretKey: _secretKey, ...visible } = payment;
    return structuredClone({ ...visible, balanceAmt: balanceOf(payment) }) as unknown as Json;
  }

  // ---- approve (nicepay.md §3.1) -------------------------------------------------------------------------------

  approve(key: NicePayKey, tid: string, body: Json): Json {
    const fields = readFields(body, { amount: AMOUNT, ...SIGNED_REQUEST_FIELDS });
    const record = this.authRecords.get(tid);
    if (!record || record.clientId !== key.clientId) throw nicepayError('U121');
    verifySignData(fields, [`${tid}${fields.amount}`], key.secretKey);
    if (record.approved) throw nicepayError('2201');
    if (fields.amount !== record.amount) throw nicepayError('A123');
    // A credit-card approval needs at least 1,000 KRW (nicepay.md §8.20, code table 3041).
    if (record.payMethod === 'card' && record.amount < MIN_CARD_AMOUNT) throw nicepayError('3041');
    this.assertOrderIdFree(key.clientId, record.orderId);

    const now = this.now;
    const payment: StoredPayment = {
      tid,
      clientId: key.clientId,
      secretKey: key.secretKey,
      orderId: record.orderId,
      payMethod: record.payMethod,
      status: record.payMethod === 'vbank' ? 'ready' : 'paid',
      amount: record.amount,
      taxFreeAmt: record.taxFreeAmt,
      goodsName: record.goodsName,
      mallReserved: record.mallReserved,
      buyerName: record.buyerName,
      buyerEmail: record.buyerEmail,
      buyerTel: record.buyerTel,
      approvedAt: now,
      // [E26]: an unpaid vbank already shows the issuance time in paidAt; clients must decide by status.
      paidAt: now,
      cancels: [],
      channel: 'pc',
      ownOrderIdUsedByCancel: false,
    };
    if (record.withCard) payment.card = { ...SANDBOX_CARD };
    if (record.payMethod === 'bank') payment.bank = { ...SANDBOX_BANK };
    if (record.payMethod === 'vbank') {
      const bank = VBANK_BANKS[this.payments.size % VBANK_BANKS.length];
      payment.vbank = {
        vbankCode: bank.code,
        vbankName: bank.name,
        vbankNumber: `${randomDigits(3)}${randomDigits(11)}`,
        vbankExpDate: new Date(now.getTime() + this.options.vbankValidMs),
        vbankHolder: record.vbankHolder ?? '',
      };
    }
    record.approved = true;
    this.payments.set(tid, payment);
    this.paymentTidByOrderId.set(scope(key.clientId, payment.orderId), tid);
    this.emit(payment);
    return this.paymentObject(payment, key.secretKey);
  }

  // ---- cancel (nicepay.md §3.3) --------------------------------------------------------------------------------

  cancel(key: NicePayKey, tid: string, body: Json): Json {
    const fields = readFields(body, {
      reason: { kind: 'string', required: true, max: 100 },
      orderId: { kind: 'string', required: true, max: 64 },
      cancelAmt: { kind: 'integer', max: 12 },
      taxFreeAmt: { kind: 'integer', max: 12 },
      mallReserved: { kind: 'string', max: 500 },
      refundAccount: { kind: 'string', max: 16 },
      refundBankCode: { kind: 'string', max: 3 },
      refundHolder: { kind: 'string', max: 10 },
      ...SIGNED_REQUEST_FIELDS,
    });
    const receipt = this.receipts.get(tid);
    if (receipt && receipt.clientId === key.clientId) throw nicepayError('U106');
    const payment = this.ownPayment(key, tid);
    if (!payment) throw nicepayError('U122');
    verifySignData(fields, [tid], key.secretKey);
    const orderId = fields.orderId as string;
    // [E26]: the cancel orderId identifies this cancel request; it is spent even when the cancel then fails.
    this.spendCancelOrderId(key.clientId, orderId, payment);

    if (payment.status === 'cancelled') throw nicepayError('2013');
    if (fields.cancelAmt !== undefined && this.options.sandboxRejectsPartialCancel) throw nicepayError('U128');
    const balance = balanceOf(payment);
    const cancelAmt = (fields.cancelAmt as number | undefined) ?? balance;
    if (cancelAmt <= 0) throw nicepayError('2010');
    if (cancelAmt > balance) throw nicepayError('2032');
    const now = this.now;
    if (payment.payMethod === 'vbank' && payment.status === 'ready') {
      // An issued, not yet deposited account can only be cancelled in full (nicepay.md §3.3 table).
      if (cancelAmt !== balance) throw nicepayError('2030');
    } else if (payment.payMethod === 'vbank') {
      if (now.getTime() - payment.paidAt!.getTime() > VBANK_REFUND_WINDOW_MS) throw nicepayError('2016');
      // A refund after the deposit needs the buyer's account ([E26], nicepay.md §3.3, §8.11).
      for (const name of ['refundAccount', 'refundBankCode', 'refundHolder']) {
        if (fields[name] === undefined) throw nicepayError('P007', `필수 파라미터 ${name}가 없습니다.`);
      }
      if (!/^\d+$/.test(fields.refundAccount as string)) throw nicepayError('U131', '파라미터 refundAccount: 허용된 Data형식이 아닙니다.');
      if (!BANK_CODES.has(fields.refundBankCode as string)) throw nicepayError('U131', '파라미터 refundBankCode: 허용된 Data형식이 아닙니다.');
    } else if (now.getTime() - payment.approvedAt.getTime() > CARD_CANCEL_WINDOW_MS) {
      throw nicepayError('2016');
    }
    const taxFreeLeft = payment.taxFreeAmt - payment.cancels.reduce((sum, c) => sum + c.taxFreeAmt, 0);
    // Omitted on a cancel of the whole remainder: the remaining tax-free part goes with it.
    const taxFreeAmt = (fields.taxFreeAmt as number | undefined) ?? (cancelAmt === balance ? taxFreeLeft : 0);
    if (taxFreeAmt < 0 || taxFreeAmt > taxFreeLeft || taxFreeAmt > cancelAmt) throw nicepayError('U319');

    const cancelTid = this.uniqueTid(methodCodeOf(payment.payMethod));
    this.cancelTids.add(cancelTid);
    payment.cancels.push({ tid: cancelTid, amount: cancelAmt, taxFreeAmt, reason: fields.reason as string, cancelledAt: now });
    payment.status = balanceOf(payment) === 0 ? 'cancelled' : 'partialCancelled';
    this.emit(payment, cancelTid);
    return this.paymentObject(payment, key.secretKey, cancelTid);
  }

  // ---- net cancel (nicepay.md §3.4) ----------------------------------------------------------------------------

  netCancel(key: NicePayKey, body: Json): Json {
    const fields = readFields(body, {
      orderId: { kind: 'string', required: true, max: 64 },
      mallReserved: { kind: 'string', max: 500 },
      ...SIGNED_REQUEST_FIELDS,
    });
    const orderId = fields.orderId as string;
    verifySignData(fields, [orderId], key.secretKey);
    // Keyed on orderId; an order that was only authenticated (never approved) has nothing to cancel either.
    const tid = this.paymentTidByOrderId.get(scope(key.clientId, orderId));
    const payment = tid ? this.payments.get(tid) : undefined;
    if (!payment) throw nicepayError('U126');
    if (this.now.getTime() - payment.approvedAt.getTime() > this.options.netCancelWindowMs) throw nicepayError('2020');
    if (payment.status === 'cancelled') throw nicepayError('2013');
    const cancelTid = this.uniqueTid(methodCodeOf(payment.payMethod));
    this.cancelTids.add(cancelTid);
    const taxFreeLeft = payment.taxFreeAmt - payment.cancels.reduce((sum, c) => sum + c.taxFreeAmt, 0);
    payment.cancels.push({ tid: cancelTid, amount: balanceOf(payment), taxFreeAmt: taxFreeLeft, reason: '망취소', cancelledAt: this.now });
    payment.status = 'cancelled';
    this.emit(payment, cancelTid);
    return this.paymentObject(payment, key.secretKey, cancelTid);
  }

  // ---- inquiry (nicepay.md §3.5) and check-amount (§3.6) ------------------------------------------------------

  getByTid(key: NicePayKey, tid: string, query: Json): Json {
    const fields = readFields(query, SIGNED_REQUEST_FIELDS);
    const payment = this.ownPayment(key, tid);
    if (!payment) throw nicepayError('U107');
    verifySignData(fields, [tid], key.secretKey);
    return this.paymentObject(payment, key.secretKey);
  }

  findByOrderId(key: NicePayKey, orderId: string, query: Json): Json {
    const fields = readFields(query, { orderDate: { kind: 'string', max: 8 }, ...SIGNED_REQUEST_FIELDS });
    // The manual requires orderDate (YYYYMMDD); [P]/[E26] do not. Accepted missing, checked when present (§3.5).
    if (fields.orderDate !== undefined && !/^\d{8}$/.test(fields.orderDate as string)) throw nicepayError('U130', '허용된 Date형식이 아닙니다.');
    const tid = this.paymentTidByOrderId.get(scope(key.clientId, orderId));
    const payment = tid ? this.payments.get(tid) : undefined;
    if (!payment) throw nicepayError('U107');
    // The docs disagree on the signData prefix (tid vs orderId): either is accepted (nicepay.md §3.5).
    verifySignData(fields, [payment.tid, orderId], key.secretKey);
    return this.paymentObject(payment, key.secretKey);
  }

  checkAmount(key: NicePayKey, tid: string, body: Json): Json {
    const fields = readFields(body, { amount: AMOUNT, ...SIGNED_REQUEST_FIELDS });
    const payment = this.ownPayment(key, tid);
    if (!payment) throw nicepayError('U107');
    verifySignData(fields, [`${tid}${fields.amount}`], key.secretKey);
    const ediDate = formatNiceDate(this.now);
    return {
      resultCode: '0000',
      resultMsg: OK_MESSAGE,
      tid,
      ediDate,
      // Unlike every other payment answer, signed without the amount (nicepay.md §3.6).
      signature: sha256Hex(`${tid}${ediDate}${key.secretKey}`),
      isValid: fields.amount === payment.amount,
    };
  }

  // ---- billing (nicepay.md §3.7–§3.9, §4.2) ------------------------------------------------------------------

  registBilling(key: NicePayKey, body: Json): Json {
    const fields = readFields(body, {
      encData: { kind: 'string', required: true, max: 512 },
      orderId: { kind: 'string', required: true, max: 64 },
      buyerName: { kind: 'string', max: 30 },
      buyerEmail: { kind: 'string', max: 60 },
      buyerTel: { kind: 'string', max: 20 },
      encMode: { kind: 'string', max: 10 },
      ...SIGNED_REQUEST_FIELDS,
    });
    const orderId = fields.orderId as string;
    verifySignData(fields, [orderId], key.secretKey);
    this.assertOrderIdFree(key.clientId, orderId);
    const card = decryptCardData(fields.encData as string, fields.encMode as string | undefined, key.secretKey);
    this.spentOrderIds.add(scope(key.clientId, orderId));

    const now = this.now;
    let bid = newBid(this.options.mid, now);
    while (this.billingKeys.has(bid)) bid = newBid(this.options.mid, now);
    this.billingKeys.set(bid, { bid, clientId: key.clientId, cardNum: maskCardNumber(card.cardNo) });
    return {
      resultCode: '0000',
      resultMsg: '빌키가 정상적으로 생성되었습니다.',
      tid: this.uniqueTid(TID_METHOD_CODES.card),
      orderId,
      bid,
      authDate: formatNiceDate(now),
      // The sandbox answers card 04; cardName comes with brackets here, unlike in payment objects (nicepay.md §3.7).
      cardCode: '04',
      cardName: '[삼성]',
      status: 'issued',
    };
  }

  chargeBilling(key: NicePayKey, bid: string, body: Json): Json {
    const fields = readFields(body, {
      orderId: { kind: 'string', required: true, max: 64 },
      amount: AMOUNT,
      goodsName: { kind: 'string', required: true, max: 40 },
      cardQuota: { kind: 'integer', required: true, max: 2 },
      useShopInterest: { kind: 'boolean', required: true },
      buyerName: { kind: 'string', max: 30 },
      buyerTel: { kind: 'string', max: 20 },
      buyerEmail: { kind: 'string', max: 60 },
      taxFreeAmt: { kind: 'integer', max: 12 },
      mallReserved: { kind: 'string', max: 500 },
      ...SIGNED_REQUEST_FIELDS,
    });
    const orderId = fields.orderId as string;
    verifySignData(fields, [`${orderId}${bid}`], key.secretKey);
    const billingKey = this.billingKeys.get(bid);
    if (!billingKey || billingKey.clientId !== key.clientId) throw nicepayError('A124');
    if (billingKey.deletedAt) throw nicepayError('U115');
    // Only `false` is supported (nicepay.md §3.8).
    if (fields.useShopInterest !== false) throw nicepayError('U132', '허용된 옵션 내용이 아닙니다.[useShopInterest]');
    const amount = fields.amount as number;
    if (amount <= 0) throw nicepayError('P017');
    // A billing charge is a credit-card approval: at least 1,000 KRW (nicepay.md §8.20, 3041).
    if (amount < MIN_CARD_AMOUNT) throw nicepayError('3041');
    const taxFreeAmt = (fields.taxFreeAmt as number | undefined) ?? 0;
    if (taxFreeAmt < 0 || taxFreeAmt > amount) throw nicepayError('U131', '파라미터 taxFreeAmt: 허용된 Data형식이 아닙니다.');
    this.assertOrderIdFree(key.clientId, orderId);

    const now = this.now;
    const tid = this.uniqueTid(TID_METHOD_CODES.card);
    const payment: StoredPayment = {
      tid,
      clientId: key.clientId,
      secretKey: key.secretKey,
      orderId,
      payMethod: 'card',
      status: 'paid',
      amount,
      taxFreeAmt,
      goodsName: fields.goodsName as string,
      mallReserved: fields.mallReserved as string | undefined,
      buyerName: fields.buyerName as string | undefined,
      buyerEmail: fields.buyerEmail as string | undefined,
      buyerTel: fields.buyerTel as string | undefined,
      approvedAt: now,
      paidAt: now,
      cancels: [],
      card: { ...SANDBOX_CARD, cardNum: billingKey.cardNum, cardQuota: fields.cardQuota },
      bid,
      channel: null,
      ownOrderIdUsedByCancel: false,
    };
    this.payments.set(tid, payment);
    this.paymentTidByOrderId.set(scope(key.clientId, orderId), tid);
    this.emit(payment);
    return this.paymentObject(payment, key.secretKey);
  }

  expireBilling(key: NicePayKey, bid: string, body: Json): Json {
    const fields = readFields(body, { orderId: { kind: 'string', required: true, max: 64 }, ...SIGNED_REQUEST_FIELDS });
    const orderId = fields.orderId as string;
    verifySignData(fields, [`${orderId}${bid}`], key.secretKey);
    const now = this.now;
    // [E26]: authDate is present even on failure (nicepay.md §3.9).
    const echo = { tid: null, orderId, bid, authDate: formatNiceDate(now) };
    const billingKey = this.billingKeys.get(bid);
    if (!billingKey || billingKey.clientId !== key.clientId) throw nicepayError('A124', undefined, echo);
    // Deleting again gives U115: the key is already gone, which a client may treat as success (nicepay.md §3.9).
    if (billingKey.deletedAt) throw nicepayError('U115', undefined, echo);
    billingKey.deletedAt = now;
    return { resultCode: '0000', resultMsg: OK_MESSAGE, ...echo, tid: this.uniqueTid(TID_METHOD_CODES.card) };
  }

  // ---- cash receipts (nicepay.md §3.10) ------------------------------------------------------------------------

  issueReceipt(key: NicePayKey, body: Json): Json {
    const fields = readFields(body, {
      orderId: { kind: 'string', required: true, max: 64 },
      amount: AMOUNT,
      goodsName: { kind: 'string', required: true, max: 40 },
      receiptType: { kind: 'string', required: true, max: 10 },
      receiptNo: { kind: 'string', required: true, max: 20 },
      supplyAmt: { kind: 'integer', max: 12 },
      goodsVat: { kind: 'integer', max: 12 },
      taxFreeAmt: { kind: 'integer', max: 12 },
      serviceAmt: { kind: 'integer', max: 12 },
      buyerName: { kind: 'string', max: 30 },
      buyerTel: { kind: 'string', max: 20 },
      buyerEmail: { kind: 'string', max: 60 },
      ...SIGNED_REQUEST_FIELDS,
    });
    const orderId = fields.orderId as string;
    const amount = fields.amount as number;
    verifySignData(fields, [`${orderId}${amount}`], key.secretKey);
    const receiptType = fields.receiptType as string;
    if (receiptType !== 'individual' && receiptType !== 'company') throw nicepayError('U132', '허용된 옵션 내용이 아닙니다.[receiptType]');
    const receiptNo = fields.receiptNo as string;
    // individual: a 10–11 digit phone number (or a longer card/resident number); company: a 10-digit business number.
    const receiptNoValid = receiptType === 'company' ? /^\d{10}$/.test(receiptNo) : /^\d{10,18}$/.test(receiptNo);
    if (!receiptNoValid) throw nicepayError('U131', '파라미터 receiptNo: 허용된 Data형식이 아닙니다.');
    if (amount <= 0) throw nicepayError('7041');
    const parts = ['supplyAmt', 'goodsVat', 'taxFreeAmt', 'serviceAmt'] as const;
    // The manual marks the four parts required, [P] optional: when any is sent they must add up (P013, §3.10).
    const anyPart = parts.some((name) => fields[name] !== undefined);
    const part = (name: (typeof parts)[number]) => (fields[name] as number | undefined) ?? 0;
    if (anyPart && parts.reduce((sum, name) => sum + part(name), 0) !== amount) {
      throw nicepayError('P013', `파라미터 amount[${amount}]이 공급가액, 부가세, 봉사료, 비과세급액의 합과 동일하지 않습니다.`);
    }
    const scoped = scope(key.clientId, orderId);
    if (this.receiptOrderIds.has(scoped)) throw nicepayError('U112');
    this.receiptOrderIds.add(scoped);

    const now = this.now;
    const taxable = amount - part('taxFreeAmt') - part('serviceAmt');
    const receipt: StoredReceipt = {
      tid: this.uniqueTid(TID_METHOD_CODES.cashReceipt),
      clientId: key.clientId,
      orderId,
      amount,
      // Without parts: VAT = round(taxable / 11), the rest is the supply value.
      goodsVat: anyPart ? part('goodsVat') : Math.round(taxable / 11),
      supplyAmt: anyPart ? part('supplyAmt') : taxable - Math.round(taxable / 11),
      taxFreeAmt: part('taxFreeAmt'),
      serviceAmt: part('serviceAmt'),
      goodsName: fields.goodsName as string,
      receiptType,
      buyerName: fields.buyerName as string | undefined,
      buyerEmail: fields.buyerEmail as string | undefined,
      buyerTel: fields.buyerTel as string | undefined,
      requestedAt: now,
      approveNo: randomDigits(9),
      cancels: [],
    };
    this.receipts.set(receipt.tid, receipt);
    const ediDate = formatNiceDate(now);
    return {
      resultCode: '0000',
      resultMsg: '현금영수증 처리 성공',
      tid: receipt.tid,
      orderId,
      approvedAt: formatNiceDate(now),
      approveNo: receipt.approveNo,
      ediDate,
      signature: sha256Hex(`${receipt.tid}${orderId}${ediDate}${key.secretKey}`),
    };
  }

  cancelReceipt(key: NicePayKey, tid: string, body: Json): Json {
    const fields = readFields(body, {
      orderId: { kind: 'string', required: true, max: 64 },
      reason: { kind: 'string', required: true, max: 100 },
      cancelAmt: { kind: 'integer', max: 12 },
      supplyAmt: { kind: 'integer', max: 12 },
      goodsVat: { kind: 'integer', max: 12 },
      taxFreeAmt: { kind: 'integer', max: 12 },
      serviceAmt: { kind: 'integer', max: 12 },
      ...SIGNED_REQUEST_FIELDS,
    });
    const receipt = this.receipts.get(tid);
    if (!receipt || receipt.clientId !== key.clientId) throw nicepayError('U122');
    verifySignData(fields, [tid], key.secretKey);
    const balance = receiptBalance(receipt);
    if (balance === 0) throw nicepayError('2013');
    const cancelAmt = (fields.cancelAmt as number | undefined) ?? balance;
    if (cancelAmt <= 0) throw nicepayError('2010');
    if (cancelAmt > balance) throw nicepayError('2032');
    if (cancelAmt !== balance) {
      // A partial cancel must say how it splits (nicepay.md §3.10).
      const parts = ['supplyAmt', 'goodsVat', 'taxFreeAmt', 'serviceAmt'];
      for (const name of parts) if (fields[name] === undefined) throw nicepayError('P007', `필수 파라미터 ${name}가 없습니다.`);
      if (parts.reduce((sum, name) => sum + (fields[name] as number), 0) !== cancelAmt) {
        throw nicepayError('P013', `파라미터 cancelAmt[${cancelAmt}]이 공급가액, 부가세, 봉사료, 비과세급액의 합과 동일하지 않습니다.`);
      }
    }
    const now = this.now;
    const stillRequested = this.receiptStatus(receipt) === 'issueRequested';
    const cancel: StoredReceiptCancel = {
      tid: this.uniqueTid(TID_METHOD_CODES.cashReceipt),
      amount: cancelAmt,
      cancelledAt: now,
      approveNo: randomDigits(9),
    };
    receipt.cancels.push(cancel);
    if (receiptBalance(receipt) === 0) receipt.cancelledAt = now;
    if (stillRequested && receipt.cancelledAt) receipt.approveNo = '';
    const ediDate = formatNiceDate(now);
    return {
      resultCode: '0000',
      resultMsg: '현금영수증 취소 성공',
      tid: cancel.tid,
      orderId: receipt.orderId,
      cancelAmt,
      balanceAmt: receiptBalance(receipt),
      cancelledAt: formatNiceDate(now),
      approveNo: cancel.approveNo,
      ediDate,
      signature: sha256Hex(`${cancel.tid}${receipt.orderId}${ediDate}${key.secretKey}`),
    };
  }

  getReceipt(key: NicePayKey, tid: string, query: Json): Json {
    const fields = readFields(query, { orderDate: { kind: 'string', max: 8 }, ...SIGNED_REQUEST_FIELDS });
    const receipt = this.receipts.get(tid);
    if (!receipt || receipt.clientId !== key.clientId) throw nicepayError('U107');
    verifySignData(fields, [tid], key.secretKey);
    const ediDate = formatNiceDate(this.now);
    const receiptUrl = `https://npg.nicepay.co.kr/issue/IssueLoader.do?type=1&TID=${receipt.tid}`;
    return {
      resultCode: '0000',
      resultMsg: OK_MESSAGE,
      tid: receipt.tid,
      orderId: receipt.orderId,
      status: this.receiptStatus(receipt),
      approvedAt: formatNiceDate(receipt.requestedAt),
      payMethod: 'cashReceipt',
      amount: receipt.amount,
      balanceAmt: receiptBalance(receipt),
      goodsName: receipt.goodsName,
      receiptType: receipt.receiptType,
      approveNo: receipt.approveNo,
      supplyAmt: receipt.supplyAmt,
      goodsVat: receipt.goodsVat,
      taxFreeAmt: receipt.taxFreeAmt,
      serviceAmt: receipt.serviceAmt,
      buyerName: receipt.buyerName ?? null,
      buyerTel: receipt.buyerTel ?? null,
      buyerEmail: receipt.buyerEmail ?? null,
      receiptUrl,
      receiptCancels: receipt.cancels.map((c) => ({
        tid: c.tid,
        amount: c.amount,
        status: 'cancelled',
        cancelledAt: formatNiceDate(c.cancelledAt),
        receiptType: receipt.receiptType,
        approveNo: c.approveNo,
        receiptUrl: `https://npg.nicepay.co.kr/issue/IssueLoader.do?type=1&TID=${c.tid}`,
      })),
      ediDate,
      signature: sha256Hex(`${receipt.tid}${receipt.orderId}${ediDate}${key.secretKey}`),
    };
  }

  /**
   * A successful issue is only accepted; NTS issues it later (nicepay.md §3.10, §8.15). The simulator flips
   * `issueRequested` → `issued` once the clock passed `cashReceiptIssueDelayMs` [U]. A full cancel before that is
   * `issueReqCancelled`, after it `cancelled`.
   */
  private receiptStatus(receipt: StoredReceipt): string {
    const issued = this.now.getTime() - receipt.requestedAt.getTime() >= this.options.cashReceiptIssueDelayMs;
    if (receipt.cancelledAt) {
      const issuedBeforeCancel = receipt.cancelledAt.getTime() - receipt.requestedAt.getTime() >= this.options.cashReceiptIssueDelayMs;
      return issuedBeforeCancel ? 'cancelled' : 'issueReqCancelled';
    }
    return issued ? 'issued' : 'issueRequested';
  }

  // ---- shared ---------------------------------------------------------------------------------------------------

  /** The payment object (nicepay.md §3.2) with a fresh ediDate and signature = sha256(tid+amount+ediDate+SK). */
  paymentObject(payment: StoredPayment, secretKey: string, cancelledTid?: string): Json {
    const ediDate = formatNiceDate(this.now);
    const latestCancel = payment.cancels.at(-1);
    const receiptUrl = `https://npg.nicepay.co.kr/issue/IssueLoader.do?type=0&innerWin=Y&TID=${payment.tid}`;
    return {
      resultCode: '0000',
      resultMsg: OK_MESSAGE,
      tid: payment.tid,
      cancelledTid: cancelledTid ?? null,
      orderId: payment.orderId,
      ediDate,
      // The original tid and amount, also in cancel answers (nicepay.md §3.3).
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
      receiptUrl,
      mallUserId: null,
      issuedCashReceipt: false,
      coupon: null,
      card: payment.card ? { ...payment.card } : null,
      bank: payment.bank ? { ...payment.bank } : null,
      vbank: payment.vbank ? { ...payment.vbank, vbankExpDate: formatNiceDate(payment.vbank.vbankExpDate) } : null,
      cancels:
        payment.cancels.length === 0
          ? null
          : payment.cancels.map((c) => ({
              tid: c.tid,
              amount: c.amount,
              cancelledAt: formatNiceDate(c.cancelledAt),
              reason: c.reason,
              receiptUrl: `https://npg.nicepay.co.kr/issue/IssueLoader.do?type=0&innerWin=Y&TID=${c.tid}`,
              couponAmt: 0,
            })),
      cashReceipts: null,
    };
  }

  private emit(payment: StoredPayment, cancelledTid?: string): void {
    const body = this.paymentObject(payment, payment.secretKey, cancelledTid);
    // Billing webhooks carry the bid ([E26], nicepay.md §3.2).
    if (payment.bid) body.bid = payment.bid;
    this.options.events.paymentEvent(body, payment.status);
  }

  private windowKey(clientId: string): NicePayKey {
    const key = this.options.keys.find((k) => k.clientId === clientId);
    if (!key) throw new Error(`NicePaySimulator: unknown clientId '${clientId}'`);
    if (key.model !== 'server') {
      // Client-approval keys approve inside the window (nicepay.md §5.4, §8.12); only the server model is simulated.
      throw new Error(`NicePaySimulator: clientId '${clientId}' is a Client-approval key; the simulated window is the Server-approval model`);
    }
    return key;
  }

  private ownPayment(key: NicePayKey, tid: string): StoredPayment | undefined {
    const payment = this.payments.get(tid);
    return payment && payment.clientId === key.clientId ? payment : undefined;
  }

  private assertOrderIdFree(clientId: string, orderId: string): void {
    const scoped = scope(clientId, orderId);
    if (this.paymentTidByOrderId.has(scoped) || this.spentOrderIds.has(scoped)) throw nicepayError('U112');
  }

  /**
   * A cancel's orderId must be new: not spent by an earlier cancel (of any payment) nor another payment's orderId.
   * The payment's own orderId is accepted once, which is what the official samples send (nicepay.md §3.3).
   */
  private spendCancelOrderId(clientId: string, orderId: string, payment: StoredPayment): void {
    const scoped = scope(clientId, orderId);
    if (orderId === payment.orderId) {
      if (payment.ownOrderIdUsedByCancel) throw nicepayError('U112');
      payment.ownOrderIdUsedByCancel = true;
      return;
    }
    if (this.paymentTidByOrderId.has(scoped) || this.spentOrderIds.has(scoped)) throw nicepayError('U112');
    this.spentOrderIds.add(scoped);
  }

  private uniqueTid(methodCode: string): string {
    const now = this.now;
    for (;;) {
      const tid = newTid(this.options.mid, methodCode, now);
      if (!this.authRecords.has(tid) && !this.payments.has(tid) && !this.cancelTids.has(tid) && !this.receipts.has(tid)) return tid;
    }
  }
}

const scope = (clientId: string, orderId: string): string => `${clientId}\u0000${orderId}`;

const balanceOf = (payment: StoredPayment): number => payment.amount - payment.cancels.reduce((sum, c) => sum + c.amount, 0);

const receiptBalance = (receipt: StoredReceipt): number => receipt.amount - receipt.cancels.reduce((sum, c) => sum + c.amount, 0);

function methodCodeOf(payMethod: string): string {
  if (payMethod === 'bank') return TID_METHOD_CODES.bank;
  if (payMethod === 'vbank') return TID_METHOD_CODES.vbank;
  if (payMethod === 'cellphone') return TID_METHOD_CODES.cellphone;
  return TID_METHOD_CODES.card;
}

function windowField(name: string, value: string | undefined, maxBytes: number, required: boolean): void {
  if (value === undefined || value === '') {
    if (required) throw new Error(`NicePaySimulator.authenticate: ${name} is required (nicepay.md §5.1)`);
    return;
  }
  if (niceByteLength(value) > maxBytes) throw new Error(`NicePaySimulator.authenticate: ${name} exceeds ${maxBytes} bytes (nicepay.md §5.1)`);
}

/**
 * Decrypts billing `encData` (nicepay.md §4.2): hex; no encMode (or `AES128`) → AES-128-ECB with the first 16 ASCII
 * chars of the secret key; `A2` → AES-256-CBC, key = the 32-char secret key, IV = its first 16 chars. Anything
 * that does not decrypt to card data is F101 [E26]. The plaintext is a query string whose order does not matter.
 * The decrypted values never leave this function except the card number, which the caller masks at once.
 */
function decryptCardData(encData: string, encMode: string | undefined, secretKey: string): { cardNo: string } {
  let algorithm: string;
  let key: Buffer;
  let iv: Buffer | null;
  if (encMode === undefined || encMode === 'AES128') {
    algorithm = 'aes-128-ecb';
    key = Buffer.from(secretKey.slice(0, 16), 'utf8');
    iv = null;
  } else if (encMode === 'A2') {
    algorithm = 'aes-256-cbc';
    key = Buffer.from(secretKey, 'utf8');
    iv = Buffer.from(secretKey.slice(0, 16), 'utf8');
  } else {
    throw nicepayError('U132', '허용된 옵션 내용이 아닙니다.[encMode]');
  }
  let plain: string;
  try {
    if (!/^(?:[0-9a-fA-F]{2})+$/.test(encData)) throw new Error('not hex');
    const decipher = createDecipheriv(algorithm, key, iv);
    plain = Buffer.concat([decipher.update(Buffer.from(encData, 'hex')), decipher.final()]).toString('utf8');
  } catch {
    throw nicepayError('F101');
  }
  const params = new URLSearchParams(plain);
  // All five fields are required since 2023-10 (nicepay.md §3.7).
  for (const name of ['cardNo', 'expYear', 'expMonth', 'idNo', 'cardPw']) {
    if (!params.get(name)) throw nicepayError('P007', `필수 파라미터 encData.${name}가 없습니다.`);
  }
  const cardNo = params.get('cardNo')!;
  if (!/^\d{14,16}$/.test(cardNo)) throw nicepayError('F112');
  const formats: Record<string, RegExp> = {
    expYear: /^\d{2}$/,
    expMonth: /^(0[1-9]|1[0-2])$/,
    idNo: /^(\d{6}|\d{10}|\d{13})$/,
    cardPw: /^\d{2}$/,
  };
  for (const [name, pattern] of Object.entries(formats)) {
    if (!pattern.test(params.get(name)!)) throw nicepayError('U131', `encData.${name}: 허용된 Data형식이 아닙니다.`);
  }
  return { cardNo };
}
