import type { PreparedPayment } from '../../../libs/payments/src/gateways/gateway.port';
import { GatewayHttpClient } from '../../../libs/payments/src/gateways/http/gateway-http-client';
import {
  NicePayClient,
  NICEPAY_SENSITIVE_KEYS,
  type NicePayHttpTransport,
} from '../../../libs/payments/src/gateways/nicepay/nicepay.client';
import { NicePayGateway } from '../../../libs/payments/src/gateways/nicepay/nicepay.gateway';
import { NicePayGatewayModule } from '../../../libs/payments/src/gateways/nicepay/nicepay.module';
import {
  NicePayGatewayOptions,
  resolveNicePayOptions,
} from '../../../libs/payments/src/gateways/nicepay/nicepay.types';
import { NICEPAY_TEST_CLIENT_ID, NICEPAY_TEST_SECRET_KEY, NicePaySimulator } from 'nestjs-kr-payments/testing';
import { CapturingLogger } from '../../support/logger';

export const RETURN_URL = 'https://shop.example/pay/nicepay/return';
export const TOKEN_CLIENT_ID = 'S2_0b5c1d6a2e7f48a39c1d2e3f4a5b6c7d';
export const TOKEN_SECRET_KEY = '0123456789abcdef0123456789abcdef';
const clock = { now: () => new Date() };

/**
 * The NicePay adapter against the NicePay simulator over loopback HTTP (no database): one simulator (a Basic key and a
 * Token key) and one default adapter per describe block that calls this, started before its tests and stopped after.
 */
export function useNicePayAdapter() {
  let sim: NicePaySimulator;
  let gateway: NicePayGateway;
  const logger = new CapturingLogger();
  let seq = 0;

  function makeGateway(
    values: Partial<NicePayGatewayOptions> = {},
    transport?: (http: GatewayHttpClient) => NicePayHttpTransport,
  ): NicePayGateway {
    const options = Object.assign(new NicePayGatewayOptions(), {
      clientId: NICEPAY_TEST_CLIENT_ID,
      secretKey: NICEPAY_TEST_SECRET_KEY,
      baseUrl: sim.url,
      timeouts: { connectMs: 1_000, readMs: 1_000 },
      webhookAllowedSources: [],
      logBodies: true,
      ...values,
    });
    if (!transport) return NicePayGatewayModule.createGateway(options, { logger, clock });
    const resolved = resolveNicePayOptions(options);
    const http = new GatewayHttpClient({
      gateway: 'nicepay',
      baseUrl: resolved.baseUrl,
      logger,
      sensitiveKeys: NICEPAY_SENSITIVE_KEYS,
      timeouts: resolved.timeouts,
    });
    const client = new NicePayClient(transport(http), { ...resolved, clock });
    return new NicePayGateway(resolved, { client, clock, logger, closeTransport: () => http.close() });
  }

  beforeAll(async () => {
    sim = await NicePaySimulator.start({
      port: 0,
      keys: [
        { clientId: NICEPAY_TEST_CLIENT_ID, secretKey: NICEPAY_TEST_SECRET_KEY, authType: 'basic', model: 'server' },
        { clientId: TOKEN_CLIENT_ID, secretKey: TOKEN_SECRET_KEY, authType: 'token', model: 'server' },
      ],
    });
    gateway = makeGateway();
  });

  afterAll(async () => {
    await gateway?.close();
    await sim?.stop();
  });

  const nextOrderId = () => `np_${Date.now().toString(36)}_${++seq}`;

  function prepared(orderId: string, amount: number): PreparedPayment {
    return {
      paymentId: `pay-${orderId}`,
      gateway: 'nicepay',
      orderId,
      amount,
      taxFreeAmount: 0,
      orderName: '나이스 티셔츠',
    };
  }

  /** prepare → simulated window → the ConfirmInput the service would build from the returnUrl POST. */
  async function authenticated(
    amount = 10_000,
    method: 'CARD' | 'VIRTUAL_ACCOUNT' = 'CARD',
    target = gateway,
    clientId = NICEPAY_TEST_CLIENT_ID,
  ) {
    const orderId = nextOrderId();
    const checkout = await target.prepare({
      paymentId: `pay-${orderId}`,
      orderId,
      amount,
      taxFreeAmount: 0,
      orderName: '나이스 티셔츠',
      method,
      customer: { name: '김나이스' },
      returnUrl: RETURN_URL,
    });
    const fields = checkout.fields as Record<string, string | number>;
    const posted = sim.authenticate({
      clientId,
      orderId,
      amount,
      method: String(fields['method']),
      goodsName: String(fields['goodsName']),
      returnUrl: RETURN_URL,
      vbankHolder: fields['vbankHolder'] as string | undefined,
    });
    return { orderId, posted, input: target.confirmInputFromReturn(posted), prepared: prepared(orderId, amount) };
  }

  return {
    get sim(): NicePaySimulator {
      return sim;
    },
    get gateway(): NicePayGateway {
      return gateway;
    },
    logger,
    makeGateway,
    nextOrderId,
    authenticated,
  };
}
