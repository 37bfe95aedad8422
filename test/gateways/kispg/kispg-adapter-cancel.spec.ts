import type { PreparedPayment } from 'nestjs-kr-payments';
import { KISPG_TEST_MID, KispgSimulator } from 'nestjs-kr-payments/testing';
import type { KispgGateway } from '../../../libs/payments/src/gateways/kispg/kispg.gateway';
import { createKispgGateway } from '../../../libs/payments/src/gateways/kispg/kispg.module';
import { clock, customer, useKispgAdapter } from './kispg-adapter.fixtures';

/**
 * The KISPG adapter's cancels against the simulator: partial and full cancels on both paths, the read-back of the
 * balance whatever the shape of cancelData, virtual-account refunds, refusals, and the reversal of an approval
 * (docs/gateways/kispg.md#cancel).
 */
describe('KISPG adapter: cancels and read-backs', () => {
  const harness = useKispgAdapter();
  const { logger, options, nextOrderId, approved } = harness;
  let sim: KispgSimulator;
  let gateway: KispgGateway;
  beforeAll(() => {
    ({ sim, gateway } = harness);
  });

  it('partial then full cancel on /v2/cancelTrans.do: canAmt hashed, partCanFlg, balance read back from /v2/order', async () => {
    const viaSample = createKispgGateway(options({ cancelPath: '/v2/cancelTrans.do' }), { logger, clock });
    try {
      const { prepared, truth } = await approved(10_000, 'CARD');
      const tid = truth.paymentKey;
      const beforeCancels = sim.requestsTo('POST', '/v2/cancelTrans.do').length;
      const first = await viaSample.cancel({
        prepared,
        paymentKey: tid,
        cancelId: 'c1',
        amount: 3_000,
        isFull: false,
        balanceBefore: 10_000,
        reason: '부분 환불',
        idempotencyKey: 'cancel:c1',
      });
      expect(first.payment).toMatchObject({ status: 'PARTIALLY_CANCELED', totalAmount: 10_000, balanceAmount: 7_000 });
      expect(first.cancel).toMatchObject({ amount: 3_000, status: 'DONE' });
      expect(first.payment.cancels.map((c) => c.transactionKey)).toContain(first.cancel.transactionKey);

      const second = await viaSample.cancel({
        prepared,
        paymentKey: tid,
        cancelId: 'c2',
        amount: 7_000,
        isFull: true,
        balanceBefore: 7_000,
        reason: '전액 환불',
        idempotencyKey: 'cancel:c2',
      });
      expect(second.payment).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
      expect(second.cancel.transactionKey).not.toBe(first.cancel.transactionKey);

      const sent = sim.requestsTo('POST', '/v2/cancelTrans.do').slice(beforeCancels);
      expect(sent.map((r) => r.body)).toEqual([
        expect.objectContaining({
          payMethod: 'CARD',
          tid,
          mid: KISPG_TEST_MID,
          ordNo: prepared.orderId,
          canAmt: '3000',
          partCanFlg: '1',
          canMsg: '부분 환불',
          charset: 'UTF-8',
        }),
        expect.objectContaining({ canAmt: '7000', partCanFlg: '0' }),
      ]);
      expect(sim.getTransaction(tid)).toMatchObject({ balanceAmt: 0, trxStatus: '취소' });

      // The same cancels read again later keep their keys: the ledger matches them instead of adding rows.
      const again = await gateway.getPayment({ paymentKey: tid, orderId: prepared.orderId, amount: 10_000 });
      expect(again.cancels.map((c) => c.transactionKey).sort()).toEqual(
        [first.cancel.transactionKey, second.cancel.transactionKey].sort(),
      );
    } finally {
      await viaSample.close();
    }
  });

  it('getPayment tolerates any cancelData serializer; unreadable cancelData falls back to trxStatus', async () => {
    const otherSim = await KispgSimulator.start({
      port: 0,
      cancelDataSerializer: (cancels) =>
        JSON.stringify({ history: cancels.map((c) => ({ cancel_amount: c.canAmt, when: c.canDtm })) }),
    });
    const garbledSim = await KispgSimulator.start({ port: 0, cancelDataSerializer: () => '<cancels/>' });
    const other = createKispgGateway(options({ baseUrl: otherSim.url }), { logger, clock });
    const garbled = createKispgGateway(options({ baseUrl: garbledSim.url }), { logger, clock });
    try {
      for (const [simulator, adapter, expectedBalance] of [
        [otherSim, other, 6_000],
        [garbledSim, garbled, 10_000],
      ] as const) {
        const orderId = nextOrderId();
        const checkout = await adapter.prepare({
          paymentId: 'p',
          orderId,
          amount: 10_000,
          taxFreeAmount: 0,
          orderName: '머그',
          method: 'CARD',
          customer,
          returnUrl: 'https://shop.example/r',
        });
        const returned = simulator.authenticate(checkout.fields as Record<string, string>);
        const prepared: PreparedPayment = {
          paymentId: 'p',
          gateway: 'kispg',
          orderId,
          amount: 10_000,
          taxFreeAmount: 0,
          orderName: '머그',
          method: 'CARD',
        };
        const truth = await adapter.approve({
          prepared,
          input: adapter.confirmInputFromReturn(returned),
          idempotencyKey: 'k',
        });
        const result = await adapter.cancel({
          prepared,
          paymentKey: truth.paymentKey,
          cancelId: 'c',
          amount: 4_000,
          isFull: false,
          balanceBefore: 10_000,
          reason: '부분',
          idempotencyKey: 'c',
        });
        // Readable history: 6,000 left from KISPG's own data. Unreadable: the cancel's success code and our arithmetic.
        expect(result.payment.balanceAmount).toBe(6_000);
        const read = await adapter.getPayment({ paymentKey: truth.paymentKey, orderId, amount: 10_000 });
        expect(read.balanceAmount).toBe(expectedBalance);
        expect(read.status).toBe(expectedBalance === 6_000 ? 'PARTIALLY_CANCELED' : 'PAID');
        await adapter.cancel({
          prepared,
          paymentKey: truth.paymentKey,
          cancelId: 'c2',
          amount: 6_000,
          isFull: true,
          balanceBefore: 6_000,
          reason: '나머지',
          idempotencyKey: 'c2',
        });
        const final = await adapter.getPayment({ paymentKey: truth.paymentKey, orderId, amount: 10_000 });
        expect(final).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
      }
      expect(logger.text()).toContain('is unreadable; status taken from trxStatus');
    } finally {
      await other.close();
      await garbled.close();
      await otherSim.stop();
      await garbledSim.stop();
    }
  });

  it('VACNT: issued (4100) → WAITING_FOR_DEPOSIT, deposit → PAID, refund needs an account and answers 2211', async () => {
    const { prepared, truth } = await approved(30_000, 'VIRTUAL_ACCOUNT');
    expect(truth).toMatchObject({ status: 'WAITING_FOR_DEPOSIT', method: 'VIRTUAL_ACCOUNT', totalAmount: 30_000 });
    expect(truth.virtualAccount?.accountNumber).toMatch(/^\d+$/);
    expect(truth.virtualAccount?.dueDate).toBeInstanceOf(Date);

    sim.deposit(truth.paymentKey);
    const paid = await gateway.getPayment({ paymentKey: truth.paymentKey, orderId: prepared.orderId, amount: 30_000 });
    expect(paid.status).toBe('PAID');

    const cancelRequest = {
      prepared,
      paymentKey: truth.paymentKey,
      cancelId: 'c',
      amount: 10_000,
      isFull: false,
      balanceBefore: 30_000,
      reason: '환불',
      idempotencyKey: 'c',
    };
    await expect(gateway.cancel(cancelRequest)).rejects.toMatchObject({ field: 'refundAccount' });
    const before = sim.requestsTo('POST', '/v2/cancel').length;
    const refunded = await gateway.cancel({
      ...cancelRequest,
      refundAccount: { bankCode: '088', accountNumber: '110-123-456789', holderName: '김키스' },
    });
    expect(refunded.payment).toMatchObject({ status: 'PARTIALLY_CANCELED', balanceAmount: 20_000 });
    const sent = sim.requestsTo('POST', '/v2/cancel').slice(before);
    expect(sent[0].body).toMatchObject({
      payMethod: 'VACNT',
      refundBankCd: '088',
      refundAccnt: '110123456789',
      refundNm: '김키스',
    });
    expect(logger.text()).not.toContain('110123456789');
  });

  it('a cancel KISPG refuses is a typed decline carrying its code', async () => {
    const { prepared, truth } = await approved(1_000, 'CARD');
    await expect(
      gateway.cancel({
        prepared,
        paymentKey: truth.paymentKey,
        cancelId: 'c',
        amount: 1_000,
        isFull: false,
        balanceBefore: 1_000,
        reason: 'x',
        idempotencyKey: 'c',
      }),
    ).resolves.toBeDefined();
    sim.failNext(
      { method: 'POST', path: '/v2/cancel' },
      { kind: 'error', resultCd: '2013', resultMsg: '취소 불가 거래' },
    );
    const { prepared: p2, truth: t2 } = await approved(1_000, 'CARD');
    await expect(
      gateway.cancel({
        prepared: p2,
        paymentKey: t2.paymentKey,
        cancelId: 'c',
        amount: 1_000,
        isFull: true,
        balanceBefore: 1_000,
        reason: 'x',
        idempotencyKey: 'c',
      }),
    ).rejects.toMatchObject({ code: 'GATEWAY_DECLINED', gatewayCode: '2013', gatewayMessage: '취소 불가 거래' });
  });

  it('cancel without a known method asks /v2/order for the payMethod first', async () => {
    const { prepared, truth } = await approved(1_500, undefined, 'BANK');
    expect(truth.method).toBe('TRANSFER');
    const before = sim.requestsTo('POST', '/v2/order').length;
    await gateway.cancel({
      prepared: { ...prepared, method: null },
      paymentKey: truth.paymentKey,
      cancelId: 'c',
      amount: 1_500,
      isFull: true,
      balanceBefore: 1_500,
      reason: 'x',
      idempotencyKey: 'c',
    });
    expect(sim.requestsTo('POST', '/v2/order').length - before).toBe(2); // the method look-up and the read-back
    expect(sim.requestsTo('POST', '/v2/cancel').at(-1)?.body).toMatchObject({ payMethod: 'BANK' });
  });

  it('KISPG has no net-cancel: no netCancel on the adapter; an approval is reversed by an ordinary full cancel', async () => {
    expect(gateway.features.netCancel).toBe(false);
    expect('netCancel' in gateway).toBe(false);
    const { prepared, truth } = await approved(4_000, 'CARD');
    const reversed = await gateway.cancel({
      prepared,
      paymentKey: truth.paymentKey,
      cancelId: 'c-reverse',
      amount: 4_000,
      isFull: true,
      balanceBefore: 4_000,
      reason: 'approval reversed by merchant',
      idempotencyKey: 'cancel:c-reverse',
    });
    expect(reversed.payment).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
    expect(sim.requestsTo('POST', '/v2/cancel').at(-1)?.body).toMatchObject({ canAmt: '4000', partCanFlg: '0' });
  });
});
