import { PaymentStatus, WebhookEvent } from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { bootPaymentsApp, TEST_ENCRYPTION, type ShopApp } from '../support/harness';
import { tossWaitingForDeposit } from '../support/toss-virtual-account';

/**
 * A redelivery that arrives while the first delivery of the same event is still being processed (the gateway timed
 * the first one out and retried). Its 200 tells the gateway to stop retrying, so it may only be given once the event
 * is applied: answered earlier, a reader right after the 200 still sees the old state, and if the first attempt then
 * fails nothing ever redelivers the event.
 */
describe('webhook redeliveries while the first delivery is in flight', () => {
  /** Shorter than the read-backs the tests slow down, so the simulator gives up on the first attempt and retries. */
  const WEBHOOK_TIMEOUT_MS = 250;
  /** The Toss client's read timeout here: a read-back held longer fails (a gateway outage during processing). */
  const READ_TIMEOUT_MS = 1_000;
  let sim: TossSimulator;
  let shop: ShopApp;
  let seq = 0;

  beforeAll(async () => {
    sim = await TossSimulator.start({ port: 0, webhookTimeoutMs: WEBHOOK_TIMEOUT_MS });
    shop = await bootPaymentsApp({
      gateways: {
        toss: {
          secretKey: TOSS_TEST_SECRET_KEY,
          clientKey: TOSS_TEST_CLIENT_KEY,
          baseUrl: sim.url,
          timeouts: { readMs: READ_TIMEOUT_MS },
        },
      },
      encryption: TEST_ENCRYPTION,
      webhooks: { ipAllowlist: { toss: ['127.0.0.1', '::1'] } },
    });
    sim.setWebhookUrl(`${shop.url}/payments/webhooks/toss`);
  });
  afterAll(async () => {
    await sim?.stop();
    await shop?.close();
  });

  /** A virtual account issued through the window and confirmed; the issue's own webhooks are settled. */
  const waitingForDeposit = (amount: number) => {
    seq += 1; // names this test's transaction keys
    return tossWaitingForDeposit(shop, sim, 'inflight', amount);
  };

  const readBackPath = (paymentKey: string) => `/v1/payments/${paymentKey}`;

  /** Resolves once `condition` holds (checked every event-loop turn); fails naming `what` after 5 s. */
  async function until(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const depositCallbacks = (orderId: string) =>
    sim.webhookDeliveries.filter(
      (d) =>
        d.eventType === 'DEPOSIT_CALLBACK' &&
        (d.body as { orderId?: string; status?: string }).orderId === orderId &&
        (d.body as { status?: string }).status === 'DONE',
    );

  it('a deposit callback retried while its first attempt reads back is answered 200 only once the payment is PAID', async () => {
    const { payment, paymentKey } = await waitingForDeposit(31_000);
    // The first read-back after the deposit outlasts the simulator's webhook timeout: the callback is retried while
    // its first attempt is still processing.
    sim.failNext({ method: 'GET', path: readBackPath(paymentKey) }, { kind: 'latency', ms: 3 * WEBHOOK_TIMEOUT_MS });
    sim.deposit({ orderId: payment.orderId });
    await sim.webhooksIdle();

    const attempts = depositCallbacks(payment.orderId).map((d) => d.status);
    expect(attempts[0]).toBe('timeout'); // the overlap this test is about really happened
    expect(attempts[attempts.length - 1]).toBe(200);
    // What the demo and any reader does: read right after the gateway's last delivery was answered 200.
    expect(await shop.payments.get(payment.id)).toMatchObject({ status: PaymentStatus.PAID, balanceAmount: 31_000 });
    const rows = await shop.dataSource.manager.find(WebhookEvent, { where: { orderId: payment.orderId } });
    expect(rows.map((row) => row.status)).toEqual(rows.map(() => 'PROCESSED'));
  });

  it('a redelivery answered while the first attempt is in flight is not lost when that attempt fails', async () => {
    const { payment, paymentKey } = await waitingForDeposit(32_000);
    // Toss has the deposit; its webhooks are not sent here, the test posts the delivery itself.
    sim.setWebhookUrl(undefined);
    try {
      sim.deposit({ orderId: payment.orderId });
    } finally {
      sim.setWebhookUrl(`${shop.url}/payments/webhooks/toss`);
    }
    const delivery = JSON.stringify({
      eventType: 'PAYMENT_STATUS_CHANGED',
      createdAt: new Date().toISOString(),
      data: { paymentKey, orderId: payment.orderId, status: 'DONE', lastTransactionKey: `tx-inflight-${seq}` },
    });
    const post = () =>
      fetch(`${shop.url}/payments/webhooks/toss`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: delivery,
      });
    // The first attempt's read-back hangs past the client's read timeout: that attempt fails (a 5xx the gateway, which
    // already gave up on it, never sees).
    sim.failNext(
      { method: 'GET', path: readBackPath(paymentKey) },
      { kind: 'hang-after-commit', ms: READ_TIMEOUT_MS + 500 },
    );
    const readBacks = () => sim.requestsTo('GET', readBackPath(paymentKey)).length;
    const readBacksBefore = readBacks();
    const first = post();
    // The redelivery leaves once the first attempt's read-back is on the wire, as a gateway's retry after a timeout.
    await until(() => readBacks() > readBacksBefore, 'the first attempt reads back');
    const redelivery = post();
    expect((await first).status).toBeGreaterThanOrEqual(500); // the read-back timed out: a 5xx, for redelivery
    // Acknowledged only after the first attempt failed and the redelivery processed the event itself.
    expect((await redelivery).status).toBe(200);
    expect(readBacks() - readBacksBefore).toBe(2);
    expect(await shop.payments.get(payment.id)).toMatchObject({ status: PaymentStatus.PAID, balanceAmount: 32_000 });
    const [row] = await shop.dataSource.query(
      `SELECT status, attempts FROM webhook_events WHERE order_id = $1 AND dedupe_key LIKE $2`,
      [payment.orderId, `%:tx-inflight-${seq}:%`],
    );
    expect(row).toEqual({ status: 'PROCESSED', attempts: 2 });
  });
});
