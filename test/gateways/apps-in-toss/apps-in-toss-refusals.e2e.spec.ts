import {
  DEFAULT_WEBHOOK_PATH_PREFIX,
  GatewayDeclinedError,
  InvalidInputError,
  PaymentStatus,
  UnsupportedOperationError,
} from 'nestjs-kr-payments';
import { AppsInTossSimulator, type TestPki } from 'nestjs-kr-payments/testing';
import { bootPaymentsApp, TEST_ENCRYPTION, type ShopApp } from '../../support/harness';
import { PAY, shopAgainstSimulator, USER_KEY } from './apps-in-toss-e2e.fixtures';

/**
 * Apps-in-Toss end to end, the refusals: what the adapter or the core refuses before Toss is called (field rules,
 * partial refunds, operations TossPay does not offer) and what the sandbox refuses (docs/gateways/apps-in-toss.md#sandbox).
 */
describe('Apps-in-Toss payments: refusals (mTLS)', () => {
  let pki: TestPki;
  let sim: AppsInTossSimulator;
  let shop: ShopApp;
  const world = shopAgainstSimulator();
  const { gatewayOptions, nextOrderId, rowsOf, prepared } = world;

  beforeAll(async () => {
    ({ pki, sim, shop } = await world.start());
  });

  afterAll(() => world.stop());

  it('validation: orderNo charset/length, productDesc characters, missing or non-numeric userKey → typed errors, no rows, no calls', async () => {
    const makesBefore = sim.requestsTo(`${PAY}/make-payment`).length;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ orderId: `o${'x'.repeat(55)}` }, 'orderId'], // the core allows 64, Apps-in-Toss 50
      [{ orderName: '큰따옴표 "한정판"' }, 'orderName'],
      [{ orderName: 'C:\\path' }, 'orderName'],
      [{ customer: undefined }, 'customer.customerKey'],
      [{ customer: { customerKey: 'user-443731104' } }, 'customer.customerKey'],
      [{ amount: 12_000_000 }, 'amount'],
    ];
    for (const [override, field] of cases) {
      const orderId = (override.orderId as string | undefined) ?? nextOrderId();
      const error = await shop.payments
        .prepare({
          gateway: 'appsInToss',
          orderId,
          amount: 1_000,
          orderName: '정상 상품',
          customer: { customerKey: USER_KEY },
          ...override,
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe(field);
      expect(await rowsOf(orderId)).toHaveLength(0);
    }
    expect(sim.requestsTo(`${PAY}/make-payment`).length).toBe(makesBefore);
  });

  it('a partial refund is refused before any call (full refunds only); a reason outside the allowed charset too', async () => {
    const { orderId, payToken, payment } = await prepared(10_000);
    sim.authenticate(payToken);
    await shop.payments.confirm({ gateway: 'appsInToss', orderId, amount: 10_000, payToken });
    const refundsBefore = sim.requestsTo(`${PAY}/refund-payment`).length;
    await expect(
      shop.payments.cancel({ paymentId: payment.id, amount: 4_000, reason: '부분환불' }),
    ).rejects.toMatchObject({ field: 'amount' });
    await expect(shop.payments.cancel({ paymentId: payment.id, reason: '고객 요청' })).rejects.toMatchObject({
      field: 'reason',
    });
    expect(sim.requestsTo(`${PAY}/refund-payment`).length).toBe(refundsBefore);
    expect(await shop.payments.get(payment.id)).toMatchObject({
      status: PaymentStatus.PAID,
      canceledAmount: 0,
      pendingCancelAmount: 0,
    });
  });

  it('sandboxRejectsExecute: the sandbox key cannot approve → GatewayDeclinedError, row FAILED with the code', async () => {
    const sandbox = await AppsInTossSimulator.start({ port: 0, pki, sandboxRejectsExecute: true });
    const sandboxShop = await bootPaymentsApp(
      { gateways: { appsInToss: gatewayOptions(sandbox.url) }, encryption: TEST_ENCRYPTION },
      'forRoot',
    );
    try {
      const orderId = nextOrderId();
      const { payment, checkout } = await sandboxShop.payments.prepare({
        gateway: 'appsInToss',
        orderId,
        amount: 1_000,
        orderName: 'sandbox',
        customer: { customerKey: USER_KEY },
      });
      sandbox.authenticate(checkout.paymentKey as string);
      const error = await sandboxShop.payments
        .confirm({ gateway: 'appsInToss', orderId, amount: 1_000, payToken: checkout.paymentKey as string })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GatewayDeclinedError);
      expect(error).toMatchObject({ gatewayCode: 'EXECUTE_PAY_NOT_APPROVED' });
      expect(await sandboxShop.payments.get(payment.id)).toMatchObject({
        status: PaymentStatus.FAILED,
        failureCode: 'EXECUTE_PAY_NOT_APPROVED',
      });
      expect(sandbox.getPayment(checkout.paymentKey as string)).toMatchObject({ payStatus: 'PAY_APPROVED' });
    } finally {
      await sandboxShop.close();
      await sandbox.stop();
    }
  });

  it('what TossPay does not offer is refused by the core naming appsInToss: no row, no call, no webhook route', async () => {
    const rowCount = async (table: string) =>
      Number((await shop.dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);
    const rowsBefore = [await rowCount('billing_keys'), await rowCount('cash_receipts')];
    const requestsBefore = sim.requests.length;
    const refusals: Array<[string, () => Promise<unknown>]> = [
      [
        'issueBillingKey',
        () => shop.payments.issueBillingKey({ gateway: 'appsInToss', customerKey: USER_KEY, authKey: 'any-auth-key' }),
      ],
      [
        'issueCashReceipt',
        () =>
          shop.payments.issueCashReceipt({
            gateway: 'appsInToss',
            orderId: nextOrderId(),
            orderName: '현금영수증',
            amount: 1_000,
            type: 'INCOME_DEDUCTION',
            identityNumber: '01012345678',
          }),
      ],
    ];
    for (const [name, call] of refusals) {
      const error = await call().catch((e: unknown) => e);
      expect([name, error]).toEqual([name, expect.any(UnsupportedOperationError)]);
      expect(error).toMatchObject({ code: 'UNSUPPORTED_OPERATION', gateway: 'appsInToss' });
    }
    expect([await rowCount('billing_keys'), await rowCount('cash_receipts')]).toEqual(rowsBefore);
    expect(sim.requests.length).toBe(requestsBefore);
    // TossPay sends no webhooks: the route does not exist for appsInToss, so nothing is parsed or stored.
    const webhook = await fetch(`${shop.url}/${DEFAULT_WEBHOOK_PATH_PREFIX}/appsInToss`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"eventType":"PAYMENT_STATUS_CHANGED"}',
    });
    expect(webhook.status).toBe(404);
  });
});
