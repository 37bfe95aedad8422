import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  APPS_IN_TOSS_TEST_USER_KEY,
  AppsInTossSimulator,
  createTestPki,
  type TestPki,
} from '../../../libs/testing/src/apps-in-toss';
import {
  AppsInTossGatewayModule,
  createAppsInTossGateway,
} from '../../../libs/payments/src/gateways/apps-in-toss/apps-in-toss.module';
import type { AppsInTossGateway } from '../../../libs/payments/src/gateways/apps-in-toss/apps-in-toss.gateway';
import { AppsInTossGatewayOptions } from '../../../libs/payments/src/gateways/apps-in-toss/apps-in-toss.types';
import type { PreparedPayment } from '../../../libs/payments/src/gateways/gateway.port';
import { CapturingLogger } from '../../support/logger';

/*
 * Shared setup of the adapter specs: the adapter, built the way the module builds it, against the simulator over real
 * mTLS on 127.0.0.1 (docs/gateways/apps-in-toss.md#authentication).
 */

export const PAY = '/api-partner/v1/apps-in-toss/pay';
export const USER_KEY = APPS_IN_TOSS_TEST_USER_KEY;

export interface AdapterWorld {
  pki: TestPki;
  sim: AppsInTossSimulator;
  gateway: AppsInTossGateway;
}

/**
 * One simulator and one adapter per spec file: `start()` in `beforeAll`, `stop()` in `afterAll`. The helpers work on
 * what `start()` created.
 */
export function adapterAgainstSimulator() {
  let world: AdapterWorld;
  const logger = new CapturingLogger();
  let seq = 0;

  function createGateway(
    url: string,
    credentials: { cert: string; key: string },
    extra: Record<string, unknown> = {},
  ): AppsInTossGateway {
    const options = plainToInstance(AppsInTossGatewayOptions, {
      tlsCert: credentials.cert,
      tlsKey: credentials.key,
      ca: world.pki.caCert,
      payBaseUrl: url,
      testPayment: true,
      timeouts: { connectMs: 2_000, readMs: 3_000 },
      logBodies: true, // the secrets tests read the bodies too
      ...extra,
    });
    expect(validateSync(options, { whitelist: true, forbidNonWhitelisted: true })).toEqual([]);
    expect(AppsInTossGatewayModule.validateOptions(options)).toEqual([]);
    return createAppsInTossGateway(options, { logger, clock: { now: () => new Date() } });
  }

  async function start(): Promise<AdapterWorld> {
    const pki = await createTestPki();
    const sim = await AppsInTossSimulator.start({ port: 0, pki });
    world = { pki, sim, gateway: undefined as unknown as AppsInTossGateway };
    world.gateway = createGateway(sim.url, { cert: pki.clientCert, key: pki.clientKey });
    return world;
  }

  async function stop(): Promise<void> {
    await world?.gateway?.close();
    await world?.sim?.stop();
  }

  const nextOrderId = () => `ait-${Date.now().toString(36)}-${++seq}`;
  const prepared = (orderId: string, amount: number, payToken: string | null): PreparedPayment => ({
    paymentId: `pay-${orderId}`,
    gateway: 'appsInToss',
    orderId,
    amount,
    taxFreeAmount: 0,
    orderName: '앱인토스 머그컵',
    gatewayPaymentKey: payToken,
    customer: { customerKey: USER_KEY },
  });

  async function preparedAndAuthenticated(
    amount: number,
    auth: { payMethod?: 'CARD' | 'TOSS_MONEY'; discountedAmount?: number } = {},
  ) {
    const orderId = nextOrderId();
    const checkout = await world.gateway.prepare({
      paymentId: `pay-${orderId}`,
      orderId,
      amount,
      taxFreeAmount: 0,
      orderName: '앱인토스 머그컵',
      customer: { customerKey: USER_KEY },
    });
    const payToken = checkout.paymentKey as string;
    world.sim.authenticate(payToken, auth);
    return { orderId, payToken, checkout, prepared: prepared(orderId, amount, payToken) };
  }

  return { logger, start, stop, createGateway, nextOrderId, prepared, preparedAndAuthenticated };
}
