import type { PreparedPayment } from 'nestjs-kr-payments';
import {
  KISPG_TEST_MERCHANT_KEY,
  KISPG_TEST_MID,
  KispgSimulator,
  type KispgSimulatorOptions,
} from 'nestjs-kr-payments/testing';
import type { KispgGateway } from '../../../libs/payments/src/gateways/kispg/kispg.gateway';
import { createKispgGateway } from '../../../libs/payments/src/gateways/kispg/kispg.module';
import type { KispgGatewayOptions } from '../../../libs/payments/src/gateways/kispg/kispg.types';
import { CapturingLogger } from '../../support/logger';

/*
 * Shared set-up of the KISPG adapter specs: one simulator and one adapter per spec file, talking over loopback HTTP
 * without the core, and the browser leg (prepare → window → return body) the tests start from.
 */

export const customer = { name: '김키스', phone: '010-1234-5678', email: 'kim@example.com' };
/** The adapter's clock in most tests: real time (the simulator checks the ediDate window against its own clock). */
export const clock = { now: () => new Date() };

/** Adapter options against a simulator; the simulator's invented codes mapped as a merchant would map KISPG's. */
export function kispgAdapterOptions(
  baseUrl: string,
  overrides: Partial<KispgGatewayOptions> = {},
): KispgGatewayOptions {
  return {
    mid: KISPG_TEST_MID,
    merchantKey: KISPG_TEST_MERCHANT_KEY,
    baseUrl,
    timeouts: { connectMs: 1_000, readMs: 1_500 },
    webhookAllowedSources: [],
    resultCodeCategories: { SIM2: 'configuration', SIM3: 'configuration', SIM5: 'not-found' },
    logBodies: true,
    ...overrides,
  } as KispgGatewayOptions;
}

/** What a spec file may change in the shared set-up: one clock for the simulator and the adapter, other options. */
export interface KispgAdapterSetup {
  clock?: { now(): Date };
  adapter?: Partial<KispgGatewayOptions>;
  simulator?: KispgSimulatorOptions;
}

export interface KispgAdapterHarness {
  /** Set in beforeAll. */
  sim: KispgSimulator;
  /** Set in beforeAll. */
  gateway: KispgGateway;
  logger: CapturingLogger;
  options(overrides?: Partial<KispgGatewayOptions>): KispgGatewayOptions;
  nextOrderId(): string;
  /** prepare → the simulated window: the return body KISPG would POST, and the payment as the core would hold it. */
  authenticated(amount: number, method?: string, chosen?: 'CARD' | 'BANK' | 'VACNT'): Promise<Authenticated>;
  /** `authenticated`, then approved; `prepared` carries the method and tid the core would store. */
  approved(amount: number, method?: string, chosen?: 'CARD' | 'BANK' | 'VACNT'): Promise<Approved>;
}

type Authenticated = {
  orderId: string;
  checkout: Awaited<ReturnType<KispgGateway['prepare']>>;
  returned: Record<string, string>;
  prepared: PreparedPayment;
};
type Approved = Authenticated & {
  input: ReturnType<KispgGateway['confirmInputFromReturn']>;
  truth: Awaited<ReturnType<KispgGateway['approve']>>;
};

/** Starts the simulator and the adapter before the spec file's tests and stops them after. */
export function useKispgAdapter(setup: KispgAdapterSetup = {}): KispgAdapterHarness {
  let seq = 0;
  const harness: KispgAdapterHarness = {
    sim: undefined as unknown as KispgSimulator,
    gateway: undefined as unknown as KispgGateway,
    logger: new CapturingLogger(),
    options: (overrides = {}) => kispgAdapterOptions(harness.sim.url, { ...setup.adapter, ...overrides }),
    nextOrderId: () => `kord_${Date.now().toString(36)}_${++seq}`,
    authenticated: async (amount, method, chosen) => {
      const orderId = harness.nextOrderId();
      const checkout = await harness.gateway.prepare({
        paymentId: `p-${orderId}`,
        orderId,
        amount,
        taxFreeAmount: 0,
        orderName: '키스 머그컵',
        method,
        customer,
        returnUrl: 'https://shop.example/kispg/return',
      });
      const returned = harness.sim.authenticate(
        checkout.fields as Record<string, string>,
        chosen ? { payMethod: chosen } : {},
      );
      const prepared: PreparedPayment = {
        paymentId: `p-${orderId}`,
        gateway: 'kispg',
        orderId,
        amount,
        taxFreeAmount: 0,
        orderName: '키스 머그컵',
        method: method ?? null,
      };
      return { orderId, checkout, returned, prepared };
    },
    approved: async (amount, method, chosen) => {
      const auth = await harness.authenticated(amount, method, chosen);
      const input = harness.gateway.confirmInputFromReturn(auth.returned);
      const truth = await harness.gateway.approve({
        prepared: auth.prepared,
        input,
        idempotencyKey: `confirm:${auth.prepared.paymentId}`,
      });
      return {
        ...auth,
        input,
        truth,
        prepared: { ...auth.prepared, method: truth.method ?? null, gatewayPaymentKey: truth.paymentKey },
      };
    },
  };
  beforeAll(async () => {
    harness.sim = await KispgSimulator.start({
      ...setup.simulator,
      port: 0,
      clock: setup.clock ?? setup.simulator?.clock,
    });
    harness.gateway = createKispgGateway(harness.options(), { logger: harness.logger, clock: setup.clock ?? clock });
  });
  afterAll(async () => {
    await harness.gateway?.close();
    await harness.sim?.stop();
  });
  return harness;
}
