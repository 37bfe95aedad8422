import { PaymentOutcomeUnknownError, PaymentsHealth, type RepairResult } from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { bootPaymentsApp, TEST_ENCRYPTION, URLS, type ShopApp } from '../support/harness';

/** Health and metrics as an operator reads them: what each gateway's calls did, the schema, the repair backlog. */
describe('operations: PaymentsHealth and the Prometheus registry', () => {
  let sim: TossSimulator;
  let shop: ShopApp;
  let health: PaymentsHealth;
  let seq = 0;

  beforeAll(async () => {
    sim = await TossSimulator.start({ port: 0 });
    shop = await bootPaymentsApp({
      gateways: {
        toss: {
          secretKey: TOSS_TEST_SECRET_KEY,
          clientKey: TOSS_TEST_CLIENT_KEY,
          baseUrl: sim.url,
          timeouts: { connectMs: 1_000, readMs: 1_000, slowReadMs: 1_000 },
        },
      },
      encryption: TEST_ENCRYPTION,
      // No margin on top of the gateway's longest call: the repair test need not wait 30 s.
      jobs: { repair: { marginMs: 0 } },
    });
    health = shop.app.get(PaymentsHealth);
  });
  afterAll(async () => {
    await shop?.close();
    await sim?.stop();
  });

  const pay = async (fault?: Parameters<TossSimulator['failNext']>[1]) => {
    const orderId = `ops-${Date.now()}-${++seq}`;
    const { payment } = await shop.payments.prepare({
      gateway: 'toss',
      orderId,
      amount: 3_000,
      orderName: '운영',
      ...URLS,
    });
    const { paymentKey } = sim.authenticatePayment({ orderId, amount: 3_000, orderName: '운영' });
    if (fault) sim.failNext({ method: 'POST', path: '/v1/payments/confirm' }, fault);
    const outcome = await shop.payments
      .confirm({ gateway: 'toss', orderId, amount: 3_000, paymentKey })
      .catch((error: unknown) => error);
    return { payment, outcome };
  };

  it('reports each gateway by its last call, and counts calls and latency per outcome in Prometheus text', async () => {
    const before = await health.check();
    expect(before).toMatchObject({
      status: 'up',
      database: { status: 'up' },
      migrations: { status: 'up', pending: [] },
      gateways: { toss: { status: 'unknown', lastCall: null } },
      outboxLagSeconds: null,
      repairBacklog: { payments: 0, cancels: 0 },
    });

    await pay();
    const answered = await health.check();
    expect(answered.gateways.toss).toMatchObject({
      status: 'up',
      lastCall: { outcome: 'answered', status: 200 },
      counts: { answered: 1, refused: 0, failed: 0, unavailable: 0 },
    });

    // The answer is lost: the payment is UNKNOWN (the repair backlog grows) and Toss counts as degraded.
    const lost = await pay({ kind: 'drop-after-commit' });
    expect(lost.outcome).toBeInstanceOf(PaymentOutcomeUnknownError);
    const degraded = await health.check();
    expect(degraded.status).toBe('up'); // a gateway outage degrades; it never takes the service down
    expect(degraded.gateways.toss).toMatchObject({
      status: 'degraded',
      lastCall: { outcome: 'unavailable', status: null },
    });
    expect(degraded.repairBacklog).toEqual({ payments: 1, cancels: 0 });

    const text = await health.metrics();
    expect(text).toMatch(/kr_payments_gateway_calls_total\{gateway="toss",operation="[^"]+",outcome="answered"\} 1/);
    expect(text).toMatch(/kr_payments_gateway_calls_total\{gateway="toss",operation="[^"]+",outcome="unavailable"\} 1/);
    expect(text).toMatch(/kr_payments_gateway_call_seconds_count\{gateway="toss",operation="[^"]+"\} 2/);
    expect(text).toContain('kr_payments_repair_backlog{kind="payment"} 1');
    expect(text).toContain('kr_payments_outbox_lag_seconds 0');
    expect(text).toContain('kr_payments_payment_transitions_total{gateway="toss",from="IN_PROGRESS",to="PAID"} 1');
    expect(text).toContain('kr_payments_payment_transitions_total{gateway="toss",from="IN_PROGRESS",to="UNKNOWN"} 1');
    expect(text).not.toContain(TOSS_TEST_SECRET_KEY);
    await shop.payments.sync(lost.payment.id); // settled, so the next test's backlog starts empty
  });

  it('counts webhook outcomes, the repair job and the transitions it makes', async () => {
    const lost = await pay({ kind: 'drop-after-commit' });
    expect(lost.outcome).toBeInstanceOf(PaymentOutcomeUnknownError);
    // The repair job reads the lost approval back once it is older than Toss's longest call (2 s here, margin 0).
    const deadline = Date.now() + 20_000;
    let repaired: RepairResult | undefined;
    while (!repaired && Date.now() < deadline) {
      repaired = (await shop.payments.syncStuckPayments()).find((result) => result.paymentId === lost.payment.id);
      if (!repaired) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(repaired).toMatchObject({ rule: 'approval', status: 'PAID' });
    const unsigned = await fetch(`${shop.url}/payments/webhooks/toss`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ eventType: 'PAYMENT_STATUS_CHANGED', data: { orderId: 'no-such-order', status: 'DONE' } }),
    });
    expect(unsigned.status).toBeLessThan(500);

    const text = await health.metrics();
    expect(text).toContain('kr_payments_payment_transitions_total{gateway="toss",from="UNKNOWN",to="PAID"} 2');
    expect(text).toMatch(/kr_payments_repairs_total\{rule="approval",outcome="settled"\} [1-9]/);
    expect(text).toMatch(
      /kr_payments_webhooks_total\{gateway="toss",outcome="(rejected|refused_at_guard|ignored)"\} 1/,
    );
  });

  it('is down, naming the migration, when the schema is behind the library', async () => {
    const [{ name }] = await shop.dataSource.query(`SELECT "name" FROM "migrations" ORDER BY "id" DESC LIMIT 1`);
    await shop.dataSource.query(`DELETE FROM "migrations" WHERE "name" = $1`, [name]);
    try {
      expect(await health.check()).toMatchObject({
        status: 'down',
        migrations: { status: 'down', pending: [name] },
        repairBacklog: null,
      });
    } finally {
      await shop.dataSource.query(`INSERT INTO "migrations" ("timestamp", "name") VALUES ($1, $2)`, [
        Number(String(name).slice(-13)),
        name,
      ]);
    }
  });
});
