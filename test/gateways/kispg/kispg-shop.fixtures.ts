import { Payment, WebhookEvent, type KispgGatewayOptions, type PaymentView } from 'nestjs-kr-payments';
import { KISPG_TEST_MERCHANT_KEY, KISPG_TEST_MID, KispgSimulator, ManualClock } from 'nestjs-kr-payments/testing';
import { bootPaymentsApp, TEST_ENCRYPTION, type ShopApp } from '../../support/harness';
import { CapturingLogger } from '../../support/logger';

/*
 * Shared set-up of the KISPG end-to-end specs: real PostgreSQL, the library in a real Nest app, the KISPG simulator
 * over loopback HTTP delivering its notifications to the app, and the browser leg the tests start from.
 */

export const customer = { name: '김키스', phone: '01012345678', email: 'kim@example.com' };

export interface KispgShopHarness {
  /** Set in beforeAll. */
  sim: KispgSimulator;
  /** Set in beforeAll. */
  shop: ShopApp;
  /** The simulator's clock: real time unless a test moves it (reset before each test). */
  simClock: ManualClock;
  logger: CapturingLogger;
  gatewayOptions(): KispgGatewayOptions;
  nextOrderId(): string;
  /** prepare → the simulated window: the READY row and the body KISPG POSTs to returnUrl. */
  windowReturn(amount: number, method?: string, orderName?: string): Promise<WindowReturn>;
  /** `windowReturn`, then confirmReturn. */
  paid(amount: number): Promise<WindowReturn>;
  rowOf(id: string): Promise<Payment>;
  eventsFor(orderId: string): Promise<WebhookEvent[]>;
  /** POSTs a notification form to an app's KISPG webhook route. */
  postNotification(url: string, fields: Record<string, string>): Promise<Response>;
}

type WindowReturn = {
  orderId: string;
  payment: PaymentView;
  checkout: Awaited<ReturnType<ShopApp['payments']['prepare']>>['checkout'];
  returned: Record<string, string>;
};

/** Boots the simulator and the app before the spec file's tests and closes them after. */
export function useKispgShop(): KispgShopHarness {
  let seq = 0;
  const harness: KispgShopHarness = {
    sim: undefined as unknown as KispgSimulator,
    shop: undefined as unknown as ShopApp,
    simClock: new ManualClock(new Date()),
    logger: new CapturingLogger(),
    gatewayOptions: () => ({
      mid: KISPG_TEST_MID,
      merchantKey: KISPG_TEST_MERCHANT_KEY,
      baseUrl: harness.sim.url,
      timeouts: { connectMs: 1_000, readMs: 1_500 },
      webhookAllowedSources: [],
      // The simulator's invented codes (docs/gateways/kispg.md#simulator-inventions): a hash or ediDate refusal is our
      // configuration, not the buyer's.
      resultCodeCategories: { SIM2: 'configuration', SIM3: 'configuration', SIM5: 'not-found' },
      logBodies: true,
    }),
    nextOrderId: () => `kispg_${Date.now().toString(36)}_${++seq}`,
    windowReturn: async (amount, method = 'CARD', orderName = '키스 머그컵') => {
      const orderId = harness.nextOrderId();
      const { payment, checkout } = await harness.shop.payments.prepare({
        gateway: 'kispg',
        orderId,
        amount,
        orderName,
        method,
        customer,
        returnUrl: 'https://shop.example/kispg/return',
      });
      const returned = harness.sim.authenticate(checkout.fields as Record<string, string>);
      return { orderId, payment, checkout, returned };
    },
    paid: async (amount) => {
      const flow = await harness.windowReturn(amount);
      const payment = await harness.shop.payments.confirmReturn('kispg', flow.returned);
      return { ...flow, payment };
    },
    rowOf: (id) => harness.shop.dataSource.manager.findOneByOrFail(Payment, { id }),
    eventsFor: (orderId) =>
      harness.shop.dataSource.manager.find(WebhookEvent, { where: { gateway: 'kispg', orderId } }),
    postNotification: (url, fields) =>
      fetch(`${url}/payments/webhooks/kispg`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      }),
  };
  beforeAll(async () => {
    harness.sim = await KispgSimulator.start({ port: 0, clock: harness.simClock });
    harness.shop = await bootPaymentsApp(
      { gateways: { kispg: harness.gatewayOptions() }, encryption: TEST_ENCRYPTION },
      'useFactory',
      harness.logger,
    );
    harness.sim.setNotifyUrl(`${harness.shop.url}/payments/webhooks/kispg`);
  });
  afterAll(async () => {
    await harness.shop?.close();
    await harness.sim?.stop();
  });
  // The simulator's clock follows real time unless a test moves it (its ediDate window is ±10 min / +1 min).
  beforeEach(() => harness.simClock.set(new Date()));
  return harness;
}
