import {
  ORDER_NO_PATTERN,
  ORDER_NO_WITH_TILDE_PATTERN,
  REFUND_REASON_PATTERN,
  REFUND_REASON_WITH_SPACE_PATTERN,
  formatKstDateTime,
  isAmount,
  newCardAuthorizationNo,
  newCashReceiptMgtKey,
  newPayToken,
  newTransactionId,
} from './apps-in-toss-simulator.format';
import {
  executeAnswer,
  refundAnswer,
  statusAnswer,
  testAccountDetails,
  testCardDetails,
} from './apps-in-toss-simulator.answers';
import {
  APPS_IN_TOSS_ERROR_CODES,
  AppsInTossApiError,
  PAY_METHODS,
  assertSameMode,
  bankBreakTime,
  invalid,
  newStoredPayment,
  optionalEnum,
  parseEnablePayMethods,
  requireIsTestPayment,
  requirePayToken,
  type AppsInTossStoreSettings,
  type MakeRequest,
  type PayMethod,
  type PayStatus,
  type StoredPayment,
} from './apps-in-toss-simulator.model';

const E = APPS_IN_TOSS_ERROR_CODES;

const TRADE_OPTIONS = ['GENERAL', 'CULTURE', 'PUBLIC_TP'];
const INSTALLMENT_OPTIONS = ['USE', 'NOT_USE'];
const REFUNDABLE: readonly PayStatus[] = ['PAY_COMPLETE', 'SETTLEMENT_COMPLETE'];

/**
 * The payments of one simulated merchant, keyed by payToken with an orderNo index. Test and live payments share the
 * orderNo namespace, so there is one index for both modes.
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

  // ---- partner API (docs/gateways/apps-in-toss.md#flows) ---------------------------------------------------------

  /** make-payment → PAY_STANDBY. */
  makePayment(userKey: string, body: Record<string, unknown>): { payToken: string } {
    this.assertMerchantKey();
    const request = this.readMakeBody(body);
    const methods = request.enablePayMethods;
    if (this.bankMaintenance && methods?.length === 1 && methods[0] === 'TOSS_MONEY') throw bankBreakTime();
    if (this.byOrderNo.has(request.orderNo)) {
      throw new AppsInTossApiError(400, E.PAYMENT_EXISTING_PAYMENT, '이미 존재하는 결제입니다.');
    }
    const payToken = newPayToken();
    this.payments.set(payToken, newStoredPayment(payToken, userKey, request, this.settings.clock.now()));
    this.byOrderNo.set(request.orderNo, payToken);
    return { payToken };
  }

  /** The make-payment body checked field by field, as Toss documents the rules; the first problem is a 400. */
  private readMakeBody(body: Record<string, unknown>): MakeRequest {
    const orderNo = this.requireOrderNo(body.orderNo);
    const productDesc = body.productDesc;
    if (typeof productDesc !== 'string' || productDesc.trim().length === 0 || productDesc.length > 255) {
      throw invalid('productDesc는 1~255자의 공백이 아닌 문자열이어야 합니다.');
    }
    if (/[\\"]/.test(productDesc)) throw invalid('productDesc에 \\ 또는 " 를 사용할 수 없습니다.');
    if (!isAmount(body.amount, 1)) throw invalid('amount는 1 이상 7자리 이하의 정수여야 합니다.');
    if (!isAmount(body.amountTaxFree, 0)) throw invalid('amountTaxFree는 0 이상 7자리 이하의 정수여야 합니다.');
    if (body.amountTaxFree > body.amount) throw invalid('amountTaxFree는 amount보다 클 수 없습니다.');
    for (const field of ['amountTaxable', 'amountVat', 'amountServiceFee'] as const) {
      if (body[field] !== undefined && body[field] !== null && !isAmount(body[field], 0)) {
        throw invalid(`${field}는 0 이상 7자리 이하의 정수여야 합니다.`);
      }
    }
    if (typeof body.isTestPayment !== 'boolean') throw invalid('isTestPayment는 boolean이어야 합니다.');
    return {
      orderNo,
      productDesc,
      amount: body.amount,
      amountTaxFree: body.amountTaxFree,
      amountTaxable: body.amountTaxable as number | undefined | null,
      amountVat: body.amountVat as number | undefined | null,
      amountServiceFee: body.amountServiceFee as number | undefined | null,
      isTestPayment: body.isTestPayment,
      enablePayMethods: parseEnablePayMethods(body.enablePayMethods),
      // Anything but `true` means no cash receipt.
      cashReceipt: body.cashReceipt === true,
      cashReceiptTradeOption:
        optionalEnum(body.cashReceiptTradeOption, TRADE_OPTIONS, 'cashReceiptTradeOption') ?? 'GENERAL',
      installment: optionalEnum(body.installment, INSTALLMENT_OPTIONS, 'installment') ?? 'USE',
    };
  }

  /** execute-payment: PAY_APPROVED → PAY_COMPLETE, answered in the documented sample's shape. */
  executePayment(userKey: string, body: Record<string, unknown>): Record<string, unknown> {
    this.assertMerchantKey();
    const payToken = requirePayToken(body.payToken);
    if (body.orderNo !== undefined && body.orderNo !== null && typeof body.orderNo !== 'string')
      throw invalid('orderNo는 문자열이어야 합니다.');
    const isTestPayment = requireIsTestPayment(body.isTestPayment);
    const payment = this.paymentFor(payToken, userKey, 400);
    if (typeof body.orderNo === 'string' && body.orderNo !== payment.orderNo)
      throw invalid('orderNo가 결제 생성 시와 다릅니다.');
    assertSameMode(payment, isTestPayment);

    // The sandbox test key "can create payments but cannot approve them"; the code Toss answers is not documented
    // (docs/gateways/apps-in-toss.md#sandbox).
    if (this.settings.sandboxRejectsExecute && payment.isTestPayment) {
      throw new AppsInTossApiError(400, this.settings.sandboxRejectCode, '테스트 키로는 결제를 승인할 수 없습니다.');
    }
    if (payment.payStatus === 'PAY_COMPLETE' || payment.payStatus === 'SETTLEMENT_COMPLETE') {
      // What a second execute answers is not documented: default FAIL, optionally a replay of the first answer.
      if (this.settings.executeTwice === 'replay' && payment.executeAnswer) return payment.executeAnswer;
      throw new AppsInTossApiError(400, E.EXECUTE_ALREADY_COMPLETED, '이미 승인된 결제입니다.');
    }
    if (payment.payStatus !== 'PAY_APPROVED') {
      throw new AppsInTossApiError(
        400,
        E.EXECUTE_PAY_NOT_APPROVED,
        `구매자 인증이 완료되지 않은 결제입니다. (${payment.payStatus})`,
      );
    }
    if (payment.payMethod === 'TOSS_MONEY' && this.bankMaintenance) throw bankBreakTime();

    const approvalTime = this.now();
    const transactionId = newTransactionId();
    payment.payStatus = 'PAY_COMPLETE';
    payment.transactionId = transactionId;
    payment.paidTs = approvalTime;
    // Card approval numbers are real only with a live key.
    if (payment.card) payment.card.cardAuthorizationNo = payment.isTestPayment ? null : newCardAuthorizationNo();
    // A cash receipt is issued automatically for TOSS_MONEY when the merchant asked for one at make-payment.
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

    const answer = executeAnswer(payment, approvalTime, transactionId);
    payment.executeAnswer = answer;
    return answer;
  }

  /** refund-payment: no amount field, so always the full amount → REFUND_SUCCESS. */
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
      throw new AppsInTossApiError(
        400,
        E.REFUND_NOT_REFUNDABLE,
        `환불할 수 없는 결제 상태입니다. (${payment.payStatus})`,
      );
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
    return refundAnswer(payment, approvalTime, transactionId);
  }

  /**
   * get-payment-status by payToken or orderNo (the reference says either is enough). Unknown, another
   * user's or the other mode's payment → 404 (a lookup must not reveal payments the caller may not see).
   */
  getPaymentStatus(userKey: string, body: Record<string, unknown>): Record<string, unknown> {
    this.assertMerchantKey();
    const payToken = body.payToken;
    const orderNo = body.orderNo;
    if (
      payToken !== undefined &&
      payToken !== null &&
      (typeof payToken !== 'string' || payToken.length === 0 || payToken.length > 30)
    ) {
      throw invalid('payToken은 30자 이하의 문자열이어야 합니다.');
    }
    if (
      orderNo !== undefined &&
      orderNo !== null &&
      (typeof orderNo !== 'string' || orderNo.length === 0 || orderNo.length > 50)
    ) {
      throw invalid('orderNo는 50자 이하의 문자열이어야 합니다.');
    }
    if (typeof payToken !== 'string' && typeof orderNo !== 'string')
      throw invalid('payToken 또는 orderNo가 필요합니다.');
    const isTestPayment = requireIsTestPayment(body.isTestPayment);
    const token = typeof payToken === 'string' ? payToken : this.byOrderNo.get(orderNo as string);
    const payment = token === undefined ? undefined : this.find(token);
    if (
      !payment ||
      (typeof orderNo === 'string' && payment.orderNo !== orderNo) ||
      payment.userKey !== userKey ||
      payment.isTestPayment !== isTestPayment
    ) {
      throw new AppsInTossApiError(404, E.PAYMENT_NOT_FOUND, '결제 정보를 찾을 수 없습니다.');
    }
    return statusAnswer(payment);
  }

  // ---- buyer / back-office hooks -----------------------------------------------------------------------------

  /** The buyer completed `checkoutPayment` in the Toss app: PAY_STANDBY → PAY_APPROVED. */
  authenticate(payToken: string, options: { payMethod?: PayMethod; discountedAmount?: number } = {}): void {
    const payment = this.hookPayment(payToken, 'authenticate');
    if (payment.payStatus !== 'PAY_STANDBY') {
      throw new Error(`AppsInTossSimulator.authenticate: payment ${payToken} is ${payment.payStatus}, not PAY_STANDBY`);
    }
    const payMethod = options.payMethod ?? payment.enablePayMethods?.[0] ?? 'CARD';
    if (!PAY_METHODS.includes(payMethod))
      throw new Error(`AppsInTossSimulator.authenticate: unknown payMethod ${String(payMethod)}`);
    if (payment.enablePayMethods && !payment.enablePayMethods.includes(payMethod)) {
      throw new Error(
        `AppsInTossSimulator.authenticate: ${payMethod} is not in enablePayMethods (${payment.enablePayMethods.join(',')})`,
      );
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
      payment.card = testCardDetails(payToken);
    } else {
      payment.account = testAccountDetails();
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
    const payment = this.find(payToken);
    if (!payment) return undefined;
    return structuredClone({
      ...statusAnswer(payment),
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

  /**
   * The payment as it stands now: one the buyer never got executed lapses to PAY_CANCEL once `windowLapsesAfterMs`
   * has passed on the clock (checked on every access, so a test moves the clock and reads the result).
   */
  private find(payToken: string): StoredPayment | undefined {
    const payment = this.payments.get(payToken);
    const lapsesAfterMs = this.settings.windowLapsesAfterMs;
    if (
      payment &&
      lapsesAfterMs !== null &&
      (payment.payStatus === 'PAY_STANDBY' || payment.payStatus === 'PAY_APPROVED') &&
      this.settings.clock.now().getTime() - payment.createdAt.getTime() >= lapsesAfterMs
    ) {
      payment.payStatus = 'PAY_CANCEL';
    }
    return payment;
  }

  private paymentFor(payToken: string, userKey: string, notFoundStatus: number): StoredPayment {
    const payment = this.find(payToken);
    if (!payment) throw new AppsInTossApiError(notFoundStatus, E.PAYMENT_NOT_FOUND, '결제 정보를 찾을 수 없습니다.');
    // The payToken is bound to the user who made it; another user's key must not move its money (what Toss answers
    // here is not documented).
    if (payment.userKey !== userKey)
      throw new AppsInTossApiError(400, E.FORBIDDEN_REQUEST, '결제를 생성한 사용자가 아닙니다.');
    return payment;
  }

  private hookPayment(payToken: string, hook: string): StoredPayment {
    const payment = this.find(payToken);
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
