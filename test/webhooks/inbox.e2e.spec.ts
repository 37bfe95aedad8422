import { DataSource } from 'typeorm';
import { PaymentStatus, type PaymentView } from 'nestjs-kr-payments';
import {
  ManualClock,
  OffsetClock,
  TOSS_TEST_CLIENT_KEY,
  TOSS_TEST_SECRET_KEY,
  TossSimulator,
} from 'nestjs-kr-payments/testing';
import { WebhookRetention } from '../../libs/payments/src/jobs/webhook-retention';
import { MAX_STORED_PAYLOAD_BYTES } from '../../libs/payments/src/webhooks/webhook-inbox';
import { bootPaymentsApp, TEST_ENCRYPTION, URLS, type ShopApp } from '../support/harness';

/**
 * The webhook inbox under duplicates and floods: one processing per event however many copies arrive at once, one
 * read-back at a time per payment, bounded storage of unauthenticated bodies, and retention.
 */
describe('webhook inbox', () => {
  let sim: TossSimulator;
  let shop: ShopApp;
  const clock = new OffsetClock();
  let seq = 0;

  beforeAll(async () => {
    sim = await TossSimulator.start({ port: 0 });
    shop = await bootPaymentsApp({
      gateways: { toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: sim.url } },
      encryption: TEST_ENCRYPTION,
      webhooks: { ipAllowlist: { toss: ['127.0.0.1', '::1'] } },
      clock,
    });
  });
  afterAll(async () => {
    await shop?.close();
    await sim?.stop();
  });
  afterEach(() => clock.reset());

  async function paid(amount: number): Promise<{ payment: PaymentView; paymentKey: string }> {
    const orderId = `inbox_${Date.now().toString(36)}_${++seq}`;
    await shop.payments.prepare({ ...URLS, gateway: 'toss', orderId, amount, orderName: 'inbox' });
    const window = sim.authenticatePayment({ orderId, amount, orderName: 'inbox' });
    const payment = await shop.payments.confirm({ gateway: 'toss', orderId, amount, paymentKey: window.paymentKey });
    return { payment, paymentKey: window.paymentKey };
  }

  const post = (body: unknown) =>
    fetch(`${shop.url}/payments/webhooks/toss`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const statusChanged = (payment: PaymentView, paymentKey: string, extra: Record<string, unknown> = {}) => ({
    eventType: 'PAYMENT_STATUS_CHANGED',
    createdAt: new Date().toISOString(),
    data: { paymentKey, orderId: payment.orderId, status: 'DONE', lastTransactionKey: 'tx-1', ...extra },
  });
  const readBacks = (paymentKey: string) => sim.requestsTo('GET', `/v1/payments/${paymentKey}`).length;
  const rowsFor = (orderId: string) =>
    shop.dataSource.query('SELECT status, attempts, payload FROM webhook_events WHERE order_id = $1', [orderId]);

  it('10 identical concurrent deliveries: one row, processed once, one read-back', async () => {
    const { payment, paymentKey } = await paid(11_000);
    const before = readBacks(paymentKey);
    const event = statusChanged(payment, paymentKey);
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(event)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(readBacks(paymentKey) - before).toBe(1);
    const rows = await rowsFor(payment.orderId);
    expect(rows).toEqual([expect.objectContaining({ status: 'PROCESSED', attempts: 10 })]);
  });

  it('a burst of different deliveries about one payment shares read-backs (at most two at a time)', async () => {
    const { payment, paymentKey } = await paid(12_000);
    // Each read-back takes 150 ms: deliveries pile up while one is in flight.
    sim.failNext({ method: 'GET', path: `/v1/payments/${paymentKey}` }, { kind: 'latency', ms: 150 }, 20);
    const before = readBacks(paymentKey);
    const deliveries = Array.from({ length: 20 }, (_, i) =>
      post(statusChanged(payment, paymentKey, { lastTransactionKey: `tx-burst-${i}` })),
    );
    const answers = await Promise.all(deliveries);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const calls = readBacks(paymentKey) - before;
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(3); // 20 deliveries, not 20 GETs
    expect((await shop.payments.get(payment.id)).status).toBe(PaymentStatus.PAID);
    const rows = await rowsFor(payment.orderId);
    expect(rows).toHaveLength(20);
    expect(rows.every((row: { status: string }) => row.status === 'PROCESSED')).toBe(true);
  });

  it('a crashed claim is taken over once its lease has expired', async () => {
    const { payment, paymentKey } = await paid(13_000);
    const event = statusChanged(payment, paymentKey, { lastTransactionKey: 'tx-crash' });
    expect((await post(event)).status).toBe(200);
    // Make it look like a process claimed a redelivery of this event and died mid-way: RECEIVED, claimed 5 minutes.
    await shop.dataSource.query(
      `UPDATE webhook_events SET status = 'RECEIVED', claimed_until = now() + interval '5 minutes' WHERE order_id = $1`,
      [payment.orderId],
    );
    const before = readBacks(paymentKey);
    // A redelivery while another process holds the claim: not processed, and not acknowledged either (a 200 would end
    // the gateway's retries, and the holder may never finish).
    expect((await post(event)).status).toBe(503);
    expect(readBacks(paymentKey)).toBe(before);
    expect((await rowsFor(payment.orderId))[0]).toMatchObject({ status: 'RECEIVED', attempts: 2 });
    clock.advance(6 * 60_000);
    expect((await post(event)).status).toBe(200);
    expect(readBacks(paymentKey)).toBe(before + 1);
    expect((await rowsFor(payment.orderId))[0]).toMatchObject({ status: 'PROCESSED', attempts: 3 });
  });

  it('stores a large unauthenticated body as its size and digest, not the body', async () => {
    const { payment, paymentKey } = await paid(14_000);
    const filler = 'x'.repeat(90_000);
    expect((await post(statusChanged(payment, paymentKey, { lastTransactionKey: 'tx-big', filler }))).status).toBe(200);
    const [row] = await rowsFor(payment.orderId);
    expect(row.payload).toEqual({
      truncated: true,
      bytes: expect.any(Number),
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(JSON.stringify(row.payload).length).toBeLessThan(MAX_STORED_PAYLOAD_BYTES);
  });

  it('retention deletes processed rows after 90 days and rejected ones after 7, keeping failed ones', async () => {
    const dataSource = shop.app.get(DataSource);
    const insert = (status: string, daysAgo: number) =>
      dataSource.query(
        `INSERT INTO webhook_events (id, gateway, dedupe_key, event_type, status, verification, attempts, received_at)
         VALUES (gen_random_uuid(), 'toss', $1, 'TEST', $2, 'none', 1, now() - make_interval(days => $3))`,
        [`retention-${status}-${daysAgo}-${++seq}`, status, daysAgo],
      );
    for (const [status, days] of [
      ['PROCESSED', 91],
      ['PROCESSED', 30],
      ['IGNORED', 120],
      ['REJECTED', 8],
      ['REJECTED', 2],
      ['FAILED', 400],
    ] as const) {
      await insert(status, days);
    }
    const result = await shop.app.get(WebhookRetention).run();
    expect(result.deleted).toEqual({ 'PROCESSED+IGNORED': 2, REJECTED: 1 });
    const left = await dataSource.query(
      "SELECT status, count(*)::int AS n FROM webhook_events WHERE event_type = 'TEST' GROUP BY status ORDER BY status",
    );
    expect(left).toEqual([
      { status: 'FAILED', n: 1 },
      { status: 'PROCESSED', n: 1 },
      { status: 'REJECTED', n: 1 },
    ]);
  });
});

/**
 * Duplicates that arrive in the same millisecond compute the same lease end: the claim is decided by each delivery's
 * own token, so a frozen clock (every delivery at the same instant) still processes one.
 */
describe('webhook inbox claims on a frozen clock', () => {
  let sim: TossSimulator;
  let shop: ShopApp;

  beforeAll(async () => {
    sim = await TossSimulator.start({ port: 0 });
    shop = await bootPaymentsApp({
      gateways: { toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: sim.url } },
      encryption: TEST_ENCRYPTION,
      webhooks: { ipAllowlist: { toss: ['127.0.0.1', '::1'] }, rejectedPerSource: false },
      clock: new ManualClock(),
    });
  });
  afterAll(async () => {
    await shop?.close();
    await sim?.stop();
  });

  it('10 identical deliveries at one instant, five times over: one read-back each time', async () => {
    const extraReadBacks: number[] = [];
    for (let round = 0; round < 5; round++) {
      const orderId = `frozen_${Date.now().toString(36)}_${round}`;
      await shop.payments.prepare({ ...URLS, gateway: 'toss', orderId, amount: 12_000, orderName: 'frozen' });
      const { paymentKey } = sim.authenticatePayment({ orderId, amount: 12_000, orderName: 'frozen' });
      await shop.payments.confirm({ gateway: 'toss', orderId, amount: 12_000, paymentKey });
      const before = sim.requestsTo('GET', `/v1/payments/${paymentKey}`).length;
      const body = JSON.stringify({
        eventType: 'PAYMENT_STATUS_CHANGED',
        createdAt: '2026-12-04T10:00:00.000+09:00',
        data: { paymentKey, orderId, status: 'DONE', lastTransactionKey: `tx-${round}` },
      });
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          fetch(`${shop.url}/payments/webhooks/toss`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
      extraReadBacks.push(sim.requestsTo('GET', `/v1/payments/${paymentKey}`).length - before);
    }
    expect(extraReadBacks).toEqual([1, 1, 1, 1, 1]);
  });
});
