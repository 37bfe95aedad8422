import { nicepayError } from './nicepay-simulator.errors';
import { BANK_CODES, VBANK_BANKS, formatNiceDate, randomDigits, sha256Hex } from './nicepay-simulator.format';
import {
  AMOUNT,
  MIN_CARD_AMOUNT,
  OK_MESSAGE,
  SANDBOX_CARD,
  balanceOf,
  methodCodeOf,
  scope,
  type AuthRecord,
  type Json,
  type NicePayKey,
  type NicePaySimulatorState,
  type StoredPayment,
} from './nicepay-simulator.state';
import { type Fields, SIGNED_REQUEST_FIELDS, readFields, verifySignData } from './nicepay-simulator.validation';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Cancel windows by method: card 1 year, deposited virtual account 180 days. */
const CARD_CANCEL_WINDOW_MS = 365 * DAY_MS;
const VBANK_REFUND_WINDOW_MS = 180 * DAY_MS;
const SANDBOX_BANK = { bankCode: '004', bankName: '국민' };

/** Approve, cancel, net-cancel, inquiry and check-amount: the endpoints about one payment. */
export class NicePaySimulatorPayments {
  constructor(private readonly state: NicePaySimulatorState) {}

  /** The stored payment as a copy, without the merchant's secret key. */
  peekPayment(tid: string): Json | undefined {
    const payment = this.state.payments.get(tid);
    if (!payment) return undefined;
    // The merchant's secret key stays inside the store.
    this.state.settleVbankExpiry(payment);
    const { secretKey: _secretKey, ...visible } = payment;
    return structuredClone({ ...visible, balanceAmt: balanceOf(payment) }) as unknown as Json;
  }

  /** POST /v1/payments/{tid}: card, bank, cellphone → paid; a virtual account → ready with its account. */
  approve(key: NicePayKey, tid: string, body: Json): Json {
    const fields = readFields(body, { amount: AMOUNT, ...SIGNED_REQUEST_FIELDS });
    const record = this.state.authRecords.get(tid);
    if (!record || record.clientId !== key.clientId) throw nicepayError('U121');
    verifySignData(fields, [`${tid}${fields.amount}`], key.secretKey);
    if (record.approved) throw nicepayError('2201');
    if (fields.amount !== record.amount) throw nicepayError('A123');
    // A credit-card approval needs at least 1,000 KRW (code 3041).
    if (record.payMethod === 'card' && record.amount < MIN_CARD_AMOUNT) throw nicepayError('3041');
    this.state.assertOrderIdFree(key.clientId, record.orderId);

    const payment = this.paymentOf(key, record);
    record.approved = true;
    this.state.payments.set(tid, payment);
    this.state.paymentTidByOrderId.set(scope(key.clientId, payment.orderId), tid);
    this.state.emit(payment);
    return this.state.paymentObject(payment, key.secretKey);
  }

  private paymentOf(key: NicePayKey, record: AuthRecord): StoredPayment {
    const now = this.state.now;
    const payment: StoredPayment = {
      tid: record.tid,
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
      // An unpaid virtual account already shows the issuance time in paidAt; clients must decide by status.
      paidAt: now,
      cancels: [],
      channel: 'pc',
      ownOrderIdUsedByCancel: false,
    };
    if (record.withCard) payment.card = { ...SANDBOX_CARD };
    if (record.payMethod === 'bank') payment.bank = { ...SANDBOX_BANK };
    if (record.payMethod === 'vbank') {
      const bank = VBANK_BANKS[this.state.payments.size % VBANK_BANKS.length];
      payment.vbank = {
        vbankCode: bank.code,
        vbankName: bank.name,
        vbankNumber: `${randomDigits(3)}${randomDigits(11)}`,
        vbankExpDate: new Date(now.getTime() + this.state.options.vbankValidMs),
        vbankHolder: record.vbankHolder ?? '',
      };
    }
    return payment;
  }

  /** POST /v1/payments/{tid}/cancel: partial or full (no cancelAmt), each cancel with a new tid. */
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
    const receipt = this.state.receipts.get(tid);
    if (receipt && receipt.clientId === key.clientId) throw nicepayError('U106');
    const payment = this.state.ownPayment(key, tid);
    if (!payment) throw nicepayError('U122');
    verifySignData(fields, [tid], key.secretKey);
    // The cancel orderId identifies this cancel request; it is spent even when the cancel then fails.
    this.state.spendCancelOrderId(key.clientId, fields.orderId as string, payment);

    if (payment.status === 'cancelled') throw nicepayError('2013');
    // An unpaid account can be cancelled only until its deposit deadline.
    if (this.state.vbankPastDeadline(payment)) throw nicepayError('2016');
    if (fields.cancelAmt !== undefined && this.state.options.sandboxRejectsPartialCancel) throw nicepayError('U128');
    const balance = balanceOf(payment);
    const cancelAmt = (fields.cancelAmt as number | undefined) ?? balance;
    if (cancelAmt <= 0) throw nicepayError('2010');
    if (cancelAmt > balance) throw nicepayError('2032');
    this.checkCancelWindow(payment, fields, cancelAmt, balance);
    const taxFreeLeft = payment.taxFreeAmt - payment.cancels.reduce((sum, c) => sum + c.taxFreeAmt, 0);
    // Omitted on a cancel of the whole remainder: the remaining tax-free part goes with it.
    const taxFreeAmt = (fields.taxFreeAmt as number | undefined) ?? (cancelAmt === balance ? taxFreeLeft : 0);
    if (taxFreeAmt < 0 || taxFreeAmt > taxFreeLeft || taxFreeAmt > cancelAmt) throw nicepayError('U319');

    const cancelTid = this.state.uniqueTid(methodCodeOf(payment.payMethod));
    this.state.cancelTids.add(cancelTid);
    payment.cancels.push({
      tid: cancelTid,
      amount: cancelAmt,
      taxFreeAmt,
      reason: fields.reason as string,
      cancelledAt: this.state.now,
    });
    payment.status = balanceOf(payment) === 0 ? 'cancelled' : 'partialCancelled';
    this.state.emit(payment, cancelTid);
    return this.state.paymentObject(payment, key.secretKey, cancelTid);
  }

  /** What each method allows: time windows, full-only before a deposit, a refund account after it. */
  private checkCancelWindow(payment: StoredPayment, fields: Fields, cancelAmt: number, balance: number): void {
    const now = this.state.now;
    if (payment.payMethod === 'vbank' && payment.status === 'ready') {
      // An issued, not yet deposited account can only be cancelled in full.
      if (cancelAmt !== balance) throw nicepayError('2030');
    } else if (payment.payMethod === 'vbank') {
      if (now.getTime() - payment.paidAt!.getTime() > VBANK_REFUND_WINDOW_MS) throw nicepayError('2016');
      // A refund after the deposit needs the buyer's account.
      for (const name of ['refundAccount', 'refundBankCode', 'refundHolder']) {
        if (fields[name] === undefined) throw nicepayError('P007', `필수 파라미터 ${name}가 없습니다.`);
      }
      if (!/^\d+$/.test(fields.refundAccount as string))
        throw nicepayError('U131', '파라미터 refundAccount: 허용된 Data형식이 아닙니다.');
      if (!BANK_CODES.has(fields.refundBankCode as string))
        throw nicepayError('U131', '파라미터 refundBankCode: 허용된 Data형식이 아닙니다.');
    } else if (now.getTime() - payment.approvedAt.getTime() > CARD_CANCEL_WINDOW_MS) {
      throw nicepayError('2016');
    }
  }

  /** POST /v1/payments/netcancel: the approval of an orderId reversed in full, within the window. */
  netCancel(key: NicePayKey, body: Json): Json {
    const fields = readFields(body, {
      orderId: { kind: 'string', required: true, max: 64 },
      mallReserved: { kind: 'string', max: 500 },
      ...SIGNED_REQUEST_FIELDS,
    });
    const orderId = fields.orderId as string;
    verifySignData(fields, [orderId], key.secretKey);
    // Keyed on orderId; an order that was only authenticated (never approved) has nothing to cancel either.
    const tid = this.state.paymentTidByOrderId.get(scope(key.clientId, orderId));
    const payment = tid ? this.state.payments.get(tid) : undefined;
    if (!payment) throw nicepayError('U126');
    if (this.state.now.getTime() - payment.approvedAt.getTime() > this.state.options.netCancelWindowMs)
      throw nicepayError('2020');
    if (payment.status === 'cancelled') throw nicepayError('2013');
    const cancelTid = this.state.uniqueTid(methodCodeOf(payment.payMethod));
    this.state.cancelTids.add(cancelTid);
    const taxFreeLeft = payment.taxFreeAmt - payment.cancels.reduce((sum, c) => sum + c.taxFreeAmt, 0);
    payment.cancels.push({
      tid: cancelTid,
      amount: balanceOf(payment),
      taxFreeAmt: taxFreeLeft,
      reason: '망취소',
      cancelledAt: this.state.now,
    });
    payment.status = 'cancelled';
    this.state.emit(payment, cancelTid);
    return this.state.paymentObject(payment, key.secretKey, cancelTid);
  }

  /** GET /v1/payments/{tid}: a fresh ediDate and signature each time. */
  getByTid(key: NicePayKey, tid: string, query: Json): Json {
    const fields = readFields(query, SIGNED_REQUEST_FIELDS);
    const payment = this.state.ownPayment(key, tid);
    if (!payment) throw nicepayError('U107');
    verifySignData(fields, [tid], key.secretKey);
    return this.state.paymentObject(payment, key.secretKey);
  }

  /** GET /v1/payments/find/{orderId}. */
  findByOrderId(key: NicePayKey, orderId: string, query: Json): Json {
    const fields = readFields(query, { orderDate: { kind: 'string', max: 8 }, ...SIGNED_REQUEST_FIELDS });
    // NicePay's sources disagree on whether orderDate (YYYYMMDD) is required: accepted missing, checked when present.
    if (fields.orderDate !== undefined && !/^\d{8}$/.test(fields.orderDate as string))
      throw nicepayError('U130', '허용된 Date형식이 아닙니다.');
    const tid = this.state.paymentTidByOrderId.get(scope(key.clientId, orderId));
    const payment = tid ? this.state.payments.get(tid) : undefined;
    if (!payment) throw nicepayError('U107');
    // The sources also disagree on the signData prefix (tid vs orderId): either is accepted.
    verifySignData(fields, [payment.tid, orderId], key.secretKey);
    return this.state.paymentObject(payment, key.secretKey);
  }

  /** POST /v1/check-amount/{tid} (the Client-approval model's tamper check): isValid = the approved amount. */
  checkAmount(key: NicePayKey, tid: string, body: Json): Json {
    const fields = readFields(body, { amount: AMOUNT, ...SIGNED_REQUEST_FIELDS });
    const payment = this.state.ownPayment(key, tid);
    if (!payment) throw nicepayError('U107');
    verifySignData(fields, [`${tid}${fields.amount}`], key.secretKey);
    const ediDate = formatNiceDate(this.state.now);
    return {
      resultCode: '0000',
      resultMsg: OK_MESSAGE,
      tid,
      ediDate,
      // Unlike every other payment answer, signed without the amount.
      signature: sha256Hex(`${tid}${ediDate}${key.secretKey}`),
      isValid: fields.amount === payment.amount,
    };
  }
}
