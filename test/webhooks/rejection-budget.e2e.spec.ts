import { WebhookEvent } from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { bootPaymentsApp, TEST_ENCRYPTION, type ShopApp } from '../support/harness';

/**
 * A source whose deliveries keep being rejected spends its budget (`webhooks.rejectedPerSource`) and is then answered
 * 429 before anything is parsed, stored or read back. The budget is per source: behind a trusted proxy each forwarded
 * address has its own, and a gateway's allowed source is not charged for someone else's forgeries.
 */
describe('webhook rejection budget', () => {
  let sim: TossSimulator;
  let shop: ShopApp;

  beforeAll(async () => {
    sim = await TossSimulator.start({ port: 0 });
    shop = await bootPaymentsApp({
      gateways: { toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: sim.url } },
      encryption: TEST_ENCRYPTION,
      webhooks: {
        // The app is reached over loopback: 127.0.0.1 is the load balancer, X-Forwarded-For names the sender.
        trustedProxies: ['127.0.0.1'],
        ipAllowlist: { toss: ['198.51.100.7'] },
        rejectedPerSource: { burst: 3, perMinute: 1 },
      },
    });
  });

  afterAll(async () => {
    await shop?.close();
    await sim?.stop();
  });

  const post = (from: string, body: string) =>
    fetch(`${shop.url}/payments/webhooks/toss`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
      body,
    }).then((response) => response.status);

  const forged = JSON.stringify({ eventType: 'PAYMENT_STATUS_CHANGED', data: { orderId: 'x', status: 'DONE' } });

  it('answers 429 once a source has spent its budget, and keeps other sources apart', async () => {
    const attacker = [];
    for (let i = 0; i < 6; i++) attacker.push(await post('203.0.113.50', forged));
    expect(attacker).toEqual([403, 403, 403, 429, 429, 429]);

    // Another sender still gets its own answers; the allowed source is untouched by the attacker's rejections.
    expect(await post('203.0.113.51', forged)).toBe(403);
    const malformed = await post('198.51.100.7', '{"eventType": 1}');
    expect(malformed).toBeGreaterThanOrEqual(400);
    expect(malformed).toBeLessThan(500);
    expect(malformed).not.toBe(429);
    expect(await shop.dataSource.manager.count(WebhookEvent)).toBe(0);
    expect(sim.requestsTo('GET', '/v1/payments/x')).toHaveLength(0);
  });

  it('refuses a budget that is not { burst, perMinute } of positive integers, naming the field', async () => {
    await expect(
      bootPaymentsApp({
        gateways: { toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: sim.url } },
        encryption: TEST_ENCRYPTION,
        webhooks: { rejectedPerSource: { burst: 0, perMinute: 1.5 } },
      }),
    ).rejects.toThrow(
      /webhooks\.rejectedPerSource\.burst.*[\s\S]*webhooks\.rejectedPerSource\.perMinute|perMinute[\s\S]*burst/,
    );
  });
});
