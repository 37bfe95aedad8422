import { PaymentNotFoundError, UnsupportedOperationError } from '../../../libs/payments/src/domain/errors';
import {
  capabilitiesOf,
  requireCapability,
  supports,
  type GatewayCapability,
} from '../../../libs/payments/src/gateways/gateway-capabilities';
import type { CancelRequest } from '../../../libs/payments/src/gateways/gateway.port';
import {
  fail,
  PAY,
  prepared,
  ScriptedTransport,
  success,
  USER_KEY,
  useScriptedGateways,
} from './apps-in-toss-scripted';

/** Read-back and refunds over a scripted transport: payStatus mapping, refund-payment, and what the adapter offers. */
describe('AppsInTossGateway request building and mapping: getPayment, cancel (scripted transport)', () => {
  const gatewayWith = useScriptedGateways();

  it.each([
    ['PAY_STANDBY', 'READY', 0],
    ['PAY_APPROVED', 'READY', 0],
    ['PAY_PROGRESS', 'IN_PROGRESS', 0],
    ['PAY_CANCEL', 'EXPIRED', 0],
    ['PAY_COMPLETE', 'PAID', 0],
    ['SETTLEMENT_COMPLETE', 'PAID', 0],
    ['REFUND_PROGRESS', 'PAID', 1],
    ['REFUND_SUCCESS', 'CANCELED', 1],
    ['SETTLEMENT_REFUND_COMPLETE', 'CANCELED', 1],
    ['SOMETHING_NEW', 'IN_PROGRESS', 0],
  ])('getPayment maps payStatus %s → %s', async (payStatus, status, cancelCount) => {
    const executed = !['PAY_STANDBY', 'PAY_APPROVED', 'PAY_PROGRESS', 'PAY_CANCEL', 'SOMETHING_NEW'].includes(
      payStatus,
    );
    const refunded = cancelCount > 0;
    const transactions = [
      ...(executed
        ? [{ stepType: 'PAY', transactionId: 'tx-pay', transactionAmount: 10_000, regTs: '2025-04-17 12:32:10' }]
        : []),
      ...(refunded
        ? [{ stepType: 'REFUND', transactionId: 'tx-refund', transactionAmount: -10_000, regTs: '2025-04-18 09:00:00' }]
        : []),
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
        card: executed
          ? {
              cardCompanyCode: 4,
              spreadOut: 0,
              noInterest: false,
              cardNumber: '53275000****123*',
              cardMethodType: 'CHECK',
            }
          : null,
        transactions,
        paidTs: executed ? '2025-04-17 12:32:10' : null,
      }),
    );
    const truth = await gatewayWith(transport).getPayment({
      paymentKey: 'O1NZck9XME8ureeVJVJP67',
      orderId: 'order-20250417-1',
      amount: 10_000,
      customerKey: USER_KEY,
    });
    expect(transport.calls[0]).toMatchObject({
      path: `${PAY}/get-payment-status`,
      headers: { 'x-toss-user-key': USER_KEY },
    });
    expect(transport.calls[0].json).toEqual({
      payToken: 'O1NZck9XME8ureeVJVJP67',
      orderNo: 'order-20250417-1',
      isTestPayment: true,
    });
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
      expect(truth).toMatchObject({
        method: 'EASY_PAY',
        vat: 909,
        card: { issuerCode: '4', installmentMonths: 0, cardType: 'CHECK' },
      });
      expect(truth.approvedAt?.toISOString()).toBe('2025-04-17T03:32:10.000Z');
    } else {
      expect(truth.approvedAt).toBeNull();
    }
    if (payStatus === 'PAY_CANCEL') expect(truth.failure).toMatchObject({ code: 'PAY_CANCEL' });
    else expect(truth.failure).toBeNull();
  });

  it('getPayment needs the buyer user key; 404 is PaymentNotFoundError', async () => {
    const transport = new ScriptedTransport().answer(404, fail('NOT_FOUND', '결제 정보를 찾을 수 없습니다.'));
    const gateway = gatewayWith(transport);
    await expect(gateway.getPayment({ paymentKey: 'x', orderId: 'o', amount: 1 })).rejects.toMatchObject({
      field: 'customerKey',
    });
    expect(transport.calls).toHaveLength(0);
    await expect(
      gateway.getPayment({ paymentKey: null, orderId: 'order-1', amount: 1, customerKey: USER_KEY }),
    ).rejects.toBeInstanceOf(PaymentNotFoundError);
    expect(transport.calls[0].json).toEqual({ orderNo: 'order-1', isTestPayment: true }); // either key is enough (API reference)
  });

  it('getPayment: a status answer about another payToken is reported as such (the ledger then refuses it against ours)', async () => {
    const transport = new ScriptedTransport().answer(
      200,
      success({
        payToken: 'ZZZZZZZZZZZZZZZZZZZZZZ',
        orderNo: 'order-20250417-1',
        payStatus: 'PAY_COMPLETE',
        payMethod: 'TOSS_MONEY',
        amount: 10_000,
      }),
    );
    const truth = await gatewayWith(transport).getPayment({
      paymentKey: 'O1NZck9XME8ureeVJVJP67',
      orderId: 'order-20250417-1',
      amount: 10_000,
      customerKey: USER_KEY,
    });
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
    expect(transport.calls[0]).toMatchObject({
      path: `${PAY}/refund-payment`,
      headers: { 'x-toss-user-key': USER_KEY },
    });
    expect(transport.calls[0].json).toEqual({
      payToken: 'O1NZck9XME8ureeVJVJP67',
      reason: '고객요청(단순변심)',
      isTestPayment: false,
    });
    expect(cancel).toMatchObject({
      transactionKey: 'tx-refund',
      amount: 10_000,
      status: 'DONE',
      reason: '고객요청(단순변심)',
    });
    expect(cancel.canceledAt?.toISOString()).toBe('2025-04-18T00:00:00.000Z');
    expect(payment).toMatchObject({ status: 'CANCELED', totalAmount: 10_000, balanceAmount: 0, cancels: [cancel] });
  });

  it('cancel refuses partial refunds and reasons outside the allowed charset before sending anything', async () => {
    const transport = new ScriptedTransport();
    const gateway = gatewayWith(transport);
    const partial = await gateway.cancel(cancelRequest({ amount: 4_000, isFull: false })).catch((e: unknown) => e);
    expect(partial).toBeInstanceOf(UnsupportedOperationError);
    expect((partial as Error).message).toContain('partial refund');
    for (const reason of ['고객 요청', 'a'.repeat(56), 'reason;drop', '환불"']) {
      await expect(gateway.cancel(cancelRequest({ reason }))).rejects.toMatchObject({ field: 'reason' });
    }
    await expect(gateway.cancel(cancelRequest({ prepared: prepared({ customer: {} }) }))).rejects.toMatchObject({
      field: 'customer.customerKey',
    });
    expect(transport.calls).toHaveLength(0);
    expect(capabilitiesOf(gateway)).toEqual({
      partialCancel: false,
      netCancel: false,
      virtualAccount: false,
      billing: false,
      cashReceipts: false,
      transactions: false,
      webhooks: false,
      lostApprovalPolicy: false,
      returnUrl: false,
    });
  });

  it('offers nothing beyond the core port: every optional capability is refused by the core, naming appsInToss', () => {
    const gateway = gatewayWith(new ScriptedTransport());
    const capabilities: GatewayCapability[] = [
      'billing',
      'cashReceipts',
      'transactions',
      'webhooks',
      'lostApprovalPolicy',
      'returnUrl',
    ];
    for (const capability of capabilities) {
      expect([capability, supports(gateway, capability)]).toEqual([capability, false]);
      expect(() => requireCapability(gateway, capability, capability)).toThrow(UnsupportedOperationError);
      expect(() => requireCapability(gateway, capability, capability)).toThrow(/appsInToss/);
    }
    // No adapter method exists only to say "not supported": the old stubs are gone, not hidden.
    const stubs = [
      'netCancel',
      'issueBillingKey',
      'chargeBillingKey',
      'deleteBillingKey',
      'issueCashReceipt',
      'cancelCashReceipt',
      'getCashReceipt',
      'listTransactions',
      'parseWebhook',
      'webhookReply',
      'resolveUnknownApproval',
      'confirmInputFromReturn',
    ];
    for (const method of stubs)
      expect([method, (gateway as unknown as Record<string, unknown>)[method]]).toEqual([method, undefined]);
  });
});
