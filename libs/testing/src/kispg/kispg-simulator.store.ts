import type { Clock } from '../clock';
import { refuse } from './kispg-simulator.errors';
import {
  APPROVAL_FIELDS,
  AUTH_FIELDS,
  CANCEL_FIELDS,
  checkFields,
  type Fields,
  ORDER_FIELDS,
} from './kispg-simulator.fields';
import { kispgHash, kstDay, kstTimestamp, parseKstTimestamp, randomDigits } from './kispg-simulator.format';
import { notificationBody, transactionFields } from './kispg-simulator.messages';
import {
  APPROVAL_SUCCESS,
  AUTH_SUCCESS,
  CANCEL_SUCCESS,
  type KispgCancelRecord,
  type KispgMerchant,
  type KispgPayMethod,
  type KispgTransaction,
  normalizePayMethod,
  REFUND_SUCCESS,
  SIMULATED_BANK_NAME,
  SIMULATED_CARD,
  trxStatusOf,
} from './kispg-simulator.model';
import type { KispgNotificationKind } from './kispg-simulator.notifications';

export interface KispgStoreOptions {
  clock: Clock;
  merchants: ReadonlyMap<string, KispgMerchant>;
  ediDatePastMs: number;
  ediDateFutureMs: number;
  cancelDataSerializer: (cancels: Array<{ canAmt: number; canDtm: string; canNo: string }>) => string;
  /** 4-digit method + sub code in the tid (a guess; docs/gateways/kispg.md#simulator-inventions). */
  tidMethodCodes: Readonly<Record<KispgPayMethod, string>>;
  vacntDueDays: number;
  queryResultCd: string;
  notifyOnVacntIssue: boolean;
  /** Called after every committed change that KISPG reports through a notification. */
  notify: (kind: KispgNotificationKind, transaction: KispgTransaction, cancel?: KispgCancelRecord) => void;
}

/**
 * The simulated KISPG's state: authenticated tids, approvals, cancels, deposits. Every refusal throws a KispgRefusal
 * before anything changes, so a refused request never leaves a partial write behind.
 */
export class KispgSimulatorStore {
  private readonly transactions = new Map<string, KispgTransaction>();
  private readonly byOrder = new Map<string, string>(); // `${mid}\u0000${ordNo}` → tid
  private tidSequence = 0;

  constructor(private readonly options: KispgStoreOptions) {}

  reset(): void {
    this.transactions.clear();
    this.byOrder.clear();
    this.tidSequence = 0;
  }

  get(tid: string): KispgTransaction | undefined {
    return this.transactions.get(tid);
  }

  merchant(mid: string): KispgMerchant | undefined {
    return this.options.merchants.get(mid);
  }

  // ---- /v2/auth ----------------------------------------------------------------------------------------------

  /** `/v2/auth`: validates the form and issues a tid; returns what KISPG POSTs to returnUrl on success. */
  authenticate(form: Fields, chosenMethod: KispgPayMethod | undefined, outcome: 'success' | 'failure'): Fields {
    const merchant = this.requireMerchant(form.mid);
    const charset = form.charset ?? form.charSet;
    checkFields(form, AUTH_FIELDS, charset);
    if (form.mid.length !== 10) refuse('invalidField', 'mid must be 10 characters');
    const now = this.options.clock.now();
    this.checkEdiDate(form.ediDate, now);
    this.checkHash(merchant, form.ediDate, form.goodsAmt, form.encData);

    const amt = Number(form.goodsAmt);
    const cupDepositAmt = form.cupDepositAmt ? Number(form.cupDepositAmt) : 0;
    if (cupDepositAmt > amt) refuse('invalidField', 'cupDepositAmt exceeds goodsAmt');
    if (form.crctType && form.crctType !== '0' && !form.crctNo)
      refuse('invalidField', 'crctNo is required with crctType');
    let formMethod: KispgPayMethod | undefined;
    if (form.payMethod) {
      formMethod = normalizePayMethod(form.payMethod);
      if (!formMethod) refuse('invalidField', 'payMethod');
    }
    if (formMethod && chosenMethod && formMethod !== chosenMethod) {
      // A programming error in the test, not a KISPG answer: the window only offers the method the form names.
      throw new Error(
        `KispgSimulator.authenticate: the form fixes payMethod ${formMethod}, cannot choose ${chosenMethod}`,
      );
    }
    // ordNo is unique per order ("주문단위, unique한 값"): any tid already issued for it makes the order a duplicate.
    const orderKey = `${form.mid}\u0000${form.ordNo}`;
    if (this.byOrder.has(orderKey)) refuse('duplicateOrder');
    if (outcome === 'failure') refuse('authDeclined');

    // An empty payMethod shows every method; the simulated buyer picks a card unless told otherwise.
    const payMethod = chosenMethod ?? formMethod ?? 'CARD';
    const tid = this.newTid(form.mid, payMethod, now);
    const transaction = authenticatedTransaction(form, { tid, payMethod, amt, cupDepositAmt, now });
    this.transactions.set(tid, transaction);
    this.byOrder.set(orderKey, tid);

    // The auth result carries a fresh ediDate and encData = sha256(mid + ediDate + amt + key).
    const ediDate = kstTimestamp(now);
    return {
      ...AUTH_SUCCESS,
      payMethod,
      tid,
      ordNo: form.ordNo,
      amt: form.goodsAmt,
      mbsReserved: transaction.mbsReserved,
      ediDate,
      encData: kispgHash(form.mid, ediDate, form.goodsAmt, merchant.merchantKey),
    };
  }

  // ---- /v2/payment -------------------------------------------------------------------------------------------

  /** `/v2/payment`: the approval of an authenticated tid. */
  approve(body: Fields): Fields {
    const merchant = this.requireMerchant(body.mid);
    checkFields(body, APPROVAL_FIELDS, body.charset);
    const now = this.options.clock.now();
    this.checkEdiDate(body.ediDate, now);
    this.checkHash(merchant, body.ediDate, body.goodsAmt, body.encData);
    const transaction = this.transactions.get(body.tid);
    if (!transaction || transaction.mid !== body.mid) return refuse('unknownTid');
    if (transaction.state !== 'AUTHENTICATED') refuse('alreadyApproved');
    if (Number(body.goodsAmt) !== transaction.amt) refuse('amountMismatch');

    transaction.approvedAt = now;
    transaction.appDtm = kstTimestamp(now);
    transaction.appNo = randomDigits(8);
    if (transaction.payMethod === 'CARD') transaction.fnNm = SIMULATED_CARD.fnNm;
    if (transaction.payMethod === 'BANK' || transaction.payMethod === 'VACNT') transaction.fnNm = SIMULATED_BANK_NAME;
    if (transaction.payMethod === 'PHONE') transaction.fnNm = 'SKT';
    if (transaction.payMethod === 'VACNT') {
      transaction.state = 'WAITING_DEPOSIT';
      transaction.vacntNo = `562${randomDigits(11)}`;
      transaction.lmtDay = kstDay(new Date(now.getTime() + this.options.vacntDueDays * 86_400_000));
      if (this.options.notifyOnVacntIssue) this.options.notify('issue', transaction);
    } else {
      transaction.state = 'APPROVED';
      this.options.notify('approval', transaction);
    }
    return { ...APPROVAL_SUCCESS[transaction.payMethod], ...transactionFields(transaction) };
  }

  // ---- /v2/cancel, /v2/cancelTrans.do ------------------------------------------------------------------------

  /** `/v2/cancel` and `/v2/cancelTrans.do`: full or partial cancel, refund for a deposited virtual account. */
  cancel(body: Fields): Fields {
    const merchant = this.requireMerchant(body.mid);
    checkFields(body, CANCEL_FIELDS, body.charset);
    const now = this.options.clock.now();
    this.checkEdiDate(body.ediDate, now);
    this.checkHash(merchant, body.ediDate, body.canAmt, body.encData); // 7.2: over canAmt
    const transaction = this.transactions.get(body.tid);
    if (!transaction || transaction.mid !== body.mid || transaction.state === 'AUTHENTICATED')
      return refuse('unknownTid');
    if (normalizePayMethod(body.payMethod) !== transaction.payMethod) refuse('invalidField', 'payMethod');
    if (body.ordNo && body.ordNo !== transaction.ordNo) refuse('invalidField', 'ordNo');

    const canAmt = Number(body.canAmt);
    const partial = body.partCanFlg === '1';
    const balance = transaction.amt - transaction.canceledAmt;
    // A cup deposit makes partial cancel impossible; so does an account nobody paid into yet (a choice: the guide is
    // silent on VACNT before deposit, and closing it whole is the only cancel that means anything).
    const unpaidAccount = transaction.state === 'WAITING_DEPOSIT';
    if (partial && (transaction.cupDepositAmt > 0 || unpaidAccount)) refuse('partialNotAllowed');
    if (canAmt > balance) refuse('overBalance');
    if (!partial && canAmt !== balance) refuse('amountMismatch', 'a full cancel must equal the remaining balance');

    const refund = transaction.payMethod === 'VACNT' && transaction.deposited;
    let refundAccount: KispgCancelRecord['refundAccount'];
    if (refund) {
      // The money sits with KISPG; it goes back to an account the merchant names (required for refunds).
      if (!body.refundBankCd || !body.refundAccnt || !body.refundNm)
        refuse('invalidField', 'refundBankCd/refundAccnt/refundNm');
      refundAccount = { bankCode: body.refundBankCd, accountNumber: body.refundAccnt, holderName: body.refundNm };
    }
    const record = this.recordCancel(transaction, canAmt, body.canMsg, refund, now, false);
    if (refundAccount) record.refundAccount = refundAccount;

    const success = refund ? REFUND_SUCCESS : CANCEL_SUCCESS;
    return {
      ...success,
      payMethod: transaction.payMethod,
      tid: transaction.tid,
      appDtm: record.canDtm,
      appNo: transaction.appNo,
      ordNo: transaction.ordNo,
      amt: String(canAmt),
      cancelYN: 'Y',
      mbsReserved: body.mbsReserved ?? transaction.mbsReserved,
    };
  }

  // ---- /v2/order ---------------------------------------------------------------------------------------------

  /** `/v2/order`: tid wins over ordNo; goodsAmt is hashed and must be the transaction's amount. */
  query(body: Fields): Fields {
    const merchant = this.requireMerchant(body.mid);
    checkFields(body, ORDER_FIELDS, undefined);
    if (!body.tid && !body.ordNo) refuse('invalidField', 'tid or ordNo');
    const now = this.options.clock.now();
    this.checkEdiDate(body.ediDate, now);
    this.checkHash(merchant, body.ediDate, body.goodsAmt, body.encData);
    const tid = body.tid ? body.tid : this.byOrder.get(`${body.mid}\u0000${body.ordNo}`);
    const transaction = tid === undefined ? undefined : this.transactions.get(tid);
    // An authenticated tid that was never approved is not a transaction yet: there is nothing to report (a choice).
    if (!transaction || transaction.mid !== body.mid || transaction.state === 'AUTHENTICATED')
      return refuse('unknownTid');
    if (Number(body.goodsAmt) !== transaction.amt) refuse('amountMismatch');

    const fields: Fields = {
      resultCd: this.options.queryResultCd,
      resultMsg: '조회 성공',
      ...transactionFields(transaction),
      trxStatus: trxStatusOf(transaction),
    };
    if (transaction.cancels.length > 0) {
      fields.cancelData = this.options.cancelDataSerializer(
        transaction.cancels.map(({ canAmt, canDtm, canNo }) => ({ canAmt, canDtm, canNo })),
      );
    }
    return fields;
  }

  // ---- simulated bank and scheduler ----------------------------------------------------------------------------

  /** The buyer pays into the virtual account: 입금대기 → 승인, notification 4110. Refused once lmtDay is over. */
  deposit(tid: string): void {
    const transaction = this.transactions.get(tid);
    if (!transaction) throw new Error(`KispgSimulator.deposit: unknown tid ${tid}`);
    if (transaction.state !== 'WAITING_DEPOSIT') {
      throw new Error(
        `KispgSimulator.deposit: ${tid} is ${transaction.state}, not a virtual account waiting for its deposit`,
      );
    }
    if (this.vacntExpired(transaction)) {
      throw new Error(`KispgSimulator.deposit: the deadline of ${tid} (lmtDay ${transaction.lmtDay}) has passed`);
    }
    transaction.state = 'APPROVED';
    transaction.deposited = true;
    this.options.notify('deposit', transaction);
  }

  /**
   * Test MID payments are real charges, cancelled at 23:30 KST the same day: every test-MID
   * transaction approved on the clock's KST day that still has a balance is cancelled in full.
   */
  autoCancelTestPayments(): number {
    const now = this.options.clock.now();
    const today = kstDay(now);
    let count = 0;
    for (const transaction of this.transactions.values()) {
      if (transaction.state !== 'APPROVED' || !transaction.approvedAt || kstDay(transaction.approvedAt) !== today)
        continue;
      if (!this.options.merchants.get(transaction.mid)?.test) continue;
      const balance = transaction.amt - transaction.canceledAmt;
      if (balance <= 0) continue;
      const refund = transaction.payMethod === 'VACNT' && transaction.deposited;
      this.recordCancel(transaction, balance, '테스트 거래 자동취소', refund, now, true);
      count += 1;
    }
    return count;
  }

  /**
   * A virtual account past its deadline (the end of its lmtDay, KST, on the simulator's clock) takes no deposit. KISPG
   * documents no status for it, so /v2/order keeps answering 입금대기 (docs/gateways/kispg.md#virtual-account-deadlines).
   */
  vacntExpired(transaction: KispgTransaction): boolean {
    if (transaction.state !== 'WAITING_DEPOSIT' || !transaction.lmtDay) return false;
    const deadline = parseKstTimestamp(`${transaction.lmtDay}235959`);
    return deadline !== undefined && this.options.clock.now().getTime() > deadline.getTime();
  }

  // ---- notifications -------------------------------------------------------------------------------------------

  /** The notification body for a transaction (see kispg-simulator.messages.ts); `cancel` defaults to the latest. */
  notificationBody(transaction: KispgTransaction, kind: KispgNotificationKind, cancel?: KispgCancelRecord): Fields {
    const merchant = this.options.merchants.get(transaction.mid);
    if (!merchant) throw new Error(`KispgSimulator: no merchant ${transaction.mid}`);
    return notificationBody(transaction, kind, merchant, this.options.clock.now(), cancel);
  }

  // ---- helpers -------------------------------------------------------------------------------------------------

  private recordCancel(
    transaction: KispgTransaction,
    canAmt: number,
    canMsg: string,
    refund: boolean,
    now: Date,
    automatic: boolean,
  ): KispgCancelRecord {
    const record: KispgCancelRecord = {
      canNo: String(transaction.cancels.length + 1),
      canAmt,
      canDtm: kstTimestamp(now),
      canMsg,
      resultCd: refund ? REFUND_SUCCESS.resultCd : CANCEL_SUCCESS.resultCd,
      automatic,
    };
    transaction.cancels.push(record);
    transaction.canceledAmt += canAmt;
    if (transaction.canceledAmt === transaction.amt) transaction.state = 'CANCELED';
    this.options.notify('cancel', transaction, record);
    return record;
  }

  private requireMerchant(mid: string | undefined): KispgMerchant {
    const merchant = mid ? this.options.merchants.get(mid) : undefined;
    if (!merchant) return refuse('unknownMid');
    return merchant;
  }

  /** Valid from now − 10 min (KISPG's rule) to now + 1 min (a guess); both configurable. */
  private checkEdiDate(ediDate: string, now: Date): void {
    const at = parseKstTimestamp(ediDate);
    if (!at) return refuse('ediDate', 'not yyyyMMddHHmmss');
    const nowMs = now.getTime();
    if (at.getTime() < nowMs - this.options.ediDatePastMs || at.getTime() > nowMs + this.options.ediDateFutureMs)
      refuse('ediDate');
  }

  private checkHash(merchant: KispgMerchant, ediDate: string, amount: string, encData: string): void {
    // Lower-case hex per KISPG's samples; upper-case hex is the same digest, so it is not a mismatch.
    if (encData.toLowerCase() !== kispgHash(merchant.mid, ediDate, amount, merchant.merchantKey))
      refuse('hashMismatch');
  }

  /** mid + method/sub code + yyMMddHHmmss (KST) + 4-digit sequence = 30 characters, like KISPG's examples. */
  private newTid(mid: string, payMethod: KispgPayMethod, now: Date): string {
    const stamp = kstTimestamp(now).slice(2);
    for (;;) {
      this.tidSequence = (this.tidSequence + 1) % 10_000;
      const tid = `${mid}${this.options.tidMethodCodes[payMethod]}${stamp}${String(this.tidSequence).padStart(4, '0')}`;
      if (!this.transactions.has(tid)) return tid;
    }
  }
}

/** A tid the window just issued: authenticated, not yet a transaction KISPG reports. */
function authenticatedTransaction(
  form: Fields,
  issued: { tid: string; payMethod: KispgPayMethod; amt: number; cupDepositAmt: number; now: Date },
): KispgTransaction {
  return {
    tid: issued.tid,
    mid: form.mid,
    ordNo: form.ordNo,
    payMethod: issued.payMethod,
    amt: issued.amt,
    goodsNm: form.goodsNm,
    ordNm: form.ordNm,
    ordTel: form.ordTel,
    ordEmail: form.ordEmail ?? '',
    mbsReserved: form.mbsReserved ?? '',
    cupDepositAmt: issued.cupDepositAmt,
    crctType: form.crctType ?? '',
    crctNo: form.crctNo ?? '',
    state: 'AUTHENTICATED',
    deposited: false,
    authenticatedAt: issued.now,
    appDtm: '',
    appNo: '',
    fnNm: '',
    vacntNo: '',
    lmtDay: '',
    cancels: [],
    canceledAmt: 0,
  };
}
