import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock, TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from '../../../libs/testing/src';
import {
  AmountMismatchError,
  GatewayConfigurationError,
  GatewayDeclinedError,
  GatewayRequestError,
  GatewayUnavailableError,
  InvalidInputError,
  OrderMismatchError,
  PaymentNotFoundError,
} from '../../../libs/payments/src/domain/errors';
import { capabilitiesOf, supports } from '../../../libs/payments/src/gateways/gateway-capabilities';
import type { GatewayPaymentTruth } from '../../../libs/payments/src/gateways/gateway.port';
import type { TossGateway } from '../../../libs/payments/src/gateways/toss/toss.gateway';
import { CapturingLogger } from '../../support/logger';
import {
  BASIC_TEST_KEY,
  createGateway,
  newOrderId,
  paidCardPayment as paidCardPayment_,
  PAYOUT_KEY,
  prepared,
  startWebhookSink,
} from './toss-adapter.fixtures';

/**
 * The Toss adapter's payment flows against the Toss simulator over loopback HTTP: checkout, confirm, reads, cancels,
 * server-issued virtual accounts, and what happens when Toss errs or the answer is lost. Billing keys, cash receipts,
 * the transaction list and payout webhooks: toss-adapter-capabilities.spec.ts.
 */

describe('TossGateway against the Toss simulator', () => {
  let sim: TossSimulator;
  let clock: ManualClock;
  let logger: CapturingLogger;
  let gateway: TossGateway;
  let webhookSink: Awaited<ReturnType<typeof startWebhookSink>>;
  let webhookDeliveries: Array<{ headers: http.IncomingHttpHeaders; rawBody: Buffer }>;

  beforeAll(async () => {
    webhookSink = await startWebhookSink();
    webhookDeliveries = webhookSink.deliveries;
    clock = new ManualClock(new Date('2026-03-02T01:00:00Z'));
    sim = await TossSimulator.start({ port: 0, clock, webhookUrl: webhookSink.url, payoutSecurityKey: PAYOUT_KEY });
    logger = new CapturingLogger();
    gateway = createGateway(sim.url, logger, clock);
  });

  afterAll(async () => {
    await sim.stop();
    await webhookSink.close();
  });

  afterEach(() => {
    sim.clearFaults();
  });

  const paidCardPayment = (amount?: number) => paidCardPayment_(sim, gateway, amount);

  it('reports its features and capabilities; it has no net-cancel and no lost-approval policy', () => {
    expect(capabilitiesOf(gateway)).toEqual({
      partialCancel: true,
      netCancel: false,
      virtualAccount: true,
      billing: true,
      cashReceipts: true,
      transactions: true,
      webhooks: true,
      lostApprovalPolicy: false,
      returnUrl: false,
    });
    // Toss has no net-cancel: the port's old stub is gone, and a lost approval is read back (no policy of its own).
    expect((gateway as unknown as Record<string, unknown>)['netCancel']).toBeUndefined();
    expect(supports(gateway, 'lostApprovalPolicy')).toBe(false);
    expect(supports(gateway, 'returnUrl')).toBe(false);
  });

  it('prepare returns the SDK fields without calling Toss, and validates its input', async () => {
    const before = sim.requests.length;
    const checkout = await gateway.prepare({
      paymentId: 'pay_1',
      orderId: 'order_ABC-123',
      amount: 15_000,
      taxFreeAmount: 3_000,
      orderName: '토스 티셔츠 외 2건',
      method: 'CARD',
      customer: { customerKey: 'cust_5f2a1c9e', name: '김토스', email: 'toss@example.com' },
      returnUrl: 'https://shop.example.com/pay/success',
      failUrl: 'https://shop.example.com/pay/fail',
    });
    expect(checkout).toEqual({
      gateway: 'toss',
      kind: 'sdk',
      fields: {
        clientKey: TOSS_TEST_CLIENT_KEY,
        orderId: 'order_ABC-123',
        orderName: '토스 티셔츠 외 2건',
        amount: { currency: 'KRW', value: 15_000 },
        customerKey: 'cust_5f2a1c9e',
        customerName: '김토스',
        customerEmail: 'toss@example.com',
        taxFreeAmount: 3_000,
        method: 'CARD',
        successUrl: 'https://shop.example.com/pay/success',
        failUrl: 'https://shop.example.com/pay/fail',
      },
    });
    expect(sim.requests.length).toBe(before);

    const base = {
      paymentId: 'pay_2',
      orderId: 'order_ABC-124',
      amount: 1000,
      taxFreeAmount: 0,
      orderName: 'x',
      returnUrl: 'https://shop.example.com/ok',
    };
    await expect(gateway.prepare({ ...base, orderId: 'short' })).rejects.toMatchObject({ field: 'orderId' });
    await expect(gateway.prepare({ ...base, orderId: 'order.with.dots' })).rejects.toMatchObject({ field: 'orderId' });
    await expect(gateway.prepare({ ...base, orderName: 'x'.repeat(101) })).rejects.toMatchObject({
      field: 'orderName',
    });
    await expect(gateway.prepare({ ...base, orderName: '' })).rejects.toMatchObject({ field: 'orderName' });
    await expect(gateway.prepare({ ...base, customer: { name: 'n'.repeat(101) } })).rejects.toMatchObject({
      field: 'customer.name',
    });
    await expect(gateway.prepare({ ...base, customer: { email: `${'e'.repeat(95)}@x.com` } })).rejects.toMatchObject({
      field: 'customer.email',
    });
    await expect(gateway.prepare({ ...base, amount: 10.5 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(gateway.prepare({ ...base, taxFreeAmount: 2000 })).rejects.toMatchObject({ field: 'taxFreeAmount' });
    await expect(gateway.prepare({ ...base, method: 'BITCOIN' })).rejects.toMatchObject({ field: 'method' });
  });

  it('approve sends one confirm with Basic auth, Idempotency-Key and the prepared orderId/amount, and maps the Payment', async () => {
    const { orderId, paymentKey, truth } = await paidCardPayment(15_000);
    const confirms = sim
      .requestsTo('POST', '/v1/payments/confirm')
      .filter((r) => (r.body as { orderId?: string }).orderId === orderId);
    expect(confirms).toHaveLength(1);
    expect(confirms[0].headers['authorization']).toBe(BASIC_TEST_KEY);
    expect(confirms[0].headers['idempotency-key']).toBe(`confirm:pay_${orderId}`);
    expect(confirms[0].headers['content-type']).toMatch(/^application\/json/);
    expect(confirms[0].body).toEqual({ paymentKey, orderId, amount: 15_000 });

    expect(truth).toMatchObject({
      gateway: 'toss',
      paymentKey,
      orderId,
      status: 'PAID',
      totalAmount: 15_000,
      balanceAmount: 15_000,
      vat: 1_364, // 15,000 -> 13,636 supplied / 1,364 VAT (docs/gateways/toss.md#identifiers-and-amounts)
      method: 'CARD',
      currency: 'KRW',
      cancels: [],
      webhookSecret: null,
    });
    expect(truth.card?.maskedNumber).toMatch(/\*{4}/);
    expect(truth.approvedAt).toBeInstanceOf(Date);
    expect(truth.lastTransactionKey).toEqual(expect.any(String));
    expect((truth.raw as { paymentKey: string }).paymentKey).toBe(paymentKey);
  });

  it('verifyConfirmInput (run by the core before approve) rejects input that differs from the prepared payment; nothing is sent', async () => {
    const before = sim.requests.length;
    const p = prepared('order-mismatch-1', 10_000);
    expect(() => gateway.verifyConfirmInput(p, { orderId: p.orderId, amount: 100, paymentKey: 'pk_1' })).toThrow(
      AmountMismatchError,
    );
    expect(() =>
      gateway.verifyConfirmInput(p, { orderId: 'order-other-1', amount: 10_000, paymentKey: 'pk_1' }),
    ).toThrow(OrderMismatchError);
    expect(() => gateway.verifyConfirmInput(p, { orderId: p.orderId, amount: 10_000 })).toThrow(InvalidInputError);
    expect(() =>
      gateway.verifyConfirmInput(p, { orderId: p.orderId, amount: 10_000, paymentKey: 'k'.repeat(201) }),
    ).toThrow(/paymentKey/);
    expect(sim.requests.length).toBe(before);
  });

  it('PROVIDER_ERROR (400) is a retryable unknown outcome; the retry with the same key succeeds', async () => {
    const orderId = newOrderId();
    const success = sim.authenticatePayment({ orderId, amount: 5_000, orderName: '재시도 주문' });
    sim.failNext(
      { method: 'POST', path: '/v1/payments/confirm' },
      { kind: 'error', status: 400, code: 'PROVIDER_ERROR' },
    );
    const request = {
      prepared: prepared(orderId, 5_000),
      input: { orderId, amount: 5_000, paymentKey: success.paymentKey },
      idempotencyKey: `confirm:pay_${orderId}`,
    };
    const error = await gateway.approve(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect(error).toMatchObject({ requestSent: true, retryable: true, gatewayCode: 'PROVIDER_ERROR', gateway: 'toss' });

    const truth = await gateway.approve(request);
    expect(truth.status).toBe('PAID');
    const confirms = sim
      .requestsTo('POST', '/v1/payments/confirm')
      .filter((r) => (r.body as { orderId?: string }).orderId === orderId);
    expect(confirms.map((r) => [r.status, r.headers['idempotency-key']])).toEqual([
      [400, `confirm:pay_${orderId}`],
      [200, `confirm:pay_${orderId}`],
    ]);
  });

  it('a confirm whose answer is lost is outcome-unknown; the replay under the same Idempotency-Key returns the payment', async () => {
    const orderId = newOrderId();
    const success = sim.authenticatePayment({ orderId, amount: 7_000, orderName: '응답 유실' });
    sim.failNext({ method: 'POST', path: '/v1/payments/confirm' }, { kind: 'drop-after-commit' });
    const request = {
      prepared: prepared(orderId, 7_000),
      input: { orderId, amount: 7_000, paymentKey: success.paymentKey },
      idempotencyKey: `confirm:pay_${orderId}`,
    };
    const error = await gateway.approve(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect((error as GatewayUnavailableError).requestSent).toBe(true);

    // sync path: read back by orderId (no paymentKey known) shows the approval happened
    const readBack = await gateway.getPayment({ orderId, amount: 7_000 });
    expect(readBack).toMatchObject({ status: 'PAID', paymentKey: success.paymentKey, totalAmount: 7_000 });
    expect(sim.requestsTo('GET', `/v1/payments/orders/${orderId}`)).toHaveLength(1);

    const replayed = await gateway.approve(request);
    expect(replayed).toMatchObject({ status: 'PAID', paymentKey: success.paymentKey });
  });

  it('ALREADY_PROCESSED_PAYMENT reads the payment back and returns it when orderId and amount match (docs/gateways/toss.md#confirm)', async () => {
    const { orderId, paymentKey } = await paidCardPayment(9_000);
    const truth = await gateway.approve({
      prepared: prepared(orderId, 9_000),
      input: { orderId, amount: 9_000, paymentKey },
      idempotencyKey: `confirm:other-key-${orderId}`,
    });
    expect(truth).toMatchObject({ status: 'PAID', orderId, totalAmount: 9_000, paymentKey });
    const confirms = sim
      .requestsTo('POST', '/v1/payments/confirm')
      .filter((r) => (r.body as { orderId?: string }).orderId === orderId);
    expect(confirms.map((r) => r.status)).toEqual([200, 400]);
    expect(sim.requestsTo('GET', `/v1/payments/${paymentKey}`).length).toBeGreaterThanOrEqual(1);

    // same paymentKey, but we prepared a different amount: the read-back does not match, the error stands
    const error = await gateway
      .approve({
        prepared: prepared(orderId, 9_500),
        input: { orderId, amount: 9_500, paymentKey },
        idempotencyKey: 'other-2',
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayRequestError);
    expect(error).toMatchObject({ gatewayCode: 'ALREADY_PROCESSED_PAYMENT' });
  });

  it('a confirm after the 10-minute window is a decline (NOT_FOUND_PAYMENT_SESSION)', async () => {
    const orderId = newOrderId();
    const success = sim.authenticatePayment({ orderId, amount: 3_000, orderName: '늦은 승인' });
    clock.advance(11 * 60 * 1000);
    const error = await gateway
      .approve({
        prepared: prepared(orderId, 3_000),
        input: { orderId, amount: 3_000, paymentKey: success.paymentKey },
        idempotencyKey: `c:${orderId}`,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayDeclinedError);
    expect(error).toMatchObject({ gatewayCode: 'NOT_FOUND_PAYMENT_SESSION', retryable: false });
    const truth = await gateway.getPayment({ paymentKey: success.paymentKey, orderId, amount: 3_000 });
    expect(truth.status).toBe('EXPIRED');
  });

  it('getPayment of an unknown payment is a PaymentNotFoundError carrying the Toss code', async () => {
    const error = await gateway
      .getPayment({ paymentKey: 'tviva_unknown_key', orderId: 'order-none-1', amount: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentNotFoundError);
    expect(error).toMatchObject({ gatewayCode: 'NOT_FOUND_PAYMENT', gateway: 'toss' });
  });

  it('cancel: partial then full, with refundableAmount lock and Idempotency-Key; the created cancel is identified', async () => {
    const { orderId, paymentKey } = await paidCardPayment(10_000);
    const base = { prepared: prepared(orderId, 10_000), paymentKey, reason: '고객이 취소를 원함' };

    const first = await gateway.cancel({
      ...base,
      cancelId: 'c1',
      amount: 1_000,
      isFull: false,
      balanceBefore: 10_000,
      idempotencyKey: `cancel:c1`,
    });
    expect(first.payment).toMatchObject({ status: 'PARTIALLY_CANCELED', totalAmount: 10_000, balanceAmount: 9_000 });
    expect(first.cancel).toMatchObject({ amount: 1_000, status: 'DONE', reason: '고객이 취소를 원함' });
    expect(first.cancel.transactionKey).toBe(first.payment.lastTransactionKey);
    expect(first.cancel.canceledAt).toBeInstanceOf(Date);

    const second = await gateway.cancel({
      ...base,
      cancelId: 'c2',
      amount: 9_000,
      isFull: true,
      balanceBefore: 9_000,
      idempotencyKey: `cancel:c2`,
    });
    expect(second.payment).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
    expect(second.payment.cancels).toHaveLength(2);
    expect(second.cancel).toMatchObject({ amount: 9_000 });
    expect(second.cancel.transactionKey).not.toBe(first.cancel.transactionKey);

    const cancels = sim.requestsTo('POST', `/v1/payments/${paymentKey}/cancel`);
    expect(cancels.map((r) => r.body)).toEqual([
      { cancelReason: '고객이 취소를 원함', cancelAmount: 1_000, refundableAmount: 10_000 },
      { cancelReason: '고객이 취소를 원함', refundableAmount: 9_000 },
    ]);
    expect(cancels.map((r) => r.headers['idempotency-key'])).toEqual(['cancel:c1', 'cancel:c2']);
    expect(cancels.every((r) => r.headers['authorization'] === BASIC_TEST_KEY)).toBe(true);
  });

  it('server-side virtual account: WAITING_FOR_DEPOSIT with the secret kept out of raw; deposit, DEPOSIT_CALLBACK, refund', async () => {
    const orderId = newOrderId();
    const checkout = await gateway.prepare({
      paymentId: `pay_${orderId}`,
      orderId,
      amount: 20_000,
      taxFreeAmount: 0,
      orderName: '가상계좌 주문',
      method: 'VIRTUAL_ACCOUNT',
      customer: { name: '김토스' },
      extra: { issueServerSide: true, bank: '20', validHours: 24 },
    });
    expect(checkout.kind).toBe('server');
    const truth = checkout.truth as GatewayPaymentTruth;
    expect(checkout.fields).not.toHaveProperty('truth');
    expect(checkout.paymentKey).toBe(truth.paymentKey);
    expect(truth).toMatchObject({ status: 'WAITING_FOR_DEPOSIT', orderId, totalAmount: 20_000, balanceAmount: 20_000 });
    expect(truth.webhookSecret).toEqual(expect.any(String));
    expect(JSON.stringify(truth.raw)).not.toContain(truth.webhookSecret as string);
    expect(truth.virtualAccount).toMatchObject({ bankCode: '20', customerName: '김토스', expired: false });
    expect(checkout.fields['accountNumber']).toBe(truth.virtualAccount?.accountNumber);
    expect(checkout.fields['dueDate']).toBe(
      new Date(clock.now().getTime() + 24 * 3600_000).toISOString().replace(/\.\d{3}Z$/, '.000Z'),
    );

    const issued = sim
      .requestsTo('POST', '/v1/virtual-accounts')
      .filter((r) => (r.body as { orderId?: string }).orderId === orderId);
    expect(issued).toHaveLength(1);
    expect(issued[0].body).toEqual({
      amount: 20_000,
      orderId,
      orderName: '가상계좌 주문',
      customerName: '김토스',
      bank: '20',
      validHours: 24,
    });
    expect(issued[0].headers['idempotency-key']).toBe(`va:pay_${orderId}`);

    await sim.webhooksIdle(); // issuing the account sends its own DEPOSIT_CALLBACK (WAITING_FOR_DEPOSIT)
    webhookDeliveries.length = 0;
    sim.deposit({ orderId });
    await sim.webhooksIdle();
    const paid = await gateway.getPayment({ paymentKey: truth.paymentKey, orderId, amount: 20_000 });
    expect(paid.status).toBe('PAID');

    const parsed = await Promise.all(
      webhookDeliveries.map((d) => gateway.parseWebhook({ headers: d.headers, rawBody: d.rawBody, body: undefined })),
    );
    const depositCallback = parsed.find((p) => p.eventType === 'DEPOSIT_CALLBACK');
    expect(depositCallback).toMatchObject({ verification: 'payment-secret', orderId, secret: truth.webhookSecret });
    expect(depositCallback?.dedupeKey).toMatch(new RegExp(`^toss:DEPOSIT_CALLBACK:${orderId}:DONE:`));
    const statusChanged = parsed.find((p) => p.eventType === 'PAYMENT_STATUS_CHANGED');
    expect(statusChanged).toMatchObject({ verification: 'read-back', paymentKey: truth.paymentKey, orderId });
    expect(statusChanged?.dedupeKey).toMatch(
      new RegExp(`^toss:PAYMENT_STATUS_CHANGED:${truth.paymentKey}:DONE:${paid.lastTransactionKey}:[0-9a-f]{32}$`),
    );
    expect(JSON.stringify(statusChanged?.payload)).not.toContain(truth.webhookSecret as string);

    const refund = await gateway.cancel({
      prepared: prepared(orderId, 20_000),
      paymentKey: truth.paymentKey,
      cancelId: 'va-c1',
      amount: 20_000,
      isFull: true,
      balanceBefore: 20_000,
      reason: '환불',
      refundAccount: { bankCode: '88', accountNumber: '110123456789', holderName: '김토스' },
      idempotencyKey: 'cancel:va-c1',
    });
    expect(refund.payment.status).toBe('CANCELED');
    const sent = sim.requestsTo('POST', `/v1/payments/${truth.paymentKey}/cancel`);
    expect(sent[0].body).toEqual({
      cancelReason: '환불',
      refundableAmount: 20_000,
      refundReceiveAccount: { bank: '88', accountNumber: '110123456789', holderName: '김토스' },
    });
    expect(logger.lines.join('\n')).not.toContain('110123456789');
  });

  it('a wrong secret key is a configuration error, and no log line ever carries a secret', async () => {
    const wrong = createGateway(sim.url, logger, clock, { secretKey: 'test_sk_notTheRightKey000000000' });
    const error = await wrong.getPayment({ orderId: 'order-any-123', amount: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayConfigurationError);
    expect(error).toMatchObject({ gatewayCode: 'UNAUTHORIZED_KEY' });
    const logs = logger.lines.join('\n');
    expect(logs).not.toContain(TOSS_TEST_SECRET_KEY);
    expect(logs).not.toContain('test_sk_notTheRightKey000000000');
    expect(logs).not.toContain(BASIC_TEST_KEY.slice(6));
  });

  it('a transport failure before the request left is requestSent=false', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const offline = createGateway(`http://127.0.0.1:${port}`, logger, clock);
    const error = await offline.getPayment({ orderId: 'order-any-123', amount: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect((error as GatewayUnavailableError).requestSent).toBe(false);
  });
});
