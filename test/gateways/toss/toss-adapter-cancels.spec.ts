import { ManualClock, TossSimulator } from '../../../libs/testing/src';
import {
  CancelConflictError,
  GatewayDeclinedError,
  GatewayUnavailableError,
} from '../../../libs/payments/src/domain/errors';
import type { CancelRequest, GatewayPaymentTruth } from '../../../libs/payments/src/gateways/gateway.port';
import type { TossGateway } from '../../../libs/payments/src/gateways/toss/toss.gateway';
import { CapturingLogger } from '../../support/logger';
import { createGateway, newOrderId, paidCardPayment, prepared } from './toss-adapter.fixtures';

/**
 * What the recovery rules need from the Toss adapter on the refund side (docs/gateways/toss.md#lost-answers): a
 * cancel whose answer is lost after Toss committed it, one dropped before Toss processed it, the refundableAmount
 * lock as a retryable conflict, and a virtual account whose due date passed. Approvals:
 * toss-adapter-recovery.spec.ts.
 */

/** Short enough that a hung answer outlives it in a test, long enough for a loopback call. */
const READ_MS = 1_000;
const HANG_MS = 2_500;

describe('TossGateway recovery: cancels and expiry', () => {
  let sim: TossSimulator;
  let clock: ManualClock;
  let gateway: TossGateway;

  beforeAll(async () => {
    clock = new ManualClock(new Date('2026-03-02T01:00:00Z'));
    sim = await TossSimulator.start({ port: 0, clock });
    gateway = createGateway(sim.url, new CapturingLogger(), clock, {
      timeouts: { connectMs: 1_000, readMs: READ_MS, slowReadMs: READ_MS },
    });
  });

  afterAll(() => sim.stop());

  afterEach(() => sim.clearFaults());

  const errorOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );
  /** A partial cancel of a fresh 10,000 KRW card payment, and the path its cancels go to. */
  const partialCancelOfPaid = async (amount: number) => {
    const { orderId, paymentKey } = await paidCardPayment(sim, gateway, 10_000);
    const cancelId = `c-${orderId}`;
    const request: CancelRequest = {
      prepared: prepared(orderId, 10_000),
      paymentKey,
      cancelId,
      amount,
      isFull: false,
      balanceBefore: 10_000,
      reason: '부분 환불',
      idempotencyKey: `cancel:${cancelId}`,
    };
    return { orderId, paymentKey, request, path: `/v1/payments/${paymentKey}/cancel` };
  };
  const readBack = (paymentKey: string, orderId: string) => gateway.getPayment({ paymentKey, orderId, amount: 10_000 });

  it('cancel with a stale balance is a retryable conflict (never a decline) and nothing is canceled', async () => {
    const { orderId, paymentKey, request } = await partialCancelOfPaid(1_000);
    const error = await errorOf(gateway.cancel({ ...request, balanceBefore: 8_000 }));
    expect(error).toBeInstanceOf(CancelConflictError);
    expect(error).not.toBeInstanceOf(GatewayDeclinedError);
    expect(error).toMatchObject({
      code: 'CANCEL_CONFLICT',
      gatewayCode: 'NOT_MATCHES_REFUNDABLE_AMOUNT',
      retryable: true,
      httpStatus: 409,
    });
    const truth = await readBack(paymentKey, orderId);
    expect(truth).toMatchObject({ status: 'PAID', balanceAmount: 10_000, cancels: [] });
  });

  it('a cancel answered after the read timeout: committed at once, 409 while in flight, then replayed', async () => {
    const { orderId, paymentKey, request, path } = await partialCancelOfPaid(4_000);
    sim.failNext({ method: 'POST', path }, { kind: 'hang-after-commit', ms: HANG_MS });
    const started = Date.now();
    const lost = await errorOf(gateway.cancel(request));
    expect(lost).toBeInstanceOf(GatewayUnavailableError);
    expect(lost).toMatchObject({ requestSent: true });

    const committed = await readBack(paymentKey, orderId);
    expect(committed).toMatchObject({ status: 'PARTIALLY_CANCELED', balanceAmount: 6_000 });
    expect(committed.cancels).toHaveLength(1);
    const inFlight = await errorOf(gateway.cancel(request));
    expect(inFlight).toBeInstanceOf(GatewayUnavailableError);
    expect(inFlight).toMatchObject({ gatewayCode: 'IDEMPOTENT_REQUEST_PROCESSING', retryable: true });

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, HANG_MS + 100 - (Date.now() - started))));
    const replayed = await gateway.cancel(request);
    expect(replayed.cancel).toMatchObject({ amount: 4_000, transactionKey: committed.cancels[0].transactionKey });
    expect(sim.getPayment(paymentKey)).toMatchObject({ balanceAmount: 6_000 });
    expect((sim.getPayment(paymentKey)?.cancels as unknown[]).length).toBe(1);
  });

  it('a cancel whose connection drops after the commit: the read-back shows it, the same key replays it', async () => {
    const { orderId, paymentKey, request, path } = await partialCancelOfPaid(2_500);
    sim.failNext({ method: 'POST', path }, { kind: 'drop-after-commit' });
    const lost = await errorOf(gateway.cancel(request));
    expect(lost).toMatchObject({ requestSent: true });
    const committed = await readBack(paymentKey, orderId);
    expect(committed).toMatchObject({ balanceAmount: 7_500 });
    const replayed = await gateway.cancel(request);
    expect(replayed.cancel.transactionKey).toBe(committed.cancels[0].transactionKey);
    expect((sim.getPayment(paymentKey)?.cancels as unknown[]).length).toBe(1);
  });

  it('a cancel dropped before Toss processed it: no cancel at Toss, and the same key then cancels once', async () => {
    const { orderId, paymentKey, request, path } = await partialCancelOfPaid(3_000);
    sim.failNext({ method: 'POST', path }, { kind: 'drop-before-commit' });
    const lost = await errorOf(gateway.cancel(request));
    expect(lost).toBeInstanceOf(GatewayUnavailableError);
    expect(lost).toMatchObject({ requestSent: true });
    await expect(readBack(paymentKey, orderId)).resolves.toMatchObject({
      status: 'PAID',
      balanceAmount: 10_000,
      cancels: [],
    });
    const done = await gateway.cancel(request);
    expect(done.payment).toMatchObject({ status: 'PARTIALLY_CANCELED', balanceAmount: 7_000 });
    expect(sim.requestsTo('POST', path).map((r) => r.status)).toEqual([0, 200]);
  });

  it('a virtual account whose due date passed reads back EXPIRED (Toss: WAITING_FOR_DEPOSIT, expired: true)', async () => {
    const orderId = newOrderId();
    const checkout = await gateway.prepare({
      paymentId: `pay_${orderId}`,
      orderId,
      amount: 30_000,
      taxFreeAmount: 0,
      orderName: '가상계좌 만료',
      method: 'VIRTUAL_ACCOUNT',
      customer: { name: '김토스' },
      extra: { issueServerSide: true, bank: '20', validHours: 1 },
    });
    const issued = checkout.truth as GatewayPaymentTruth;
    const lookup = { paymentKey: issued.paymentKey, orderId, amount: 30_000 };
    clock.advance(59 * 60_000);
    await expect(gateway.getPayment(lookup)).resolves.toMatchObject({
      status: 'WAITING_FOR_DEPOSIT',
      virtualAccount: { expired: false },
    });

    clock.advance(2 * 60_000); // past the due date, on the simulator's clock
    const expired = await gateway.getPayment(lookup);
    expect(expired).toMatchObject({ status: 'EXPIRED', virtualAccount: { expired: true }, balanceAmount: 30_000 });
    expect(expired.raw).toMatchObject({ status: 'WAITING_FOR_DEPOSIT' }); // Toss's own word is kept
    await expect(gateway.getPayment({ orderId, amount: 30_000 })).resolves.toMatchObject({ status: 'EXPIRED' });
    expect(() => sim.deposit({ orderId })).toThrow(/expired/);
  });
});
