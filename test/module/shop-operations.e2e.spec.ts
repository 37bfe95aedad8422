import { TossSimulator } from 'nestjs-kr-payments/testing';
import { DataSource } from 'typeorm';
import { bootShopApp, type ShopHttpApp } from '../support/shop-app';

/** The example shop's operations routes: GET /health (terminus over PaymentsHealth) and GET /metrics. */
describe('example shop: /health and /metrics', () => {
  let toss: TossSimulator;
  let shop: ShopHttpApp;

  beforeAll(async () => {
    toss = await TossSimulator.start({ port: 0 });
    shop = await bootShopApp(toss);
  });
  afterAll(async () => {
    await shop?.close();
    await toss?.stop();
  });

  it('answers 200 with the payments indicator up, and 503 naming the migration when the schema is behind', async () => {
    const healthy = await fetch(`${shop.url}/health`);
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toMatchObject({
      status: 'ok',
      info: {
        payments: {
          status: 'up',
          database: { status: 'up' },
          migrations: { status: 'up', pending: [] },
          gateways: { toss: { status: 'unknown' } },
        },
      },
    });

    const dataSource = shop.app.get(DataSource);
    const [{ name, timestamp }] = await dataSource.query(
      `SELECT "name", "timestamp" FROM "migrations" ORDER BY "id" DESC LIMIT 1`,
    );
    await dataSource.query(`DELETE FROM "migrations" WHERE "name" = $1`, [name]);
    try {
      const behind = await fetch(`${shop.url}/health`);
      expect(behind.status).toBe(503);
      expect(await behind.json()).toMatchObject({
        status: 'error',
        error: { payments: { status: 'down', migrations: { status: 'down', pending: [name] } } },
      });
    } finally {
      await dataSource.query(`INSERT INTO "migrations" ("timestamp", "name") VALUES ($1, $2)`, [timestamp, name]);
    }
  });

  it('serves the library registry in Prometheus text, a gateway call counted once it happened', async () => {
    const orderId = `ops-shop-${Date.now()}`;
    const prepared = await fetch(`${shop.url}/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        gateway: 'toss',
        orderId,
        amount: 5_000,
        orderName: '운영 상품',
        returnUrl: 'https://shop.example/pay/success',
        failUrl: 'https://shop.example/pay/fail',
      }),
    });
    expect(prepared.status).toBeLessThan(300);
    const { paymentKey } = toss.authenticatePayment({ orderId, amount: 5_000, orderName: '운영 상품' });
    const confirmed = await fetch(`${shop.url}/checkout/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId, amount: 5_000, paymentKey }),
    });
    expect(confirmed.status).toBe(200);

    const metrics = await fetch(`${shop.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    expect(text).toMatch(/kr_payments_gateway_calls_total\{gateway="toss",operation="[^"]+",outcome="answered"\} 1/);
    expect(text).toContain('kr_payments_payment_transitions_total{gateway="toss",from="IN_PROGRESS",to="PAID"} 1');
    expect(text).toContain('kr_payments_repair_backlog{kind="payment"} 0');
  });
});
