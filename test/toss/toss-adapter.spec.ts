import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoggerService } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ManualClock, TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from '../../libs/testing/src';
import {
  AmountMismatchError,
  GatewayConfigurationError,
  GatewayDeclinedError,
  GatewayRequestError,
  GatewayUnavailableError,
  InvalidInputError,
  NotFoundError,
  OrderMismatchError,
  PaymentNotFoundError,
  UnsupportedOperationError,
} from '../../libs/payments/src/domain/errors';
import type { GatewayPaymentTruth, PreparedPayment } from '../../libs/payments/src/gateways/gateway.port';
import { TossGateway } from '../../libs/payments/src/gateways/toss/toss.gateway';
import { TossGatewayDefinition, validateTossOptions } from '../../libs/payments/src/gateways/toss/toss.module';
import { TossGatewayOptions } from '../../libs/payments/src/gateways/toss/toss.types';

const BASIC_TEST_KEY = 'Basic dGVzdF9za196WExrS0V5cE5BcldtbzUwblgzbG1lYXhZRzVSOg=='; // toss.md §9.1
const PAYOUT_KEY = 'a3f1c2d4e5b60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';

/** Collects every log line so tests can prove secrets never reach a logger. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(...args: unknown[]): void {
    this.lines.push(args.map(String).join(' '));
  }
  error(...args: unknown[]): void {
    this.log(...args);
  }
  warn(...args: unknown[]): void {
    this.log(...args);
  }
  debug(...args: unknown[]): void {
    this.log(...args);
  }
  verbose(...args: unknown[]): void {
    this.log(...args);
  }
}

function createGateway(
  baseUrl: string,
  logger: LoggerService,
  clock: { now(): Date },
  extra: Partial<TossGatewayOptions> = {},
): TossGateway {
  const options = plainToInstance(TossGatewayOptions, {
    secretKey: TOSS_TEST_SECRET_KEY,
    clientKey: TOSS_TEST_CLIENT_KEY,
    baseUrl,
    timeouts: { connectMs: 2_000, readMs: 5_000, slowReadMs: 5_000 },
    webhook: { payoutSecurityKeys: [PAYOUT_KEY] },
    ...extra,
  });
  expect(validateSync(options, { whitelist: true, forbidNonWhitelisted: true })).toEqual([]);
  expect(validateTossOptions(options)).toEqual([]);
  return TossGatewayDefinition.create(options, { logger, clock }) as TossGateway;
}

let orderSeq = 0;
function newOrderId(): string {
  orderSeq += 1;
  return `order-${Date.now().toString(36)}-${orderSeq}`;
}

function prepared(orderId: string, amount: number, extra: Partial<PreparedPayment> = {}): PreparedPayment {
  return {
    paymentId: `pay_${orderId}`,
    gateway: 'toss',
    orderId,
    amount,
    taxFreeAmount: 0,
    orderName: '토스 티셔츠 외 2건',
    ...extra,
  };
}

describe('TossGateway against the Toss simulator', () => {
  let sim: TossSimulator;
  let clock: ManualClock;
  let logger: CapturingLogger;
  let gateway: TossGateway;
  let webhookServer: http.Server;
  const webhookDeliveries: Array<{ headers: http.IncomingHttpHeaders; rawBody: Buffer }> = [];

  beforeAll(async () => {
    webhookServer = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        webhookDeliveries.push({ headers: req.headers, rawBody: Buffer.concat(chunks) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => webhookServer.listen(0, '127.0.0.1', resolve));
    const webhookUrl = `http://127.0.0.1:${(webhookServer.address() as AddressInfo).port}/payments/webhooks/toss`;
    clock = new ManualClock(new Date('2026-03-02T01:00:00Z'));
    sim = await TossSimulator.start({ port: 0, clock, webhookUrl, payoutSecurityKey: PAYOUT_KEY });
    logger = new CapturingLogger();
    gateway = createGateway(sim.url, logger, clock);
  });

  afterAll(async () => {
    await sim.stop();
    await new Promise<void>((resolve) => webhookServer.close(() => resolve()));
  });

  afterEach(() => {
    sim.clearFaults();
  });

  /** Opens the simulated window and confirms; returns the truth and the successUrl params. */
  async function paidCardPayment(amount = 15_000) {
    const orderId = newOrderId();
    const success = sim.authenticatePayment({ orderId, amount, orderName: '토스 티셔츠 외 2건' });
    const truth = await gateway.approve({
      prepared: prepared(orderId, amount),
      input: { orderId, amount, paymentKey: success.paymentKey },
      idempotencyKey: `confirm:pay_${orderId}`,
    });
    return { orderId, paymentKey: success.paymentKey, truth };
  }

  it('reports its capabilities and refuses netCancel', async () => {
    expect(gateway.capabilities).toEqual({
      partialCancel: true,
      netCancel: false,
      virtualAccount: true,
      billing: true,
      cashReceipts: true,
      transactions: true,
      webhooks: true,
    });
    await expect(gateway.netCancel({ prepared: prepared('order-xyz-1', 1000), idempotencyKey: 'k' })).rejects.toBeInstanceOf(
      UnsupportedOperationError,
    );
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
    await expect(gateway.prepare({ ...base, orderName: 'x'.repeat(101) })).rejects.toMatchObject({ field: 'orderName' });
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
    const confirms = sim.requestsTo('POST', '/v1/payments/confirm').filter((r) => (r.body as { orderId?: string }).orderId === orderId);
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
      vat: 1_364, // toss.md §2: 15,000 -> 13,636 / 1,364
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
    expect(() => gateway.verifyConfirmInput(p, { orderId: p.orderId, amount: 100, paymentKey: 'pk_1' })).toThrow(AmountMismatchError);
    expect(() => gateway.verifyConfirmInput(p, { orderId: 'order-other-1', amount: 10_000, paymentKey: 'pk_1' })).toThrow(OrderMismatchError);
    expect(() => gateway.verifyConfirmInput(p, { orderId: p.orderId, amount: 10_000 })).toThrow(InvalidInputError);
    expect(() => gateway.verifyConfirmInput(p, { orderId: p.orderId, amount: 10_000, paymentKey: 'k'.repeat(201) })).toThrow(
      /paymentKey/,
    );
    expect(sim.requests.length).toBe(before);
  });

  it('PROVIDER_ERROR (400) is a retryable unknown outcome; the retry with the same key succeeds', async () => {
    const orderId = newOrderId();
    const success = sim.authenticatePayment({ orderId, amount: 5_000, orderName: '재시도 주문' });
    sim.failNext({ method: 'POST', path: '/v1/payments/confirm' }, { kind: 'error', status: 400, code: 'PROVIDER_ERROR' });
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
    const confirms = sim.requestsTo('POST', '/v1/payments/confirm').filter((r) => (r.body as { orderId?: string }).orderId === orderId);
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

  it('ALREADY_PROCESSED_PAYMENT reads the payment back and returns it when orderId and amount match (toss.md §5.2)', async () => {
    const { orderId, paymentKey } = await paidCardPayment(9_000);
    const truth = await gateway.approve({
      prepared: prepared(orderId, 9_000),
      input: { orderId, amount: 9_000, paymentKey },
      idempotencyKey: `confirm:other-key-${orderId}`,
    });
    expect(truth).toMatchObject({ status: 'PAID', orderId, totalAmount: 9_000, paymentKey });
    const confirms = sim.requestsTo('POST', '/v1/payments/confirm').filter((r) => (r.body as { orderId?: string }).orderId === orderId);
    expect(confirms.map((r) => r.status)).toEqual([200, 400]);
    expect(sim.requestsTo('GET', `/v1/payments/${paymentKey}`).length).toBeGreaterThanOrEqual(1);

    // same paymentKey, but we prepared a different amount: the read-back does not match, the error stands
    const error = await gateway
      .approve({ prepared: prepared(orderId, 9_500), input: { orderId, amount: 9_500, paymentKey }, idempotencyKey: 'other-2' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayRequestError);
    expect(error).toMatchObject({ gatewayCode: 'ALREADY_PROCESSED_PAYMENT' });
  });

  it('a confirm after the 10-minute window is a decline (NOT_FOUND_PAYMENT_SESSION)', async () => {
    const orderId = newOrderId();
    const success = sim.authenticatePayment({ orderId, amount: 3_000, orderName: '늦은 승인' });
    clock.advance(11 * 60 * 1000);
    const error = await gateway
      .approve({ prepared: prepared(orderId, 3_000), input: { orderId, amount: 3_000, paymentKey: success.paymentKey }, idempotencyKey: `c:${orderId}` })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayDeclinedError);
    expect(error).toMatchObject({ gatewayCode: 'NOT_FOUND_PAYMENT_SESSION', retryable: false });
    const truth = await gateway.getPayment({ paymentKey: success.paymentKey, orderId, amount: 3_000 });
    expect(truth.status).toBe('EXPIRED');
  });

  it('getPayment of an unknown payment is a PaymentNotFoundError carrying the Toss code', async () => {
    const error = await gateway.getPayment({ paymentKey: 'tviva_unknown_key', orderId: 'order-none-1', amount: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentNotFoundError);
    expect(error).toMatchObject({ gatewayCode: 'NOT_FOUND_PAYMENT', gateway: 'toss' });
  });

  it('cancel: partial then full, with refundableAmount lock and Idempotency-Key; the created cancel is identified', async () => {
    const { orderId, paymentKey } = await paidCardPayment(10_000);
    const base = { prepared: prepared(orderId, 10_000), paymentKey, reason: '고객이 취소를 원함' };

    const first = await gateway.cancel({ ...base, cancelId: 'c1', amount: 1_000, isFull: false, balanceBefore: 10_000, idempotencyKey: `cancel:c1` });
    expect(first.payment).toMatchObject({ status: 'PARTIALLY_CANCELED', totalAmount: 10_000, balanceAmount: 9_000 });
    expect(first.cancel).toMatchObject({ amount: 1_000, status: 'DONE', reason: '고객이 취소를 원함' });
    expect(first.cancel.transactionKey).toBe(first.payment.lastTransactionKey);
    expect(first.cancel.canceledAt).toBeInstanceOf(Date);

    const second = await gateway.cancel({ ...base, cancelId: 'c2', amount: 9_000, isFull: true, balanceBefore: 9_000, idempotencyKey: `cancel:c2` });
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

  it('cancel with a stale balance is refused by the optimistic lock and nothing is canceled', async () => {
    const { orderId, paymentKey } = await paidCardPayment(10_000);
    const error = await gateway
      .cancel({
        prepared: prepared(orderId, 10_000),
        paymentKey,
        cancelId: 'c3',
        amount: 1_000,
        isFull: false,
        balanceBefore: 8_000,
        reason: '재고 부족',
        idempotencyKey: 'cancel:c3',
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayDeclinedError);
    expect(error).toMatchObject({ gatewayCode: 'NOT_MATCHES_REFUNDABLE_AMOUNT' });
    const truth = await gateway.getPayment({ paymentKey, orderId, amount: 10_000 });
    expect(truth).toMatchObject({ status: 'PAID', balanceAmount: 10_000, cancels: [] });
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
    expect(checkout.fields['dueDate']).toBe(new Date(clock.now().getTime() + 24 * 3600_000).toISOString().replace(/\.\d{3}Z$/, '.000Z'));

    const issued = sim.requestsTo('POST', '/v1/virtual-accounts').filter((r) => (r.body as { orderId?: string }).orderId === orderId);
    expect(issued).toHaveLength(1);
    expect(issued[0].body).toEqual({ amount: 20_000, orderId, orderName: '가상계좌 주문', customerName: '김토스', bank: '20', validHours: 24 });
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
    expect(statusChanged?.dedupeKey).toBe(`toss:PAYMENT_STATUS_CHANGED:${truth.paymentKey}:DONE:${paid.lastTransactionKey}`);
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

  it('billing: issue from authKey, charge, delete (twice: already gone is fine), charge after delete is declined', async () => {
    const customerKey = `cust_${newOrderId()}`;
    const auth = sim.authenticateBilling({ customerKey });
    const billing = await gateway.issueBillingKey({ customerKey, authKey: auth.authKey, idempotencyKey: `bk:${customerKey}` });
    expect(billing).toMatchObject({ customerKey, method: 'CARD' });
    expect(billing.billingKey).toEqual(expect.any(String));
    expect(billing.card?.maskedNumber).toMatch(/\*{4}/);
    expect(billing.authenticatedAt).toBeInstanceOf(Date);
    expect(JSON.stringify(billing.raw)).not.toContain(billing.billingKey);
    const issueRequest = sim.requestsTo('POST', '/v1/billing/authorizations/issue').at(-1);
    expect(issueRequest?.body).toEqual({ authKey: auth.authKey, customerKey });
    expect(issueRequest?.headers['idempotency-key']).toBe(`bk:${customerKey}`);

    const orderId = newOrderId();
    const charge = {
      billingKey: billing.billingKey,
      customerKey,
      paymentId: `pay_${orderId}`,
      orderId,
      orderName: '토스 프라임 구독',
      amount: 4_900,
      taxFreeAmount: 0,
      idempotencyKey: `charge:pay_${orderId}`,
    };
    const paid = await gateway.chargeBillingKey(charge);
    expect(paid).toMatchObject({ status: 'PAID', orderId, totalAmount: 4_900, balanceAmount: 4_900, vat: 445 });
    const charges = sim.requestsTo('POST', '/v1/billing/').filter((r) => !r.path.includes('authorizations'));
    const sentCharge = charges.at(-1)!;
    expect(decodeURIComponent(sentCharge.path)).toBe(`/v1/billing/${billing.billingKey}`);
    expect(sentCharge.body).toEqual({ customerKey, amount: 4_900, orderId, orderName: '토스 프라임 구독' });
    expect(sentCharge.headers['idempotency-key']).toBe(`charge:pay_${orderId}`);

    // a retried cycle under a fresh key hits DUPLICATED_ORDER_ID and is resolved by reading the order back
    const again = await gateway.chargeBillingKey({ ...charge, idempotencyKey: `charge:retry:${orderId}` });
    expect(again).toMatchObject({ status: 'PAID', paymentKey: paid.paymentKey });

    await gateway.deleteBillingKey(billing.billingKey, customerKey);
    await gateway.deleteBillingKey(billing.billingKey, customerKey);
    expect(sim.requestsTo('DELETE', '/v1/billing/').map((r) => r.status).slice(-2)).toEqual([200, 400]);

    const declined = await gateway
      .chargeBillingKey({ ...charge, orderId: newOrderId(), idempotencyKey: 'charge:after-delete' })
      .catch((e: unknown) => e);
    expect(declined).toBeInstanceOf(GatewayDeclinedError);
    expect(declined).toMatchObject({ gatewayCode: 'ALREADY_REMOVED_BILLING_KEY' });
    expect((declined as Error).message).not.toContain(billing.billingKey);

    await gateway.deleteBillingKey('never-issued-billing-key=', customerKey); // 404 NOT_FOUND_BILLING tolerated
    expect(logger.lines.join('\n')).not.toContain(billing.billingKey);
  });

  it('cash receipts: issue (소득공제), find by listing the KST day, cancel to a c_ receipt', async () => {
    const orderId = newOrderId();
    const issued = await gateway.issueCashReceipt({
      receiptId: 'r1',
      orderId,
      orderName: '현금영수증 주문',
      amount: 11_000,
      taxFreeAmount: 0,
      type: 'INCOME_DEDUCTION',
      identityNumber: '01012345678',
      idempotencyKey: `receipt:r1:${orderId}`,
    });
    expect(issued).toMatchObject({ orderId, amount: 11_000, type: 'INCOME_DEDUCTION', status: 'IN_PROGRESS' });
    expect(JSON.stringify(issued.raw)).not.toContain('01012345678');
    const sent = sim.requestsTo('POST', '/v1/cash-receipts').at(-1)!;
    expect(sent.body).toEqual({
      amount: 11_000,
      orderId,
      orderName: '현금영수증 주문',
      type: '소득공제',
      customerIdentityNumber: '01012345678',
    });
    expect(sent.headers['idempotency-key']).toBe(`receipt:r1:${orderId}`);

    clock.advance(25 * 3600_000); // the simulator settles receipts after a day
    const found = await gateway.getCashReceipt(issued.receiptKey, new Date(clock.now().getTime() - 25 * 3600_000));
    expect(found).toMatchObject({ receiptKey: issued.receiptKey, status: 'ISSUED', amount: 11_000 });
    const listed = sim.requestsTo('GET', '/v1/cash-receipts').at(-1)!;
    expect(listed.query['requestDate']).toBe('2026-03-02'); // 10:xx KST on 2026-03-02

    const canceled = await gateway.cancelCashReceipt({ receiptKey: issued.receiptKey, orderId, idempotencyKey: 'receipt-cancel:r1' });
    expect(canceled).toMatchObject({ receiptKey: `c_${issued.receiptKey}`, status: 'CANCELED', amount: 11_000 });

    await expect(gateway.getCashReceipt('no-such-receipt', clock.now())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('listTransactions follows startingAfter while pages are full, in Asia/Seoul wall-clock', async () => {
    clock.set(new Date('2026-04-01T15:30:00Z')); // 00:30 KST on 2026-04-02
    const from = clock.now();
    const a = await paidCardPayment(1_000);
    clock.advance(1_000);
    const b = await paidCardPayment(2_000);
    clock.advance(1_000);
    await gateway.cancel({
      prepared: prepared(b.orderId, 2_000),
      paymentKey: b.paymentKey,
      cancelId: 'tx-c1',
      amount: 500,
      isFull: false,
      balanceBefore: 2_000,
      reason: '부분 취소',
      idempotencyKey: 'cancel:tx-c1',
    });
    clock.advance(1_000);
    const to = clock.now();

    const rows = [];
    for await (const row of gateway.listTransactions({ from, to, limit: 2 })) rows.push(row);
    expect(rows.map((r) => [r.orderId, r.kind, r.amount, r.status])).toEqual([
      [a.orderId, 'APPROVAL', 1_000, 'PAID'],
      [b.orderId, 'APPROVAL', 2_000, 'PAID'],
      [b.orderId, 'CANCEL', 500, 'PARTIALLY_CANCELED'],
    ]);
    expect(rows.every((r) => r.transactedAt instanceof Date)).toBe(true);

    const pages = sim.requestsTo('GET', '/v1/transactions').slice(-2);
    expect(pages[0].query).toEqual({ startDate: '2026-04-02T00:30:00', endDate: '2026-04-02T00:30:03', limit: '2' });
    expect(pages[1].query).toEqual({
      startDate: '2026-04-02T00:30:00',
      endDate: '2026-04-02T00:30:03',
      limit: '2',
      startingAfter: rows[1].transactionKey,
    });
  });

  it('verifies a signed payout webhook from the simulator (either signature slot) and rejects a tampered one', async () => {
    const signed = sim.signPayoutWebhook(
      { eventType: 'payout.changed', createdAt: '2026-04-02T00:30:03+09:00', version: '2022-11-16', eventId: 'evt_payout_1', entityType: 'payout', entityBody: { status: 'COMPLETED' } },
      '2026-04-02T00:30:03+09:00',
    );
    const parsed = await gateway.parseWebhook({ headers: signed.headers, rawBody: Buffer.from(signed.rawBody), body: undefined });
    expect(parsed).toMatchObject({ eventType: 'payout.changed', verification: 'signature', dedupeKey: 'toss:payout.changed:evt_payout_1' });
    await expect(
      gateway.parseWebhook({ headers: signed.headers, rawBody: Buffer.from(signed.rawBody.replace('COMPLETED', 'FAILED')), body: undefined }),
    ).rejects.toMatchObject({ code: 'SIGNATURE_MISMATCH' });
    expect(gateway.webhookReply('accepted')).toEqual({ status: 200, body: '', contentType: 'application/json' });
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

/** A tiny Toss stand-in answering with the verbatim bodies of toss.md §9, recording what it received. */
describe('TossGateway mapping of the toss.md §9 bodies', () => {
  type Route = (req: { method: string; path: string; query: URLSearchParams; body: unknown }) => { status: number; body: unknown };
  let server: http.Server;
  let routes: Route;
  const received: Array<{ method: string; path: string; query: URLSearchParams; headers: http.IncomingHttpHeaders; body: unknown }> = [];
  let gateway: TossGateway;

  const CONFIRM_92 = JSON.parse(
    '{"mId":"tosspayments","lastTransactionKey":"9C62B18EEF0DE3EB7F4422EB6D14BC6E","paymentKey":"5EnNZRJGvaBX7zk2yd8ydw26XvwXkLrx9POLqKQjmAw4b0e1","orderId":"a4CWyWY5m89PNh7xJwhk1","orderName":"토스 티셔츠 외 2건","taxExemptionAmount":0,"status":"DONE","requestedAt":"2024-02-13T12:17:57+09:00","approvedAt":"2024-02-13T12:18:14+09:00","useEscrow":false,"cultureExpense":false,"card":{"issuerCode":"71","acquirerCode":"71","number":"12345678****000*","installmentPlanMonths":0,"isInterestFree":false,"interestPayer":null,"approveNo":"00000000","useCardPoint":false,"cardType":"신용","ownerType":"개인","acquireStatus":"READY","amount":1000},"virtualAccount":null,"transfer":null,"mobilePhone":null,"giftCertificate":null,"cashReceipt":null,"cashReceipts":null,"discount":null,"cancels":null,"secret":null,"type":"NORMAL","easyPay":{"provider":"토스페이","amount":0,"discountAmount":0},"country":"KR","failure":null,"isPartialCancelable":true,"receipt":{"url":"https://dashboard.tosspayments.com/receipt/redirection?transactionId=tviva20240213121757MvuS8&ref=PX"},"checkout":{"url":"https://api.tosspayments.com/v1/payments/5EnNZRJGvaBX7zk2yd8ydw26XvwXkLrx9POLqKQjmAw4b0e1/checkout"},"currency":"KRW","totalAmount":1000,"balanceAmount":1000,"suppliedAmount":909,"vat":91,"taxFreeAmount":0,"metadata":null,"method":"카드","version":"2022-11-16"}',
  ) as Record<string, unknown>;
  const PAYMENT_KEY = '5EnNZRJGvaBX7zk2yd8ydw26XvwXkLrx9POLqKQjmAw4b0e1';

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const text = Buffer.concat(chunks).toString('utf8');
        const entry = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: text ? JSON.parse(text) : undefined };
        received.push(entry);
        const answer = routes(entry);
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    gateway = createGateway(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, new CapturingLogger(), { now: () => new Date() });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    received.length = 0;
  });

  it('§9.2 confirm: exact request and the mapped truth', async () => {
    routes = () => ({ status: 200, body: CONFIRM_92 });
    const truth = await gateway.approve({
      prepared: prepared('a4CWyWY5m89PNh7xJwhk1', 1000),
      input: { orderId: 'a4CWyWY5m89PNh7xJwhk1', amount: 1000, paymentKey: PAYMENT_KEY },
      idempotencyKey: 'confirm:pay_1',
    });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', path: '/v1/payments/confirm' });
    expect(received[0].headers['authorization']).toBe(BASIC_TEST_KEY);
    expect(received[0].headers['idempotency-key']).toBe('confirm:pay_1');
    expect(received[0].body).toEqual({ paymentKey: PAYMENT_KEY, orderId: 'a4CWyWY5m89PNh7xJwhk1', amount: 1000 });

    expect(truth).toEqual({
      gateway: 'toss',
      paymentKey: PAYMENT_KEY,
      orderId: 'a4CWyWY5m89PNh7xJwhk1',
      status: 'PAID',
      totalAmount: 1000,
      balanceAmount: 1000,
      taxFreeAmount: 0,
      vat: 91,
      method: 'CARD',
      approvedAt: new Date('2024-02-13T03:18:14Z'),
      currency: 'KRW',
      card: {
        issuerCode: '71',
        acquirerCode: '71',
        maskedNumber: '12345678****000*',
        approveNo: '00000000',
        installmentMonths: 0,
        cardType: '신용',
      },
      virtualAccount: null,
      webhookSecret: null,
      cancels: [],
      failure: null,
      lastTransactionKey: '9C62B18EEF0DE3EB7F4422EB6D14BC6E',
      receiptUrl: 'https://dashboard.tosspayments.com/receipt/redirection?transactionId=tviva20240213121757MvuS8&ref=PX',
      raw: CONFIRM_92,
    });
  });

  it('a replayed confirm answer for another order is refused (idempotency replay across payments, toss.md §1.4)', async () => {
    routes = () => ({ status: 200, body: CONFIRM_92 });
    await expect(
      gateway.approve({
        prepared: prepared('another-order-1', 1000),
        input: { orderId: 'another-order-1', amount: 1000, paymentKey: PAYMENT_KEY },
        idempotencyKey: 'confirm:reused',
      }),
    ).rejects.toBeInstanceOf(OrderMismatchError);
  });

  it('§9.3 full cancel: CANCELED, the cancel mapped from cancels[]', async () => {
    const canceled = {
      ...CONFIRM_92,
      status: 'CANCELED',
      lastTransactionKey: '8B4F646A829571D870A3011A4E13D640',
      totalAmount: 10000,
      balanceAmount: 0,
      suppliedAmount: 0,
      vat: 0,
      cancels: [
        { cancelReason: '구매자가 취소를 원함', canceledAt: '2022-01-01T11:32:04+09:00', cancelAmount: 10000, taxFreeAmount: 0, taxExemptionAmount: 0, refundableAmount: 0, transferDiscountAmount: 0, easyPayDiscountAmount: 0, transactionKey: '8B4F646A829571D870A3011A4E13D640', receiptKey: 'V4AJ6AhSWsGN0RocizZQlagPLN8s2IahJLXpfSHzQBTKoDG7', cancelStatus: 'DONE', cancelRequestId: null },
      ],
    };
    routes = () => ({ status: 200, body: canceled });
    const result = await gateway.cancel({
      prepared: prepared('a4CWyWY5m89PNh7xJwhk1', 10000),
      paymentKey: PAYMENT_KEY,
      cancelId: 'c1',
      amount: 10000,
      isFull: true,
      balanceBefore: 10000,
      reason: '고객이 취소를 원함',
      idempotencyKey: 'cancel:c1',
    });
    expect(received[0]).toMatchObject({ method: 'POST', path: `/v1/payments/${PAYMENT_KEY}/cancel`, body: { cancelReason: '고객이 취소를 원함', refundableAmount: 10000 } });
    expect(result.payment).toMatchObject({ status: 'CANCELED', balanceAmount: 0, totalAmount: 10000 });
    expect(result.cancel).toEqual({
      transactionKey: '8B4F646A829571D870A3011A4E13D640',
      amount: 10000,
      taxFreeAmount: 0,
      canceledAt: new Date('2022-01-01T02:32:04Z'),
      reason: '구매자가 취소를 원함',
      status: 'DONE',
    });
  });

  it('§9.3 two partial cancels: the newest is the created one; VA refund PARTIAL_CANCELED at balance 0 is CANCELED', async () => {
    const partial = {
      ...CONFIRM_92,
      status: 'PARTIAL_CANCELED',
      lastTransactionKey: '6673C15BF350C3F9BF45CEFC48C7A24E',
      totalAmount: 10000,
      balanceAmount: 8000,
      cancels: [
        { cancelAmount: 1000, cancelReason: 'a', canceledAt: '2022-01-01T11:32:04+09:00', refundableAmount: 9000, transactionKey: '8B4F646A829571D870A3011A4E13D640', cancelStatus: 'DONE' },
        { cancelAmount: 1000, cancelReason: 'b', canceledAt: '2022-01-01T11:40:00+09:00', refundableAmount: 8000, transactionKey: '6673C15BF350C3F9BF45CEFC48C7A24E', cancelStatus: 'DONE' },
      ],
    };
    routes = () => ({ status: 200, body: partial });
    const base = { prepared: prepared('a4CWyWY5m89PNh7xJwhk1', 10000), paymentKey: PAYMENT_KEY, cancelId: 'c2', amount: 1000, isFull: false, balanceBefore: 9000, reason: 'b', idempotencyKey: 'cancel:c2' };
    const result = await gateway.cancel(base);
    expect(result.payment.status).toBe('PARTIALLY_CANCELED');
    expect(result.cancel.transactionKey).toBe('6673C15BF350C3F9BF45CEFC48C7A24E');
    expect(received[0].body).toEqual({ cancelReason: 'b', cancelAmount: 1000, refundableAmount: 9000 });

    // without lastTransactionKey the newest by canceledAt wins
    routes = () => ({ status: 200, body: { ...partial, lastTransactionKey: null } });
    expect((await gateway.cancel(base)).cancel.transactionKey).toBe('6673C15BF350C3F9BF45CEFC48C7A24E');

    const vaRefund = {
      ...CONFIRM_92,
      method: '가상계좌',
      status: 'PARTIAL_CANCELED',
      card: null,
      totalAmount: 10000,
      balanceAmount: 0,
      virtualAccount: { accountNumber: 'X6505831718354', accountType: '일반', bankCode: '20', customerName: '김토스', dueDate: '2022-01-03T11:48:53+09:00', expired: true, settlementStatus: 'INCOMPLETED', refundStatus: 'NONE', refundReceiveAccount: null },
      cancels: [{ cancelAmount: 10000, cancelReason: '환불', canceledAt: '2022-01-02T10:00:00+09:00', refundableAmount: 0, transactionKey: 'AAAA0000BBBB1111CCCC2222DDDD3333', cancelStatus: 'DONE' }],
    };
    routes = () => ({ status: 200, body: vaRefund });
    const va = await gateway.getPayment({ paymentKey: PAYMENT_KEY, orderId: 'a4CWyWY5m89PNh7xJwhk1', amount: 10000 });
    expect(va.status).toBe('CANCELED');
    expect(va.virtualAccount).toEqual({
      bankCode: '20',
      accountNumber: 'X6505831718354',
      customerName: '김토스',
      dueDate: new Date('2022-01-03T02:48:53Z'),
      expired: true,
    });
    expect(received.at(-1)).toMatchObject({ method: 'GET', path: `/v1/payments/${PAYMENT_KEY}` });
  });

  it('maps every Toss status; unknown fields and statuses are tolerated', async () => {
    const cases: Array<[string, string]> = [
      ['DONE', 'PAID'],
      ['WAITING_FOR_DEPOSIT', 'WAITING_FOR_DEPOSIT'],
      ['ABORTED', 'FAILED'],
      ['EXPIRED', 'EXPIRED'],
      ['READY', 'READY'],
      ['IN_PROGRESS', 'IN_PROGRESS'],
      ['CANCELED', 'CANCELED'],
      ['SOMETHING_NEW_2027', 'IN_PROGRESS'],
    ];
    for (const [tossStatus, canonical] of cases) {
      routes = () => ({ status: 200, body: { ...CONFIRM_92, status: tossStatus, brandNewField: { nested: true } } });
      const truth = await gateway.getPayment({ paymentKey: PAYMENT_KEY, orderId: 'a4CWyWY5m89PNh7xJwhk1', amount: 1000 });
      expect([tossStatus, truth.status]).toEqual([tossStatus, canonical]);
    }
    routes = () => ({ status: 200, body: { ...CONFIRM_92, status: 'ABORTED', failure: { code: 'COMMON_ERROR', message: '실패' } } });
    expect((await gateway.getPayment({ orderId: 'a4CWyWY5m89PNh7xJwhk1', amount: 1000 })).failure).toEqual({ code: 'COMMON_ERROR', message: '실패' });
    expect(received.at(-1)).toMatchObject({ method: 'GET', path: '/v1/payments/orders/a4CWyWY5m89PNh7xJwhk1' });
  });

  it('a 200 with a fractional or missing amount is an outcome-unknown error, not a truth', async () => {
    routes = () => ({ status: 200, body: { ...CONFIRM_92, totalAmount: 10.5 } });
    const error = await gateway.getPayment({ paymentKey: PAYMENT_KEY, orderId: 'a4CWyWY5m89PNh7xJwhk1', amount: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect((error as GatewayUnavailableError).requestSent).toBe(true);
  });

  it('§9.4 billing key from card data: exact request, Billing mapped, card data never in raw', async () => {
    const issueResponse = JSON.parse(
      '{"mId":"tosspayments","customerKey":"cust_ABC123","authenticatedAt":"2021-01-01T10:00:00+09:00","method":"카드","billingKey":"Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=","card":{"issuerCode":"61","acquirerCode":"31","number":"43301234****123*","cardType":"신용","ownerType":"개인"},"cardCompany":"현대","cardNumber":"43301234****123*"}',
    ) as Record<string, unknown>;
    routes = () => ({ status: 200, body: issueResponse });
    const billing = await gateway.issueBillingKey({
      customerKey: 'cust_ABC123',
      card: { number: '4330123412341234', expiryYear: '28', expiryMonth: '04', identityNumber: '900101', passwordFirst2: '12' },
      customer: { name: '김토스' },
      idempotencyKey: 'bk:cust_ABC123',
    });
    expect(received[0]).toMatchObject({ method: 'POST', path: '/v1/billing/authorizations/card' });
    expect(received[0].body).toEqual({
      customerKey: 'cust_ABC123',
      cardNumber: '4330123412341234',
      cardExpirationYear: '28',
      cardExpirationMonth: '04',
      customerIdentityNumber: '900101',
      cardPassword: '12',
      customerName: '김토스',
    });
    expect(received[0].headers['idempotency-key']).toBe('bk:cust_ABC123');
    expect(billing).toMatchObject({
      billingKey: 'Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=',
      customerKey: 'cust_ABC123',
      method: 'CARD',
      authenticatedAt: new Date('2021-01-01T01:00:00Z'),
      card: { issuerCode: '61', acquirerCode: '31', maskedNumber: '43301234****123*', cardType: '신용' },
    });
    expect(JSON.stringify(billing.raw)).not.toContain('Z_t5vOvQxrj4499PeiJcjen28');

    await expect(
      gateway.issueBillingKey({ customerKey: 'cust_ABC123', card: { number: '4330123412341234', expiryYear: '28', expiryMonth: '04' }, idempotencyKey: 'k' }),
    ).rejects.toMatchObject({ field: 'card.identityNumber' });
    await expect(gateway.issueBillingKey({ customerKey: 'cust_ABC123', idempotencyKey: 'k' })).rejects.toMatchObject({ field: 'authKey' });
  });

  it('§9.5 transactions: a bare array, paged with startingAfter until a short page', async () => {
    const row = (key: string, status: string, amount: number, at: string) => ({
      mId: 'tosspayments', transactionKey: key, paymentKey: `pk_${key}`, orderId: `order_${key}`, currency: 'KRW', method: '카드', customerKey: '', useEscrow: false, amount, status, transactionAt: at,
    });
    routes = ({ query }) => {
      if (!query.get('startingAfter')) return { status: 200, body: [row('t1', 'DONE', 10000, '2022-01-03T12:11:34+09:00'), row('t2', 'CANCELED', 10000, '2022-01-06T11:53:08+09:00')] };
      return { status: 200, body: [row('t3', 'PARTIAL_CANCELED', -3000, '2022-01-07T09:00:00+09:00')] };
    };
    const rows = [];
    for await (const r of gateway.listTransactions({ from: new Date('2021-12-31T15:00:00Z'), to: new Date('2022-01-10T14:59:59Z'), limit: 2 })) rows.push(r);
    expect(rows.map((r) => [r.transactionKey, r.kind, r.amount, r.status])).toEqual([
      ['t1', 'APPROVAL', 10000, 'PAID'],
      ['t2', 'CANCEL', 10000, 'CANCELED'],
      ['t3', 'CANCEL', 3000, 'PARTIALLY_CANCELED'],
    ]);
    expect(rows[0].transactedAt).toEqual(new Date('2022-01-03T03:11:34Z'));
    expect(received.map((r) => Object.fromEntries(r.query))).toEqual([
      { startDate: '2022-01-01T00:00:00', endDate: '2022-01-10T23:59:59', limit: '2' },
      { startDate: '2022-01-01T00:00:00', endDate: '2022-01-10T23:59:59', limit: '2', startingAfter: 't2' },
    ]);
    expect(received.every((r) => r.headers['idempotency-key'] === undefined)).toBe(true);
  });

  it('cash receipt lookup follows lastCursor while hasNext, and gives up with NotFoundError', async () => {
    const receipt = (key: string, transactionType = 'CONFIRM', issueStatus = 'COMPLETED') => ({
      receiptKey: key, issueNumber: '123456789', issueStatus, amount: 5000, taxFreeAmount: 0, orderId: 'order-r-1', orderName: 'x', type: '지출증빙', transactionType, customerIdentityNumber: '1234567890', requestedAt: '2022-07-28T10:00:00+09:00', receiptUrl: 'https://example/receipt',
    });
    routes = ({ query }) => {
      const cursor = query.get('cursor');
      if (!cursor) return { status: 200, body: { hasNext: true, lastCursor: 17, data: [receipt('rk_a')] } };
      if (cursor === '17') return { status: 200, body: { hasNext: true, lastCursor: 42, data: [receipt('rk_b', 'CONFIRM', 'FAILED')] } };
      return { status: 200, body: { hasNext: false, lastCursor: 43, data: [receipt('c_rk_a', 'CANCEL')] } };
    };
    const found = await gateway.getCashReceipt('c_rk_a', new Date('2022-07-27T15:30:00Z'));
    expect(found).toMatchObject({ receiptKey: 'c_rk_a', status: 'CANCELED', type: 'EXPENSE_PROOF', amount: 5000 });
    expect(JSON.stringify(found.raw)).not.toContain('1234567890');
    expect(received.map((r) => [r.query.get('requestDate'), r.query.get('cursor')])).toEqual([
      ['2022-07-28', null],
      ['2022-07-28', '17'],
      ['2022-07-28', '42'],
    ]);
    received.length = 0;
    expect((await gateway.getCashReceipt('rk_b', new Date('2022-07-27T15:30:00Z'))).status).toBe('FAILED');
    await expect(gateway.getCashReceipt('rk_missing', new Date('2022-07-27T15:30:00Z'))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('429 on a list endpoint is retryable; a 404 on delete billing is "already gone"', async () => {
    routes = () => ({ status: 429, body: { code: 'TOO_MANY_REQUESTS', message: 'slow down' } });
    await expect(gateway.getCashReceipt('x', new Date())).rejects.toMatchObject({ code: 'GATEWAY_UNAVAILABLE', retryable: true });
    routes = () => ({ status: 404, body: { code: 'NOT_FOUND_BILLING', message: '없음' } });
    await expect(gateway.deleteBillingKey('Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=', 'cust')).resolves.toBeUndefined();
    expect(received.at(-1)).toMatchObject({ method: 'DELETE', path: `/v1/billing/${encodeURIComponent('Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=')}` });
    routes = () => ({ status: 403, body: { code: 'FORBIDDEN_REQUEST', message: 'no' } });
    await expect(gateway.deleteBillingKey('Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=', 'cust')).rejects.toBeInstanceOf(GatewayConfigurationError);
  });
});

describe('TossGatewayOptions validation', () => {
  const validate = (plain: Record<string, unknown>) => {
    const options = plainToInstance(TossGatewayOptions, plain);
    const fieldErrors = validateSync(options, { whitelist: true, forbidNonWhitelisted: true }).map((e) => e.property);
    return { fieldErrors, crossErrors: fieldErrors.length === 0 ? validateTossOptions(options) : [] };
  };

  it('accepts test keys on any URL and live keys on the production URL only', () => {
    expect(validate({ secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: 'http://127.0.0.1:4010' })).toEqual({ fieldErrors: [], crossErrors: [] });
    expect(validate({ secretKey: 'live_sk_abc123', clientKey: 'live_ck_abc123' })).toEqual({ fieldErrors: [], crossErrors: [] });
    expect(validate({ secretKey: 'live_gsk_abc123', clientKey: 'live_gck_abc123', baseUrl: 'https://api.tosspayments.com/' })).toEqual({ fieldErrors: [], crossErrors: [] });
    expect(validate({ secretKey: 'live_sk_abc123', clientKey: 'live_ck_abc123', baseUrl: 'http://127.0.0.1:4010' }).crossErrors).toEqual([
      'gateways.toss.baseUrl: live_ keys must use https://api.tosspayments.com (got http://127.0.0.1:4010)',
    ]);
  });

  it('rejects mixed modes without quoting the keys', () => {
    const { crossErrors } = validate({ secretKey: 'live_sk_hidden1', clientKey: 'test_ck_abc123' });
    expect(crossErrors).toContain('gateways.toss.clientKey: is a test_ key but secretKey is a live_ key; use keys of the same mode');
    expect(crossErrors.join('\n')).not.toContain('hidden1');
  });

  it('names the bad field', () => {
    expect(validate({ secretKey: 'sk_wrong', clientKey: TOSS_TEST_CLIENT_KEY }).fieldErrors).toEqual(['secretKey']);
    expect(validate({ secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_SECRET_KEY }).fieldErrors).toEqual(['clientKey']);
    expect(validate({ secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: 'ftp://x.example' }).fieldErrors).toEqual(['baseUrl']);
    expect(validate({ secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, timeouts: { readMs: -1 } }).fieldErrors).toEqual(['timeouts']);
    expect(validate({ secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, webhook: { payoutSecurityKeys: ['a', 'b', 'c'] } }).fieldErrors).toEqual(['webhook']);
    expect(validate({ secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, webhook: { payoutKeyEncoding: 'base64' } }).fieldErrors).toEqual(['webhook']);
    expect(validate({ secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, surprise: 1 }).fieldErrors).toEqual(['surprise']);
    expect(validate({ clientKey: TOSS_TEST_CLIENT_KEY }).fieldErrors).toEqual(['secretKey']);
    expect(
      validate({ secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, webhook: { payoutKeyEncoding: 'hex', payoutSecurityKeys: ['not-hex'] } }).crossErrors,
    ).toEqual(["gateways.toss.webhook.payoutSecurityKeys[0]: must be a hex string when payoutKeyEncoding is 'hex'"]);
  });
});
