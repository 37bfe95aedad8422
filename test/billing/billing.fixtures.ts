import {
  BillingAttempt,
  BillingCycle,
  BillingService,
  SubscriptionStatus,
  type BillingKeyView,
  type PaymentsModuleOptions,
} from 'nestjs-kr-payments';
import {
  KISPG_TEST_MERCHANT_KEY,
  KISPG_TEST_MID,
  KispgSimulator,
  ManualClock,
  NICEPAY_TEST_CLIENT_ID,
  NICEPAY_TEST_SECRET_KEY,
  NicePaySimulator,
  TOSS_TEST_CLIENT_KEY,
  TOSS_TEST_SECRET_KEY,
  TossSimulator,
} from 'nestjs-kr-payments/testing';
import type { RecordedRequest } from '../../libs/testing/src/common/simulator-http';
import { bootPaymentsApp, CapturingLogger, TEST_ENCRYPTION, type ShopApp } from '../support/harness';

export type BillingGateway = 'toss' | 'nicepay';

/** The charge endpoints of each simulator (docs/gateways/toss.md#billing-keys, docs/gateways/nicepay.md#billing-keys). */
export const CHARGE_PATHS: Record<BillingGateway, RegExp> = {
  toss: /^\/v1\/billing\/(?!authorizations)[^/]+$/,
  nicepay: /^\/v1\/subscribe\/[^/]+\/payments$/,
};

/**
 * One shop for a billing spec file: real PostgreSQL, the library in a Nest app with a manual clock (a test sets the
 * date), the Toss, NicePay and KISPG simulators over loopback HTTP. `use()` starts it before the file's tests, cancels
 * every subscription after each test (so a later clock jump never charges an earlier test's subscription) and stops
 * it after them.
 */
export class BillingShopFixture {
  toss!: TossSimulator;
  nicepay!: NicePaySimulator;
  kispg!: KispgSimulator;
  shop!: ShopApp;
  billing!: BillingService;
  readonly clock = new ManualClock(new Date('2027-01-01T00:00:00Z'));
  readonly logger = new CapturingLogger();
  private seq = 0;

  static use(billing: PaymentsModuleOptions['billing'] = {}): BillingShopFixture {
    const fixture = new BillingShopFixture();
    beforeAll(() => fixture.start(billing));
    afterEach(() => fixture.endSubscriptions());
    afterAll(() => fixture.stop());
    return fixture;
  }

  private async start(billing: PaymentsModuleOptions['billing']): Promise<void> {
    this.toss = await TossSimulator.start({ port: 0 });
    this.nicepay = await NicePaySimulator.start({ port: 0 });
    this.kispg = await KispgSimulator.start({ port: 0 });
    const timeouts = { connectMs: 1_000, readMs: 1_500, slowReadMs: 1_500 };
    this.shop = await bootPaymentsApp(
      {
        gateways: {
          toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: this.toss.url, timeouts },
          nicepay: { clientId: NICEPAY_TEST_CLIENT_ID, secretKey: NICEPAY_TEST_SECRET_KEY, baseUrl: this.nicepay.url },
          kispg: { mid: KISPG_TEST_MID, merchantKey: KISPG_TEST_MERCHANT_KEY, baseUrl: this.kispg.url },
        },
        encryption: TEST_ENCRYPTION,
        clock: this.clock,
        billing: { instanceId: 'test-instance', ...billing },
      },
      'forRoot',
      this.logger,
    );
    this.billing = this.shop.app.get(BillingService);
  }

  private async stop(): Promise<void> {
    await this.shop?.close();
    await Promise.all([this.toss?.stop(), this.nicepay?.stop(), this.kispg?.stop()]);
  }

  private async endSubscriptions(): Promise<void> {
    this.toss.clearFaults();
    this.nicepay.clearFaults();
    await this.shop.dataSource.query(`UPDATE subscriptions SET status = $1, next_charge_at = NULL`, [
      SubscriptionStatus.CANCELED,
    ]);
    await this.shop.dataSource.query(`UPDATE billing_attempts SET status = 'FAILED' WHERE status <> 'SUCCEEDED'`);
    await this.shop.dataSource.query(`UPDATE billing_cycles SET status = 'UNCOLLECTIBLE' WHERE status <> 'PAID'`);
  }

  readonly customerKey = (): string => `cust_${Date.now().toString(36)}_${++this.seq}`;

  /** An ACTIVE billing key of `customerKey` at the gateway, issued through the library as an app would. */
  async billingKey(gateway: BillingGateway, customerKey: string): Promise<BillingKeyView> {
    if (gateway === 'toss') {
      const auth = this.toss.authenticateBilling({ customerKey });
      return this.shop.payments.issueBillingKey({ gateway, customerKey, authKey: auth.authKey });
    }
    const card = { number: '5361121234561234', expiryYear: '30', expiryMonth: '12', identityNumber: '800101' };
    return this.shop.payments.issueBillingKey({ gateway, customerKey, card: { ...card, passwordFirst2: '12' } });
  }

  /** A monthly subscription of a new customer with a fresh billing key, first charged on `startDate`. */
  async subscribe(gateway: BillingGateway, startDate: string, amount = 15_000) {
    const customerKey = this.customerKey();
    const key = await this.billingKey(gateway, customerKey);
    const subscription = await this.billing.createSubscription({
      gateway,
      customerKey,
      billingKeyId: key.id,
      amount,
      orderName: '프리미엄',
      interval: { unit: 'MONTH' },
      startDate,
    });
    return { subscription, key, customerKey };
  }

  async orderIdsOf(subscriptionId: string): Promise<string[]> {
    return (await this.attemptsOf(subscriptionId)).map((attempt) => attempt.orderId);
  }

  /** The charge requests a simulator received for these orderIds, in order. */
  chargesFor(gateway: BillingGateway, orderIds: readonly string[]): RecordedRequest[] {
    const sim = gateway === 'toss' ? this.toss : this.nicepay;
    return sim
      .requestsTo('POST', CHARGE_PATHS[gateway])
      .filter((request) => orderIds.includes((request.body as { orderId?: string }).orderId ?? ''));
  }

  async attemptsOf(subscriptionId: string): Promise<BillingAttempt[]> {
    return this.shop.dataSource.manager.find(BillingAttempt, {
      where: { subscriptionId },
      order: { createdAt: 'ASC', attemptNo: 'ASC' },
    });
  }

  async cyclesOf(subscriptionId: string): Promise<BillingCycle[]> {
    return this.shop.dataSource.manager.find(BillingCycle, { where: { subscriptionId }, order: { cycleNo: 'ASC' } });
  }

  /** Every row count of the billing tables and payments: "nothing written" is these unchanged. */
  async rowCounts(): Promise<Record<string, number>> {
    const [row] = await this.shop.dataSource.query(
      `SELECT (SELECT count(*) FROM subscriptions)::int AS subscriptions,
              (SELECT count(*) FROM billing_cycles)::int AS cycles,
              (SELECT count(*) FROM billing_attempts)::int AS attempts,
              (SELECT count(*) FROM payments)::int AS payments`,
    );
    return row as Record<string, number>;
  }
}
