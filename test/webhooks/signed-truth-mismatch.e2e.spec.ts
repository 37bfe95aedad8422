import { Payment, PaymentStatus, WebhookEvent } from 'nestjs-kr-payments';
import { NICEPAY_TEST_CLIENT_ID, NICEPAY_TEST_SECRET_KEY, NicePaySimulator } from 'nestjs-kr-payments/testing';
import { createHash } from 'node:crypto';
import { bootPaymentsApp, TEST_ENCRYPTION, type ShopApp } from '../support/harness';

/**
 * A webhook the gateway really signed, but about an amount (or order) other than the payment we hold, is stored and
 * REJECTED, never applied (rule 6 of docs/architecture.md#rules-that-keep-money-exact; NicePay itself tells
 * merchants to compare a notification's amount with their order). The signature is computed here independently,
 * so the body passes the adapter's check and only the core's comparison can stop it.
 */
describe('webhooks: a signed truth that does not match our payment', () => {
  let sim: NicePaySimulator;
  let shop: ShopApp;

  beforeAll(async () => {
    sim = await NicePaySimulator.start({ port: 0 });
    shop = await bootPaymentsApp({
      gateways: {
        nicepay: {
          clientId: NICEPAY_TEST_CLIENT_ID,
          secretKey: NICEPAY_TEST_SECRET_KEY,
          baseUrl: sim.url,
          webhookAllowedSources: [],
        },
      },
      encryption: TEST_ENCRYPTION,
    });
  });

  afterAll(async () => {
    await shop?.close();
    await sim?.stop();
  });

  it('is stored as REJECTED and the payment does not move', async () => {
    const orderId = `wh_${Date.now().toString(36)}`;
    const { payment } = await shop.payments.prepare({
      gateway: 'nicepay',
      orderId,
      amount: 20_000,
      orderName: 'mismatch',
      method: 'VIRTUAL_ACCOUNT',
      customer: { name: '홍길동' },
      returnUrl: 'https://shop.example/return',
    });
    const returned = sim.authenticate({
      clientId: NICEPAY_TEST_CLIENT_ID,
      orderId,
      amount: 20_000,
      method: 'vbank',
      goodsName: 'mismatch',
      returnUrl: 'https://shop.example/return',
      vbankHolder: '홍길동',
    });
    const waiting = await shop.payments.confirmReturn('nicepay', returned);
    expect(waiting.status).toBe(PaymentStatus.WAITING_FOR_DEPOSIT);

    // The deposit event as NicePay would send it, but for 2,000,000 KRW instead of 20,000, correctly signed.
    const stored = sim.getPayment(returned.tid) as Record<string, unknown>;
    const ediDate = '2026-11-23T12:00:00.000+0900';
    const forgedAmount = 2_000_000;
    const body = {
      ...stored,
      resultCode: '0000',
      resultMsg: '정상 처리되었습니다.',
      status: 'paid',
      amount: forgedAmount,
      balanceAmt: forgedAmount,
      ediDate,
      signature: createHash('sha256')
        .update(`${returned.tid}${forgedAmount}${ediDate}${NICEPAY_TEST_SECRET_KEY}`)
        .digest('hex'),
    };
    const response = await fetch(`${shop.url}/payments/webhooks/nicepay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('OK');

    const events = await shop.dataSource.getRepository(WebhookEvent).find({ where: { gateway: 'nicepay' } });
    expect(events.map((e) => [e.status, e.lastError])).toEqual([
      ['REJECTED', 'amount 2000000 does not match the prepared amount 20000'],
    ]);
    const after = await shop.dataSource.getRepository(Payment).findOneByOrFail({ id: payment.id });
    expect(after).toMatchObject({ status: PaymentStatus.WAITING_FOR_DEPOSIT, amount: 20_000, balanceAmount: 20_000 });
  });
});
