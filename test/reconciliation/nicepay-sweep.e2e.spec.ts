import { PaymentStatus, ReconciliationService, type PaymentView } from 'nestjs-kr-payments';
import { NICEPAY_TEST_CLIENT_ID, NICEPAY_TEST_SECRET_KEY, NicePaySimulator } from 'nestjs-kr-payments/testing';
import { bootPaymentsApp, CapturingLogger, TEST_ENCRYPTION, type ShopApp } from '../support/harness';
import { BUSINESS_DATE, insertForeignPaidRow, ScenarioClock } from './reconciliation.fixtures';

const RETURN_URL = 'https://shop.example/pay/nicepay/return';

/**
 * NicePay has no transaction list: a SWEEP run reads each of our rows of the day back (bounded concurrency) and stages
 * what NicePay answers. A row whose read-back fails cannot be compared and is INCOMPARABLE, never MATCHED or missing;
 * a row NicePay has no record of is MISSING_GATEWAY only after a second read.
 */
describe('reconciliation sweep (NicePay, no transaction list)', () => {
  let sim: NicePaySimulator;
  let shop: ShopApp;
  let reconciliation: ReconciliationService;
  // One clock for the library (approvalSentAt) and NicePay (its approval times): the rows land on BUSINESS_DATE.
  const clock = new ScenarioClock();
  beforeAll(async () => {
    sim = await NicePaySimulator.start({ port: 0, clock });
    shop = await bootPaymentsApp(
      {
        gateways: {
          nicepay: {
            clientId: NICEPAY_TEST_CLIENT_ID,
            secretKey: NICEPAY_TEST_SECRET_KEY,
            baseUrl: sim.url,
            timeouts: { connectMs: 1_000, readMs: 1_500 },
            webhookAllowedSources: [],
          },
        },
        encryption: TEST_ENCRYPTION,
        reconciliation: { batchSize: 2, concurrency: 2 },
        clock,
      },
      'useFactory',
      new CapturingLogger(),
    );
    reconciliation = shop.app.get(ReconciliationService);
  });
  afterAll(async () => {
    await shop?.close();
    await sim?.stop();
  });

  let seq = 0;
  async function paid(amount: number): Promise<PaymentView> {
    const { payment, checkout } = await shop.payments.prepare({
      gateway: 'nicepay',
      orderId: `sweep_${Date.now().toString(36)}_${++seq}`,
      amount,
      orderName: '대사 상품',
      method: 'CARD',
      customer: { name: '김나이스' },
      returnUrl: RETURN_URL,
    });
    const fields = checkout.fields as Record<string, string>;
    const returned = sim.authenticate({
      clientId: NICEPAY_TEST_CLIENT_ID,
      orderId: payment.orderId,
      amount,
      method: fields['method'],
      goodsName: fields['goodsName'],
      returnUrl: RETURN_URL,
    });
    return shop.payments.confirmReturn('nicepay', returned);
  }

  it('reads back every row of the day; unreadable rows are INCOMPARABLE, absent ones MISSING_GATEWAY', async () => {
    const matched = [await paid(11_000), await paid(22_000), await paid(33_000)];
    const unreadable = await paid(44_000);
    expect(unreadable.status).toBe(PaymentStatus.PAID);
    const ghost = await insertForeignPaidRow(shop, 'nicepay', 5_500, 'nictest00m0000000ghost', clock.now());

    // Every read-back of this one payment fails before NicePay answers.
    sim.failNext(
      { method: 'GET', path: `/v1/payments/${unreadable.gatewayPaymentKey}` },
      { kind: 'drop-before-commit' },
      5,
    );
    const { run } = await reconciliation.run({ gateway: 'nicepay', date: BUSINESS_DATE });
    sim.clearFaults();

    expect(run).toMatchObject({ kind: 'SWEEP', status: 'SUCCEEDED', pages: 3 });
    for (const payment of [...matched, unreadable]) {
      expect(sim.requestsTo('GET', `/v1/payments/${payment.gatewayPaymentKey}`).length).toBeGreaterThanOrEqual(1);
    }
    const items = await reconciliation.items(run.id);
    expect(items).toHaveLength(2);
    expect(items.find((item) => item.paymentId === unreadable.id)).toMatchObject({
      category: 'INCOMPARABLE',
      expectedAmount: 44_000,
      actualAmount: null,
      repairAction: 'RETRY_READ_BACK',
      resolution: 'OPEN',
      note: expect.stringMatching(/nicepay|Gateway/i),
    });
    // Two reads (the recheck) before the ghost is called missing.
    expect(sim.requestsTo('GET', '/v1/payments/nictest00m0000000ghost')).toHaveLength(2);
    expect(items.find((item) => item.paymentId === ghost)).toMatchObject({
      category: 'MISSING_GATEWAY',
      expectedAmount: 5_500,
      resolution: 'OPEN',
    });
    expect(run.summary!.MATCHED).toMatchObject({ count: 3, ledger: { gross: 66_000 }, gateway: { gross: 66_000 } });
    expect(run.summary!.INCOMPARABLE.count).toBe(1);
    expect(run.summary!.MISSING_GATEWAY.count).toBe(1);
    // Nothing unreadable was touched.
    expect((await shop.payments.get(unreadable.id)).status).toBe(PaymentStatus.PAID);
  });
});
