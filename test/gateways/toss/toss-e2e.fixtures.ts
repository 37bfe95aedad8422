import { PaymentCancel, type PaymentView } from 'nestjs-kr-payments';
import { OffsetClock, TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { URLS, bootPaymentsApp, CapturingLogger, TEST_ENCRYPTION, type ShopApp } from '../../support/harness';

/**
 * One Toss shop for an end-to-end spec file: real PostgreSQL, the library in a real Nest app, the Toss simulator over
 * loopback HTTP delivering webhooks to the app. `use()` starts it before the file's tests and stops it after them.
 */
export class TossShopFixture {
  sim!: TossSimulator;
  shop!: ShopApp;
  readonly logger = new CapturingLogger();
  /** The library's clock: real time that a test can move forward past the repair rules' windows. */
  readonly clock = new OffsetClock();
  private seq = 0;

  static use(): TossShopFixture {
    const fixture = new TossShopFixture();
    beforeAll(() => fixture.start());
    afterEach(() => fixture.clock.reset());
    afterAll(() => fixture.stop());
    return fixture;
  }

  private async start(): Promise<void> {
    this.sim = await TossSimulator.start({ port: 0, webhookTimeScale: 1 / 60_000 });
    this.shop = await bootPaymentsApp(
      {
        gateways: {
          toss: {
            secretKey: TOSS_TEST_SECRET_KEY,
            clientKey: TOSS_TEST_CLIENT_KEY,
            baseUrl: this.sim.url,
            timeouts: { connectMs: 1_000, readMs: 1_500 },
            // The simulator delivers from loopback, not from Toss's published addresses (the default list).
            webhookAllowedSources: ['127.0.0.1'],
            logBodies: true, // the log-scrubbing check reads the bodies too
          },
        },
        encryption: TEST_ENCRYPTION,
        clock: this.clock,
      },
      'useFactory',
      this.logger,
    );
    this.sim.setWebhookUrl(`${this.shop.url}/payments/webhooks/toss`);
  }

  private async stop(): Promise<void> {
    await this.shop?.close();
    await this.sim?.stop();
  }

  readonly nextOrderId = (): string => `order_${Date.now().toString(36)}_${++this.seq}`;

  readonly paidCardPayment = async (amount = 10_000, taxFreeAmount?: number): Promise<PaymentView> => {
    const orderId = this.nextOrderId();
    await this.shop.payments.prepare({
      ...URLS,
      gateway: 'toss',
      orderId,
      amount,
      orderName: '토스 티셔츠 외 2건',
      taxFreeAmount,
    });
    const window = this.sim.authenticatePayment({ orderId, amount, orderName: '토스 티셔츠 외 2건', taxFreeAmount });
    return this.shop.payments.confirm({ gateway: 'toss', orderId, amount, paymentKey: window.paymentKey });
  };

  /** Requests the simulator received about one payment (webhook read-backs of other payments run concurrently). */
  readonly requestsAbout = (orderId: string, paymentKey?: string | null): number =>
    this.sim.requests.filter(
      (r) =>
        (r.body as { orderId?: string } | null)?.orderId === orderId ||
        (paymentKey ? r.path.includes(paymentKey) : false) ||
        r.path.includes(orderId),
    ).length;

  readonly cancelsOf = (paymentId: string): Promise<PaymentCancel[]> =>
    this.shop.dataSource.manager.find(PaymentCancel, { where: { paymentId }, order: { createdAt: 'ASC' } });

  /**
   * Runs a billing charge and a card payment with a known card number, then checks that nothing the file did left a
   * secret (secret key, Basic header, card number, auth key, billing keys) in the captured logs or any raw column.
   * Meant as a spec file's last test, so it covers everything that file did.
   */
  async expectNoSecretsLeaked(): Promise<void> {
    const { sim, shop } = this;
    const customerKey = `cust_logs_${Date.now().toString(36)}`;
    const auth = sim.authenticateBilling({ customerKey, cardNumber: '4330123412341234' });
    const key = await shop.payments.issueBillingKey({ gateway: 'toss', customerKey, authKey: auth.authKey });
    await shop.payments.chargeBillingKey({ billingKeyId: key.id, amount: 1_000, orderName: 'log check' });
    await this.paidCardPayment(1_000);
    const billingKeys = sim.requests
      .filter((r) => r.method === 'POST' && /^\/v1\/billing\/[^/]+$/.test(r.path) && !r.path.includes('authorizations'))
      .map((r) => decodeURIComponent(r.path.split('/').pop() ?? ''));
    const rawColumns = JSON.stringify(
      await shop.dataSource.query(
        `SELECT raw FROM payments UNION ALL SELECT raw FROM payment_cancels UNION ALL SELECT raw FROM billing_keys
         UNION ALL SELECT raw FROM cash_receipts UNION ALL SELECT payload FROM webhook_events`,
      ),
    );
    const logs = this.logger.text();
    expect(logs.length).toBeGreaterThan(0);
    const basic = Buffer.from(`${TOSS_TEST_SECRET_KEY}:`).toString('base64');
    for (const haystack of [logs, rawColumns]) {
      expect(haystack).not.toContain(TOSS_TEST_SECRET_KEY);
      expect(haystack).not.toContain(basic);
      expect(haystack).not.toContain('4330123412341234');
      expect(haystack).not.toContain(auth.authKey);
      for (const billingKey of billingKeys) expect(haystack).not.toContain(billingKey);
    }
  }
}
