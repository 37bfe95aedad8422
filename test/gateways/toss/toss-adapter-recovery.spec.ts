import { ManualClock, TossSimulator } from '../../../libs/testing/src';
import { approvalOutcome } from '../../../libs/payments/src/domain/approval-outcome';
import {
  AmountMismatchError,
  ForeignPaymentKeyError,
  GatewayRequestError,
  GatewayUnavailableError,
  OrderMismatchError,
  PaymentNotFoundError,
} from '../../../libs/payments/src/domain/errors';
import { PaymentStatus } from '../../../libs/payments/src/domain/payment-status';
import type { TossGateway } from '../../../libs/payments/src/gateways/toss/toss.gateway';
import type { TossTimeoutOptions } from '../../../libs/payments/src/gateways/toss/toss.types';
import { CapturingLogger } from '../../support/logger';
import { createGateway, newOrderId, paidCardPayment, prepared } from './toss-adapter.fixtures';

/**
 * What the recovery rules need from the Toss adapter on the approval side (docs/gateways/toss.md#lost-answers): how
 * long one call may take, what "Toss has no record" looks like, forged or mixed-up paymentKeys, answers tampered
 * with after the commit, and charges dropped before Toss processed them. Cancels and expiry:
 * toss-adapter-cancels.spec.ts.
 */

const CONFIRM = '/v1/payments/confirm';

describe('TossGateway recovery: approvals', () => {
  let sim: TossSimulator;
  let clock: ManualClock;
  let gateway: TossGateway;

  beforeAll(async () => {
    clock = new ManualClock(new Date('2026-03-02T01:00:00Z'));
    sim = await TossSimulator.start({ port: 0, clock });
    gateway = createGateway(sim.url, new CapturingLogger(), clock);
  });

  afterAll(() => sim.stop());

  afterEach(() => sim.clearFaults());

  /** Opens the simulated window for a fresh order; returns what the browser brings back. */
  const openWindow = (amount: number, orderId = newOrderId()) => {
    const { paymentKey } = sim.authenticatePayment({ orderId, amount, orderName: '복구 테스트 주문' });
    return { orderId, amount, paymentKey };
  };
  const confirm = (window: { orderId: string; amount: number; paymentKey: string }, paymentKey = window.paymentKey) =>
    gateway.approve({
      prepared: prepared(window.orderId, window.amount),
      input: { orderId: window.orderId, amount: window.amount, paymentKey },
      idempotencyKey: `confirm:${window.orderId}:${paymentKey}`,
    });
  const errorOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  it('maxCallMs is connect + the slowest read timeout of the resolved options', () => {
    const logger = new CapturingLogger();
    const of = (timeouts: TossTimeoutOptions | undefined) =>
      createGateway(sim.url, logger, clock, { timeouts }).maxCallMs;
    expect(gateway.maxCallMs).toBe(2_000 + 5_000); // the fixture: connect 2 s, read 5 s, slow read 5 s
    expect(of({ connectMs: 1_000, readMs: 1_500, slowReadMs: 9_000 })).toBe(10_000);
    expect(of({ connectMs: 1_000, readMs: 20_000, slowReadMs: 9_000 })).toBe(21_000);
    expect(of({ readMs: 1_500 })).toBe(5_000 + 60_000); // Toss defaults: connect 5 s, billing charges 60 s
    expect(of(undefined)).toBe(5_000 + 60_000);
  });

  it('Toss holding no such payment is PaymentNotFoundError, by key and by orderId', async () => {
    const byKey = await errorOf(gateway.getPayment({ paymentKey: 'tviva_never_issued', orderId: 'o-none', amount: 1 }));
    expect(byKey).toBeInstanceOf(PaymentNotFoundError);
    const byOrder = await errorOf(gateway.getPayment({ orderId: newOrderId(), amount: 1_000 }));
    expect(byOrder).toBeInstanceOf(PaymentNotFoundError);
    expect(byOrder).toMatchObject({ code: 'PAYMENT_NOT_FOUND', gatewayCode: 'NOT_FOUND_PAYMENT', gateway: 'toss' });
  });

  it('a confirm with a key Toss does not know is PaymentNotFoundError: the order stays payable', async () => {
    const window = openWindow(4_000);
    const error = await errorOf(confirm(window, 'tviva20260302made_up_key'));
    expect(error).toBeInstanceOf(PaymentNotFoundError);
    expect(error).toMatchObject({ gatewayCode: 'NOT_FOUND_PAYMENT' });
    expect(approvalOutcome(error).status).toBe(PaymentStatus.READY);
    await expect(confirm(window)).resolves.toMatchObject({ status: 'PAID', orderId: window.orderId });
  });

  it("a confirm with another order's approved key is ForeignPaymentKeyError; neither payment changes", async () => {
    const other = await paidCardPayment(sim, gateway, 8_000);
    const window = openWindow(8_000);
    const error = await errorOf(confirm(window, other.paymentKey));
    expect(error).toBeInstanceOf(ForeignPaymentKeyError);
    expect(error).toMatchObject({ code: 'PAYMENT_KEY_NOT_FOR_ORDER', httpStatus: 409, gateway: 'toss' });
    expect(approvalOutcome(error).status).toBe(PaymentStatus.READY);
    // Toss refused it as ALREADY_PROCESSED_PAYMENT; the read-back showed the key belongs to another order.
    expect(sim.requestsTo('POST', CONFIRM).at(-1)?.status).toBe(400);
    expect(sim.requestsTo('GET', `/v1/payments/${other.paymentKey}`).length).toBeGreaterThanOrEqual(1);
    expect(sim.getPayment(other.paymentKey)).toMatchObject({ status: 'DONE', orderId: other.orderId });
    expect(sim.getPayment(window.paymentKey)).toMatchObject({ status: 'IN_PROGRESS' });
    await expect(confirm(window)).resolves.toMatchObject({ status: 'PAID', paymentKey: window.paymentKey });
  });

  it("a confirm with another order's key still in its window is ForeignPaymentKeyError too", async () => {
    const other = openWindow(6_000);
    const window = openWindow(6_000);
    const error = await errorOf(confirm(window, other.paymentKey));
    expect(error).toBeInstanceOf(ForeignPaymentKeyError);
    expect(sim.getPayment(other.paymentKey)).toMatchObject({ status: 'IN_PROGRESS', orderId: other.orderId });
    await expect(confirm(other)).resolves.toMatchObject({ status: 'PAID', orderId: other.orderId });
    await expect(confirm(window)).resolves.toMatchObject({ status: 'PAID', orderId: window.orderId });
  });

  it('a key from a window opened for our orderId with another amount is ForeignPaymentKeyError', async () => {
    const window = openWindow(12_000);
    const cheaper = sim.authenticatePayment({ orderId: window.orderId, amount: 100, orderName: '금액 바꾼 창' });
    const error = await errorOf(confirm(window, cheaper.paymentKey));
    expect(error).toBeInstanceOf(ForeignPaymentKeyError);
    expect(approvalOutcome(error).status).toBe(PaymentStatus.READY);
    await expect(confirm(window)).resolves.toMatchObject({ status: 'PAID', totalAmount: 12_000 });
  });

  it('INVALID_REQUEST stands when the read-back shows our own unapproved payment, or fails', async () => {
    const window = openWindow(3_000);
    sim.failNext({ method: 'POST', path: CONFIRM }, { kind: 'error', status: 400, code: 'INVALID_REQUEST' });
    const ours = await errorOf(confirm(window));
    expect(ours).toBeInstanceOf(GatewayRequestError);
    expect(ours).toMatchObject({ gatewayCode: 'INVALID_REQUEST' });

    sim.failNext({ method: 'POST', path: CONFIRM }, { kind: 'error', status: 400, code: 'INVALID_REQUEST' });
    sim.failNext({ method: 'GET', path: '/v1/payments/' }, { kind: 'drop-before-commit' });
    const unread = await errorOf(confirm(window));
    expect(unread).toBeInstanceOf(GatewayRequestError);
    expect(unread).toMatchObject({ gatewayCode: 'INVALID_REQUEST' });
    expect(sim.getPayment(window.paymentKey)).toMatchObject({ status: 'IN_PROGRESS' });
  });

  it('tamper-after-commit: an answer about another amount or order is a mismatch, though Toss approved', async () => {
    const cases = [
      { patch: { totalAmount: 99_000 }, error: AmountMismatchError },
      { patch: { orderId: 'someone-else-order' }, error: OrderMismatchError },
    ];
    for (const { patch, error: expected } of cases) {
      const window = openWindow(9_000);
      sim.failNext({ method: 'POST', path: CONFIRM }, { kind: 'tamper-after-commit', patch });
      const error = await errorOf(confirm(window));
      expect(error).toBeInstanceOf(expected);
      expect(approvalOutcome(error).status).toBe(PaymentStatus.UNKNOWN);
      expect(sim.getPayment(window.paymentKey)).toMatchObject({ status: 'DONE', totalAmount: 9_000 });
      // The same key replays Toss's true answer: the read-back and a retry agree with the gateway.
      await expect(confirm(window)).resolves.toMatchObject({ status: 'PAID', totalAmount: 9_000 });
    }
  });

  it('a confirm dropped before Toss processed it: the window payment reads back unapproved, then EXPIRED', async () => {
    const window = openWindow(5_000);
    sim.failNext({ method: 'POST', path: CONFIRM }, { kind: 'drop-before-commit' });
    const lost = await errorOf(confirm(window));
    expect(lost).toBeInstanceOf(GatewayUnavailableError);
    expect(lost).toMatchObject({ requestSent: true });
    // Toss keeps the authenticated window payment (its IN_PROGRESS): no approval exists, reported as READY.
    await expect(gateway.getPayment({ orderId: window.orderId, amount: 5_000 })).resolves.toMatchObject({
      status: 'READY',
      paymentKey: window.paymentKey,
    });
    clock.advance(10 * 60_000 + 1_000); // the 10-minute confirm window passes
    await expect(
      gateway.getPayment({ paymentKey: window.paymentKey, orderId: window.orderId, amount: 5_000 }),
    ).resolves.toMatchObject({ status: 'EXPIRED' });
  });

  it('a billing charge dropped before Toss processed it has no record; the same key then charges once', async () => {
    const customerKey = `cust-${newOrderId()}`;
    const { authKey } = sim.authenticateBilling({ customerKey });
    const { billingKey } = await gateway.issueBillingKey({ customerKey, authKey, idempotencyKey: `bk:${customerKey}` });
    const orderId = newOrderId();
    const charge = {
      billingKey,
      customerKey,
      paymentId: `pay_${orderId}`,
      orderId,
      orderName: '정기 구독',
      amount: 9_900,
      taxFreeAmount: 0,
      idempotencyKey: `charge:pay_${orderId}`,
    };
    sim.failNext({ method: 'POST', path: /^\/v1\/billing\/(?!authorizations)/ }, { kind: 'drop-before-commit' });
    const lost = await errorOf(gateway.chargeBillingKey(charge));
    expect(lost).toBeInstanceOf(GatewayUnavailableError);
    expect(lost).toMatchObject({ requestSent: true });

    const readBack = await errorOf(gateway.getPayment({ orderId, amount: 9_900 }));
    expect(readBack).toBeInstanceOf(PaymentNotFoundError);
    const paid = await gateway.chargeBillingKey(charge);
    expect(paid).toMatchObject({ status: 'PAID', orderId, totalAmount: 9_900 });
    await expect(gateway.getPayment({ orderId, amount: 9_900 })).resolves.toMatchObject({
      status: 'PAID',
      paymentKey: paid.paymentKey,
    });
  });
});
