import { BillingKey, CashReceipt, Payment, PaymentStatus, WebhookEvent } from 'nestjs-kr-payments';
import type { TossSimulator } from 'nestjs-kr-payments/testing';
import { Like } from 'typeorm';
import { URLS, type ShopApp } from '../../support/harness';
import { TossShopFixture } from './toss-e2e.fixtures';

/**
 * Toss virtual accounts (window-issued and server-issued, deposits by webhook, forged callbacks), billing keys and
 * cash receipts end to end, against the simulator over loopback HTTP and real PostgreSQL.
 */
describe('Toss virtual accounts, billing keys and cash receipts', () => {
  const toss = TossShopFixture.use();
  const { nextOrderId, paidCardPayment, requestsAbout } = toss;
  let sim: TossSimulator;
  let shop: ShopApp;
  beforeAll(() => {
    ({ sim, shop } = toss);
  });

  it('virtual account: issued via the window, deposited → webhook → PAID; duplicate webhook applied once', async () => {
    const orderId = nextOrderId();
    const { payment } = await shop.payments.prepare({
      ...URLS,
      gateway: 'toss',
      orderId,
      amount: 25_000,
      orderName: '가상계좌 주문',
      method: 'VIRTUAL_ACCOUNT',
    });
    const window = sim.authenticatePayment({
      orderId,
      amount: 25_000,
      orderName: '가상계좌 주문',
      method: 'VIRTUAL_ACCOUNT',
      customerName: '김토스',
    });
    const waiting = await shop.payments.confirm({
      gateway: 'toss',
      orderId,
      amount: 25_000,
      paymentKey: window.paymentKey,
    });
    expect(waiting.status).toBe(PaymentStatus.WAITING_FOR_DEPOSIT);
    expect(waiting.method).toBe('VIRTUAL_ACCOUNT');
    expect(waiting.virtualAccountNumber).toBeTruthy();
    expect(waiting.virtualAccountBankCode).toBeTruthy();
    await sim.webhooksIdle();

    sim.deposit({ orderId });
    await sim.webhooksIdle();
    const paid = await shop.payments.get(payment.id);
    expect(paid).toMatchObject({ status: PaymentStatus.PAID, balanceAmount: 25_000 });

    const events = await shop.dataSource.manager.find(WebhookEvent, { where: { orderId } });
    expect(events.length).toBeGreaterThanOrEqual(2); // DEPOSIT_CALLBACK + PAYMENT_STATUS_CHANGED
    expect(events.every((e) => e.status === 'PROCESSED' || e.status === 'IGNORED')).toBe(true);

    // Redeliver the deposit callback verbatim: stored once (attempts 2), not applied again (no extra read-back).
    const deposit = sim.webhookDeliveries.find(
      (d) => d.eventType === 'DEPOSIT_CALLBACK' && (d.body as { status?: string }).status === 'DONE',
    );
    expect(deposit).toBeDefined();
    const readBacksBefore = requestsAbout(orderId, window.paymentKey);
    const again = await fetch(`${shop.url}/payments/webhooks/toss`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(deposit?.body),
    });
    expect(again.status).toBe(200);
    expect(requestsAbout(orderId, window.paymentKey)).toBe(readBacksBefore);
    const depositEvents = await shop.dataSource.manager.find(WebhookEvent, {
      where: { orderId, eventType: 'DEPOSIT_CALLBACK' },
    });
    const doneEvent = depositEvents.find((e) => (e.payload as { status?: string }).status === 'DONE');
    expect(doneEvent?.attempts).toBe(2);
    expect(JSON.stringify(depositEvents.map((e) => e.payload))).not.toContain(
      (deposit?.body as { secret: string }).secret,
    );
  });

  it('server-issued virtual account: prepare applies the gateway truth and never hands the secret to the browser', async () => {
    const orderId = nextOrderId();
    const { payment, checkout } = await shop.payments.prepare({
      ...URLS,
      gateway: 'toss',
      orderId,
      amount: 18_000,
      orderName: '서버 발급 가상계좌',
      method: 'VIRTUAL_ACCOUNT',
      extra: { issueServerSide: true, bank: '20', customerName: '김토스', validHours: 24 },
    });
    expect(checkout.kind).toBe('server');
    expect(payment.status).toBe(PaymentStatus.WAITING_FOR_DEPOSIT);
    const secret = (sim.getPayment(payment.gatewayPaymentKey as string) as { secret: string }).secret;
    expect(secret).toBeTruthy();
    expect(JSON.stringify(checkout)).not.toContain(secret);
    expect(JSON.stringify(payment)).not.toContain(secret);
    await sim.webhooksIdle();
    sim.deposit({ orderId });
    await sim.webhooksIdle();
    expect(await shop.payments.get(payment.id)).toMatchObject({ status: PaymentStatus.PAID, balanceAmount: 18_000 });
  });

  it('a forged DEPOSIT_CALLBACK secret is rejected and changes nothing', async () => {
    const orderId = nextOrderId();
    const { payment } = await shop.payments.prepare({
      ...URLS,
      gateway: 'toss',
      orderId,
      amount: 11_000,
      orderName: 'forged',
      method: 'VIRTUAL_ACCOUNT',
    });
    const window = sim.authenticatePayment({ orderId, amount: 11_000, orderName: 'forged', method: 'VIRTUAL_ACCOUNT' });
    await shop.payments.confirm({ gateway: 'toss', orderId, amount: 11_000, paymentKey: window.paymentKey });
    await sim.webhooksIdle();
    const requestsBefore = requestsAbout(orderId, window.paymentKey);
    const response = await fetch(`${shop.url}/payments/webhooks/toss`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        createdAt: '2026-11-23T10:00:00.000000',
        secret: 'ps_forgedforgedforged',
        status: 'DONE',
        transactionKey: 'FORGED0001',
        orderId,
      }),
    });
    expect(response.status).toBe(401);
    expect(requestsAbout(orderId, window.paymentKey)).toBe(requestsBefore); // no read-back was even attempted
    expect((await shop.payments.get(payment.id)).status).toBe(PaymentStatus.WAITING_FOR_DEPOSIT);
    const [event] = await shop.dataSource.manager.find(WebhookEvent, {
      where: { orderId, dedupeKey: Like(`toss:DEPOSIT_CALLBACK:${orderId}:DONE:FORGED0001:%`) },
    });
    expect(event.status).toBe('REJECTED');
  });

  it('billing: issue from authKey, charge, idempotent retry of a cycle, delete', async () => {
    const customerKey = `cust_${Date.now().toString(36)}`;
    const auth = sim.authenticateBilling({ customerKey });
    const key = await shop.payments.issueBillingKey({ gateway: 'toss', customerKey, authKey: auth.authKey });
    expect(key).toMatchObject({ status: 'ACTIVE', customerKey });
    const stored = await shop.dataSource
      .createQueryBuilder(BillingKey, 'b')
      .addSelect('b.billingKeyCiphertext')
      .where('b.id = :id', { id: key.id })
      .getOneOrFail();
    const issued = sim.requestsTo('POST', '/v1/billing/authorizations/issue').at(-1);
    expect(issued?.body).toEqual({ authKey: auth.authKey, customerKey });

    const charge = await shop.payments.chargeBillingKey({
      billingKeyId: key.id,
      amount: 4_900,
      orderName: '토스 프라임 구독',
      idempotencyKey: `${customerKey}:2026-11`,
    });
    expect(charge).toMatchObject({
      status: PaymentStatus.PAID,
      type: 'BILLING',
      amount: 4_900,
      billingKeyId: key.id,
      vat: 445,
    });
    const retry = await shop.payments.chargeBillingKey({
      billingKeyId: key.id,
      amount: 4_900,
      orderName: '토스 프라임 구독',
      idempotencyKey: `${customerKey}:2026-11`,
    });
    expect(retry.id).toBe(charge.id);
    const chargeRequests = sim.requests.filter(
      (r) => r.method === 'POST' && /^\/v1\/billing\/[^/]+$/.test(r.path) && !r.path.includes('authorizations'),
    );
    expect(chargeRequests.filter((r) => (r.body as { customerKey: string }).customerKey === customerKey)).toHaveLength(
      1,
    );
    const billingKeyValue = decodeURIComponent(chargeRequests.at(-1)?.path.split('/').pop() ?? '');
    expect(stored.billingKeyCiphertext).not.toContain(billingKeyValue);
    expect(JSON.stringify(await shop.dataSource.manager.findOneByOrFail(Payment, { id: charge.id }))).not.toContain(
      billingKeyValue,
    );

    const deleted = await shop.payments.deleteBillingKey(key.id);
    expect(deleted.status).toBe('DELETED');
    await expect(
      shop.payments.chargeBillingKey({ billingKeyId: key.id, amount: 4_900, orderName: 'after delete' }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'billingKeyId',
    });
  });

  it('cash receipt: issued for a payment, identity number encrypted, then canceled', async () => {
    const paid = await paidCardPayment(15_000);
    const receipt = await shop.payments.issueCashReceipt({
      paymentId: paid.id,
      type: 'INCOME_DEDUCTION',
      identityNumber: '01012345678',
    });
    expect(receipt).toMatchObject({ status: 'ISSUED', amount: 15_000, type: 'INCOME_DEDUCTION' });
    expect(receipt.receiptKey).toBeTruthy();
    const issueRequest = sim.requestsTo('POST', '/v1/cash-receipts').at(-1);
    expect(issueRequest?.body).toMatchObject({
      amount: 15_000,
      type: '소득공제',
      customerIdentityNumber: '01012345678',
    });
    const raw = await shop.dataSource.query('SELECT identity_number_ciphertext, raw FROM cash_receipts WHERE id = $1', [
      receipt.id,
    ]);
    expect(JSON.stringify(raw)).not.toContain('01012345678');

    const canceled = await shop.payments.cancelCashReceipt(receipt.id);
    expect(canceled.status).toBe('CANCELED');
    expect(canceled.cancelReceiptKey).toBe(`c_${receipt.receiptKey}`);
    expect(await shop.dataSource.manager.countBy(CashReceipt, { id: receipt.id })).toBe(1);
  });

  it('secrets and card numbers never reach the captured logs or any raw column', async () => {
    await toss.expectNoSecretsLeaked();
  });
});
