import { createTestPki, type TestPki } from '../../libs/testing/src/apps-in-toss';
import {
  AmountMismatchError,
  DuplicateOrderError,
  GatewayConfigurationError,
  GatewayDeclinedError,
  GatewayRequestError,
  GatewayUnavailableError,
  InvalidInputError,
  OrderMismatchError,
  PaymentNotFoundError,
  UnsupportedOperationError,
} from '../../libs/payments/src/domain/errors';
import {
  AppsInTossClient,
  type AppsInTossHttpRequest,
  type AppsInTossHttpTransport,
} from '../../libs/payments/src/gateways/apps-in-toss/apps-in-toss.client';
import { approvalOutcome } from '../../libs/payments/src/domain/approval-outcome';
import { PaymentStatus } from '../../libs/payments/src/domain/payment-status';
import { loadAppsInTossCredentials } from '../../libs/payments/src/gateways/apps-in-toss/apps-in-toss.crypto';
import {
  appsInTossErrorFromResponse,
  readFailure,
} from '../../libs/payments/src/gateways/apps-in-toss/apps-in-toss.errors';
import { AppsInTossGateway, parseKstTime } from '../../libs/payments/src/gateways/apps-in-toss/apps-in-toss.gateway';
import type { CancelRequest, PreparedPayment, PrepareRequest } from '../../libs/payments/src/gateways/gateway.port';
import { scrub } from '../../libs/payments/src/gateways/http/scrub';

const USER_KEY = '443731104';
const PAY = '/api-partner/v1/apps-in-toss/pay';

/** A transport that answers from a script and records what it was asked (no network: mapping only). */
class ScriptedTransport implements AppsInTossHttpTransport {
  readonly calls: AppsInTossHttpRequest[] = [];
  private readonly answers: Array<{ status: number; body: unknown } | Error> = [];
  answer(status: number, body: unknown): this {
    this.answers.push({ status, body });
    return this;
  }
  failWith(error: Error): this {
    this.answers.push(error);
    return this;
  }
  async request<T>(request: AppsInTossHttpRequest) {
    this.calls.push(request);
    const next = this.answers.shift();
    if (!next) throw new Error(`no scripted answer for ${request.path}`);
    if (next instanceof Error) throw next;
    return { status: next.status, body: next.body as T, scrubbedBody: scrub(next.body) };
  }
  updateTls(): void {}
}

const success = (body: Record<string, unknown>) => ({ resultType: 'SUCCESS', success: body });
const fail = (errorCode: string, reason = '요청에 실패했습니다.') => ({ resultType: 'FAIL', error: { errorCode, reason } });

/** §10 execute-payment response (TOSS_MONEY, TEST), verbatim shape. */
const executeAnswer = (orderNo: string, amount: number, extra: Record<string, unknown> = {}) => ({
  code: 0,
  mode: 'TEST',
  orderNo,
  amount,
  approvalTime: '2025-04-17 12:32:10',
  stateMsg: '결제 완료',
  discountedAmount: 0,
  paidAmount: amount,
  payMethod: 'TOSS_MONEY',
  payToken: 'O1NZck9XME8ureeVJVJP67',
  transactionId: '45a77cf4-5577-4d5c-8827-4d4dd328bf12',
  cardCompanyCode: null,
  cardNumber: null,
  accountBankCode: '092',
  accountBankName: '토스뱅크',
  accountNumber: '100******094',
  msg: null,
  errorCode: null,
  ...extra,
});

describe('Apps-in-Toss envelopes and error mapping (apps-in-toss.md §2)', () => {
  it('reads errorCode/reason from every documented shape', () => {
    expect(readFailure(400, fail('INVALID_PARAMETER'))).toEqual({
      resultType: 'FAIL',
      errorCode: 'INVALID_PARAMETER',
      reason: '요청에 실패했습니다.',
    });
    expect(readFailure(400, { resultType: 'FAIL', error: 'invalid_grant' }).errorCode).toBe('invalid_grant');
    expect(readFailure(400, { resultType: 'FAIL', error: { reason: 'r', description: 'd' } })).toMatchObject({ errorCode: 'FAIL', reason: 'r' });
    expect(readFailure(400, { resultType: 'FAIL', error: { message: 'm' } }).reason).toBe('m');
    expect(readFailure(200, { resultType: 'HTTP_TIMEOUT' })).toMatchObject({ resultType: 'HTTP_TIMEOUT', errorCode: 'HTTP_TIMEOUT' });
    expect(readFailure(502, '<html>bad gateway</html>')).toMatchObject({ resultType: 'HTTP_502', errorCode: 'HTTP_502' });
    // legacy fields inside a SUCCESS body (§2 [U])
    expect(readFailure(200, { resultType: 'FAIL', success: { code: -1, errorCode: 'REJECT_CARD_COMPANY', msg: '카드사 거절' } })).toMatchObject({
      errorCode: 'REJECT_CARD_COMPANY',
      reason: '카드사 거절',
    });
    expect(readFailure(200, { resultType: 'FAIL', success: { code: 7 } }).errorCode).toBe('CODE_7');
  });

  it('a card number inside a gateway reason is scrubbed before it reaches an error', () => {
    const error = appsInTossErrorFromResponse(400, fail('REJECT_CARD_COMPANY', '카드 4111 1111 1111 1111 거절'), { operation: 'execute-payment' });
    expect(error.gatewayMessage).not.toContain('4111 1111 1111 1111');
    expect(error.gatewayMessage).toContain('[CARD]');
  });

  it.each([
    ['HTTP_TIMEOUT', 200],
    ['NETWORK_ERROR', 200],
    ['INTERRUPTED', 200],
    ['INTERNAL_ERROR', 500],
  ])('%s → GatewayUnavailableError(requestSent=true): the outcome is unknown', (resultType, status) => {
    const error = appsInTossErrorFromResponse(status, { resultType }, { operation: 'execute-payment', orderId: 'o-1' });
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect((error as GatewayUnavailableError).requestSent).toBe(true);
    expect(error.gatewayCode).toBe(resultType);
  });

  it('maps FAIL codes onto the typed errors, keeping errorCode and reason', () => {
    const duplicate = appsInTossErrorFromResponse(400, fail('PAYMENT_EXISTING_PAYMENT', '이미 존재하는 결제'), {
      operation: 'make-payment',
      orderId: 'order-1',
    });
    expect(duplicate).toBeInstanceOf(DuplicateOrderError);
    expect(duplicate).toMatchObject({ code: 'DUPLICATE_ORDER', gatewayCode: 'PAYMENT_EXISTING_PAYMENT', gatewayMessage: '이미 존재하는 결제', field: 'orderId' });
    expect(duplicate.message).toContain('order-1');

    const config = appsInTossErrorFromResponse(400, fail('COMMON_INVALID_API_KEY'), { operation: 'make-payment' });
    expect(config).toBeInstanceOf(GatewayConfigurationError);
    expect(config.gatewayCode).toBe('COMMON_INVALID_API_KEY');

    expect(appsInTossErrorFromResponse(400, fail('INVALID_PARAMETER'), { operation: 'make-payment' })).toBeInstanceOf(GatewayRequestError);
    expect(appsInTossErrorFromResponse(404, fail('NOT_FOUND'), { operation: 'get-payment-status' })).toBeInstanceOf(PaymentNotFoundError);
    expect(appsInTossErrorFromResponse(404, fail('SOMETHING_ELSE'), { operation: 'get-payment-status' })).toBeInstanceOf(PaymentNotFoundError);

    const maintenance = appsInTossErrorFromResponse(400, fail('COMMON_BREAK_TIME_OF_BANK', '은행 점검 시간'), { operation: 'execute-payment' });
    expect(maintenance).toBeInstanceOf(GatewayDeclinedError);
    expect(maintenance).toMatchObject({ gatewayCode: 'COMMON_BREAK_TIME_OF_BANK', retryable: true });

    const notApproved = appsInTossErrorFromResponse(400, fail('EXECUTE_PAY_NOT_APPROVED'), { operation: 'execute-payment' });
    expect(notApproved).toBeInstanceOf(GatewayDeclinedError);
    expect(notApproved.retryable).toBe(false);

    // an unknown FAIL code is a definitive refusal; an unknown 5xx is not
    expect(appsInTossErrorFromResponse(400, fail('NEW_CODE_2027'), { operation: 'refund-payment' })).toBeInstanceOf(GatewayDeclinedError);
    const outage = appsInTossErrorFromResponse(503, '<html>maintenance</html>', { operation: 'refund-payment' });
    expect(outage).toBeInstanceOf(GatewayUnavailableError);
    expect((outage as GatewayUnavailableError).requestSent).toBe(true);
  });

  it('parseKstTime reads KST wall-clock and the unspecified status formats', () => {
    expect(parseKstTime('2025-04-17 12:32:10')?.toISOString()).toBe('2025-04-17T03:32:10.000Z');
    expect(parseKstTime('2025-04-17T12:32:10')?.toISOString()).toBe('2025-04-17T03:32:10.000Z');
    expect(parseKstTime('20250417123210')?.toISOString()).toBe('2025-04-17T03:32:10.000Z');
    expect(parseKstTime('2025-04-17T12:32:10+09:00')?.toISOString()).toBe('2025-04-17T03:32:10.000Z');
    expect(parseKstTime('2025-04-17T03:32:10Z')?.toISOString()).toBe('2025-04-17T03:32:10.000Z');
    expect(parseKstTime(1744860730000)?.toISOString()).toBe('2025-04-17T03:32:10.000Z');
    expect(parseKstTime(1744860730)?.toISOString()).toBe('2025-04-17T03:32:10.000Z');
    for (const bad of [null, undefined, '', 'yesterday', '2025-13-45 99:99:99', {}]) expect(parseKstTime(bad)).toBeNull();
  });
});

describe('AppsInTossGateway request building and mapping (scripted transport)', () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki();
  });

  function gatewayWith(transport: ScriptedTransport, testPayment = true): AppsInTossGateway {
    return new AppsInTossGateway(
      { payBaseUrl: 'https://pay.example', timeouts: { connectMs: 1_000, readMs: 1_000 }, testPayment, logBodies: false },
      {
        client: new AppsInTossClient(transport),
        http: transport,
        credentials: loadAppsInTossCredentials({ tlsCert: pki.clientCert, tlsKey: pki.clientKey }),
        clock: { now: () => new Date('2025-04-17T03:40:00Z') },
      },
    );
  }

  const prepareRequest = (extra: Partial<PrepareRequest> = {}): PrepareRequest => ({
    paymentId: 'p-1',
    orderId: 'order-20250417-1',
    amount: 10_000,
    taxFreeAmount: 0,
    orderName: '앱인토스 티셔츠',
    customer: { customerKey: USER_KEY },
    ...extra,
  });

  const prepared = (extra: Partial<PreparedPayment> = {}): PreparedPayment => ({
    paymentId: 'p-1',
    gateway: 'appsInToss',
    orderId: 'order-20250417-1',
    amount: 10_000,
    taxFreeAmount: 0,
    orderName: '앱인토스 티셔츠',
    gatewayPaymentKey: 'O1NZck9XME8ureeVJVJP67',
    customer: { customerKey: USER_KEY },
    ...extra,
  });

  it('prepare sends make-payment with the user key header, amountTaxFree always, extras validated', async () => {
    const transport = new ScriptedTransport().answer(200, success({ payToken: 'O1NZck9XME8ureeVJVJP67' }));
    const checkout = await gatewayWith(transport).prepare(
      prepareRequest({ taxFreeAmount: 1_000, extra: { enablePayMethods: 'CARD', cashReceipt: false, installment: 'NOT_USE', amountServiceFee: 0 } }),
    );
    expect(checkout).toEqual({
      gateway: 'appsInToss',
      kind: 'payToken',
      paymentKey: 'O1NZck9XME8ureeVJVJP67',
      fields: { payToken: 'O1NZck9XME8ureeVJVJP67' },
    });
    expect(transport.calls).toHaveLength(1);
    expect(transport.calls[0]).toMatchObject({ method: 'POST', path: `${PAY}/make-payment`, headers: { 'x-toss-user-key': USER_KEY } });
    expect(transport.calls[0].json).toEqual({
      orderNo: 'order-20250417-1',
      productDesc: '앱인토스 티셔츠',
      amount: 10_000,
      amountTaxFree: 1_000,
      amountServiceFee: 0,
      enablePayMethods: 'CARD',
      cashReceipt: false,
      installment: 'NOT_USE',
      isTestPayment: true,
    });
  });

  it('prepare refuses bad input before sending anything, naming the field', async () => {
    const transport = new ScriptedTransport();
    const gateway = gatewayWith(transport);
    const cases: Array<[Partial<PrepareRequest>, string]> = [
      [{ customer: undefined }, 'customer.customerKey'],
      [{ customer: { customerKey: 'user-abc' } }, 'customer.customerKey'],
      [{ customer: { customerKey: '9223372036854775808' } }, 'customer.customerKey'], // int64 max + 1
      [{ orderId: 'order#1' }, 'orderId'],
      [{ orderId: 'o'.repeat(51) }, 'orderId'],
      [{ orderName: '   ' }, 'orderName'],
      [{ orderName: '따옴표 "상품"' }, 'orderName'],
      [{ orderName: 'back\\slash' }, 'orderName'],
      [{ amount: 10_000_000 }, 'amount'],
      [{ amount: 100.5 }, 'amount'],
      [{ taxFreeAmount: 20_000 }, 'taxFreeAmount'],
      [{ method: 'CARD' }, 'method'],
      [{ extra: { enablePayMethods: 'TOSS_MONEY,CARD' } }, 'extra.enablePayMethods'],
      [{ extra: { cashReceipt: 'true' } }, 'extra.cashReceipt'],
      [{ extra: { cashReceiptTradeOption: 'OTHER' } }, 'extra.cashReceiptTradeOption'],
      [{ extra: { installment: 'YES' } }, 'extra.installment'],
      [{ extra: { amountVat: -1 } }, 'extra.amountVat'],
      [{ extra: { amountTaxable: 20_000 } }, 'extra.amountTaxable'],
      [{ extra: { isTestPayment: false } }, 'extra.isTestPayment'],
    ];
    for (const [override, field] of cases) {
      const error = await gateway.prepare(prepareRequest(override)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe(field);
    }
    // every orderNo character §4.1 allows passes
    transport.answer(200, success({ payToken: 'tok' }));
    await expect(gateway.prepare(prepareRequest({ orderId: 'aZ09_-:.^@' }))).resolves.toMatchObject({ paymentKey: 'tok' });
    expect(transport.calls).toHaveLength(1);
  });

  it('prepare: a FAIL envelope becomes a typed error; a SUCCESS without payToken is an unknown outcome', async () => {
    const transport = new ScriptedTransport()
      .answer(400, fail('PAYMENT_EXISTING_PAYMENT', '이미 존재하는 결제입니다.'))
      .answer(200, fail('COMMON_INVALID_API_KEY', '바르지 않은 apiKey'))
      .answer(200, success({}))
      .answer(200, '<html>ok</html>');
    const gateway = gatewayWith(transport);
    await expect(gateway.prepare(prepareRequest())).rejects.toMatchObject({ code: 'DUPLICATE_ORDER', gatewayCode: 'PAYMENT_EXISTING_PAYMENT' });
    await expect(gateway.prepare(prepareRequest())).rejects.toBeInstanceOf(GatewayConfigurationError);
    const noToken = await gateway.prepare(prepareRequest()).catch((e: unknown) => e);
    expect(noToken).toBeInstanceOf(GatewayUnavailableError);
    expect((noToken as GatewayUnavailableError).requestSent).toBe(true);
    const html = await gateway.prepare(prepareRequest()).catch((e: unknown) => e);
    expect(html).toBeInstanceOf(GatewayUnavailableError);
    expect((html as GatewayUnavailableError).gatewayCode).toBe('MALFORMED_RESPONSE');
  });

  it('approve maps the §10 TOSS_MONEY answer (EASY_PAY, KST approvalTime, transactionId) and a CARD answer', async () => {
    const transport = new ScriptedTransport()
      .answer(200, success(executeAnswer('order-20250417-1', 10_000)))
      .answer(
        200,
        success(
          executeAnswer('order-20250417-1', 10_000, {
            payMethod: 'CARD',
            discountedAmount: 1_000,
            paidAmount: 9_000,
            cardCompanyCode: '4',
            cardCompanyName: '국민',
            cardAuthorizationNo: '30001234',
            spreadOut: '3',
            noInterest: 'false',
            cardMethodType: 'CREDIT',
            cardNumber: '53275000****123*',
            salesCheckLinkUrl: 'https://sales.example/slip',
            accountBankCode: null,
            accountNumber: null,
          }),
        ),
      );
    const gateway = gatewayWith(transport);
    const truth = await gateway.approve({ prepared: prepared(), input: { orderId: 'order-20250417-1', amount: 10_000 }, idempotencyKey: 'k' });
    expect(transport.calls[0]).toMatchObject({ path: `${PAY}/execute-payment`, headers: { 'x-toss-user-key': USER_KEY } });
    expect(transport.calls[0].json).toEqual({ payToken: 'O1NZck9XME8ureeVJVJP67', orderNo: 'order-20250417-1', isTestPayment: true });
    expect(truth).toMatchObject({
      gateway: 'appsInToss',
      paymentKey: 'O1NZck9XME8ureeVJVJP67',
      orderId: 'order-20250417-1',
      status: 'PAID',
      totalAmount: 10_000,
      balanceAmount: 10_000,
      method: 'EASY_PAY',
      card: null,
      cancels: [],
      lastTransactionKey: '45a77cf4-5577-4d5c-8827-4d4dd328bf12',
    });
    expect(truth.approvedAt?.toISOString()).toBe('2025-04-17T03:32:10.000Z');
    expect(truth.raw).toMatchObject({ payMethod: 'TOSS_MONEY', accountNumber: '100******094', paidAmount: 10_000 });

    const card = await gateway.approve({ prepared: prepared(), input: { orderId: 'order-20250417-1', amount: 10_000, payToken: 'O1NZck9XME8ureeVJVJP67' }, idempotencyKey: 'k' });
    expect(card.method).toBe('EASY_PAY');
    expect(card.card).toEqual({ issuerCode: '4', maskedNumber: '53275000****123*', approveNo: '30001234', installmentMonths: 3, cardType: 'CREDIT' });
    expect(card.receiptUrl).toBe('https://sales.example/slip');
    expect(card.totalAmount).toBe(10_000); // the order amount; the discount stays in raw
    expect(card.raw).toMatchObject({ discountedAmount: 1_000, paidAmount: 9_000 });
  });

  it('approve: success needs code 0 and no errorCode; amount/orderNo must be ours; transport-class envelopes are UNKNOWN', async () => {
    const transport = new ScriptedTransport()
      .answer(200, success(executeAnswer('order-20250417-1', 10_000, { code: -1, errorCode: 'REJECT_CARD_COMPANY', msg: '카드사 거절' })))
      .answer(200, fail('NOT_FOUND', 'no such payment')) // the read-back of that decline finds nothing: the decline stands
      .answer(200, success(executeAnswer('order-20250417-1', 9_000)))
      .answer(200, success(executeAnswer('order-OTHER', 10_000)))
      .answer(200, { resultType: 'HTTP_TIMEOUT' })
      .failWith(new GatewayUnavailableError('appsInToss', 'socket closed', true));
    const gateway = gatewayWith(transport);
    const request = { prepared: prepared(), input: { orderId: 'order-20250417-1', amount: 10_000 }, idempotencyKey: 'k' };
    await expect(gateway.approve(request)).rejects.toMatchObject({ code: 'GATEWAY_DECLINED', gatewayCode: 'REJECT_CARD_COMPANY', gatewayMessage: '카드사 거절' });
    // The execute left and was answered: an answer about another amount/order throws the core's mismatch errors,
    // which the core reads as an unknown outcome (UNKNOWN, read back), never FAILED while the money moved.
    for (const code of ['AMOUNT_MISMATCH', 'ORDER_MISMATCH']) {
      const mismatch = await gateway.approve(request).catch((e: unknown) => e);
      expect(mismatch).toMatchObject({ code });
      expect(approvalOutcome(mismatch).status).toBe(PaymentStatus.UNKNOWN);
    }
    const timeout = await gateway.approve(request).catch((e: unknown) => e);
    expect(timeout).toMatchObject({ code: 'GATEWAY_UNAVAILABLE', requestSent: true, gatewayCode: 'HTTP_TIMEOUT' });
    await expect(gateway.approve(request)).rejects.toMatchObject({ requestSent: true });
  });

  it('approve: a refused second execute is accepted when the read-back shows the payment paid for our order', async () => {
    const transport = new ScriptedTransport()
      .answer(400, fail('EXECUTE_ALREADY_COMPLETED', '이미 승인된 결제입니다.'))
      .answer(
        200,
        success({
          payToken: 'O1NZck9XME8ureeVJVJP67',
          orderNo: 'order-20250417-1',
          payStatus: 'PAY_COMPLETE',
          payMethod: 'TOSS_MONEY',
          amount: 10_000,
          transactions: [{ stepType: 'PAY', transactionId: 'tx-pay', transactionAmount: 10_000, regTs: '2025-04-17 12:32:10' }],
        }),
      );
    const truth = await gatewayWith(transport).approve({ prepared: prepared(), input: { orderId: 'order-20250417-1', amount: 10_000 }, idempotencyKey: 'k' });
    expect(truth).toMatchObject({ status: 'PAID', lastTransactionKey: 'tx-pay' });
    expect(truth.approvedAt?.toISOString()).toBe('2025-04-17T03:32:10.000Z');
    expect(transport.calls.map((c) => c.path)).toEqual([`${PAY}/execute-payment`, `${PAY}/get-payment-status`]);
  });

  it('verifyConfirmInput: payToken present and ours, user key present, orderId/amount as prepared', () => {
    const gateway = gatewayWith(new ScriptedTransport());
    expect(() => gateway.verifyConfirmInput(prepared({ gatewayPaymentKey: null }), { orderId: 'order-20250417-1', amount: 10_000 })).toThrow(
      expect.objectContaining({ field: 'payToken' }),
    );
    expect(() => gateway.verifyConfirmInput(prepared(), { orderId: 'order-20250417-1', amount: 10_000, payToken: 'someone-elses-token' })).toThrow(
      expect.objectContaining({ field: 'payToken' }),
    );
    expect(() => gateway.verifyConfirmInput(prepared({ customer: {} }), { orderId: 'order-20250417-1', amount: 10_000 })).toThrow(
      expect.objectContaining({ field: 'customer.customerKey' }),
    );
    expect(() => gateway.verifyConfirmInput(prepared(), { orderId: 'order-20250417-1', amount: 9_999 })).toThrow(AmountMismatchError);
    expect(() => gateway.verifyConfirmInput(prepared(), { orderId: 'order-x', amount: 10_000 })).toThrow(OrderMismatchError);
  });

  it.each([
    ['PAY_STANDBY', 'READY', 0],
    ['PAY_APPROVED', 'IN_PROGRESS', 0],
    ['PAY_PROGRESS', 'IN_PROGRESS', 0],
    ['PAY_CANCEL', 'FAILED', 0],
    ['PAY_COMPLETE', 'PAID', 0],
    ['SETTLEMENT_COMPLETE', 'PAID', 0],
    ['REFUND_PROGRESS', 'PAID', 1],
    ['REFUND_SUCCESS', 'CANCELED', 1],
    ['SETTLEMENT_REFUND_COMPLETE', 'CANCELED', 1],
    ['SOMETHING_NEW', 'IN_PROGRESS', 0],
  ])('getPayment maps payStatus %s → %s', async (payStatus, status, cancelCount) => {
    const executed = !['PAY_STANDBY', 'PAY_APPROVED', 'PAY_PROGRESS', 'PAY_CANCEL', 'SOMETHING_NEW'].includes(payStatus);
    const refunded = cancelCount > 0;
    const transactions = [
      ...(executed ? [{ stepType: 'PAY', transactionId: 'tx-pay', transactionAmount: 10_000, regTs: '2025-04-17 12:32:10' }] : []),
      ...(refunded ? [{ stepType: 'REFUND', transactionId: 'tx-refund', transactionAmount: -10_000, regTs: '2025-04-18 09:00:00' }] : []),
    ];
    const transport = new ScriptedTransport().answer(
      200,
      success({
        mode: 'TEST',
        payToken: 'O1NZck9XME8ureeVJVJP67',
        orderNo: 'order-20250417-1',
        payStatus,
        payMethod: executed ? 'CARD' : null,
        amount: 10_000,
        amountTaxFree: 0,
        amountVat: 909,
        card: executed ? { cardCompanyCode: 4, spreadOut: 0, noInterest: false, cardNumber: '53275000****123*', cardMethodType: 'CHECK' } : null,
        transactions,
        paidTs: executed ? '2025-04-17 12:32:10' : null,
      }),
    );
    const truth = await gatewayWith(transport).getPayment({ paymentKey: 'O1NZck9XME8ureeVJVJP67', orderId: 'order-20250417-1', amount: 10_000, customerKey: USER_KEY });
    expect(transport.calls[0]).toMatchObject({ path: `${PAY}/get-payment-status`, headers: { 'x-toss-user-key': USER_KEY } });
    expect(transport.calls[0].json).toEqual({ payToken: 'O1NZck9XME8ureeVJVJP67', orderNo: 'order-20250417-1', isTestPayment: true });
    expect(truth.status).toBe(status);
    expect(truth.cancels).toHaveLength(cancelCount);
    expect(truth.balanceAmount).toBe(status === 'CANCELED' ? 0 : 10_000);
    if (refunded) {
      expect(truth.cancels[0]).toMatchObject({
        transactionKey: 'tx-refund',
        amount: 10_000,
        status: payStatus === 'REFUND_PROGRESS' ? 'IN_PROGRESS' : 'DONE',
      });
      expect(truth.cancels[0].canceledAt?.toISOString()).toBe('2025-04-18T00:00:00.000Z');
    }
    if (executed) {
      expect(truth).toMatchObject({ method: 'EASY_PAY', vat: 909, card: { issuerCode: '4', installmentMonths: 0, cardType: 'CHECK' } });
      expect(truth.approvedAt?.toISOString()).toBe('2025-04-17T03:32:10.000Z');
    } else {
      expect(truth.approvedAt).toBeNull();
    }
    if (payStatus === 'PAY_CANCEL') expect(truth.failure).toMatchObject({ code: 'PAY_CANCEL' });
  });

  it('getPayment needs the buyer user key; 404 is PaymentNotFoundError', async () => {
    const transport = new ScriptedTransport().answer(404, fail('NOT_FOUND', '결제 정보를 찾을 수 없습니다.'));
    const gateway = gatewayWith(transport);
    await expect(gateway.getPayment({ paymentKey: 'x', orderId: 'o', amount: 1 })).rejects.toMatchObject({ field: 'customerKey' });
    expect(transport.calls).toHaveLength(0);
    await expect(gateway.getPayment({ paymentKey: null, orderId: 'order-1', amount: 1, customerKey: USER_KEY })).rejects.toBeInstanceOf(PaymentNotFoundError);
    expect(transport.calls[0].json).toEqual({ orderNo: 'order-1', isTestPayment: true }); // either key is enough (§4.4)
  });

  it('getPayment: a status answer about another payToken is reported as such (the ledger then refuses it against ours)', async () => {
    const transport = new ScriptedTransport().answer(
      200,
      success({ payToken: 'ZZZZZZZZZZZZZZZZZZZZZZ', orderNo: 'order-20250417-1', payStatus: 'PAY_COMPLETE', payMethod: 'TOSS_MONEY', amount: 10_000 }),
    );
    const truth = await gatewayWith(transport).getPayment({ paymentKey: 'O1NZck9XME8ureeVJVJP67', orderId: 'order-20250417-1', amount: 10_000, customerKey: USER_KEY });
    expect(truth.paymentKey).toBe('ZZZZZZZZZZZZZZZZZZZZZZ');
  });

  const cancelRequest = (extra: Partial<CancelRequest> = {}): CancelRequest => ({
    prepared: prepared(),
    paymentKey: 'O1NZck9XME8ureeVJVJP67',
    cancelId: 'c-1',
    amount: 10_000,
    isFull: true,
    balanceBefore: 10_000,
    reason: '고객요청(단순변심)',
    idempotencyKey: 'cancel:c-1',
    ...extra,
  });

  it('cancel = refund-payment, full only; the refund is the created cancel', async () => {
    const transport = new ScriptedTransport().answer(
      200,
      success({
        refundNo: 'R-1',
        approvalTime: '2025-04-18 09:00:00',
        refundableAmount: 0,
        refundedAmount: 10_000,
        payToken: 'O1NZck9XME8ureeVJVJP67',
        transactionId: 'tx-refund',
        accountNumber: '100******094',
      }),
    );
    const gateway = gatewayWith(transport, false);
    const { payment, cancel } = await gateway.cancel(cancelRequest());
    expect(transport.calls[0]).toMatchObject({ path: `${PAY}/refund-payment`, headers: { 'x-toss-user-key': USER_KEY } });
    expect(transport.calls[0].json).toEqual({ payToken: 'O1NZck9XME8ureeVJVJP67', reason: '고객요청(단순변심)', isTestPayment: false });
    expect(cancel).toMatchObject({ transactionKey: 'tx-refund', amount: 10_000, status: 'DONE', reason: '고객요청(단순변심)' });
    expect(cancel.canceledAt?.toISOString()).toBe('2025-04-18T00:00:00.000Z');
    expect(payment).toMatchObject({ status: 'CANCELED', totalAmount: 10_000, balanceAmount: 0, cancels: [cancel] });
  });

  it('cancel refuses partial refunds and reasons outside §4.3 before sending anything', async () => {
    const transport = new ScriptedTransport();
    const gateway = gatewayWith(transport);
    const partial = await gateway.cancel(cancelRequest({ amount: 4_000, isFull: false })).catch((e: unknown) => e);
    expect(partial).toBeInstanceOf(UnsupportedOperationError);
    expect((partial as Error).message).toContain('partial refund');
    for (const reason of ['고객 요청', 'a'.repeat(56), 'reason;drop', '환불"']) {
      await expect(gateway.cancel(cancelRequest({ reason }))).rejects.toMatchObject({ field: 'reason' });
    }
    await expect(gateway.cancel(cancelRequest({ prepared: prepared({ customer: {} }) }))).rejects.toMatchObject({ field: 'customer.customerKey' });
    expect(transport.calls).toHaveLength(0);
    expect(gateway.capabilities).toEqual({
      partialCancel: false,
      netCancel: false,
      virtualAccount: false,
      billing: false,
      cashReceipts: false,
      transactions: false,
      webhooks: false,
    });
  });

  it('everything not offered throws UnsupportedOperationError, webhooks included', async () => {
    const gateway = gatewayWith(new ScriptedTransport());
    const unsupported = [
      () => gateway.netCancel({ prepared: prepared(), idempotencyKey: 'n' }),
      () => gateway.issueBillingKey({ customerKey: USER_KEY, idempotencyKey: 'b' }),
      () => gateway.chargeBillingKey({ billingKey: 'b', customerKey: USER_KEY, paymentId: 'p', orderId: 'o', orderName: 'n', amount: 1, taxFreeAmount: 0, idempotencyKey: 'k' }),
      () => gateway.deleteBillingKey('b', USER_KEY),
      () => gateway.issueCashReceipt({ receiptId: 'r', orderId: 'o', orderName: 'n', amount: 1, taxFreeAmount: 0, type: 'INCOME_DEDUCTION', identityNumber: '01012345678', idempotencyKey: 'k' }),
      () => gateway.cancelCashReceipt({ receiptKey: 'r', orderId: 'o', idempotencyKey: 'k' }),
      () => gateway.getCashReceipt('r', new Date()),
      () => gateway.parseWebhook({ headers: {}, rawBody: Buffer.from('{}'), body: {} }),
      async () => gateway.listTransactions({ from: new Date(), to: new Date() }),
    ];
    for (const call of unsupported) {
      await expect(call()).rejects.toBeInstanceOf(UnsupportedOperationError);
    }
    expect(gateway.webhookReply('accepted').status).toBe(404);
  });
});
