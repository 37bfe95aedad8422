import fc from 'fast-check';
import { Payment, PaymentCancel, PaymentsError } from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { URLS, bootPaymentsApp, TEST_ENCRYPTION, type ShopApp } from '../../support/harness';

/**
 * Property: whatever a caller passes to prepare / confirm / cancel, the library either succeeds or throws a typed
 * PaymentsError with a 4xx status — never a 500-class error, never a crash — and a failed call writes no row.
 */
describe('fuzzed prepare / confirm / cancel inputs', () => {
  let sim: TossSimulator;
  let shop: ShopApp;
  let paidId: string;

  beforeAll(async () => {
    sim = await TossSimulator.start({ port: 0 });
    shop = await bootPaymentsApp({
      gateways: { toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: sim.url } },
      encryption: TEST_ENCRYPTION,
    });
    const { payment } = await shop.payments.prepare({
      ...URLS,
      gateway: 'toss',
      orderId: 'fuzz_paid_0001',
      amount: 10_000,
      orderName: 'fuzz',
    });
    const window = sim.authenticatePayment({ orderId: payment.orderId, amount: 10_000, orderName: 'fuzz' });
    paidId = (
      await shop.payments.confirm({
        gateway: 'toss',
        orderId: payment.orderId,
        amount: 10_000,
        paymentKey: window.paymentKey,
      })
    ).id;
  });
  afterAll(async () => {
    await shop?.close();
    await sim?.stop();
  });

  const junk = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 120 }),
    fc.integer(),
    fc.double(),
    fc.constantFrom(0, -1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER, 2 ** 60, '', ' ', null, undefined, [], {}, true),
    fc.object({ maxDepth: 2 }),
  );
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(fc.oneof(arb, junk), { nil: undefined });

  async function counts(): Promise<[number, number]> {
    return [await shop.dataSource.manager.count(Payment), await shop.dataSource.manager.count(PaymentCancel)];
  }

  async function expectTypedOrSuccess(call: () => Promise<unknown>): Promise<void> {
    const before = await counts();
    try {
      await call();
    } catch (error) {
      if (!(error instanceof PaymentsError)) throw error;
      expect(error.httpStatus).toBeGreaterThanOrEqual(400);
      expect(error.httpStatus).toBeLessThan(500);
      expect(await counts()).toEqual(before);
    }
  }

  it('prepare', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            gateway: maybe(fc.constantFrom('toss', 'nicepay', 'TOSS')),
            orderId: maybe(fc.stringMatching(/^[A-Za-z0-9_-]{1,70}$/)),
            amount: maybe(fc.integer({ min: -5, max: 2_000_000 })),
            orderName: maybe(fc.string({ maxLength: 120 })),
            taxFreeAmount: maybe(fc.integer({ min: -5, max: 2_000_000 })),
            customer: maybe(
              fc.record({
                name: maybe(fc.string()),
                email: maybe(fc.emailAddress()),
                phone: maybe(fc.stringMatching(/^[0-9-]{0,20}$/)),
              }),
            ),
            returnUrl: maybe(fc.webUrl()),
            surprise: maybe(fc.string()),
          },
          { requiredKeys: [] },
        ),
        async (input) => expectTypedOrSuccess(() => shop.payments.prepare(input as never)),
      ),
      { numRuns: 150 },
    );
  });

  it('confirm', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            gateway: maybe(fc.constantFrom('toss', 'kispg')),
            orderId: maybe(fc.constantFrom('fuzz_paid_0001', 'nope_order_1', 'x')),
            amount: maybe(fc.integer({ min: -5, max: 20_000 })),
            paymentKey: maybe(fc.string({ maxLength: 250 })),
            authResult: maybe(fc.dictionary(fc.string(), fc.string())),
          },
          { requiredKeys: [] },
        ),
        async (input) => expectTypedOrSuccess(() => shop.payments.confirm(input as never)),
      ),
      { numRuns: 150 },
    );
  });

  it('cancel (against a paid payment: only failing inputs are allowed to leave rows unchanged)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            paymentId: maybe(fc.constantFrom(paidId, '00000000-0000-4000-8000-000000000000', 'not-a-uuid')),
            amount: maybe(fc.integer({ min: -5, max: 20_000 })),
            taxFreeAmount: maybe(fc.integer({ min: -5, max: 20_000 })),
            reason: maybe(fc.string({ maxLength: 250 })),
            refundAccount: maybe(
              fc.record({
                bankCode: maybe(fc.string()),
                accountNumber: maybe(fc.string()),
                holderName: maybe(fc.string()),
              }),
            ),
            idempotencyKey: maybe(fc.string({ maxLength: 250 })),
          },
          { requiredKeys: [] },
        ),
        async (input) => {
          // Keep the property about validation: inputs that would really refund are excluded.
          fc.pre(
            !(
              input.paymentId === paidId &&
              typeof input.reason === 'string' &&
              input.reason.length > 0 &&
              input.reason.length <= 200 &&
              input.refundAccount === undefined &&
              (input.amount === undefined || (Number.isInteger(input.amount) && (input.amount as number) > 0))
            ),
          );
          await expectTypedOrSuccess(() => shop.payments.cancel(input as never));
        },
      ),
      { numRuns: 150 },
    );
    expect((await shop.payments.get(paidId)).canceledAmount).toBe(0);
  });
});
