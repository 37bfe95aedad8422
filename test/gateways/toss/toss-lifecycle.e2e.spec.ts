import {
  AmountMismatchError,
  CancelAmountExceedsBalanceError,
  CancelStatus,
  GatewayDeclinedError,
  Payment,
  PaymentOutcomeUnknownError,
  PaymentStatus,
} from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, type TossSimulator } from 'nestjs-kr-payments/testing';
import { URLS, type ShopApp } from '../../support/harness';
import { TossShopFixture } from './toss-e2e.fixtures';

/**
 * The Toss lifecycle end to end: real PostgreSQL, the library in a real Nest app, the Toss simulator over loopback
 * HTTP. Assertions are on rows, statuses, amounts and the exact requests the simulator received. Virtual accounts,
 * billing keys and cash receipts: toss-virtual-accounts-billing.e2e.spec.ts.
 */
describe('Toss payments lifecycle', () => {
  const toss = TossShopFixture.use();
  const { nextOrderId, paidCardPayment, requestsAbout, cancelsOf } = toss;
  let sim: TossSimulator;
  let shop: ShopApp;
  beforeAll(() => {
    ({ sim, shop } = toss);
  });

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
    expect(checkout.fields).toMatchObject({
      clientKey: TOSS_TEST_CLIENT_KEY,
      orderId,
      amount: { currency: 'KRW', value: 10_000 },
    });

    const window = sim.authenticatePayment({ orderId, amount: 10_000, orderName: '토스 티셔츠 외 2건' });
    const before = sim.requestsTo('POST', '/v1/payments/confirm').length;
    const paid = await shop.payments.confirm({
      gateway: 'toss',
      orderId,
      amount: 10_000,
      paymentKey: window.paymentKey,
    });

    expect(paid).toMatchObject({
      status: PaymentStatus.PAID,
      amount: 10_000,
      balanceAmount: 10_000,
      canceledAmount: 0,
      vat: 909,
    });
    expect(paid.gatewayPaymentKey).toBe(window.paymentKey);
    expect(paid.method).toBe('CARD'); // canonical, not Toss's '카드'
    expect(paid.approvedAt).toBeInstanceOf(Date);
    const confirms = sim.requestsTo('POST', '/v1/payments/confirm').slice(before);
    expect(confirms).toHaveLength(1);
    expect(confirms[0].body).toEqual({ paymentKey: window.paymentKey, orderId, amount: 10_000 });
    // One key per (payment, paymentKey): a retry is replayed, a confirm under another key never gets this answer.
    expect(confirms[0].headers['idempotency-key']).toMatch(new RegExp(`^confirm:${payment.id}:[A-Za-z0-9_-]{16}$`));
    expect(confirms[0].headers.authorization).toBe(
      `Basic ${Buffer.from(`${TOSS_TEST_SECRET_KEY}:`).toString('base64')}`,
    );

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
    expect(payment).toMatchObject({
      status: PaymentStatus.PARTIALLY_CANCELED,
      canceledAmount: 10_000,
      balanceAmount: 40_000,
      pendingCancelAmount: 0,
    });

    await shop.payments.cancel({ paymentId: paid.id, amount: 5_000, reason: '부분 환불 2' });
    payment = await shop.payments.get(paid.id);
    expect(payment).toMatchObject({
      status: PaymentStatus.PARTIALLY_CANCELED,
      canceledAmount: 15_000,
      balanceAmount: 35_000,
    });

    const last = await shop.payments.cancel({ paymentId: paid.id, reason: '전액 환불' });
    expect(last.amount).toBe(35_000);
    payment = await shop.payments.get(paid.id);
    expect(payment).toMatchObject({
      status: PaymentStatus.CANCELED,
      canceledAmount: 50_000,
      balanceAmount: 0,
      pendingCancelAmount: 0,
    });

    const cancelRequests = sim.requestsTo('POST', new RegExp(`^/v1/payments/${paid.gatewayPaymentKey}/cancel$`));
    expect(cancelRequests.map((r) => (r.body as { cancelAmount?: number }).cancelAmount)).toEqual([
      10_000,
      5_000,
      undefined,
    ]);
    expect(cancelRequests.map((r) => (r.body as { refundableAmount?: number }).refundableAmount)).toEqual([
      50_000, 40_000, 35_000,
    ]);
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
      Array.from({ length: 20 }, () =>
        shop.payments.confirm({ gateway: 'toss', orderId, amount: 33_000, paymentKey: window.paymentKey }),
      ),
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
    await expect(
      shop.payments.confirm({ gateway: 'toss', orderId, amount: 100, paymentKey: window.paymentKey }),
    ).rejects.toBeInstanceOf(AmountMismatchError);
    await expect(
      shop.payments.confirm({ gateway: 'toss', orderId: `${orderId}x`, amount: 20_000, paymentKey: window.paymentKey }),
    ).rejects.toMatchObject({ code: 'PAYMENT_NOT_FOUND' });
    expect(requestsAbout(orderId, window.paymentKey)).toBe(before);
    const row = await shop.payments.getByOrderId('toss', orderId);
    expect(row.status).toBe(PaymentStatus.READY);
  });

  it('a timeout after the gateway committed → UNKNOWN; sync → PAID', async () => {
    const orderId = nextOrderId();
    const { payment } = await shop.payments.prepare({
      ...URLS,
      gateway: 'toss',
      orderId,
      amount: 12_000,
      orderName: 'lost answer',
    });
    const window = sim.authenticatePayment({ orderId, amount: 12_000, orderName: 'lost answer' });
    sim.failNext({ method: 'POST', path: '/v1/payments/confirm' }, { kind: 'hang-after-commit', ms: 3_000 });
    sim.setWebhookUrl(undefined); // otherwise PAYMENT_STATUS_CHANGED resolves it first (that path is tested below)
    try {
      await expect(
        shop.payments.confirm({ gateway: 'toss', orderId, amount: 12_000, paymentKey: window.paymentKey }),
      ).rejects.toBeInstanceOf(PaymentOutcomeUnknownError);
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
    const { payment } = await shop.payments.prepare({
      ...URLS,
      gateway: 'toss',
      orderId,
      amount: 7_000,
      orderName: 'dropped',
    });
    const window = sim.authenticatePayment({ orderId, amount: 7_000, orderName: 'dropped' });
    sim.failNext({ method: 'POST', path: '/v1/payments/confirm' }, { kind: 'drop-after-commit' });
    await expect(
      shop.payments.confirm({ gateway: 'toss', orderId, amount: 7_000, paymentKey: window.paymentKey }),
    ).rejects.toBeInstanceOf(PaymentOutcomeUnknownError);
    const confirmsBefore = sim.requestsTo('POST', '/v1/payments/confirm').length;
    const retried = await shop.payments.confirm({
      gateway: 'toss',
      orderId,
      amount: 7_000,
      paymentKey: window.paymentKey,
    });
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
      const { payment } = await shop.payments.prepare({
        ...URLS,
        gateway: 'toss',
        orderId,
        amount: 9_000,
        orderName: 'transient',
      });
      const window = sim.authenticatePayment({ orderId, amount: 9_000, orderName: 'transient' });
      sim.failNext({ method: 'POST', path: '/v1/payments/confirm' }, fault);
      const error = await shop.payments
        .confirm({ gateway: 'toss', orderId, amount: 9_000, paymentKey: window.paymentKey })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
      expect(error).toMatchObject({ retryable: true, gatewayCode: fault.code });
      const stored = await shop.payments.get(payment.id);
      expect(stored.status).toBe(PaymentStatus.UNKNOWN);
      expect(stored.status).not.toBe(PaymentStatus.FAILED);

      const paid = await shop.payments.confirm({
        gateway: 'toss',
        orderId,
        amount: 9_000,
        paymentKey: window.paymentKey,
      });
      expect(paid.status).toBe(PaymentStatus.PAID);
      const keys = sim
        .requestsTo('POST', '/v1/payments/confirm')
        .filter((r) => (r.body as { orderId: string }).orderId === orderId);
      const sent = keys.map((r) => r.headers['idempotency-key']);
      expect(sent).toHaveLength(2);
      expect(sent[1]).toBe(sent[0]);
      expect(sent[0]).toMatch(new RegExp(`^confirm:${payment.id}:`));
    }
  });

  it('syncStuckPayments resolves UNKNOWN payments and UNKNOWN cancels in one pass', async () => {
    sim.setWebhookUrl(undefined);
    try {
      const orderId = nextOrderId();
      const { payment } = await shop.payments.prepare({
        ...URLS,
        gateway: 'toss',
        orderId,
        amount: 6_000,
        orderName: 'repair',
      });
      const window = sim.authenticatePayment({ orderId, amount: 6_000, orderName: 'repair' });
      sim.failNext({ method: 'POST', path: '/v1/payments/confirm' }, { kind: 'drop-after-commit' });
      await expect(
        shop.payments.confirm({ gateway: 'toss', orderId, amount: 6_000, paymentKey: window.paymentKey }),
      ).rejects.toBeInstanceOf(PaymentOutcomeUnknownError);
      const paid = await paidCardPayment(9_000);
      sim.failNext({ method: 'POST', path: /\/cancel$/ }, { kind: 'drop-after-commit' });
      await expect(shop.payments.cancel({ paymentId: paid.id, amount: 4_000, reason: 'lost' })).rejects.toBeInstanceOf(
        PaymentOutcomeUnknownError,
      );

      // A row younger than Toss's longest call may still be in flight: the job refuses to call it stuck.
      await expect(shop.payments.syncStuckPayments({ olderThanMs: 1_000 })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        field: 'olderThanMs',
      });
      toss.clock.advance(120_000);
      const results = await shop.payments.syncStuckPayments();
      expect(results).toEqual(
        expect.arrayContaining([
          { paymentId: payment.id, rule: 'approval', status: PaymentStatus.PAID },
          { paymentId: paid.id, rule: 'cancel', status: PaymentStatus.PARTIALLY_CANCELED },
        ]),
      );
      expect(await shop.payments.get(paid.id)).toMatchObject({
        canceledAmount: 4_000,
        pendingCancelAmount: 0,
        balanceAmount: 5_000,
      });
    } finally {
      sim.setWebhookUrl(`${shop.url}/payments/webhooks/toss`);
    }
  });

  it('a hard decline → FAILED with the gateway code', async () => {
    const orderId = nextOrderId();
    const { payment } = await shop.payments.prepare({
      ...URLS,
      gateway: 'toss',
      orderId,
      amount: 5_000,
      orderName: 'decline',
    });
    const window = sim.authenticatePayment({ orderId, amount: 5_000, orderName: 'decline' });
    sim.failNext(
      { method: 'POST', path: '/v1/payments/confirm' },
      { kind: 'error', status: 403, code: 'REJECT_CARD_COMPANY' },
    );
    await expect(
      shop.payments.confirm({ gateway: 'toss', orderId, amount: 5_000, paymentKey: window.paymentKey }),
    ).rejects.toBeInstanceOf(GatewayDeclinedError);
    expect(await shop.payments.get(payment.id)).toMatchObject({
      status: PaymentStatus.FAILED,
      failureCode: 'REJECT_CARD_COMPANY',
    });
  });

  it('over-cancel → error and no gateway call', async () => {
    const paid = await paidCardPayment(8_000);
    // The PAYMENT_STATUS_CHANGED webhook's read-back (GET /v1/payments/{key}) may still be on its way: let it land.
    await sim.webhooksIdle();
    const before = requestsAbout(paid.orderId, paid.gatewayPaymentKey);
    await expect(
      shop.payments.cancel({ paymentId: paid.id, amount: 8_001, reason: 'too much' }),
    ).rejects.toBeInstanceOf(CancelAmountExceedsBalanceError);
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
    expect(payment).toMatchObject({
      status: PaymentStatus.PARTIALLY_CANCELED,
      pendingCancelAmount: 0,
      canceledAmount: 20_000,
      balanceAmount: 10_000,
    });
    const [settled] = await cancelsOf(paid.id);
    expect(settled.status).toBe(CancelStatus.DONE);
    expect(settled.transactionKey).toBeTruthy();
  });

  it('a cancel lost before the gateway processed it is released by sync only once provably absent', async () => {
    const paid = await paidCardPayment(30_000);
    sim.failNext({ method: 'POST', path: /\/cancel$/ }, { kind: 'drop-before-commit' });
    await expect(
      shop.payments.cancel({ paymentId: paid.id, amount: 20_000, reason: 'never arrived' }),
    ).rejects.toBeInstanceOf(PaymentOutcomeUnknownError);
    expect((await shop.payments.get(paid.id)).pendingCancelAmount).toBe(20_000);
    // Toss may still commit it within its longest call: a read-back that misses it now proves nothing.
    expect(await shop.payments.sync(paid.id)).toMatchObject({ pendingCancelAmount: 20_000 });
    toss.clock.advance(120_000);
    // Past the grace window, one miss is not enough either ...
    expect(await shop.payments.sync(paid.id)).toMatchObject({ pendingCancelAmount: 20_000 });
    expect((await cancelsOf(paid.id))[0]).toMatchObject({ status: CancelStatus.UNKNOWN, absentReads: 1 });
    // ... the second read-back past it releases the reservation.
    const synced = await shop.payments.sync(paid.id);
    expect(synced).toMatchObject({
      status: PaymentStatus.PAID,
      pendingCancelAmount: 0,
      canceledAmount: 0,
      balanceAmount: 30_000,
    });
    const [released] = await cancelsOf(paid.id);
    expect(released.status).toBe(CancelStatus.FAILED);
  });

  it('a cancel retried with the same idempotency key refunds once', async () => {
    const paid = await paidCardPayment(10_000);
    const a = await shop.payments.cancel({
      paymentId: paid.id,
      amount: 3_000,
      reason: 'retry',
      idempotencyKey: 'refund-77',
    });
    const b = await shop.payments.cancel({
      paymentId: paid.id,
      amount: 3_000,
      reason: 'retry',
      idempotencyKey: 'refund-77',
    });
    expect(b.id).toBe(a.id);
    expect(await shop.payments.get(paid.id)).toMatchObject({ canceledAmount: 3_000, balanceAmount: 7_000 });
  });

  it('secrets and card numbers never reach the captured logs or any raw column', async () => {
    await toss.expectNoSecretsLeaked();
  });
});
