import { AppsInTossSimulator, type TestPki } from '../../../libs/testing/src/apps-in-toss';
import { ManualClock } from '../../../libs/testing/src/clock';
import { approvalOutcome } from '../../../libs/payments/src/domain/approval-outcome';
import {
  ForeignPaymentKeyError,
  GatewayDeclinedError,
  GatewayUnavailableError,
  PaymentNotFoundError,
} from '../../../libs/payments/src/domain/errors';
import { PaymentStatus } from '../../../libs/payments/src/domain/payment-status';
import type { AppsInTossGateway } from '../../../libs/payments/src/gateways/apps-in-toss/apps-in-toss.gateway';
import type { CancelRequest, PreparedPayment } from '../../../libs/payments/src/gateways/gateway.port';
import { adapterAgainstSimulator, PAY, USER_KEY } from './apps-in-toss-adapter.fixtures';

/**
 * What the core's recovery rules rely on, against the simulator over mTLS
 * (docs/gateways/apps-in-toss.md#lost-answers-and-recovery): the longest call, "Toss has no such payment" for a read
 * and for a confirm with a key that is not this order's, and how every lost request or lost answer reads back.
 */
describe('AppsInTossGateway recovery facts (mTLS simulator)', () => {
  let pki: TestPki;
  let sim: AppsInTossSimulator;
  let gateway: AppsInTossGateway;
  /** The same adapter with a 300 ms read timeout: a held answer is lost quickly. */
  let impatient: AppsInTossGateway;
  const adapter = adapterAgainstSimulator();
  const { createGateway, nextOrderId, prepared, preparedAndAuthenticated } = adapter;
  const credentials = () => ({ cert: pki.clientCert, key: pki.clientKey });
  const lookupOf = (orderId: string, payToken: string | null, amount: number) => ({
    paymentKey: payToken,
    orderId,
    amount,
    customerKey: USER_KEY,
  });
  const fullRefund = (stored: PreparedPayment, cancelId: string): CancelRequest => ({
    prepared: stored,
    paymentKey: stored.gatewayPaymentKey as string,
    cancelId,
    amount: stored.amount,
    isFull: true,
    balanceBefore: stored.amount,
    reason: '고객요청',
    idempotencyKey: `cancel:${cancelId}`,
  });
  const until = async (condition: () => boolean) => {
    for (let i = 0; i < 1_000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(condition()).toBe(true);
  };

  beforeAll(async () => {
    ({ pki, sim, gateway } = await adapter.start());
    impatient = createGateway(sim.url, credentials(), { timeouts: { connectMs: 1_000, readMs: 300 } });
  });

  afterAll(async () => {
    await impatient?.close();
    await adapter.stop();
  });

  it('maxCallMs is connect + read timeout as configured, 5 s + 30 s by default', async () => {
    expect(impatient.maxCallMs).toBe(1_300);
    expect(gateway.maxCallMs).toBe(2_000 + 3_000); // the fixture's timeouts
    const byDefault = createGateway(sim.url, credentials(), { timeouts: undefined });
    const slow = createGateway(sim.url, credentials(), { timeouts: { readMs: 60_000 } });
    try {
      expect(byDefault.maxCallMs).toBe(35_000);
      expect(slow.maxCallMs).toBe(65_000);
    } finally {
      await byDefault.close();
      await slow.close();
    }
  });

  it('getPayment: a payToken or an orderNo Toss does not know → PaymentNotFoundError', async () => {
    const { orderId, payToken } = await preparedAndAuthenticated(1_000);
    await expect(gateway.getPayment(lookupOf(orderId, 'AAAAAAAAAAAAAAAAAAAAAA', 1_000))).rejects.toBeInstanceOf(
      PaymentNotFoundError,
    );
    await expect(gateway.getPayment(lookupOf(nextOrderId(), null, 1_000))).rejects.toBeInstanceOf(PaymentNotFoundError);
    await expect(gateway.getPayment(lookupOf(orderId, payToken, 1_000))).resolves.toMatchObject({ status: 'READY' });
  });

  it('a confirm with a made-up payToken → PaymentNotFoundError (READY); the genuine confirm then pays', async () => {
    const { orderId, payToken, prepared: stored } = await preparedAndAuthenticated(2_000);
    const forged = await gateway
      .approve({
        prepared: stored,
        input: { orderId, amount: 2_000, payToken: 'ZZZZZZZZZZZZZZZZZZZZZZ' },
        idempotencyKey: 'k',
      })
      .catch((e: unknown) => e);
    expect(forged).toBeInstanceOf(PaymentNotFoundError);
    expect(approvalOutcome(forged).status).toBe(PaymentStatus.READY);
    expect(sim.getPayment(payToken)).toMatchObject({ payStatus: 'PAY_APPROVED' });
    await expect(
      gateway.approve({ prepared: stored, input: { orderId, amount: 2_000, payToken }, idempotencyKey: 'k' }),
    ).resolves.toMatchObject({ status: 'PAID', paymentKey: payToken });
  });

  it("a confirm with another order's real payToken → ForeignPaymentKeyError (READY); neither payment moves", async () => {
    const victim = await preparedAndAuthenticated(3_000);
    const other = await preparedAndAuthenticated(3_000);
    await gateway.approve({
      prepared: other.prepared,
      input: { orderId: other.orderId, amount: 3_000 },
      idempotencyKey: 'k',
    });
    for (const foreignKey of [other.payToken, (await preparedAndAuthenticated(3_000)).payToken]) {
      const forged = await gateway
        .approve({
          prepared: victim.prepared,
          input: { orderId: victim.orderId, amount: 3_000, payToken: foreignKey },
          idempotencyKey: 'k',
        })
        .catch((e: unknown) => e);
      expect(forged).toBeInstanceOf(ForeignPaymentKeyError);
      expect(approvalOutcome(forged).status).toBe(PaymentStatus.READY);
    }
    expect(sim.getPayment(victim.payToken)).toMatchObject({ payStatus: 'PAY_APPROVED' });
    expect((sim.getPayment(other.payToken) as { transactions: unknown[] }).transactions).toHaveLength(1);
    await expect(
      gateway.approve({
        prepared: victim.prepared,
        input: { orderId: victim.orderId, amount: 3_000 },
        idempotencyKey: 'k',
      }),
    ).resolves.toMatchObject({ status: 'PAID', orderId: victim.orderId });
  });

  it.each([
    ['drop-before-commit', 'drop-before-commit' as const],
    ['hang-before-commit', { kind: 'hang-before-commit' as const, ms: 60_000 }],
  ])(
    'an execute lost before Toss applied it (%s): unknown outcome, reads back READY, executes once on retry',
    async (_name, fault) => {
      const { orderId, payToken, prepared: stored } = await preparedAndAuthenticated(4_000);
      sim.failNext({ path: `${PAY}/execute-payment` }, fault);
      const lost = await impatient
        .approve({ prepared: stored, input: { orderId, amount: 4_000 }, idempotencyKey: 'k' })
        .catch((e: unknown) => e);
      expect(lost).toBeInstanceOf(GatewayUnavailableError);
      expect(approvalOutcome(lost).status).toBe(PaymentStatus.UNKNOWN);
      // Toss holds it as authenticated, never executed: READY, nothing in flight there
      await expect(gateway.getPayment(lookupOf(orderId, payToken, 4_000))).resolves.toMatchObject({
        status: 'READY',
        approvedAt: null,
        cancels: [],
      });
      await expect(
        gateway.approve({ prepared: stored, input: { orderId, amount: 4_000 }, idempotencyKey: 'k' }),
      ).resolves.toMatchObject({ status: 'PAID' });
      expect((sim.getPayment(payToken) as { transactions: unknown[] }).transactions).toHaveLength(1);
    },
  );

  it('an execute Toss commits after the answer timed out (late-commit) reads back READY, then PAID', async () => {
    const { orderId, payToken, prepared: stored } = await preparedAndAuthenticated(5_000);
    sim.failNext({ path: `${PAY}/execute-payment` }, { kind: 'late-commit', ms: 2_000 });
    const lost = await impatient
      .approve({ prepared: stored, input: { orderId, amount: 5_000 }, idempotencyKey: 'k' })
      .catch((e: unknown) => e);
    expect(lost).toMatchObject({ code: 'GATEWAY_UNAVAILABLE', requestSent: true });
    // within the longest call the read-back proves nothing yet: Toss has not applied it
    expect((await gateway.getPayment(lookupOf(orderId, payToken, 5_000))).status).toBe('READY');
    await until(() => sim.getPayment(payToken)?.payStatus === 'PAY_COMPLETE');
    expect((await gateway.getPayment(lookupOf(orderId, payToken, 5_000))).status).toBe('PAID');
  });

  it('a refund whose answer is lost after Toss refunded (hang-after-commit) reads back CANCELED with that refund', async () => {
    const { orderId, payToken, prepared: stored } = await preparedAndAuthenticated(6_000);
    await gateway.approve({ prepared: stored, input: { orderId, amount: 6_000 }, idempotencyKey: 'k' });
    sim.failNext({ path: `${PAY}/refund-payment` }, { kind: 'hang-after-commit', ms: 60_000 });
    const lost = await impatient.cancel(fullRefund(stored, 'c-hang')).catch((e: unknown) => e);
    expect(lost).toMatchObject({ code: 'GATEWAY_UNAVAILABLE', requestSent: true });
    const truth = await gateway.getPayment(lookupOf(orderId, payToken, 6_000));
    expect(truth).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
    const refundRow = (
      sim.getPayment(payToken) as { transactions: Array<{ stepType: string; transactionId: string }> }
    ).transactions.find((t) => t.stepType === 'REFUND');
    expect(truth.cancels.map((c) => [c.transactionKey, c.amount, c.status])).toEqual([
      [refundRow?.transactionId, 6_000, 'DONE'],
    ]);
  });

  it('a refund lost before Toss applied it reads back PAID with no refund; a late-committed one shows up later', async () => {
    const { orderId, payToken, prepared: stored } = await preparedAndAuthenticated(7_000);
    await gateway.approve({ prepared: stored, input: { orderId, amount: 7_000 }, idempotencyKey: 'k' });
    const lookup = lookupOf(orderId, payToken, 7_000);
    for (const fault of ['drop-before-commit', { kind: 'hang-before-commit', ms: 60_000 }] as const) {
      sim.failNext({ path: `${PAY}/refund-payment` }, fault);
      await expect(impatient.cancel(fullRefund(stored, 'c-lost'))).rejects.toBeInstanceOf(GatewayUnavailableError);
      await expect(gateway.getPayment(lookup)).resolves.toMatchObject({ status: 'PAID', cancels: [] });
    }
    sim.failNext({ path: `${PAY}/refund-payment` }, { kind: 'late-commit', ms: 2_000 });
    await expect(impatient.cancel(fullRefund(stored, 'c-late'))).rejects.toMatchObject({ requestSent: true });
    await expect(gateway.getPayment(lookup)).resolves.toMatchObject({ status: 'PAID', cancels: [] });
    await until(() => sim.getPayment(payToken)?.payStatus === 'REFUND_SUCCESS');
    const refunded = await gateway.getPayment(lookup);
    expect(refunded).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
    expect(refunded.cancels).toHaveLength(1);
  });

  it('an abandoned window reads back READY, then EXPIRED (PAY_CANCEL) once it lapses; never PAID', async () => {
    const clock = new ManualClock(new Date('2025-04-17T03:00:00Z'));
    const lapsing = await AppsInTossSimulator.start({ port: 0, pki, clock, windowLapsesAfterMs: 15 * 60_000 });
    const lapsingGateway = createGateway(lapsing.url, credentials());
    try {
      const orderId = nextOrderId();
      const checkout = await lapsingGateway.prepare({
        paymentId: 'p',
        orderId,
        amount: 9_000,
        taxFreeAmount: 0,
        orderName: 'abandoned',
        customer: { customerKey: USER_KEY },
      });
      const payToken = checkout.paymentKey as string;
      const lookup = lookupOf(orderId, payToken, 9_000);
      expect((await lapsingGateway.getPayment(lookup)).status).toBe('READY');
      lapsing.authenticate(payToken); // the buyer authenticated, then walked away before the confirm
      clock.advance(15 * 60_000);
      const expired = await lapsingGateway.getPayment(lookup);
      expect(expired).toMatchObject({ status: 'EXPIRED', failure: { code: 'PAY_CANCEL' }, approvedAt: null });
      // a confirm that arrives too late is refused and stays refused: the read-back shows the window lapsed
      const late = await lapsingGateway
        .approve({
          prepared: prepared(orderId, 9_000, payToken),
          input: { orderId, amount: 9_000 },
          idempotencyKey: 'k',
        })
        .catch((e: unknown) => e);
      expect(late).toBeInstanceOf(GatewayDeclinedError);
      expect(late).toMatchObject({ gatewayCode: 'EXECUTE_PAY_NOT_APPROVED' });
      expect((await lapsingGateway.getPayment(lookup)).status).toBe('EXPIRED');
    } finally {
      await lapsingGateway.close();
      await lapsing.stop();
    }
  });
});
