import type { Clock } from '../clock';
import {
  CARD_COMPANIES,
  ORDER_NO_PATTERN,
  ORDER_NO_WITH_TILDE_PATTERN,
  REFUND_REASON_PATTERN,
  REFUND_REASON_WITH_SPACE_PATTERN,
  formatKstDateTime,
  isAmount,
  newCardAuthorizationNo,
  newCashReceiptMgtKey,
  newPayToken,
  newRefundNo,
  newTransactionId,
  vatOfTaxable,
} from './apps-in-toss-simulator.format';

/**
 * Error codes the simulator answers. The first four are documented (apps-in-toss.md §2, §4.1); EXECUTE_PAY_NOT_APPROVED
 * and FORBIDDEN_REQUEST are seen only in third-party client mappings [T]; the rest are the simulator's own names for
 * cases Toss does not document [U] (§11 open questions 1, 3). A client should surface them, not switch on them.
 */
export const APPS_IN_TOSS_ERROR_CODES = {
  INVALID_PARAMETER: 'INVALID_PARAMETER',
  PAYMENT_EXISTING_PAYMENT: 'PAYMENT_EXISTING_PAYMENT',
  COMMON_INVALID_API_KEY: 'COMMON_INVALID_API_KEY',
  COMMON_BREAK_TIME_OF_BANK: 'COMMON_BREAK_TIME_OF_BANK',
  EXECUTE_PAY_NOT_APPROVED: 'EXECUTE_PAY_NOT_APPROVED',
  FORBIDDEN_REQUEST: 'FORBIDDEN_REQUEST',
  PAYMENT_NOT_FOUND: 'PAYMENT_NOT_FOUND',
  EXECUTE_ALREADY_COMPLETED: 'EXECUTE_ALREADY_COMPLETED',
  REFUND_NOT_REFUNDABLE: 'REFUND_NOT_REFUNDABLE',
  NOT_FOUND: 'NOT_FOUND',
} as const;

const E = APPS_IN_TOSS_ERROR_CODES;

/** A FAIL envelope with its HTTP status (§2: make/execute/refund answer 200/400, status 200/404). */
export class AppsInTossApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly reason: string,
  ) {
    super(`${errorCode}: ${reason}`);
  }

  toBody(): { resultType: 'FAIL'; error: { errorCode: string; reason: string } } {
    return { resultType: 'FAIL', error: { errorCode: this.errorCode, reason: this.reason } };
  }
}

const invalid = (reason: string) => new AppsInTossApiError(400, E.INVALID_PARAMETER, reason);

export type PayStatus =
  | 'PAY_STANDBY'
  | 'PAY_APPROVED'
  | 'PAY_CANCEL'
  | 'PAY_PROGRESS'
  | 'PAY_COMPLETE'
  | 'REFUND_PROGRESS'
  | 'REFUND_SUCCESS'
  | 'SETTLEMENT_COMPLETE'
  | 'SETTLEMENT_REFUND_COMPLETE';

export type PayMethod = 'CARD' | 'TOSS_MONEY';

export interface PaymentTransaction {
  stepType: 'PAY' | 'REFUND';
  transactionId: string;
  paidAmount: number;
  /** Negative for REFUND (apps-in-toss.md §4.4). */
  transactionAmount: number;
  discountedAmount: number;
  pointAmount: number;
  regTs: string;
}

interface CardDetails {
  cardCompanyCode: number;
  cardCompanyName: string;
  cardAuthorizationNo: string | null;
  cardMethodType: 'CREDIT' | 'CHECK' | 'PREPAYMENT';
  cardUserType: 'PERSONAL';
  cardNumber: string;
  cardBinNumber: string;
  cardNum4Print: string;
  spreadOut: number;
  noInterest: boolean;
  salesCheckLinkUrl: string;
}

interface AccountDetails {
  accountBankCode: string;
  accountBankName: string;
  accountNumber: string;
}

interface StoredPayment {
  payToken: string;
  orderNo: string;
  userKey: string;
  isTestPayment: boolean;
  productDesc: string;
  amount: number;
  amountTaxFree: number;
  amountTaxable: number;
  amountVat: number;
  amountServiceFee: number;
  enablePayMethods: PayMethod[] | null;
  cashReceipt: boolean;
  cashReceiptTradeOption: string;
  installment: string;
  payStatus: PayStatus;
  payMethod: PayMethod | null;
  discountedAmount: number;
  paidAmount: number;
  card: CardDetails | null;
  account: AccountDetails | null;
  transactionId: string | null;
  cashReceiptMgtKey: string | null;
  transactions: PaymentTransaction[];
  createdTs: string;
  paidTs: string | null;
  /** Kept for `executeTwice: 'replay'`. */
  executeAnswer: Record<string, unknown> | null;
}

export interface AppsInTossStoreSettings {
  clock: Clock;
  merchantKeyConfigured: boolean;
  allowTildeInOrderNo: boolean;
  sandboxRejectsExecute: boolean;
  sandboxRejectCode: string;
  refundReasonRequired: boolean;
  refundReasonAllowsSpace: boolean;
  executeTwice: 'fail' | 'replay';
}

const PAY_METHODS: readonly PayMethod[] = ['CARD', 'TOSS_MONEY'];
const TRADE_OPTIONS = ['GENERAL', 'CULTURE', 'PUBLIC_TP'];
const INSTALLMENT_OPTIONS = ['USE', 'NOT_USE'];
const REFUNDABLE: readonly PayStatus[] = ['PAY_COMPLETE', 'SETTLEMENT_COMPLETE'];

/** The test card the simulated buyer pays with: KB국민 (code 4, §4.6), credit, personal. */
const TEST_CARD = { companyCode: 4, bin: '433012', last4: '1234' };
/** The documented TOSS_MONEY sample account (§10). */
const TEST_ACCOUNT: AccountDetails = { accountBankCode: '092', accountBankName: '토스뱅크', accountNumber: '100******094' };

/**
 * The payments of one simulated merchant, keyed by payToken with an orderNo index. Test and live payments share the
 * orderNo namespace (apps-in-toss.md §4.1), so there is one index for both modes.
 */
export class AppsInTossSimulatorStore {
  private readonly payments = new Map<string, StoredPayment>();
  private readonly byOrderNo = new Map<string, string>();
  bankMaintenance = false;

  constructor(private readonly settings: AppsInTossStoreSettings) {}

  reset(): void {
    this.payments.clear();
    this.byOrderNo.clear();
    this.bankMaintenance = false;
  }

  // ---- partner API (apps-in-toss.md §4) ------------------------------------------------------------------------

  /** §4.1 make-payment → PAY_STANDBY. */
  makePayment(userKey: string, body: Record<string, unknown>): { payToken: string } {
    this.assertMerchantKey();
    const orderNo = this.requireOrderNo(body.orderNo);
    const productDesc = body.productDesc;
    if (typeof productDesc !== 'string' || productDesc.trim().length === 0 || productDesc.length > 255) {
      throw invalid('productDesc는 1~255자의 공백이 아닌 문자열이어야 합니다.');
    }
    if (/[\\"]/.test(productDesc)) throw invalid('productDesc에 \\ 또는 " 를 사용할 수 없습니다.');
    if (!isAmount(body.amount, 1)) throw invalid('amount는 1 이상 7자리 이하의 정수여야 합니다.');
    if (!isAmount(body.amountTaxFree, 0)) throw invalid('amountTaxFree는 0 이상 7자리 이하의 정수여야 합니다.');
    const amount = body.amount;
    const amountTaxFree = body.amountTaxFree;
    if (amountTaxFree > amount) throw invalid('amountTaxFree는 amount보다 클 수 없습니다.');
    for (const field of ['amountTaxable', 'amountVat', 'amountServiceFee'] as const) {
      if (body[field] !== undefined && body[field] !== null && !isAmount(body[field], 0)) {
        throw invalid(`${field}는 0 이상 7자리 이하의 정수여야 합니다.`);
      }
    }
    if (typeof body.isTestPayment !== 'boolean') throw invalid('isTestPayment는 boolean이어야 합니다.');
    const enablePayMethods = parseEnablePayMethods(body.enablePayMethods);
    const cashReceiptTradeOption = optionalEnum(body.cashReceiptTradeOption, TRADE_OPTIONS, 'cashReceiptTradeOption') ?? 'GENERAL';
    const installment = optionalEnum(body.installment, INSTALLMENT_OPTIONS, 'installment') ?? 'USE';

    if (this.bankMaintenance && enablePayMethods?.length === 1 && enablePayMethods[0] === 'TOSS_MONEY') {
      throw bankBreakTime();
    }
    if (this.byOrderNo.has(orderNo)) {
      throw new AppsInTossApiError(400, E.PAYMENT_EXISTING_PAYMENT, '이미 존재하는 결제입니다.');
    }

    // Tax split Toss derives when the merchant leaves it out [U]: the VAT-bearing part is amount − taxFree −
    // serviceFee; VAT = that ÷ 11 rounded up (§4.1); the supply value is the rest.
    const amountServiceFee = (body.amountServiceFee as number | undefined | null) ?? 0;
    const grossTaxable = Math.max(0, amount - amountTaxFree - amountServiceFee);
    const amountVat = (body.amountVat as number | undefined | null) ?? vatOfTaxable(grossTaxable);
    const amountTaxable = (body.amountTaxable as number | undefined | null) ?? Math.max(0, grossTaxable - amountVat);

    const payToken = newPayToken();
    const payment: StoredPayment = {
      payToken,
      orderNo,
      userKey,
      isTestPayment: body.isTestPayment,
      productDesc,
      amount,
      amountTaxFree,
      amountTaxable,
      amountVat,
      amountServiceFee,
      enablePayMethods,
      // §4.1: anything but `true` means no cash receipt.
      cashReceipt: body.cashReceipt === true,
      cashReceiptTradeOption,
      installment,
      payStatus: 'PAY_STANDBY',
      payMethod: null,
      discountedAmount: 0,
      paidAmount: amount,
      card: null,
      account: null,
      transactionId: null,
      cashReceiptMgtKey: null,
      transactions: [],
      createdTs: this.now(),
      paidTs: null,
      executeAnswer: null,
    };
    this.payments.set(payToken, payment);
    this.byOrderNo.set(orderNo, payToken);
    return { payToken };
  }

  /** §4.2 execute-payment: PAY_APPROVED → PAY_COMPLETE, answered in the §10 shape. */
  executePayment(userKey: string, body: Record<string, unknown>): Record<string, unknown> {
    this.assertMerchantKey();
    const payToken = requirePayToken(body.payToken);
    if (body.orderNo !== undefined && body.orderNo !== null && typeof body.orderNo !== 'string') throw invalid('orderNo는 문자열이어야 합니다.');
    const isTestPayment = requireIsTestPayment(body.isTestPayment);
    const payment = this.paymentFor(payToken, userKey, 400);
    if (typeof body.orderNo === 'string' && body.orderNo !== payment.orderNo) throw invalid('orderNo가 결제 생성 시와 다릅니다.');
    assertSameMode(payment, isTestPayment);

    // §5: the sandbox test key "can create payments but cannot approve them"; the code Toss answers is [U].
    if (this.settings.sandboxRejectsExecute && payment.isTestPayment) {
      throw new AppsInTossApiError(400, this.settings.sandboxRejectCode, '테스트 키로는 결제를 승인할 수 없습니다.');
    }
    if (payment.payStatus === 'PAY_COMPLETE' || payment.payStatus === 'SETTLEMENT_COMPLETE') {
      // §4.5: a second execute is unspecified [U]; default FAIL, optionally a replay of the first answer.
      if (this.settings.executeTwice === 'replay' && payment.executeAnswer) return payment.executeAnswer;
      throw new AppsInTossApiError(400, E.EXECUTE_ALREADY_COMPLETED, '이미 승인된 결제입니다.');
    }
    if (payment.payStatus !== 'PAY_APPROVED') {
      throw new AppsInTossApiError(400, E.EXECUTE_PAY_NOT_APPROVED, `구매자 인증이 완료되지 않은 결제입니다. (${payment.payStatus})`);
    }
    if (payment.payMethod === 'TOSS_MONEY' && this.bankMaintenance) throw bankBreakTime();

    const approvalTime = this.now();
    const transactionId = newTransactionId();
    payment.payStatus = 'PAY_COMPLETE';
    payment.transactionId = transactionId;
    payment.paidTs = approvalTime;
    if (payment.card) payment.card.cardAuthorizationNo = payment.isTestPayment ? null : newCardAuthorizationNo(); // §4.2: real only live
    // A cash receipt is issued automatically for TOSS_MONEY when the merchant asked for one at make-payment (§4.1).
    if (payment.cashReceipt && payment.payMethod === 'TOSS_MONEY') payment.cashReceiptMgtKey = newCashReceiptMgtKey();
    payment.transactions.push({
      stepType: 'PAY',
      transactionId,
      paidAmount: payment.paidAmount,
      transactionAmount: payment.amount,
      discountedAmount: payment.discountedAmount,
      pointAmount: 0,
      regTs: approvalTime,
    });

    const card = payment.card;
    const account = payment.account;
    const answer: Record<string, unknown> = {
      code: 0,
      mode: payment.isTestPayment ? 'TEST' : 'LIVE',
      orderNo: payment.orderNo,
      amount: payment.amount,
      approvalTime,
      stateMsg: '결제 완료',
      discountedAmount: payment.discountedAmount,
      paidAmount: payment.paidAmount,
      payMethod: payment.payMethod,
      payToken: payment.payToken,
      transactionId,
      // §4.6 type drift: execute carries cardCompanyCode/spreadOut/noInterest as strings, status as number/boolean.
      cardCompanyCode: card ? String(card.cardCompanyCode) : null,
      cardCompanyName: card?.cardCompanyName ?? null,
      cardAuthorizationNo: card?.cardAuthorizationNo ?? null,
      spreadOut: card ? String(card.spreadOut) : null,
      noInterest: card ? String(card.noInterest) : null,
      salesCheckLinkUrl: card?.salesCheckLinkUrl ?? null,
      cardMethodType: card?.cardMethodType ?? null,
      cardNumber: card?.cardNumber ?? null,
      cardUserType: card?.cardUserType ?? null,
      cardNum4Print: card?.cardNum4Print ?? null,
      cardBinNumber: card?.cardBinNumber ?? null,
      cashReceiptMgtKey: payment.cashReceiptMgtKey,
      accountBankCode: account?.accountBankCode ?? null,
      accountBankName: account?.accountBankName ?? null,
      accountNumber: account?.accountNumber ?? null,
      msg: null,
      errorCode: null,
    };
    payment.executeAnswer = answer;
    return answer;
  }

  /** §4.3 refund-payment: no amount field, so always the full amount → REFUND_SUCCESS. */
  refundPayment(userKey: string, body: Record<string, unknown>): Record<string, unknown> {
    this.assertMerchantKey();
    const payToken = requirePayToken(body.payToken);
    const reason = body.reason;
    if (reason === undefined || reason === null || reason === '') {
      if (this.settings.refundReasonRequired) throw invalid('reason은 필수입니다.');
    } else {
      const pattern = this.settings.refundReasonAllowsSpace ? REFUND_REASON_WITH_SPACE_PATTERN : REFUND_REASON_PATTERN;
      if (typeof reason !== 'string' || !pattern.test(reason)) {
        throw invalid('reason은 55자 이하의 한글, 숫자, 영문과 _-:.^@()[]#/!%?& 만 사용할 수 있습니다.');
      }
    }
    const isTestPayment = requireIsTestPayment(body.isTestPayment);
    const payment = this.paymentFor(payToken, userKey, 400);
    assertSameMode(payment, isTestPayment);
    if (payment.payStatus === 'REFUND_SUCCESS' || payment.payStatus === 'SETTLEMENT_REFUND_COMPLETE') {
      throw new AppsInTossApiError(400, E.REFUND_NOT_REFUNDABLE, '이미 환불된 결제입니다.');
    }
    if (!REFUNDABLE.includes(payment.payStatus)) {
      throw new AppsInTossApiError(400, E.REFUND_NOT_REFUNDABLE, `환불할 수 없는 결제 상태입니다. (${payment.payStatus})`);
    }
    if (payment.payMethod === 'TOSS_MONEY' && this.bankMaintenance) throw bankBreakTime();

    const approvalTime = this.now();
    const transactionId = newTransactionId();
    payment.payStatus = 'REFUND_SUCCESS';
    payment.transactions.push({
      stepType: 'REFUND',
      transactionId,
      paidAmount: -payment.paidAmount,
      transactionAmount: -payment.amount,
      discountedAmount: -payment.discountedAmount,
      pointAmount: 0,
      regTs: approvalTime,
    });
    const card = payment.card;
    const account = payment.account;
    return {
      refundNo: newRefundNo(),
      approvalTime,
      cashReceiptMgtKey: payment.cashReceiptMgtKey,
      refundableAmount: 0,
      discountedAmount: payment.discountedAmount,
      paidAmount: payment.paidAmount,
      refundedAmount: payment.amount,
      refundedDiscountAmount: payment.discountedAmount,
      refundedPaidAmount: payment.paidAmount,
      payToken: payment.payToken,
      transactionId,
      cardMethodType: card?.cardMethodType ?? null,
      cardNumber: card?.cardNumber ?? null,
      cardUserType: card?.cardUserType ?? null,
      cardNum4Print: card?.cardNum4Print ?? null,
      cardBinNumber: card?.cardBinNumber ?? null,
      accountBankCode: account?.accountBankCode ?? null,
      accountBankName: account?.accountBankName ?? null,
      accountNumber: account?.accountNumber ?? null,
    };
  }

  /**
   * §4.4 get-payment-status by payToken or orderNo (the reference says either is enough). Unknown, another
   * user's or the other mode's payment → 404 (a lookup must not reveal payments the caller may not see).
   */
  getPaymentStatus(userKey: string, body: Record<string, unknown>): Record<string, unknown> {
    this.assertMerchantKey();
    const payToken = body.payToken;
    const orderNo = body.orderNo;
    if (payToken !== undefined && payToken !== null && (typeof payToken !== 'string' || payToken.length === 0 || payToken.length > 30)) {
      throw invalid('payToken은 30자 이하의 문자열이어야 합니다.');
    }
    if (orderNo !== undefined && orderNo !== null && (typeof orderNo !== 'string' || orderNo.length === 0 || orderNo.length > 50)) {
      throw invalid('orderNo는 50자 이하의 문자열이어야 합니다.');
    }
    if (typeof payToken !== 'string' && typeof orderNo !== 'string') throw invalid('payToken 또는 orderNo가 필요합니다.');
    const isTestPayment = requireIsTestPayment(body.isTestPayment);
    const token = typeof payToken === 'string' ? payToken : this.byOrderNo.get(orderNo as string);
    const payment = token === undefined ? undefined : this.payments.get(token);
    if (
      !payment ||
      (typeof orderNo === 'string' && payment.orderNo !== orderNo) ||
      payment.userKey !== userKey ||
      payment.isTestPayment !== isTestPayment
    ) {
      throw new AppsInTossApiError(404, E.PAYMENT_NOT_FOUND, '결제 정보를 찾을 수 없습니다.');
    }
    return this.statusView(payment);
  }

  // ---- buyer / back-office hooks -----------------------------------------------------------------------------

  /** The buyer completed `checkoutPayment` in the Toss app: PAY_STANDBY → PAY_APPROVED. */
  authenticate(payToken: string, options: { payMethod?: PayMethod; discountedAmount?: number } = {}): void {
    const payment = this.hookPayment(payToken, 'authenticate');
    if (payment.payStatus !== 'PAY_STANDBY') {
      throw new Error(`AppsInTossSimulator.authenticate: payment ${payToken} is ${payment.payStatus}, not PAY_STANDBY`);
    }
    const payMethod = options.payMethod ?? payment.enablePayMethods?.[0] ?? 'CARD';
    if (!PAY_METHODS.includes(payMethod)) throw new Error(`AppsInTossSimulator.authenticate: unknown payMethod ${String(payMethod)}`);
    if (payment.enablePayMethods && !payment.enablePayMethods.includes(payMethod)) {
      throw new Error(`AppsInTossSimulator.authenticate: ${payMethod} is not in enablePayMethods (${payment.enablePayMethods.join(',')})`);
    }
    const discountedAmount = options.discountedAmount ?? 0;
    if (!Number.isSafeInteger(discountedAmount) || discountedAmount < 0 || discountedAmount > payment.amount) {
      throw new Error(`AppsInTossSimulator.authenticate: discountedAmount must be an integer in 0..${payment.amount}`);
    }
    payment.payStatus = 'PAY_APPROVED';
    payment.payMethod = payMethod;
    payment.discountedAmount = discountedAmount;
    payment.paidAmount = payment.amount - discountedAmount;
    if (payMethod === 'CARD') {
      payment.card = {
        cardCompanyCode: TEST_CARD.companyCode,
        cardCompanyName: CARD_COMPANIES[TEST_CARD.companyCode],
        cardAuthorizationNo: null,
        cardMethodType: 'CREDIT',
        cardUserType: 'PERSONAL',
        cardNumber: `${TEST_CARD.bin}******${TEST_CARD.last4}`,
        cardBinNumber: TEST_CARD.bin,
        cardNum4Print: TEST_CARD.last4,
        // §4.2: spreadOut 0 for < 50,000 KRW or a lump sum; the simulated buyer always pays in one go.
        spreadOut: 0,
        noInterest: false,
        // The real link's shape is not published [U]; any URL naming the payment serves a client's receipt link.
        salesCheckLinkUrl: `https://pay.toss.im/sales-check/${payToken}`,
      };
    } else {
      payment.account = { ...TEST_ACCOUNT };
    }
  }

  /** The buyer closed the window (or the approval expired): PAY_STANDBY / PAY_APPROVED → PAY_CANCEL. */
  cancelWindow(payToken: string): void {
    const payment = this.hookPayment(payToken, 'cancelWindow');
    if (payment.payStatus !== 'PAY_STANDBY' && payment.payStatus !== 'PAY_APPROVED') {
      throw new Error(`AppsInTossSimulator.cancelWindow: payment ${payToken} is ${payment.payStatus}`);
    }
    payment.payStatus = 'PAY_CANCEL';
  }

  /** Nightly settlement: PAY_COMPLETE → SETTLEMENT_COMPLETE, REFUND_SUCCESS → SETTLEMENT_REFUND_COMPLETE. */
  settle(payToken: string): void {
    const payment = this.hookPayment(payToken, 'settle');
    if (payment.payStatus === 'PAY_COMPLETE') payment.payStatus = 'SETTLEMENT_COMPLETE';
    else if (payment.payStatus === 'REFUND_SUCCESS') payment.payStatus = 'SETTLEMENT_REFUND_COMPLETE';
    else throw new Error(`AppsInTossSimulator.settle: payment ${payToken} is ${payment.payStatus}`);
  }

  /** A deep copy of the stored payment (status view plus the fields only the simulator knows), or undefined. */
  peek(payToken: string): Record<string, unknown> | undefined {
    const payment = this.payments.get(payToken);
    if (!payment) return undefined;
    return structuredClone({
      ...this.statusView(payment),
      userKey: payment.userKey,
      isTestPayment: payment.isTestPayment,
      productDesc: payment.productDesc,
      enablePayMethods: payment.enablePayMethods,
      cashReceipt: payment.cashReceipt,
      cashReceiptTradeOption: payment.cashReceiptTradeOption,
      installment: payment.installment,
      transactionId: payment.transactionId,
      cashReceiptMgtKey: payment.cashReceiptMgtKey,
    });
  }

  // ---- internals ------------------------------------------------------------------------------------------------

  private statusView(payment: StoredPayment): Record<string, unknown> {
    const card = payment.card;
    const account = payment.account;
    const executed = payment.transactions.length > 0;
    const refunded = payment.transactions.some((t) => t.stepType === 'REFUND');
    return {
      mode: payment.isTestPayment ? 'TEST' : 'LIVE',
      payToken: payment.payToken,
      orderNo: payment.orderNo,
      payStatus: payment.payStatus,
      payMethod: payment.payMethod,
      amount: payment.amount,
      discountedAmount: payment.discountedAmount,
      discountAmountV2: payment.discountedAmount,
      paidPointV2: 0,
      paidAmount: payment.paidAmount,
      refundableAmount: executed && !refunded ? payment.paidAmount : 0,
      amountTaxable: payment.amountTaxable,
      amountTaxFree: payment.amountTaxFree,
      amountVat: payment.amountVat,
      amountServiceFee: payment.amountServiceFee,
      disposableCupDeposit: 0,
      accountBankCode: account?.accountBankCode ?? null,
      accountBankName: account?.accountBankName ?? null,
      accountNumber: account?.accountNumber ?? null,
      // §4.4: nested and typed differently from execute (Integer code, Boolean noInterest, Integer spreadOut).
      card: card
        ? {
            noInterest: card.noInterest,
            spreadOut: card.spreadOut,
            cardAuthorizationNo: card.cardAuthorizationNo,
            cardMethodType: card.cardMethodType,
            cardUserType: card.cardUserType,
            cardNumber: card.cardNumber,
            cardBinNumber: card.cardBinNumber,
            cardNum4Print: card.cardNum4Print,
            salesCheckLinkUrl: card.salesCheckLinkUrl,
            cardCompanyName: card.cardCompanyName,
            cardCompanyCode: card.cardCompanyCode,
          }
        : null,
      transactions: payment.transactions.map((t) => ({ ...t })),
      createdTs: payment.createdTs,
      paidTs: payment.paidTs,
    };
  }

  private paymentFor(payToken: string, userKey: string, notFoundStatus: number): StoredPayment {
    const payment = this.payments.get(payToken);
    if (!payment) throw new AppsInTossApiError(notFoundStatus, E.PAYMENT_NOT_FOUND, '결제 정보를 찾을 수 없습니다.');
    // §7: the payToken is bound to the user who made it; another user's key must not move its money [U].
    if (payment.userKey !== userKey) throw new AppsInTossApiError(400, E.FORBIDDEN_REQUEST, '결제를 생성한 사용자가 아닙니다.');
    return payment;
  }

  private hookPayment(payToken: string, hook: string): StoredPayment {
    const payment = this.payments.get(payToken);
    if (!payment) throw new Error(`AppsInTossSimulator.${hook}: unknown payToken ${payToken}`);
    return payment;
  }

  private requireOrderNo(value: unknown): string {
    const pattern = this.settings.allowTildeInOrderNo ? ORDER_NO_WITH_TILDE_PATTERN : ORDER_NO_PATTERN;
    if (typeof value !== 'string' || !pattern.test(value)) {
      throw invalid('orderNo는 50자 이하의 영문, 숫자, _-:.^@ 만 사용할 수 있습니다.');
    }
    return value;
  }

  private assertMerchantKey(): void {
    if (!this.settings.merchantKeyConfigured) {
      throw new AppsInTossApiError(400, E.COMMON_INVALID_API_KEY, '바르지 않은 apiKey 입니다.');
    }
  }

  private now(): string {
    return formatKstDateTime(this.settings.clock.now());
  }
}

function bankBreakTime(): AppsInTossApiError {
  return new AppsInTossApiError(400, E.COMMON_BREAK_TIME_OF_BANK, '은행 점검 시간입니다.');
}

function requirePayToken(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 30) throw invalid('payToken은 30자 이하의 문자열이어야 합니다.');
  return value;
}

function requireIsTestPayment(value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid('isTestPayment는 boolean이어야 합니다.');
  return value;
}

/** §7: execute/refund's isTestPayment means "was this payToken issued in sandbox"; a mismatch is refused [U]. */
function assertSameMode(payment: StoredPayment, isTestPayment: boolean): void {
  if (payment.isTestPayment !== isTestPayment) throw invalid('isTestPayment가 결제 생성 시와 다릅니다.');
}

/**
 * `enablePayMethods`: null/absent = the store's default, `CARD`, `TOSS_MONEY`; a comma list of those is accepted
 * too [U] (only a third-party doc uses it, §4.1). Max 100 chars.
 */
function parseEnablePayMethods(value: unknown): PayMethod[] | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > 100) throw invalid('enablePayMethods가 올바르지 않습니다.');
  const methods = value.split(',').map((method) => method.trim());
  if (methods.some((method) => !PAY_METHODS.includes(method as PayMethod))) throw invalid('enablePayMethods가 올바르지 않습니다.');
  return [...new Set(methods as PayMethod[])];
}

function optionalEnum(value: unknown, allowed: readonly string[], field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !allowed.includes(value)) throw invalid(`${field}는 ${allowed.join(', ')} 중 하나여야 합니다.`);
  return value;
}
