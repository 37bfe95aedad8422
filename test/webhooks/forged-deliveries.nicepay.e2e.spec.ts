import { PaymentStatus } from 'nestjs-kr-payments';
import { NICEPAY_TEST_CLIENT_ID, NICEPAY_TEST_SECRET_KEY, NicePaySimulator } from 'nestjs-kr-payments/testing';
import { bootPaymentsApp, TEST_ENCRYPTION, type ShopApp } from '../support/harness';
import { inboxOf, moneyStateOf, repost } from './forgery.fixtures';

const RETURN_URL = 'https://shop.example/pay/nicepay/return';

/**
 * A genuine NicePay 결제통보 re-posted with what its signature does not cover changed (docs/gateways/nicepay.md#webhooks):
 * the signature is sha256(tid + amount + ediDate + key), so the status, the balance, the cancels and the orderId can be
 * rewritten while it still verifies. Every such delivery is only a hint: the payment is read back with
 * `GET /v1/payments/{tid}` and stays at what NicePay says. Replies are always `200 OK` (NicePay's rule); the outcome is
 * in the inbox row. The genuine deliveries that follow still apply.
 */
describe('forged NicePay deliveries', () => {
  let sim: NicePaySimulator;
  let shop: ShopApp;
  let seq = 0;

  beforeAll(async () => {
    sim = await NicePaySimulator.start({ port: 0, webhookTimeScale: 1 / 60_000 });
    shop = await bootPaymentsApp({
      gateways: { nicepay: { clientId: NICEPAY_TEST_CLIENT_ID, secretKey: NICEPAY_TEST_SECRET_KEY, baseUrl: sim.url } },
      encryption: TEST_ENCRYPTION,
      // The simulator delivers from loopback, not from NicePay's published addresses (the default list).
      webhooks: { ipAllowlist: { nicepay: ['127.0.0.1'] } },
    });
    sim.setWebhookUrl(`${shop.url}/payments/webhooks/nicepay`);
  });

  afterAll(async () => {
    await sim?.webhooksIdle();
    await shop?.close();
    await sim?.stop();
  });

  /** prepare → the payment window → confirmReturn: the approval's own 결제통보 has been delivered when this returns. */
  async function approved(amount: number, method: 'CARD' | 'VIRTUAL_ACCOUNT') {
    const orderId = `npf_${Date.now().toString(36)}_${++seq}`;
    const { payment, checkout } = await shop.payments.prepare({
      gateway: 'nicepay',
      orderId,
      amount,
      orderName: '위조 시험',
      method,
      customer: { name: '김나이스' },
      returnUrl: RETURN_URL,
    });
    const fields = checkout.fields as Record<string, string>;
    const posted = sim.authenticate({
      clientId: NICEPAY_TEST_CLIENT_ID,
      orderId,
      amount,
      method: fields['method'],
      goodsName: fields['goodsName'],
      returnUrl: RETURN_URL,
      vbankHolder: fields['vbankHolder'],
    });
    await shop.payments.confirmReturn('nicepay', posted);
    await sim.webhooksIdle();
    return { orderId, paymentId: payment.id, tid: posted['tid'] };
  }

  /** The body NicePay delivered for `tid` with `status` (genuine, signed). */
  function delivered(tid: string, status: string): Record<string, unknown> {
    const delivery = sim.webhookDeliveries.find(
      (d) => d.eventType === status && (d.body as { tid?: string }).tid === tid,
    );
    if (!delivery) throw new Error(`no ${status} delivery for ${tid}`);
    return delivery.body as Record<string, unknown>;
  }

  const readBacksOf = (tid: string) => sim.requestsTo('GET', `/v1/payments/${tid}`).length;

  it('a "ready" delivery re-posted as "paid" is read back and changes nothing; the real deposit still applies', async () => {
    const { orderId, paymentId, tid } = await approved(300_000, 'VIRTUAL_ACCOUNT');
    const before = await moneyStateOf(shop, paymentId);
    expect(before.status).toBe(PaymentStatus.WAITING_FOR_DEPOSIT);
    const ready = delivered(tid, 'ready');
    const readBacks = readBacksOf(tid);

    const forged = await repost(shop, 'nicepay', { ...ready, status: 'paid', paidAt: ready['ediDate'] });
    expect([forged.status, await forged.text()]).toEqual([200, 'OK']);
    expect(readBacksOf(tid)).toBe(readBacks + 1);
    expect((sim.getPayment(tid) as { status: string }).status).toBe('ready');
    expect(await moneyStateOf(shop, paymentId)).toEqual(before);

    sim.deposit(tid);
    await sim.webhooksIdle();
    expect(await moneyStateOf(shop, paymentId)).toMatchObject({ status: PaymentStatus.PAID, balanceAmount: 300_000 });
    expect(await inboxOf(shop, 'nicepay', orderId)).toEqual([
      ['read-back', 'PROCESSED'], // the genuine "ready"
      ['read-back', 'PROCESSED'], // the forged "paid": NicePay said ready
      ['read-back', 'PROCESSED'], // the genuine "paid"
    ]);
  });

  it('a "paid" delivery re-posted as "cancelled" with an invented cancel changes nothing; the real refund goes through', async () => {
    const { paymentId, tid } = await approved(50_000, 'CARD');
    const before = await moneyStateOf(shop, paymentId);
    const paid = delivered(tid, 'paid');
    const inventedTid = `${tid.slice(0, 26)}9999`;
    const forged = await repost(shop, 'nicepay', {
      ...paid,
      status: 'cancelled',
      balanceAmt: 0,
      cancelledTid: inventedTid,
      cancelledAt: paid['ediDate'],
      cancels: [{ tid: inventedTid, amount: 50_000, cancelledAt: paid['ediDate'], reason: '위조' }],
    });
    expect(await forged.text()).toBe('OK');
    expect(await moneyStateOf(shop, paymentId)).toEqual(before);

    const refund = await shop.payments.cancel({ paymentId, amount: 50_000, reason: '고객 요청' });
    expect(refund.status).toBe('DONE');
    expect(await moneyStateOf(shop, paymentId)).toMatchObject({
      status: PaymentStatus.CANCELED,
      balanceAmount: 0,
      canceledAmount: 50_000,
    });
  });

  it('changed amounts and another orderId change nothing, whichever payment they name', async () => {
    const target = await approved(20_000, 'CARD');
    const other = await approved(30_000, 'CARD');
    const { payment: unpaid } = await shop.payments.prepare({
      gateway: 'nicepay',
      amount: 20_000,
      orderName: '미결제',
      method: 'CARD',
      returnUrl: RETURN_URL,
    });
    const states = async () =>
      Promise.all([target.paymentId, other.paymentId, unpaid.id].map((id) => moneyStateOf(shop, id)));
    const before = await states();
    const paid = delivered(target.tid, 'paid');

    const variants: Array<[string, Record<string, unknown>]> = [
      ['the signed amount', { amount: 2_000_000, balanceAmt: 2_000_000 }],
      ['the balance', { balanceAmt: 1 }],
      ['another paid order', { orderId: other.orderId }],
      ['an unpaid order', { orderId: unpaid.orderId }],
      ['an order that does not exist', { orderId: 'npf_no_such_order' }],
    ];
    for (const [, change] of variants) {
      const response = await repost(shop, 'nicepay', { ...paid, ...change });
      expect([response.status, await response.text()]).toEqual([200, 'OK']);
    }
    expect(await states()).toEqual(before);
    // The altered amount breaks the signature (stored REJECTED as a digest, never acted on); the rest were read back. The copy naming the
    // unpaid order read back the target's tid, whose answer is about another order: stored REJECTED.
    expect(await inboxOf(shop, 'nicepay', target.orderId)).toEqual([
      ['read-back', 'PROCESSED'],
      ['failed', 'REJECTED'],
      ['read-back', 'PROCESSED'],
    ]);
    expect(await inboxOf(shop, 'nicepay', unpaid.orderId)).toEqual([['read-back', 'REJECTED']]);
    expect(await inboxOf(shop, 'nicepay', 'npf_no_such_order')).toEqual([['read-back', 'PROCESSED']]);
  });
});
