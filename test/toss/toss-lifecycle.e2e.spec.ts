import {
  AmountMismatchError,
  BillingKey,
  CancelAmountExceedsBalanceError,
  CancelStatus,
  CashReceipt,
  GatewayDeclinedError,
  Payment,
  PaymentCancel,
  PaymentOutcomeUnknownError,
  PaymentStatus,
  WebhookEvent,
} from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { URLS, bootPaymentsApp, CapturingLogger, TEST_ENCRYPTION, type ShopApp } from '../support/harness';

/**
 * The Toss lifecycle end to end: real PostgreSQL, the library in a real Nest app, the Toss simulator over loopback
 * HTTP. Assertions are on rows, statuses, amounts and the exact requests the simulator received.
 */
describe('Toss payments lifecycle', () => {
  let sim: TossSimulator;
  let shop: ShopApp;
  const logger = new CapturingLogger();
  let seq = 0;

  beforeAll(async () => {
    sim = await TossSimulator.start({ port: 0, webhookTimeScale: 1 / 60_000 });
    shop = await bootPaymentsApp(
      {
        gateways: {
          toss: {
            secretKey: TOSS_TEST_SECRET_KEY,
            clientKey: TOSS_TEST_CLIENT_KEY,
            baseUrl: sim.url,
            timeouts: { connectMs: 1_000, readMs: 1_500 },
            logBodies: true, // the log-scrubbing test below reads the bodies too
          },
        },
        encryption: TEST_ENCRYPTION,
      },
      'useFactory',
      logger,
    );
    sim.setWebhookUrl(`${shop.url}/payments/webhooks/toss`);
  });

  afterAll(async () => {
    await shop?.close();
    await sim?.stop();
  });

  const nextOrderId = () => `order_${Date.now().toString(36)}_${++seq}`;

  async function paidCardPayment(amount = 10_000, taxFreeAmount?: number): Promise<Payment> {
    const orderId = nextOrderId();
    await shop.payments.prepare({ ...URLS, gateway: 'toss', orderId, amount, orderName: '토스 티셔츠 외 2건', taxFreeAmount });
    const window = sim.authenticatePayment({ orderId, amount, orderName: '토스 티셔츠 외 2건', taxFreeAmount });
    return shop.payments.confirm({ gateway: 'toss', orderId, amount, paymentKey: window.paymentKey });
  }

  /** Requests the simulator received about one payment (webhook read-backs of other payments run concurrently). */
  const requestsAbout = (orderId: string, paymentKey?: string | null) =>
    sim.requests.filter(
      (r) => (r.body as { orderId?: string } | null)?.orderId === orderId || (paymentKey ? r.path.includes(paymentKey) : false) || r.path.includes(orderId),
    ).length;

  const cancelsOf = (paymentId: string) =>
    shop.dataSource.manager.find(PaymentCancel, { where: { paymentId }, order: { createdAt: 'ASC' } });

  it('card payment: prepare → window → confirm → PAID, with the exact confirm request', async () => {
    const orderId = nextOrderId();
    const { payment, checkout } = await shop.payments.prepare({
      gateway: 'toss',
      orderId,
      amount: 10_000,
      orderName: '토스 티셔츠 외 2건',
      customer: { customerKey: 'cust-0001', name: '김토스', email: 'kim@example.com' },
      returnUrl: 'https://shop.example/pay/success',
      failUrl: 'https://shop.example/pay/fail',
    });
    expect(payment.status).toBe(PaymentStatus.READY);
    expect(checkout).toMatchObject({ gateway: 'toss', kind: 'sdk' });
    expect(checkout.fields).toMatchObject({ clientKey: TOSS_TEST_CLIENT_KEY, orderId, amount: { currency: 'KRW', value: 10_000 } });

    const window = sim.authenticatePayment({ orderId, amount: 10_000, orderName: '토스 티셔츠 외 2건' });
    const before = sim.requestsTo('POST', '/v1/payments/confirm').length;
    const paid = await shop.payments.confirm({ gateway: 'toss', orderId, amount: 10_000, paymentKey: window.paymentKey });

    expect(paid).toMatchObject({ status: PaymentStatus.PAID, amount: 10_000, balanceAmount: 10_000, canceledAmount: 0, vat: 909 });
    expect(paid.gatewayPaymentKey).toBe(window.paymentKey);
    expect(paid.method).toBe('CARD'); // canonical, not Toss's '카드'
    expect(paid.approvedAt).toBeInstanceOf(Date);
    const confirms = sim.requestsTo('POST', '/v1/payments/confirm').slice(before);
    expect(confirms).toHaveLength(1);
    expect(confirms[0].body).toEqual({ paymentKey: window.paymentKey, orderId, amount: 10_000 });
    expect(confirms[0].headers['idempotency-key']).toBe(`confirm:${payment.id}`);
    expect(confirms[0].headers.authorization).toBe(`Basic ${Buffer.from(`${TOSS_TEST_SECRET_KEY}:`).toString('base64')}`);

    const row = await shop.dataSource.manager.findOneByOrFail(Payment, { id: payment.id });
    expect(row.status).toBe(PaymentStatus.PAID);
    expect(JSON.stringify(row.raw)).not.toContain(TOSS_TEST_SECRET_KEY);
  });

  it('two partial cancels then a final cancel: balances, statuses, transaction keys, VAT at the gateway', async () => {
    const paid = await paidCardPayment(50_000);
    const first = await shop.payments.cancel({ paymentId: paid.id, amount: 10_000, reason: '부분 환불 1' });
    expect(first).toMatchObject({ status: CancelStatus.DONE, amount: 10_000 });
    expect(first.transactionKey).toBeTruthy();
    let payment = await shop.payments.get(paid.id);
    expect(payment).toMatchObject({ status: PaymentStatus.PARTIALLY_CANCELED, canceledAmount: 10_000, balanceAmount: 40_000, pendingCancelAmount: 0 });

    await shop.payments.cancel({ paymentId: paid.id, amount: 5_000, reason: '부분 환불 2' });
    payment = await shop.payments.get(paid.id);
    expect(payment).toMatchObject({ status: PaymentStatus.PARTIALLY_CANCELED, canceledAmount: 15_000, balanceAmount: 35_000 });

    const last = await shop.payments.cancel({ paymentId: paid.id, reason: '전액 환불' });
    expect(last.amount).toBe(35_000);
    payment = await shop.payments.get(paid.id);
    expect(payment).toMatchObject({ status: PaymentStatus.CANCELED, canceledAmount: 50_000, balanceAmount: 0, pendingCancelAmount: 0 });

    const cancelRequests = sim.requestsTo('POST', new RegExp(`^/v1/payments/${paid.gatewayPaymentKey}/cancel$`));
    expect(cancelRequests.map((r) => (r.body as { cancelAmount?: number }).cancelAmount)).toEqual([10_000, 5_000, undefined]);
    expect(cancelRequests.map((r) => (r.body as { refundableAmount?: number }).refundableAmount)).toEqual([50_000, 40_000, 35_000]);
    expect(new Set(cancelRequests.map((r) => r.headers['idempotency-key'])).size).toBe(3);
    const gatewayView = sim.getPayment(paid.gatewayPaymentKey as string) as { balanceAmount: number; status: string };
    expect(gatewayView).toMatchObject({ balanceAmount: 0, status: 'CANCELED' });
    const rows = await cancelsOf(paid.id);
    expect(rows.map((c) => [c.status, c.amount])).toEqual([
      [CancelStatus.DONE, 10_000],
      [CancelStatus.DONE, 5_000],
      [CancelStatus.DONE, 35_000],
    ]);
    expect(new Set(rows.map((c) => c.transactionKey)).size).toBe(3);
  });

  it('20 concurrent confirms for one order → exactly one approval request and one PAID row', async () => {
    const orderId = nextOrderId();
    await shop.payments.prepare({ ...URLS, gateway: 'toss', orderId, amount: 33_000, orderName: 'race' });
    const window = sim.authenticatePayment({ orderId, amount: 33_000, orderName: 'race' });
    const before = sim.requestsTo('POST', '/v1/payments/confirm').length;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => shop.payments.confirm({ gateway: 'toss', orderId, amount: 33_000, paymentKey: window.paymentKey })),
    );
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(sim.requestsTo('POST', '/v1/payments/confirm').length - before).toBe(1);
    const rows = await shop.dataSource.manager.find(Payment, { where: { orderId } });
    expect(rows).toHaveLength(1);
    expect(rows[0].status).toBe(PaymentStatus.PAID);
    const statuses = results.map((r) => (r as PromiseFulfilledResult<Payment>).value.status);
    expect(statuses.every((s) => s === PaymentStatus.PAID || s === PaymentStatus.IN_PROGRESS)).toBe(true);
  });

  it('tampered amount or orderId → typed error and no gateway call', async () => {
    const orderId = nextOrderId();
    await shop.payments.prepare({ ...URLS, gateway: 'toss', orderId, amount: 20_000, orderName: 'tamper' });
    const window = sim.authenticatePayment({ orderId, amount: 20_000, orderName: 'tamper' });
    const before = requestsAbout(orderId, window.paymentKey);
    await expect(shop.payments.confirm({ gateway: 'toss', orderId, amount: 100, paymentKey: window.paymentKey })).rejects.toBeInstanceOf(
      AmountMismatchError,
    );
    await expect(
      shop.payments.confirm({ gateway: 'toss', orderId: `${orderId}x`, amount: 20_000, paymentKey: window.paymentKey }),
    ).rejects.toMatchObject({ code: 'PAYMENT_NOT_FOUND' });
    expect(requestsAbout(orderId, window.paymentKey)).toBe(before);
    const row = await shop.payments.getByOrderId('toss', orderId);
    expect(row.status).toBe(PaymentStatus.READY);
  });

  it('a timeout after the gateway committed → UNKNOWN; sync → PAID', async () => {
    const orderId = nextOrderId();
    const { payment } = await shop.payments.prepare({ ...URLS, gateway: 'toss', orderId, amount: 12_000, orderName: 'lost answer' });
    const window = sim.authenticatePayment({ orderId, amount: 12_000, orderName: 'lost answer' });
    sim.failNext({ method: 'POST', path: '/v1/payments/confirm' }, { kind: 'hang-after-commit', ms: 3_000 });
    sim.setWebhookUrl(undefined); // otherwise PAYMENT_STATUS_CHANGED resolves it first (that path is tested below)
    try {
      await expect(shop.payments.confirm({ gateway: 'toss', orderId, amount: 12_000, paymentKey: window.paymentKey })).rejects.toBeInstanceOf(
        PaymentOutcomeUnknownError,
      );
      expect((await shop.payments.get(payment.id)).status).toBe(PaymentStatus.UNKNOWN);
    } finally {
      sim.setWebhookUrl(`${shop.url}/payments/webhooks/toss`);
    }
    expect((sim.getPayment(window.paymentKey) as { status: string }).status).toBe('DONE');

    const synced = await shop.payments.sync(payment.id);
    expect(synced).toMatchObject({ status: PaymentStatus.PAID, balanceAmount: 12_000 });
  });

  it('a dropped confirm answer → UNKNOWN; a retried confirm reads back instead of approving again', async () => {
    const orderId = nextOrderId();
    const { payment } = await shop.payments.prepare({ ...URLS, gateway: 'toss', orderId, amount: 7_000, orderName: 'dropped' });
    const window = sim.authenticatePayment({ orderId, amount: 7_000, orderName: 'dropped' });
    sim.failNext({ method: 'POST', path: '/v1/payments/confirm' }, { kind: 'drop-after-commit' });
    await expect(shop.payments.confirm({ gateway: 'toss', orderId, amount: 7_000, paymentKey: window.paymentKey })).rejects.toBeInstanceOf(
      PaymentOutcomeUnknownError,
    );
    const confirmsBefore = sim.requestsTo('POST', '/v1/payments/confirm').length;
    const retried = await shop.payments.confirm({ gateway: 'toss', orderId, amount: 7_000, paymentKey: window.paymentKey });
    expect(retried.status).toBe(PaymentStatus.PAID);
    expect(sim.requestsTo('POST', '/v1/payments/confirm').length).toBe(confirmsBefore);
    expect((await shop.payments.get(payment.id)).status).toBe(PaymentStatus.PAID);
  });

  it('PROVIDER_ERROR / 5xx on confirm → retry-safe UNKNOWN, and a retry with the same idempotency key succeeds', async () => {
    for (const fault of [
      { kind: 'error' as const, status: 400, code: 'PROVIDER_ERROR' },
      { kind: 'error' as const, status: 500, code: 'FAILED_INTERNAL_SYSTEM_PROCESSING' },
    ]) {
      const orderId = nextOrderId();
      const { payment } = await shop.payments.prepare({ ...URLS, gateway: 'toss', orderId, amount: 9_000, orderName: 'transient' });
      const window = sim.authenticatePayment({ orderId, amount: 9_000, orderName: 'transient' });
      sim.failNext({ method: 'POST', path: '/v1/payments/confirm' }, fault);
      const error = await shop.payments
        .confirm({ gateway: 'toss', orderId, amount: 9_000, paymentKey: window.paymentKey })
        .then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
      expect(error).toMatchObject({ retryable: true, gatewayCode: fault.code });
      const stored = await shop.payments.get(payment.id);
      expect(stored.status).toBe(PaymentStatus.UNKNOWN);
      expect(stored.status).not.toBe(PaymentStatus.FAILED);

      const paid = await shop.payments.confirm({ gateway: 'toss', orderId, amount: 9_000, paymentKey: window.paymentKey });
      expect(paid.status).toBe(PaymentStatus.PAID);
      const keys = sim.requestsTo('POST', '/v1/payments/confirm').filter((r) => (r.body as { orderId: string }).orderId === orderId);
      expect(keys.map((r) => r.headers['idempotency-key'])).toEqual([`confirm:${payment.id}`, `confirm:${payment.id}`]);
    }
  });

  it('syncStuckPayments resolves UNKNOWN payments and UNKNOWN cancels in one pass', async () => {
    sim.setWebhookUrl(undefined);
    try {
      const orderId = nextOrderId();
      const { payment } = await shop.payments.prepare({ ...URLS, gateway: 'toss', orderId, amount: 6_000, orderName: 'repair' });
      const window = sim.authenticatePayment({ orderId, amount: 6_000, orderName: 'repair' });
      sim.failNext({ method: 'POST', path: '/v1/payments/confirm' }, { kind: 'drop-after-commit' });
      await expect(shop.payments.confirm({ gateway: 'toss', orderId, amount: 6_000, paymentKey: window.paymentKey })).rejects.toBeInstanceOf(
        PaymentOutcomeUnknownError,
      );
      const paid = await paidCardPayment(9_000);
      sim.failNext({ method: 'POST', path: /\/cancel$/ }, { kind: 'drop-after-commit' });
      await expect(shop.payments.cancel({ paymentId: paid.id, amount: 4_000, reason: 'lost' })).rejects.toBeInstanceOf(PaymentOutcomeUnknownError);

      const results = await shop.payments.syncStuckPayments({ olderThanMs: -1_000 });
      expect(results).toEqual(
        expect.arrayContaining([
          { paymentId: payment.id, status: PaymentStatus.PAID },
          { paymentId: paid.id, status: PaymentStatus.PARTIALLY_CANCELED },
        ]),
      );
      expect(await shop.payments.get(paid.id)).toMatchObject({ canceledAmount: 4_000, pendingCancelAmount: 0, balanceAmount: 5_000 });
    } finally {
      sim.setWebhookUrl(`${shop.url}/payments/webhooks/toss`);
    }
  });

  it('a hard decline → FAILED with the gateway code', async () => {
    const orderId = nextOrderId();
    const { payment } = await shop.payments.prepare({ ...URLS, gateway: 'toss', orderId, amount: 5_000, orderName: 'decline' });
    const window = sim.authenticatePayment({ orderId, amount: 5_000, orderName: 'decline' });
    sim.failNext({ method: 'POST', path: '/v1/payments/confirm' }, { kind: 'error', status: 403, code: 'REJECT_CARD_COMPANY' });
    await expect(shop.payments.confirm({ gateway: 'toss', orderId, amount: 5_000, paymentKey: window.paymentKey })).rejects.toBeInstanceOf(
      GatewayDeclinedError,
    );
    expect(await shop.payments.get(payment.id)).toMatchObject({ status: PaymentStatus.FAILED, failureCode: 'REJECT_CARD_COMPANY' });
  });

  it('over-cancel → error and no gateway call', async () => {
    const paid = await paidCardPayment(8_000);
    // The PAYMENT_STATUS_CHANGED webhook's read-back (GET /v1/payments/{key}) may still be on its way: let it land.
    await sim.webhooksIdle();
    const before = requestsAbout(paid.orderId, paid.gatewayPaymentKey);
    await expect(shop.payments.cancel({ paymentId: paid.id, amount: 8_001, reason: 'too much' })).rejects.toBeInstanceOf(
      CancelAmountExceedsBalanceError,
    );
    expect(requestsAbout(paid.orderId, paid.gatewayPaymentKey)).toBe(before);
    expect(await cancelsOf(paid.id)).toHaveLength(0);
    expect(await shop.payments.get(paid.id)).toMatchObject({ status: PaymentStatus.PAID, pendingCancelAmount: 0 });
  });

  it('a lost cancel answer keeps the amount reserved until sync resolves it', async () => {
    const paid = await paidCardPayment(30_000);
    sim.failNext({ method: 'POST', path: /\/cancel$/ }, { kind: 'drop-after-commit' });
    await expect(shop.payments.cancel({ paymentId: paid.id, amount: 20_000, reason: 'lost' })).rejects.toBeInstanceOf(
      PaymentOutcomeUnknownError,
    );
    let payment = await shop.payments.get(paid.id);
    expect(payment).toMatchObject({ status: PaymentStatus.PAID, pendingCancelAmount: 20_000, canceledAmount: 0 });
    const [unknown] = await cancelsOf(paid.id);
    expect(unknown.status).toBe(CancelStatus.UNKNOWN);

    // The reservation is real: only 10,000 is cancelable now, and the refusal makes no gateway call.
    await sim.webhooksIdle();
    const before = requestsAbout(paid.orderId, paid.gatewayPaymentKey);
    await expect(shop.payments.cancel({ paymentId: paid.id, amount: 15_000, reason: 'second' })).rejects.toBeInstanceOf(
      CancelAmountExceedsBalanceError,
    );
    expect(requestsAbout(paid.orderId, paid.gatewayPaymentKey)).toBe(before);

    payment = await shop.payments.sync(paid.id);
    expect(payment).toMatchObject({ status: PaymentStatus.PARTIALLY_CANCELED, pendingCancelAmount: 0, canceledAmount: 20_000, balanceAmount: 10_000 });
    const [settled] = await cancelsOf(paid.id);
    expect(settled.status).toBe(CancelStatus.DONE);
    expect(settled.transactionKey).toBeTruthy();
  });

  it('a cancel lost before the gateway processed it is released by sync', async () => {
    const paid = await paidCardPayment(30_000);
    sim.failNext({ method: 'POST', path: /\/cancel$/ }, { kind: 'drop-before-commit' });
    await expect(shop.payments.cancel({ paymentId: paid.id, amount: 20_000, reason: 'never arrived' })).rejects.toBeInstanceOf(
      PaymentOutcomeUnknownError,
    );
    expect((await shop.payments.get(paid.id)).pendingCancelAmount).toBe(20_000);
    const synced = await shop.payments.sync(paid.id);
    expect(synced).toMatchObject({ status: PaymentStatus.PAID, pendingCancelAmount: 0, canceledAmount: 0, balanceAmount: 30_000 });
    const [released] = await cancelsOf(paid.id);
    expect(released.status).toBe(CancelStatus.FAILED);
  });

  it('a cancel retried with the same idempotency key refunds once', async () => {
    const paid = await paidCardPayment(10_000);
    const a = await shop.payments.cancel({ paymentId: paid.id, amount: 3_000, reason: 'retry', idempotencyKey: 'refund-77' });
    const b = await shop.payments.cancel({ paymentId: paid.id, amount: 3_000, reason: 'retry', idempotencyKey: 'refund-77' });
    expect(b.id).toBe(a.id);
    expect(await shop.payments.get(paid.id)).toMatchObject({ canceledAmount: 3_000, balanceAmount: 7_000 });
  });

  it('virtual account: issued via the window, deposited → webhook → PAID; duplicate webhook applied once', async () => {
    const orderId = nextOrderId();
    const { payment } = await shop.payments.prepare({ ...URLS, gateway: 'toss', orderId, amount: 25_000, orderName: '가상계좌 주문', method: 'VIRTUAL_ACCOUNT' });
    const window = sim.authenticatePayment({ orderId, amount: 25_000, orderName: '가상계좌 주문', method: 'VIRTUAL_ACCOUNT', customerName: '김토스' });
    const waiting = await shop.payments.confirm({ gateway: 'toss', orderId, amount: 25_000, paymentKey: window.paymentKey });
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
    const deposit = sim.webhookDeliveries.find((d) => d.eventType === 'DEPOSIT_CALLBACK' && (d.body as { status?: string }).status === 'DONE');
    expect(deposit).toBeDefined();
    const readBacksBefore = requestsAbout(orderId, window.paymentKey);
    const again = await fetch(`${shop.url}/payments/webhooks/toss`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(deposit?.body),
    });
    expect(again.status).toBe(200);
    expect(requestsAbout(orderId, window.paymentKey)).toBe(readBacksBefore);
    const depositEvents = await shop.dataSource.manager.find(WebhookEvent, { where: { orderId, eventType: 'DEPOSIT_CALLBACK' } });
    const doneEvent = depositEvents.find((e) => (e.payload as { status?: string }).status === 'DONE');
    expect(doneEvent?.attempts).toBe(2);
    expect(JSON.stringify(depositEvents.map((e) => e.payload))).not.toContain((deposit?.body as { secret: string }).secret);
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
    const { payment } = await shop.payments.prepare({ ...URLS, gateway: 'toss', orderId, amount: 11_000, orderName: 'forged', method: 'VIRTUAL_ACCOUNT' });
    const window = sim.authenticatePayment({ orderId, amount: 11_000, orderName: 'forged', method: 'VIRTUAL_ACCOUNT' });
    await shop.payments.confirm({ gateway: 'toss', orderId, amount: 11_000, paymentKey: window.paymentKey });
    await sim.webhooksIdle();
    const requestsBefore = requestsAbout(orderId, window.paymentKey);
    const response = await fetch(`${shop.url}/payments/webhooks/toss`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ createdAt: '2026-11-23T10:00:00.000000', secret: 'ps_forgedforgedforged', status: 'DONE', transactionKey: 'FORGED0001', orderId }),
    });
    expect(response.status).toBe(401);
    expect(requestsAbout(orderId, window.paymentKey)).toBe(requestsBefore); // no read-back was even attempted
    expect((await shop.payments.get(payment.id)).status).toBe(PaymentStatus.WAITING_FOR_DEPOSIT);
    const [event] = await shop.dataSource.manager.find(WebhookEvent, { where: { orderId, dedupeKey: `toss:DEPOSIT_CALLBACK:${orderId}:DONE:FORGED0001` } });
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

    const charge = await shop.payments.chargeBillingKey({ billingKeyId: key.id, amount: 4_900, orderName: '토스 프라임 구독', idempotencyKey: `${customerKey}:2026-11` });
    expect(charge).toMatchObject({ status: PaymentStatus.PAID, type: 'BILLING', amount: 4_900, billingKeyId: key.id, vat: 445 });
    const retry = await shop.payments.chargeBillingKey({ billingKeyId: key.id, amount: 4_900, orderName: '토스 프라임 구독', idempotencyKey: `${customerKey}:2026-11` });
    expect(retry.id).toBe(charge.id);
    const chargeRequests = sim.requests.filter((r) => r.method === 'POST' && /^\/v1\/billing\/[^/]+$/.test(r.path) && !r.path.includes('authorizations'));
    expect(chargeRequests.filter((r) => (r.body as { customerKey: string }).customerKey === customerKey)).toHaveLength(1);
    const billingKeyValue = decodeURIComponent(chargeRequests.at(-1)?.path.split('/').pop() ?? '');
    expect(stored.billingKeyCiphertext).not.toContain(billingKeyValue);
    expect(JSON.stringify(await shop.dataSource.manager.findOneByOrFail(Payment, { id: charge.id }))).not.toContain(billingKeyValue);

    const deleted = await shop.payments.deleteBillingKey(key.id);
    expect(deleted.status).toBe('DELETED');
    await expect(shop.payments.chargeBillingKey({ billingKeyId: key.id, amount: 4_900, orderName: 'after delete' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'billingKeyId',
    });
  });

  it('cash receipt: issued for a payment, identity number encrypted, then canceled', async () => {
    const paid = await paidCardPayment(15_000);
    const receipt = await shop.payments.issueCashReceipt({ paymentId: paid.id, type: 'INCOME_DEDUCTION', identityNumber: '01012345678' });
    expect(receipt).toMatchObject({ status: 'ISSUED', amount: 15_000, type: 'INCOME_DEDUCTION' });
    expect(receipt.receiptKey).toBeTruthy();
    const issueRequest = sim.requestsTo('POST', '/v1/cash-receipts').at(-1);
    expect(issueRequest?.body).toMatchObject({ amount: 15_000, type: '소득공제', customerIdentityNumber: '01012345678' });
    const raw = await shop.dataSource.query('SELECT identity_number_ciphertext, raw FROM cash_receipts WHERE id = $1', [receipt.id]);
    expect(JSON.stringify(raw)).not.toContain('01012345678');

    const canceled = await shop.payments.cancelCashReceipt(receipt.id);
    expect(canceled.status).toBe('CANCELED');
    expect(canceled.cancelReceiptKey).toBe(`c_${receipt.receiptKey}`);
    expect(await shop.dataSource.manager.countBy(CashReceipt, { id: receipt.id })).toBe(1);
  });

  it('secrets and card numbers never reach the captured logs or any raw column', async () => {
    const customerKey = `cust_logs_${Date.now().toString(36)}`;
    const auth = sim.authenticateBilling({ customerKey, cardNumber: '4330123412341234' });
    const key = await shop.payments.issueBillingKey({ gateway: 'toss', customerKey, authKey: auth.authKey });
    await shop.payments.chargeBillingKey({ billingKeyId: key.id, amount: 1_000, orderName: 'log check' });
    await paidCardPayment(1_000);
    const billingKeys = sim.requests
      .filter((r) => r.method === 'POST' && /^\/v1\/billing\/[^/]+$/.test(r.path) && !r.path.includes('authorizations'))
      .map((r) => decodeURIComponent(r.path.split('/').pop() ?? ''));
    const rawColumns = JSON.stringify(
      await shop.dataSource.query(
        `SELECT raw FROM payments UNION ALL SELECT raw FROM payment_cancels UNION ALL SELECT raw FROM billing_keys
         UNION ALL SELECT raw FROM cash_receipts UNION ALL SELECT payload FROM webhook_events`,
      ),
    );
    const logs = logger.text();
    expect(logs.length).toBeGreaterThan(0);
    const basic = Buffer.from(`${TOSS_TEST_SECRET_KEY}:`).toString('base64');
    for (const haystack of [logs, rawColumns]) {
      expect(haystack).not.toContain(TOSS_TEST_SECRET_KEY);
      expect(haystack).not.toContain(basic);
      expect(haystack).not.toContain('4330123412341234');
      expect(haystack).not.toContain(auth.authKey);
      for (const billingKey of billingKeys) expect(haystack).not.toContain(billingKey);
    }
  });
});
