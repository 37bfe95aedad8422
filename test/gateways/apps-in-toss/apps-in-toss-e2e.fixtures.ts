import { GatewayRegistry, Payment, type AppsInTossGateway } from 'nestjs-kr-payments';
import {
  APPS_IN_TOSS_TEST_USER_KEY,
  AppsInTossSimulator,
  createTestPki,
  type TestPki,
} from 'nestjs-kr-payments/testing';
import { bootPaymentsApp, CapturingLogger, TEST_ENCRYPTION, type ShopApp } from '../../support/harness';

/*
 * Shared setup of the end-to-end specs: real PostgreSQL, the library in a Nest app, the simulator over real mTLS on
 * 127.0.0.1 (docs/gateways/apps-in-toss.md#flows).
 */

export const PAY = '/api-partner/v1/apps-in-toss/pay';
export const USER_KEY = APPS_IN_TOSS_TEST_USER_KEY;

export interface ShopWorld {
  pki: TestPki;
  sim: AppsInTossSimulator;
  shop: ShopApp;
}

/**
 * One simulator and one app per spec file: `start()` in `beforeAll`, `stop()` in `afterAll`. The helpers work on what
 * `start()` created.
 */
export function shopAgainstSimulator() {
  let world: ShopWorld;
  const logger = new CapturingLogger();
  let seq = 0;

  const gatewayOptions = (url: string) => ({
    // the escaped one-line env form for the key, plain PEM for the rest (both accepted)
    tlsCert: world.pki.clientCert,
    tlsKey: world.pki.clientKey.trim().replace(/\n/g, '\\n'),
    ca: world.pki.caCert,
    payBaseUrl: url,
    testPayment: true,
    timeouts: { connectMs: 2_000, readMs: 3_000 },
    logBodies: true, // the secrets test reads the bodies too
  });

  async function start(): Promise<ShopWorld> {
    const pki = await createTestPki();
    const sim = await AppsInTossSimulator.start({ port: 0, pki });
    world = { pki, sim, shop: undefined as unknown as ShopApp };
    world.shop = await bootPaymentsApp(
      { gateways: { appsInToss: gatewayOptions(sim.url) }, encryption: TEST_ENCRYPTION },
      'useFactory',
      logger,
    );
    return world;
  }

  async function stop(): Promise<void> {
    await world?.shop?.close();
    await world?.sim?.stop();
  }

  const nextOrderId = () => `ait_${Date.now().toString(36)}_${++seq}`;
  const gateway = () => world.shop.app.get(GatewayRegistry).get('appsInToss') as AppsInTossGateway;
  const rowsOf = (orderId: string) => world.shop.dataSource.manager.find(Payment, { where: { orderId } });

  async function prepared(amount: number, orderName = '앱인토스 굿즈 세트') {
    const orderId = nextOrderId();
    const result = await world.shop.payments.prepare({
      gateway: 'appsInToss',
      orderId,
      amount,
      orderName,
      customer: { customerKey: USER_KEY },
    });
    return { orderId, payToken: result.checkout.paymentKey as string, ...result };
  }

  return { logger, start, stop, gatewayOptions, nextOrderId, gateway, rowsOf, prepared };
}
