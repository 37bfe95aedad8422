import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  PAYMENTS_ENTITIES,
  PAYMENTS_MIGRATIONS,
  PaymentsModule,
  WebhookEvent,
  type PaymentsModuleOptions,
} from 'nestjs-kr-payments';
import {
  KISPG_TEST_MERCHANT_KEY,
  KISPG_TEST_MID,
  NICEPAY_TEST_CLIENT_ID,
  NICEPAY_TEST_SECRET_KEY,
  TOSS_TEST_CLIENT_KEY,
  TOSS_TEST_SECRET_KEY,
  TossSimulator,
} from 'nestjs-kr-payments/testing';
import { createTestDatabase } from '../../libs/testing/src/postgres/test-database';
import { bootPaymentsApp, CapturingLogger, TEST_ENCRYPTION, URLS, type ShopApp } from '../support/harness';

/** One of Toss's published webhook sources (docs/gateways/toss.md#source-addresses). */
const TOSS_IP = '13.124.18.147';
const ATTACKER_IP = '203.0.113.9';

/**
 * Where a delivery came from is decided without Express's `trust proxy` (libs/payments/src/webhooks/source-address.ts):
 * the TCP peer, or X-Forwarded-For only when that peer is one of `webhooks.trustedProxies`, read from the right.
 * Every app here is reached over loopback, so the peer is 127.0.0.1.
 */
describe('webhook source trust', () => {
  let sim: TossSimulator;
  let seq = 0;

  beforeAll(async () => {
    sim = await TossSimulator.start({ port: 0 });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  const tossOptions = (webhooks: PaymentsModuleOptions['webhooks']): PaymentsModuleOptions => ({
    gateways: { toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: sim.url } },
    encryption: TEST_ENCRYPTION,
    webhooks,
  });

  /** A paid card payment and the PAYMENT_STATUS_CHANGED body Toss would send about it. */
  async function paidDelivery(shop: ShopApp): Promise<string> {
    const orderId = `src_${Date.now().toString(36)}_${++seq}`;
    await shop.payments.prepare({ ...URLS, gateway: 'toss', orderId, amount: 10_000, orderName: 'source' });
    const { paymentKey } = sim.authenticatePayment({ orderId, amount: 10_000, orderName: 'source' });
    await shop.payments.confirm({ gateway: 'toss', orderId, amount: 10_000, paymentKey });
    return JSON.stringify({ eventType: 'PAYMENT_STATUS_CHANGED', createdAt: '', data: sim.getPayment(paymentKey) });
  }

  const post = (shop: ShopApp, body: string, forwardedFor?: string) =>
    fetch(`${shop.url}/payments/webhooks/toss`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
      body,
    });

  it('a spoofed X-Forwarded-For never passes an allowlist of one Toss address, whatever `trust proxy` says', async () => {
    const options = tossOptions({ ipAllowlist: { toss: [TOSS_IP] } });
    // NicePay and KISPG keep their default lists (their published addresses), which loopback is not on either.
    options.gateways.nicepay = {
      clientId: NICEPAY_TEST_CLIENT_ID,
      secretKey: NICEPAY_TEST_SECRET_KEY,
      baseUrl: 'http://127.0.0.1:9',
    };
    options.gateways.kispg = {
      mid: KISPG_TEST_MID,
      merchantKey: KISPG_TEST_MERCHANT_KEY,
      baseUrl: 'http://127.0.0.1:9',
    };
    const shop = await bootPaymentsApp(options);
    try {
      const body = await paidDelivery(shop);
      const express = shop.app.getHttpAdapter().getInstance() as { set(name: string, value: unknown): void };
      const published: Array<[string, string]> = [
        ['toss', TOSS_IP],
        ['nicepay', '121.133.126.86'],
        ['kispg', '1.233.179.201'],
      ];
      // true, a hop count and 'loopback' all make Express's req.ip the forged address for a loopback peer.
      for (const setting of [false, true, 1, 'loopback']) {
        express.set('trust proxy', setting);
        for (const [gateway, ip] of published) {
          for (const forwardedFor of [ip, `${ATTACKER_IP}, ${ip}`]) {
            const response = await fetch(`${shop.url}/payments/webhooks/${gateway}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
              body,
            });
            expect([setting, gateway, forwardedFor, response.status]).toEqual([setting, gateway, forwardedFor, 403]);
          }
        }
      }
      expect(await shop.dataSource.manager.count(WebhookEvent)).toBe(0);
    } finally {
      await shop.close();
    }
  });

  it('behind a trusted proxy, the right-most address that is not a trusted proxy is the source', async () => {
    const shop = await bootPaymentsApp(
      tossOptions({ ipAllowlist: { toss: [TOSS_IP] }, trustedProxies: ['127.0.0.1', '10.0.0.0/8'] }),
    );
    try {
      const body = await paidDelivery(shop);
      // Our proxy saw the request come from Toss.
      expect((await post(shop, body, TOSS_IP)).status).toBe(200);
      // An attacker who sent their own header: our proxy appended the real peer, the attacker's entry is ignored.
      expect((await post(shop, body, `${TOSS_IP}, ${ATTACKER_IP}`)).status).toBe(403);
      expect((await post(shop, body, `${ATTACKER_IP}, ${TOSS_IP}, 10.0.0.7`)).status).toBe(200);
      // The proxy itself, or a header that is not an address, is not Toss.
      expect((await post(shop, body)).status).toBe(403);
      expect((await post(shop, body, 'unknown')).status).toBe(403);
      const events = await shop.dataSource.manager.find(WebhookEvent);
      expect(events.map((e) => [e.verification, e.status])).toEqual([['read-back', 'PROCESSED']]);
      // The inbox keeps the address the guard decided on, not Express's req.ip (the proxy).
      expect(events.map((e) => e.sourceIp)).toEqual([TOSS_IP]);
    } finally {
      await shop.close();
    }
  });

  it('refuses trusted proxies that are not addresses at boot, naming the option', async () => {
    await expect(bootPaymentsApp(tossOptions({ trustedProxies: ['10.0.0.0/99', 'proxy.local'] }))).rejects.toThrow(
      /webhooks\.trustedProxies: 10\.0\.0\.0\/99: prefix must be 0–32[\s\S]*webhooks\.trustedProxies: proxy\.local/,
    );
  });

  it('warns once per gateway at boot when its allowlist is turned off; the shipped defaults say nothing', async () => {
    const logger = new CapturingLogger();
    const options = tossOptions({ ipAllowlist: { toss: [] } });
    options.gateways.nicepay = {
      clientId: NICEPAY_TEST_CLIENT_ID,
      secretKey: NICEPAY_TEST_SECRET_KEY,
      baseUrl: 'http://127.0.0.1:9',
      webhookAllowedSources: [],
    };
    options.gateways.kispg = {
      mid: KISPG_TEST_MID,
      merchantKey: KISPG_TEST_MERCHANT_KEY,
      baseUrl: 'http://127.0.0.1:9',
    };
    const shop = await bootPaymentsApp(options, 'forRoot', logger);
    try {
      const warnings = logger.at('warn').filter((message) => message.includes('from any source address'));
      expect(warnings.map((message) => message.split(' ')[0]).sort()).toEqual(['nicepay', 'toss']);
      // Opted out: loopback (or anyone) is accepted, and authenticated by content alone.
      expect((await post(shop, await paidDelivery(shop))).status).toBe(200);
    } finally {
      await shop.close();
    }
  });

  it('warns once, on the first delivery, when the app was created without rawBody', async () => {
    const logger = new CapturingLogger();
    const database = await createTestDatabase();
    @Module({
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: database.url,
          entities: [...PAYMENTS_ENTITIES],
          migrations: [...PAYMENTS_MIGRATIONS],
          migrationsRun: true,
          logging: false,
          retryAttempts: 0,
        }),
        PaymentsModule.forRoot(tossOptions({ ipAllowlist: { toss: ['127.0.0.1'] } })),
      ],
    })
    class NoRawBodyAppModule {}
    const app = await NestFactory.create(NoRawBodyAppModule, { logger, abortOnError: false });
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}/payments/webhooks/toss`;
    try {
      const rawBodyWarnings = () => logger.at('warn').filter((message) => message.includes('rawBody: true'));
      expect(rawBodyWarnings()).toEqual([]);
      for (let i = 0; i < 3; i++) {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ eventType: 'METHOD_UPDATED', createdAt: '', data: { customerKey: `c${i}` } }),
        });
        expect(response.status).toBe(200);
      }
      expect(rawBodyWarnings()).toHaveLength(1);
    } finally {
      await app.close();
      await database.drop();
    }
  });
});
