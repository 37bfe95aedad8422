import type { Clock } from '../clock';
import { type KispgFailureKind, refuse } from './kispg-simulator.errors';
import {
  KRW_AMOUNT,
  byteLength,
  kispgHash,
  kstDay,
  kstTimestamp,
  parseKstTimestamp,
  randomDigits,
} from './kispg-simulator.format';
import type { KispgNotificationKind } from './kispg-simulator.notifications';

/** Methods in KISPG's upper-case response vocabulary (kispg.md §5, §15.4). */
export type KispgPayMethod = 'CARD' | 'BANK' | 'VACNT' | 'PHONE';

/**
 * kispg.md §3's suggested states. KISPG itself only names `trxStatus` (§7): AUTHENTICATED has none (not a transaction
 * yet), APPROVED = 승인 (also after partial cancels), WAITING_DEPOSIT = 입금대기, CANCELED = 취소.
 */
export type KispgTransactionState = 'AUTHENTICATED' | 'APPROVED' | 'WAITING_DEPOSIT' | 'CANCELED';

export interface KispgMerchant {
  mid: string;
  merchantKey: string;
  test: boolean;
}

export interface KispgCancelRecord {
  canNo: string;
  canAmt: number;
  canDtm: string;
  canMsg: string;
  /** 2001 (cancel) or 2211 (virtual-account refund), kispg.md §8. */
  resultCd: string;
  refundAccount?: { bankCode: string; accountNumber: string; holderName: string };
  /** True for the 23:30 test-MID auto-cancel (kispg.md §3). */
  automatic: boolean;
}

export interface KispgTransaction {
  tid: string;
  mid: string;
  ordNo: string;
  payMethod: KispgPayMethod;
  amt: number;
  goodsNm: string;
  ordNm: string;
  ordTel: string;
  ordEmail: string;
  mbsReserved: string;
  cupDepositAmt: number;
  crctType: string;
  crctNo: string;
  state: KispgTransactionState;
  /** VACNT only: the buyer transferred the money. */
  deposited: boolean;
  authenticatedAt: Date;
  approvedAt?: Date;
  appDtm: string;
  appNo: string;
  fnNm: string;
  vacntNo: string;
  lmtDay: string;
  cancels: KispgCancelRecord[];
  canceledAmt: number;
}

export interface KispgStoreOptions {
  clock: Clock;
  merchants: ReadonlyMap<string, KispgMerchant>;
  ediDatePastMs: number;
  ediDateFutureMs: number;
  cancelDataSerializer: (cancels: Array<{ canAmt: number; canDtm: string; canNo: string }>) => string;
  /** 4-digit method + sub code in the tid (kispg.md §12 [U]). */
  tidMethodCodes: Readonly<Record<KispgPayMethod, string>>;
  vacntDueDays: number;
  queryResultCd: string;
  notifyOnVacntIssue: boolean;
  /** Called after every committed change that KISPG reports through a notification (kispg.md §9). */
  notify: (kind: KispgNotificationKind, transaction: KispgTransaction, cancel?: KispgCancelRecord) => void;
}

type Fields = Record<string, string>;

interface FieldRule {
  max: number;
  required?: boolean;
  pattern?: RegExp;
}

const DIGITS = /^[0-9]+$/;

/** kispg.md §4's request table: byte limits, required fields (O) and value formats. */
const AUTH_FIELDS: Readonly<Record<string, FieldRule>> = {
  payMethod: { max: 10 },
  trxCd: { max: 1, required: true, pattern: /^[01]$/ },
  mid: { max: 10, required: true },
  goodsNm: { max: 100, required: true },
  currencyType: { max: 3, required: true, pattern: /^KRW$/ },
  ordNo: { max: 40, required: true },
  goodsAmt: { max: 15, required: true, pattern: KRW_AMOUNT },
  discountAmt: { max: 15, pattern: DIGITS },
  mbsFeeAmt: { max: 15, pattern: DIGITS },
  ordNm: { max: 30, required: true },
  ordTel: { max: 20, required: true, pattern: DIGITS },
  ordEmail: { max: 60 },
  userIp: { max: 20 },
  mbsUsrId: { max: 20 },
  ordGuardEmail: { max: 60 },
  rcvrAddr: { max: 100 },
  rcvrPost: { max: 6 },
  rcvrMsg: { max: 255 },
  mbsIp: { max: 20 },
  mbsReserved: { max: 500 },
  goodsSplAmt: { max: 15, pattern: DIGITS },
  goodsVat: { max: 15, pattern: DIGITS },
  goodsSvsAmt: { max: 15, pattern: DIGITS },
  channel: { max: 4 },
  model: { max: 3, required: true, pattern: /^(WEB|MOB)$/ },
  period: { max: 21 },
  ediDate: { max: 14, required: true },
  encData: { max: 256, required: true },
  returnUrl: { max: 255, required: true, pattern: /^https?:\/\/\S+$/ },
  billHpFlg: { max: 1 },
  // The table says 5 bytes, yet its own value `EUC-KR` is 6 (kispg.md §4): the documented values must fit.
  charset: { max: 6 },
  charSet: { max: 6 },
  appSchemeFlg: { max: 1 },
  resultScheme: { max: 256 },
  cancelScheme: { max: 256 },
  payReqType: { max: 1, pattern: /^1$/ },
  crctType: { max: 1, pattern: /^[012]$/ },
  crctNo: { max: 15 },
  cupDepositAmt: { max: 15, pattern: DIGITS },
};

/** kispg.md §5 request table. */
const APPROVAL_FIELDS: Readonly<Record<string, FieldRule>> = {
  mid: { max: 10, required: true },
  tid: { max: 30, required: true },
  goodsAmt: { max: 15, required: true, pattern: KRW_AMOUNT },
  ediDate: { max: 14, required: true },
  encData: { max: 256, required: true },
  charset: { max: 6 },
};

/** kispg.md §6 request table. */
const CANCEL_FIELDS: Readonly<Record<string, FieldRule>> = {
  payMethod: { max: 10, required: true },
  tid: { max: 30, required: true },
  mid: { max: 10, required: true },
  ordNo: { max: 40 },
  canAmt: { max: 15, required: true, pattern: KRW_AMOUNT },
  canId: { max: 20 },
  canNm: { max: 30 },
  canMsg: { max: 100, required: true },
  canIp: { max: 20 },
  partCanFlg: { max: 1, required: true, pattern: /^[01]$/ },
  refundBankCd: { max: 3, pattern: /^[0-9]{3}$/ },
  refundAccnt: { max: 20, pattern: DIGITS },
  refundNm: { max: 30 },
  encData: { max: 255, required: true },
  ediDate: { max: 14, required: true },
  goodsSplAmt: { max: 15, pattern: DIGITS },
  goodsVat: { max: 15, pattern: DIGITS },
  goodsSvsAmt: { max: 15, pattern: DIGITS },
  charset: { max: 10 },
  mbsReserved: { max: 500 },
};

/** kispg.md §7 request: tid or ordNo (checked separately). */
const ORDER_FIELDS: Readonly<Record<string, FieldRule>> = {
  mid: { max: 10, required: true },
  tid: { max: 30 },
  ordNo: { max: 40 },
  goodsAmt: { max: 15, required: true, pattern: KRW_AMOUNT },
  ediDate: { max: 14, required: true },
  encData: { max: 256, required: true },
};

const METHOD_ALIASES: Readonly<Record<string, KispgPayMethod>> = {
  CARD: 'CARD',
  BANK: 'BANK',
  VACNT: 'VACNT',
  VBANK: 'VACNT', // kispg.md §15.4: integrators use both labels
  PHONE: 'PHONE',
  CELLPHONE: 'PHONE',
};

/** Approval success codes by method (kispg.md §8): the real ones, not simulator inventions. */
export const APPROVAL_SUCCESS: Readonly<Record<KispgPayMethod, { resultCd: string; resultMsg: string }>> = {
  CARD: { resultCd: '3001', resultMsg: '카드 결제 성공' },
  BANK: { resultCd: '4000', resultMsg: '계좌이체 결제 성공' },
  VACNT: { resultCd: '4100', resultMsg: '가상계좌 채번 성공' },
  PHONE: { resultCd: 'A000', resultMsg: '휴대폰 결제 성공' },
};
export const DEPOSIT_SUCCESS = { resultCd: '4110', resultMsg: '가상계좌 입금 통보' };
export const CANCEL_SUCCESS = { resultCd: '2001', resultMsg: '취소 성공' };
export const REFUND_SUCCESS = { resultCd: '2211', resultMsg: '환불 성공' };
export const AUTH_SUCCESS = { resultCd: '0000', resultMsg: '인증 성공' };

/** trxStatus literals (kispg.md §7). */
export const TRX_STATUS = { approved: '승인', canceled: '취소', waitingDeposit: '입금대기' } as const;

/** The simulated card and bank (kispg.md §5 observed formats, §11 codes: 02 = 국민). */
const SIMULATED_CARD = { appCardCd: '02', acqCardCd: '02', fnNm: '국민', cardNo: '12345678****1234' };
const SIMULATED_BANK_NAME = '신한';

export function normalizePayMethod(value: string): KispgPayMethod | undefined {
  return METHOD_ALIASES[value.trim().toUpperCase()];
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

  /** kispg.md §4: validates the form and issues a tid; returns what KISPG POSTs to returnUrl on success. */
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
    if (form.crctType && form.crctType !== '0' && !form.crctNo) refuse('invalidField', 'crctNo is required with crctType');
    let formMethod: KispgPayMethod | undefined;
    if (form.payMethod) {
      formMethod = normalizePayMethod(form.payMethod);
      if (!formMethod) refuse('invalidField', 'payMethod');
    }
    if (formMethod && chosenMethod && formMethod !== chosenMethod) {
      // A programming error in the test, not a KISPG answer: the window only offers the method the form names.
      throw new Error(`KispgSimulator.authenticate: the form fixes payMethod ${formMethod}, cannot choose ${chosenMethod}`);
    }
    // ordNo is "주문단위, unique한 값" (kispg.md §4); any tid already issued for it makes the order a duplicate.
    const orderKey = `${form.mid}\u0000${form.ordNo}`;
    if (this.byOrder.has(orderKey)) refuse('duplicateOrder');
    if (outcome === 'failure') refuse('authDeclined');

    // An empty payMethod shows every method (kispg.md §4); the simulated buyer picks a card unless told otherwise.
    const payMethod = chosenMethod ?? formMethod ?? 'CARD';
    const tid = this.newTid(form.mid, payMethod, now);
    const transaction: KispgTransaction = {
      tid,
      mid: form.mid,
      ordNo: form.ordNo,
      payMethod,
      amt,
      goodsNm: form.goodsNm,
      ordNm: form.ordNm,
      ordTel: form.ordTel,
      ordEmail: form.ordEmail ?? '',
      mbsReserved: form.mbsReserved ?? '',
      cupDepositAmt,
      crctType: form.crctType ?? '',
      crctNo: form.crctNo ?? '',
      state: 'AUTHENTICATED',
      deposited: false,
      authenticatedAt: now,
      appDtm: '',
      appNo: '',
      fnNm: '',
      vacntNo: '',
      lmtDay: '',
      cancels: [],
      canceledAmt: 0,
    };
    this.transactions.set(tid, transaction);
    this.byOrder.set(orderKey, tid);

    // kispg.md §2.2: the auth result carries a fresh ediDate and encData = sha256(mid + ediDate + amt + key).
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

  /** kispg.md §5. */
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
    return { ...APPROVAL_SUCCESS[transaction.payMethod], ...this.transactionFields(transaction) };
  }

  // ---- /v2/cancel, /v2/cancelTrans.do ------------------------------------------------------------------------

  /** kispg.md §6. */
  cancel(body: Fields): Fields {
    const merchant = this.requireMerchant(body.mid);
    checkFields(body, CANCEL_FIELDS, body.charset);
    const now = this.options.clock.now();
    this.checkEdiDate(body.ediDate, now);
    this.checkHash(merchant, body.ediDate, body.canAmt, body.encData); // 7.2: over canAmt
    const transaction = this.transactions.get(body.tid);
    if (!transaction || transaction.mid !== body.mid || transaction.state === 'AUTHENTICATED') return refuse('unknownTid');
    if (normalizePayMethod(body.payMethod) !== transaction.payMethod) refuse('invalidField', 'payMethod');
    if (body.ordNo && body.ordNo !== transaction.ordNo) refuse('invalidField', 'ordNo');

    const canAmt = Number(body.canAmt);
    const partial = body.partCanFlg === '1';
    const balance = transaction.amt - transaction.canceledAmt;
    // A cup deposit makes partial cancel impossible (kispg.md §6); so does an account nobody paid into yet ([U]: the
    // guide is silent on VACNT before deposit, §6; closing it whole is the only cancel that means anything).
    const unpaidAccount = transaction.state === 'WAITING_DEPOSIT';
    if (partial && (transaction.cupDepositAmt > 0 || unpaidAccount)) refuse('partialNotAllowed');
    if (canAmt > balance) refuse('overBalance');
    if (!partial && canAmt !== balance) refuse('amountMismatch', 'a full cancel must equal the remaining balance');

    const refund = transaction.payMethod === 'VACNT' && transaction.deposited;
    let refundAccount: KispgCancelRecord['refundAccount'];
    if (refund) {
      // The money sits with KISPG; it goes back to an account the merchant names (kispg.md §6 "환불일 때 필수").
      if (!body.refundBankCd || !body.refundAccnt || !body.refundNm) refuse('invalidField', 'refundBankCd/refundAccnt/refundNm');
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

  /** kispg.md §7: tid wins over ordNo; goodsAmt is hashed and must be the transaction's amount. */
  query(body: Fields): Fields {
    const merchant = this.requireMerchant(body.mid);
    checkFields(body, ORDER_FIELDS, undefined);
    if (!body.tid && !body.ordNo) refuse('invalidField', 'tid or ordNo');
    const now = this.options.clock.now();
    this.checkEdiDate(body.ediDate, now);
    this.checkHash(merchant, body.ediDate, body.goodsAmt, body.encData);
    const tid = body.tid ? body.tid : this.byOrder.get(`${body.mid}\u0000${body.ordNo}`);
    const transaction = tid === undefined ? undefined : this.transactions.get(tid);
    // An authenticated tid that was never approved is not a transaction yet: there is nothing to report ([U]).
    if (!transaction || transaction.mid !== body.mid || transaction.state === 'AUTHENTICATED') return refuse('unknownTid');
    if (Number(body.goodsAmt) !== transaction.amt) refuse('amountMismatch');

    const fields: Fields = {
      resultCd: this.options.queryResultCd,
      resultMsg: '조회 성공',
      ...this.transactionFields(transaction),
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

  /** The buyer pays into the virtual account: 입금대기 → 승인, notification 4110 (kispg.md §9 [K]). */
  deposit(tid: string): void {
    const transaction = this.transactions.get(tid);
    if (!transaction) throw new Error(`KispgSimulator.deposit: unknown tid ${tid}`);
    if (transaction.state !== 'WAITING_DEPOSIT') {
      throw new Error(`KispgSimulator.deposit: ${tid} is ${transaction.state}, not a virtual account waiting for its deposit`);
    }
    transaction.state = 'APPROVED';
    transaction.deposited = true;
    this.options.notify('deposit', transaction);
  }

  /**
   * Test MID payments are real charges, cancelled at 23:30 KST the same day (kispg.md §3 [G]): every test-MID
   * transaction approved on the clock's KST day that still has a balance is cancelled in full.
   */
  autoCancelTestPayments(): number {
    const now = this.options.clock.now();
    const today = kstDay(now);
    let count = 0;
    for (const transaction of this.transactions.values()) {
      if (transaction.state !== 'APPROVED' || !transaction.approvedAt || kstDay(transaction.approvedAt) !== today) continue;
      if (!this.options.merchants.get(transaction.mid)?.test) continue;
      const balance = transaction.amt - transaction.canceledAmt;
      if (balance <= 0) continue;
      const refund = transaction.payMethod === 'VACNT' && transaction.deposited;
      this.recordCancel(transaction, balance, '테스트 거래 자동취소', refund, now, true);
      count += 1;
    }
    return count;
  }

  // ---- notifications -------------------------------------------------------------------------------------------

  /**
   * The notification body for a transaction (kispg.md §9, the sibling field set): every value a string,
   * hashStr = sha256(mid + ediDate + amt + merchantKey), amt = the transaction's amount. Cancel notifications
   * describe `cancel` (default: the latest) and add `canAmt` (a simulator addition) for partial cancels.
   */
  notificationBody(transaction: KispgTransaction, kind: KispgNotificationKind, cancel?: KispgCancelRecord): Fields {
    const merchant = this.options.merchants.get(transaction.mid);
    if (!merchant) throw new Error(`KispgSimulator: no merchant ${transaction.mid}`);
    let result: { resultCd: string; resultMsg: string };
    let cancelRecord: KispgCancelRecord | undefined;
    switch (kind) {
      case 'approval':
        if (transaction.payMethod === 'VACNT') throw new Error('KispgSimulator: a virtual account reports issue and deposit, not approval');
        if (!transaction.approvedAt) throw new Error(`KispgSimulator: ${transaction.tid} is not approved`);
        result = APPROVAL_SUCCESS[transaction.payMethod];
        break;
      case 'issue':
        if (transaction.payMethod !== 'VACNT' || !transaction.approvedAt) throw new Error(`KispgSimulator: ${transaction.tid} has no virtual account`);
        result = APPROVAL_SUCCESS.VACNT;
        break;
      case 'deposit':
        if (!transaction.deposited) throw new Error(`KispgSimulator: ${transaction.tid} has no deposit`);
        result = DEPOSIT_SUCCESS;
        break;
      case 'cancel':
        cancelRecord = cancel ?? transaction.cancels[transaction.cancels.length - 1];
        if (!cancelRecord) throw new Error(`KispgSimulator: ${transaction.tid} has no cancel`);
        result = cancelRecord.resultCd === REFUND_SUCCESS.resultCd ? REFUND_SUCCESS : CANCEL_SUCCESS;
        break;
    }
    const ediDate = kstTimestamp(this.options.clock.now());
    const amt = String(transaction.amt);
    const fields = this.transactionFields(transaction);
    const body: Fields = {
      ...result,
      mid: transaction.mid,
      tid: transaction.tid,
      ordNo: transaction.ordNo,
      amt,
      payMethod: transaction.payMethod,
      appNo: fields.appNo,
      appDtm: fields.appDtm,
      ccDnt: cancelRecord ? cancelRecord.canDtm : '',
      cancelYN: cancelRecord ? 'Y' : 'N',
      goodsName: transaction.goodsNm,
      ordNm: transaction.ordNm,
      fnNm: fields.fnNm,
      cardNo: fields.cardNo,
      appCardCd: fields.appCardCd,
      acqCardCd: fields.acqCardCd,
      quota: fields.quota,
      cardType: fields.cardType,
      authType: fields.authType,
      usePointAmt: fields.usePointAmt,
      cashCrctFlg: fields.cashCrctFlg,
      vacntNo: fields.vacntNo,
      lmtDay: fields.lmtDay,
      socHpNo: fields.socHpNo,
      mbsReserved: transaction.mbsReserved,
      charSet: 'UTF-8',
      ediNo: randomDigits(10),
      notiDnt: ediDate,
      ediDate,
      hashStr: kispgHash(transaction.mid, ediDate, amt, merchant.merchantKey),
    };
    if (cancelRecord) body.canAmt = String(cancelRecord.canAmt);
    return body;
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

  /** The approval-response fields (kispg.md §5) of a stored transaction; all strings. */
  private transactionFields(transaction: KispgTransaction): Fields {
    const card = transaction.payMethod === 'CARD';
    const cashReceipt =
      (transaction.payMethod === 'BANK' || transaction.payMethod === 'VACNT') && (transaction.crctType === '1' || transaction.crctType === '2');
    return {
      payMethod: transaction.payMethod,
      tid: transaction.tid,
      appDtm: transaction.appDtm,
      appNo: transaction.appNo,
      ordNo: transaction.ordNo,
      goodsName: transaction.goodsNm,
      amt: String(transaction.amt),
      ordNm: transaction.ordNm,
      fnNm: transaction.fnNm,
      cancelYN: transaction.state === 'CANCELED' ? 'Y' : 'N',
      appCardCd: card ? SIMULATED_CARD.appCardCd : '',
      acqCardCd: card ? SIMULATED_CARD.acqCardCd : '',
      quota: card ? '00' : '',
      nointFlg: card ? '0' : '',
      usePointAmt: '0',
      cardType: card ? '0' : '',
      authType: card ? '01' : '',
      cashCrctFlg: cashReceipt ? '1' : '0',
      vacntNo: transaction.vacntNo,
      lmtDay: transaction.lmtDay,
      socHpNo: transaction.payMethod === 'PHONE' ? transaction.ordTel : '',
      cardNo: card ? SIMULATED_CARD.cardNo : '',
      mbsReserved: transaction.mbsReserved,
      crctType: transaction.crctType,
      crctNo: transaction.crctNo,
      easyPayCd: '',
      easyPayNm: '',
      discountType: '00',
      discountAmt: '0',
      mbsFeeType: '00',
      mbsFeeAmt: '0',
    };
  }

  private requireMerchant(mid: string | undefined): KispgMerchant {
    const merchant = mid ? this.options.merchants.get(mid) : undefined;
    if (!merchant) return refuse('unknownMid');
    return merchant;
  }

  /** kispg.md §2.1: valid from now − 10 min (configurable) to now + 1 min ([U], configurable). */
  private checkEdiDate(ediDate: string, now: Date): void {
    const at = parseKstTimestamp(ediDate);
    if (!at) return refuse('ediDate', 'not yyyyMMddHHmmss');
    const nowMs = now.getTime();
    if (at.getTime() < nowMs - this.options.ediDatePastMs || at.getTime() > nowMs + this.options.ediDateFutureMs) refuse('ediDate');
  }

  private checkHash(merchant: KispgMerchant, ediDate: string, amount: string, encData: string): void {
    // Lower-case hex per the samples (§2.1); upper-case hex is the same digest, so it is not a mismatch.
    if (encData.toLowerCase() !== kispgHash(merchant.mid, ediDate, amount, merchant.merchantKey)) refuse('hashMismatch');
  }

  /** mid + method/sub code + yyMMddHHmmss (KST) + 4-digit sequence = 30 characters (kispg.md §12). */
  private newTid(mid: string, payMethod: KispgPayMethod, now: Date): string {
    const stamp = kstTimestamp(now).slice(2);
    for (;;) {
      this.tidSequence = (this.tidSequence + 1) % 10_000;
      const tid = `${mid}${this.options.tidMethodCodes[payMethod]}${stamp}${String(this.tidSequence).padStart(4, '0')}`;
      if (!this.transactions.has(tid)) return tid;
    }
  }
}

export function trxStatusOf(transaction: KispgTransaction): string {
  if (transaction.state === 'CANCELED') return TRX_STATUS.canceled;
  if (transaction.state === 'WAITING_DEPOSIT') return TRX_STATUS.waitingDeposit;
  return TRX_STATUS.approved;
}

/** Required, byte limits (charset-aware) and formats; `kind` names the first offending field. */
function checkFields(fields: Fields, rules: Readonly<Record<string, FieldRule>>, charset: string | undefined): void {
  for (const [name, rule] of Object.entries(rules)) {
    const value = fields[name];
    if (value === undefined || value === '') {
      if (rule.required) refuse('invalidField', `${name} is required`);
      continue;
    }
    if (byteLength(value, charset) > rule.max) refuse('invalidField', `${name} exceeds ${rule.max} bytes`);
    if (rule.pattern && !rule.pattern.test(value)) refuse('invalidField', `${name} is malformed`);
  }
}

export type { KispgFailureKind };
