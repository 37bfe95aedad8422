import {
  AmountMismatchError,
  ForeignPaymentKeyError,
  GatewayConfigurationError,
  GatewayUnavailableError,
  InvalidInputError,
  OrderMismatchError,
  PaymentNotFoundError,
} from '../../../libs/payments/src/domain/errors';
import { approvalOutcome } from '../../../libs/payments/src/domain/approval-outcome';
import { PaymentStatus } from '../../../libs/payments/src/domain/payment-status';
import type { PrepareRequest } from '../../../libs/payments/src/gateways/gateway.port';
import {
  executeAnswer,
  fail,
  ORDER_ID,
  PAY,
  PAY_TOKEN,
  prepared,
  prepareRequest,
  ScriptedTransport,
  success,
  USER_KEY,
  useScriptedGateways,
} from './apps-in-toss-scripted';

/** A get-payment-status `success` for the scripted order in `payStatus`. */
const statusAnswer = (payStatus: string) => ({
  payToken: PAY_TOKEN,
  orderNo: ORDER_ID,
  payStatus,
  payMethod: 'TOSS_MONEY',
  amount: 10_000,
  transactions:
    payStatus === 'PAY_COMPLETE'
      ? [{ stepType: 'PAY', transactionId: 'tx-pay', transactionAmount: 10_000, regTs: '2025-04-17 12:32:10' }]
      : [],
});

/** Checkout and approval over a scripted transport: the requests the adapter builds and how it reads the answers. */
describe('AppsInTossGateway request building and mapping: prepare, approve (scripted transport)', () => {
  const gatewayWith = useScriptedGateways();

  it('prepare sends make-payment with the user key header, amountTaxFree always, extras validated', async () => {
    const transport = new ScriptedTransport().answer(200, success({ payToken: 'O1NZck9XME8ureeVJVJP67' }));
    const checkout = await gatewayWith(transport).prepare(
      prepareRequest({
        taxFreeAmount: 1_000,
        extra: { enablePayMethods: 'CARD', cashReceipt: false, installment: 'NOT_USE', amountServiceFee: 0 },
      }),
    );
    expect(checkout).toEqual({
      gateway: 'appsInToss',
      kind: 'payToken',
      paymentKey: 'O1NZck9XME8ureeVJVJP67',
      fields: { payToken: 'O1NZck9XME8ureeVJVJP67' },
    });
    expect(transport.calls).toHaveLength(1);
    expect(transport.calls[0]).toMatchObject({
      method: 'POST',
      path: `${PAY}/make-payment`,
      headers: { 'x-toss-user-key': USER_KEY },
    });
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
    // every orderNo character the API allows passes
    transport.answer(200, success({ payToken: 'tok' }));
    await expect(gateway.prepare(prepareRequest({ orderId: 'aZ09_-:.^@' }))).resolves.toMatchObject({
      paymentKey: 'tok',
    });
    expect(transport.calls).toHaveLength(1);
  });

  it('prepare: a FAIL envelope becomes a typed error; a SUCCESS without payToken is an unknown outcome', async () => {
    const transport = new ScriptedTransport()
      .answer(400, fail('PAYMENT_EXISTING_PAYMENT', '이미 존재하는 결제입니다.'))
      .answer(200, fail('COMMON_INVALID_API_KEY', '바르지 않은 apiKey'))
      .answer(200, success({}))
      .answer(200, '<html>ok</html>');
    const gateway = gatewayWith(transport);
    await expect(gateway.prepare(prepareRequest())).rejects.toMatchObject({
      code: 'DUPLICATE_ORDER',
      gatewayCode: 'PAYMENT_EXISTING_PAYMENT',
    });
    await expect(gateway.prepare(prepareRequest())).rejects.toBeInstanceOf(GatewayConfigurationError);
    const noToken = await gateway.prepare(prepareRequest()).catch((e: unknown) => e);
    expect(noToken).toBeInstanceOf(GatewayUnavailableError);
    expect((noToken as GatewayUnavailableError).requestSent).toBe(true);
    const html = await gateway.prepare(prepareRequest()).catch((e: unknown) => e);
    expect(html).toBeInstanceOf(GatewayUnavailableError);
    expect((html as GatewayUnavailableError).gatewayCode).toBe('MALFORMED_RESPONSE');
  });

  it('approve maps the documented TOSS_MONEY answer (EASY_PAY, KST approvalTime, transactionId) and a CARD answer', async () => {
    const transport = new ScriptedTransport().answer(200, success(executeAnswer('order-20250417-1', 10_000))).answer(
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
    const truth = await gateway.approve({
      prepared: prepared(),
      input: { orderId: 'order-20250417-1', amount: 10_000 },
      idempotencyKey: 'k',
    });
    expect(transport.calls[0]).toMatchObject({
      path: `${PAY}/execute-payment`,
      headers: { 'x-toss-user-key': USER_KEY },
    });
    expect(transport.calls[0].json).toEqual({
      payToken: 'O1NZck9XME8ureeVJVJP67',
      orderNo: 'order-20250417-1',
      isTestPayment: true,
    });
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

    const card = await gateway.approve({
      prepared: prepared(),
      input: { orderId: 'order-20250417-1', amount: 10_000, payToken: 'O1NZck9XME8ureeVJVJP67' },
      idempotencyKey: 'k',
    });
    expect(card.method).toBe('EASY_PAY');
    expect(card.card).toEqual({
      issuerCode: '4',
      maskedNumber: '53275000****123*',
      approveNo: '30001234',
      installmentMonths: 3,
      cardType: 'CREDIT',
    });
    expect(card.receiptUrl).toBe('https://sales.example/slip');
    expect(card.totalAmount).toBe(10_000); // the order amount; the discount stays in raw
    expect(card.raw).toMatchObject({ discountedAmount: 1_000, paidAmount: 9_000 });
  });

  it('approve: success needs code 0 and no errorCode; amount/orderNo must be ours; transport-class envelopes are UNKNOWN', async () => {
    const transport = new ScriptedTransport()
      .answer(
        200,
        success(
          executeAnswer('order-20250417-1', 10_000, { code: -1, errorCode: 'REJECT_CARD_COMPANY', msg: '카드사 거절' }),
        ),
      )
      // the read-back of that decline shows the payment not executed (PAY_APPROVED): the decline stands
      .answer(200, success(statusAnswer('PAY_APPROVED')))
      .answer(200, success(executeAnswer('order-20250417-1', 9_000)))
      .answer(200, success(executeAnswer('order-OTHER', 10_000)))
      .answer(200, { resultType: 'HTTP_TIMEOUT' })
      .failWith(new GatewayUnavailableError('appsInToss', 'socket closed', true));
    const gateway = gatewayWith(transport);
    const request = {
      prepared: prepared(),
      input: { orderId: 'order-20250417-1', amount: 10_000 },
      idempotencyKey: 'k',
    };
    await expect(gateway.approve(request)).rejects.toMatchObject({
      code: 'GATEWAY_DECLINED',
      gatewayCode: 'REJECT_CARD_COMPANY',
      gatewayMessage: '카드사 거절',
    });
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

  it("approve: a refused execute whose read-back finds no payment is PAYMENT_NOT_FOUND, or foreign when the payToken is another order's", async () => {
    const request = { prepared: prepared(), input: { orderId: ORDER_ID, amount: 10_000 }, idempotencyKey: 'k' };
    // Toss has nothing under (payToken, orderNo) nor under the payToken alone: the key is unknown, nothing approved.
    const unknown = new ScriptedTransport()
      .answer(400, fail('SOME_UNDOCUMENTED_CODE'))
      .answer(404, fail('NOT_FOUND'))
      .answer(404, fail('NOT_FOUND'));
    const notFound = await gatewayWith(unknown)
      .approve(request)
      .catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(PaymentNotFoundError);
    expect(approvalOutcome(notFound).status).toBe(PaymentStatus.READY);
    expect(unknown.calls.map((c) => c.json)).toEqual([
      { payToken: PAY_TOKEN, orderNo: ORDER_ID, isTestPayment: true },
      { payToken: PAY_TOKEN, orderNo: ORDER_ID, isTestPayment: true },
      { payToken: PAY_TOKEN, isTestPayment: true },
    ]);
    // ... but Toss knows the payToken as another order's payment: the confirm was never about this order.
    const foreignKey = new ScriptedTransport()
      .answer(400, fail('INVALID_PARAMETER'))
      .answer(404, fail('NOT_FOUND'))
      .answer(200, success({ ...statusAnswer('PAY_COMPLETE'), orderNo: 'order-of-someone-else' }));
    const foreign = await gatewayWith(foreignKey)
      .approve(request)
      .catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(ForeignPaymentKeyError);
    expect(foreign).toMatchObject({ code: 'PAYMENT_KEY_NOT_FOR_ORDER', httpStatus: 409 });
    expect(approvalOutcome(foreign).status).toBe(PaymentStatus.READY);
    // the read-back itself answers about another order: foreign too
    const foreignAnswer = new ScriptedTransport()
      .answer(400, fail('EXECUTE_ALREADY_COMPLETED'))
      .answer(200, success({ ...statusAnswer('PAY_COMPLETE'), orderNo: 'order-of-someone-else' }));
    await expect(gatewayWith(foreignAnswer).approve(request)).rejects.toBeInstanceOf(ForeignPaymentKeyError);
    // a read-back that fails otherwise (here: Toss is down) leaves the refusal as it was
    const down = new ScriptedTransport()
      .answer(400, fail('REJECT_CARD_COMPANY', '카드사 거절'))
      .answer(200, { resultType: 'INTERNAL_ERROR' });
    await expect(gatewayWith(down).approve(request)).rejects.toMatchObject({ gatewayCode: 'REJECT_CARD_COMPANY' });
    // an execute answered with a not-found code is read back the same way
    const notFoundCode = new ScriptedTransport()
      .answer(404, fail('NOT_FOUND_PAYMENT'))
      .answer(404, fail('NOT_FOUND'))
      .answer(404, fail('NOT_FOUND'));
    await expect(gatewayWith(notFoundCode).approve(request)).rejects.toBeInstanceOf(PaymentNotFoundError);
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
          transactions: [
            { stepType: 'PAY', transactionId: 'tx-pay', transactionAmount: 10_000, regTs: '2025-04-17 12:32:10' },
          ],
        }),
      );
    const truth = await gatewayWith(transport).approve({
      prepared: prepared(),
      input: { orderId: 'order-20250417-1', amount: 10_000 },
      idempotencyKey: 'k',
    });
    expect(truth).toMatchObject({ status: 'PAID', lastTransactionKey: 'tx-pay' });
    expect(truth.approvedAt?.toISOString()).toBe('2025-04-17T03:32:10.000Z');
    expect(transport.calls.map((c) => c.path)).toEqual([`${PAY}/execute-payment`, `${PAY}/get-payment-status`]);
  });

  it('verifyConfirmInput: payToken present and ours, user key present, orderId/amount as prepared', () => {
    const gateway = gatewayWith(new ScriptedTransport());
    expect(() =>
      gateway.verifyConfirmInput(prepared({ gatewayPaymentKey: null }), {
        orderId: 'order-20250417-1',
        amount: 10_000,
      }),
    ).toThrow(expect.objectContaining({ field: 'payToken' }));
    expect(() =>
      gateway.verifyConfirmInput(prepared(), {
        orderId: 'order-20250417-1',
        amount: 10_000,
        payToken: 'someone-elses-token',
      }),
    ).toThrow(expect.objectContaining({ field: 'payToken' }));
    expect(() =>
      gateway.verifyConfirmInput(prepared({ customer: {} }), { orderId: 'order-20250417-1', amount: 10_000 }),
    ).toThrow(expect.objectContaining({ field: 'customer.customerKey' }));
    expect(() => gateway.verifyConfirmInput(prepared(), { orderId: 'order-20250417-1', amount: 9_999 })).toThrow(
      AmountMismatchError,
    );
    expect(() => gateway.verifyConfirmInput(prepared(), { orderId: 'order-x', amount: 10_000 })).toThrow(
      OrderMismatchError,
    );
  });
});
