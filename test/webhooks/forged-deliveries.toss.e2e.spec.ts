import { PaymentStatus } from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { bootPaymentsApp, TEST_ENCRYPTION, URLS, type ShopApp } from '../support/harness';
import { inboxOf, moneyStateOf, repost } from './forgery.fixtures';

/**
 * Genuine Toss deliveries re-posted with fields changed (docs/gateways/toss.md#trust-rules). PAYMENT_STATUS_CHANGED is
 * unsigned and DEPOSIT_CALLBACK is authenticated only by the payment's secret, which says nothing about its status:
 * both are read back with `GET /v1/payments/{paymentKey}`, and the payment stays at what Toss says. A read-back about
 * another order is stored REJECTED and answered 401 (Toss retries; nothing more to learn). Genuine deliveries that
 * follow still apply.
 */
describe('forged Toss deliveries', () => {
  let sim: TossSimulator;
  let shop: ShopApp;
  let seq = 0;

  beforeAll(async () => {
    sim = await TossSimulator.start({ port: 0, webhookTimeScale: 1 / 60_000 });
    shop = await bootPaymentsApp({
      gateways: {
        // The simulator delivers from loopback, not from Toss's published addresses (the default list).
        toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: sim.url },
      },
      encryption: TEST_ENCRYPTION,
      webhooks: { ipAllowlist: { toss: ['127.0.0.1'] } },
    });
    sim.setWebhookUrl(`${shop.url}/payments/webhooks/toss`);
  });

  afterAll(async () => {
    await sim?.webhooksIdle();
    await shop?.close();
    await sim?.stop();
  });

  /** prepare → the payment window → confirm; the deliveries the confirm caused have arrived when this returns. */
  async function confirmed(amount: number, method: 'CARD' | 'VIRTUAL_ACCOUNT') {
    const orderId = `tsf_${Date.now().toString(36)}_${++seq}`;
    const { payment } = await shop.payments.prepare({
      ...URLS,
      gateway: 'toss',
      orderId,
      amount,
      orderName: '위조',
      method,
    });
    const { paymentKey } = sim.authenticatePayment({ orderId, amount, orderName: '위조', method });
    await shop.payments.confirm({ gateway: 'toss', orderId, amount, paymentKey });
    await sim.webhooksIdle();
    return { orderId, paymentKey, paymentId: payment.id };
  }

  /** The last body Toss delivered of `eventType` about `orderId` (genuine). */
  function delivered(eventType: string, orderId: string): Record<string, unknown> {
    const bodies = sim.webhookDeliveries
      .filter((d) => d.eventType === eventType)
      .map((d) => d.body as Record<string, unknown> & { data?: { orderId?: string } })
      .filter((body) => (body.data?.orderId ?? body['orderId']) === orderId);
    if (bodies.length === 0) throw new Error(`no ${eventType} delivery for ${orderId}`);
    return bodies[bodies.length - 1];
  }

  const readBacksOf = (paymentKey: string) => sim.requestsTo('GET', `/v1/payments/${paymentKey}`).length;

  it('a waiting account re-posted as paid, by either event, changes nothing; the real deposit still applies', async () => {
    const { orderId, paymentKey, paymentId } = await confirmed(300_000, 'VIRTUAL_ACCOUNT');
    const before = await moneyStateOf(shop, paymentId);
    expect(before.status).toBe(PaymentStatus.WAITING_FOR_DEPOSIT);
    const statusChanged = delivered('PAYMENT_STATUS_CHANGED', orderId) as { data: Record<string, unknown> };
    const depositCallback = delivered('DEPOSIT_CALLBACK', orderId);
    const readBacks = readBacksOf(paymentKey);

    const forgedStatus = await repost(shop, 'toss', {
      ...statusChanged,
      data: { ...statusChanged.data, status: 'DONE', approvedAt: statusChanged.data['requestedAt'] },
    });
    // Even with the account's true secret (a leak), the callback's status is only a hint.
    const forgedDeposit = await repost(shop, 'toss', {
      ...depositCallback,
      status: 'DONE',
      transactionKey: 'FORGED01',
    });
    expect([forgedStatus.status, forgedDeposit.status]).toEqual([200, 200]);
    expect(readBacksOf(paymentKey)).toBe(readBacks + 2);
    expect(await moneyStateOf(shop, paymentId)).toEqual(before);

    sim.deposit({ orderId });
    await sim.webhooksIdle();
    expect(await moneyStateOf(shop, paymentId)).toMatchObject({ status: PaymentStatus.PAID, balanceAmount: 300_000 });
    expect((await inboxOf(shop, 'toss', orderId)).every(([, status]) => status === 'PROCESSED')).toBe(true);
  });

  it('a DONE delivery re-posted as CANCELED with an invented cancel changes nothing; the real refund goes through', async () => {
    const { orderId, paymentId } = await confirmed(50_000, 'CARD');
    const before = await moneyStateOf(shop, paymentId);
    const done = delivered('PAYMENT_STATUS_CHANGED', orderId) as { data: Record<string, unknown> };
    const cancel = {
      transactionKey: 'FORGEDCANCEL0001',
      cancelAmount: 50_000,
      cancelReason: '위조',
      canceledAt: done.data['approvedAt'],
      cancelStatus: 'DONE',
    };
    const forged = await repost(shop, 'toss', {
      ...done,
      data: {
        ...done.data,
        status: 'CANCELED',
        balanceAmount: 0,
        lastTransactionKey: 'FORGEDCANCEL0001',
        cancels: [cancel],
      },
    });
    expect(forged.status).toBe(200);
    expect(await moneyStateOf(shop, paymentId)).toEqual(before);

    const refund = await shop.payments.cancel({ paymentId, amount: 50_000, reason: '고객 요청' });
    expect(refund.status).toBe('DONE');
    expect(await moneyStateOf(shop, paymentId)).toMatchObject({
      status: PaymentStatus.CANCELED,
      canceledAmount: 50_000,
    });
  });

  it('changed amounts, another orderId and another payment secret change nothing', async () => {
    const target = await confirmed(20_000, 'CARD');
    const other = await confirmed(30_000, 'CARD');
    const account = await confirmed(40_000, 'VIRTUAL_ACCOUNT');
    const otherAccount = await confirmed(40_000, 'VIRTUAL_ACCOUNT');
    const { payment: unpaid } = await shop.payments.prepare({
      ...URLS,
      gateway: 'toss',
      amount: 20_000,
      orderName: 'x',
    });
    const ids = [target.paymentId, other.paymentId, account.paymentId, otherAccount.paymentId, unpaid.id];
    const states = () => Promise.all(ids.map((id) => moneyStateOf(shop, id)));
    const before = await states();
    const done = delivered('PAYMENT_STATUS_CHANGED', target.orderId) as { data: Record<string, unknown> };
    const post = (data: Record<string, unknown>) => repost(shop, 'toss', { ...done, data: { ...done.data, ...data } });

    const answers = [
      (await post({ totalAmount: 2_000_000, balanceAmount: 2_000_000 })).status,
      (await post({ orderId: other.orderId })).status,
      (await post({ orderId: unpaid.orderId })).status,
      (await post({ orderId: 'tsf_no_such_order', paymentKey: 'tsf_no_such_key' })).status,
      // One account's deposit callback naming another account's order: the secret is not that payment's.
      (
        await repost(shop, 'toss', {
          ...delivered('DEPOSIT_CALLBACK', account.orderId),
          status: 'DONE',
          orderId: otherAccount.orderId,
        })
      ).status,
    ];
    expect(answers).toEqual([200, 200, 401, 200, 401]);
    expect(await states()).toEqual(before);
    expect(await inboxOf(shop, 'toss', unpaid.orderId)).toEqual([['read-back', 'REJECTED']]);
    expect(await inboxOf(shop, 'toss', 'tsf_no_such_order')).toEqual([['read-back', 'IGNORED']]);
    expect((await inboxOf(shop, 'toss', otherAccount.orderId)).slice(-1)).toEqual([['payment-secret', 'REJECTED']]);
  });

  it('a deposit callback naming a payment that never has a secret is REJECTED at once, not retried as early', async () => {
    const card = await confirmed(25_000, 'CARD');
    const { payment: unpaid } = await shop.payments.prepare({
      ...URLS,
      gateway: 'toss',
      amount: 25_000,
      orderName: 'x',
    });
    const account = await confirmed(25_000, 'VIRTUAL_ACCOUNT');
    const before = await Promise.all([card.paymentId, unpaid.id].map((id) => moneyStateOf(shop, id)));
    const callback = delivered('DEPOSIT_CALLBACK', account.orderId);

    // A card payment and an unconfirmed one will never be given a secret: a 503 would only buy Toss's retries.
    const answers = [
      (await repost(shop, 'toss', { ...callback, status: 'DONE', orderId: card.orderId })).status,
      (await repost(shop, 'toss', { ...callback, status: 'DONE', orderId: unpaid.orderId })).status,
    ];
    expect(answers).toEqual([401, 401]);
    expect(await Promise.all([card.paymentId, unpaid.id].map((id) => moneyStateOf(shop, id)))).toEqual(before);
    expect((await inboxOf(shop, 'toss', card.orderId)).slice(-1)).toEqual([['payment-secret', 'REJECTED']]);
    expect(await inboxOf(shop, 'toss', unpaid.orderId)).toEqual([['payment-secret', 'REJECTED']]);
  });
});
