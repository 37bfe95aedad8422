import { PaymentStatus } from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { bootPaymentsApp, TEST_ENCRYPTION, type ShopApp } from '../support/harness';
import { tossWaitingForDeposit } from '../support/toss-virtual-account';

/**
 * A read-back is a snapshot of the moment the gateway answered, which lies between sending and receiving. One that
 * was sent before a change but arrives after the change was applied must not undo it: deposits are the one change a
 * read-back may legitimately move backwards (a reversed deposit), so a stale one would turn PAID back into
 * WAITING_FOR_DEPOSIT and the deposit would be lost until something read the payment again.
 */
describe('a read-back sent before a deposit and answered after it', () => {
  let sim: TossSimulator;
  let shop: ShopApp;

  beforeAll(async () => {
    sim = await TossSimulator.start({ port: 0 });
    shop = await bootPaymentsApp({
      gateways: { toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: sim.url } },
      encryption: TEST_ENCRYPTION,
      webhooks: { ipAllowlist: { toss: ['127.0.0.1', '::1'] } },
    });
    sim.setWebhookUrl(`${shop.url}/payments/webhooks/toss`);
  });
  afterAll(async () => {
    await sim?.stop();
    await shop?.close();
  });

  /** Resolves once `condition` holds (checked every event-loop turn); fails naming `what` after 5 s. */
  async function until(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('a sync whose answer predates the deposit webhook leaves the payment PAID', async () => {
    const amount = 33_000;
    const { payment: waiting, paymentKey, orderId } = await tossWaitingForDeposit(shop, sim, 'stale', amount);

    const path = `/v1/payments/${paymentKey}`;
    const readBacks = () => sim.requestsTo('GET', path).length;
    const before = readBacks();
    // The sync's read-back is answered (WAITING_FOR_DEPOSIT) at once and delivered 500 ms late.
    sim.failNext({ method: 'GET', path }, { kind: 'latency', ms: 500 });
    const sync = shop.payments.sync(waiting.id);
    await until(() => readBacks() > before, 'the sync has read the payment');
    // Meanwhile the buyer deposits, and the deposit webhook is applied (answered 200).
    sim.deposit({ orderId });
    await sim.webhooksIdle();
    expect((await shop.payments.get(waiting.id)).status).toBe(PaymentStatus.PAID);

    // The sync's answer describes the moment before the deposit: it must not undo it.
    expect((await sync).status).toBe(PaymentStatus.PAID);
    expect(await shop.payments.get(waiting.id)).toMatchObject({ status: PaymentStatus.PAID, balanceAmount: amount });
  });
});
