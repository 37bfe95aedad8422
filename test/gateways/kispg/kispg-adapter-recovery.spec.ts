import {
  ForeignPaymentKeyError,
  GatewayConfigurationError,
  GatewayDeclinedError,
  GatewayRequestError,
  GatewayUnavailableError,
  PaymentNotFoundError,
  PaymentStatus,
  type PaymentsError,
} from 'nestjs-kr-payments';
import { KISPG_TEST_MERCHANT_KEY, KISPG_TEST_MID, type KispgSimulator, ManualClock } from 'nestjs-kr-payments/testing';
import { approvalOutcome } from '../../../libs/payments/src/domain/approval-outcome';
import type { KispgGateway } from '../../../libs/payments/src/gateways/kispg/kispg.gateway';
import { createKispgGateway } from '../../../libs/payments/src/gateways/kispg/kispg.module';
import { KispgGatewayOptions } from '../../../libs/payments/src/gateways/kispg/kispg.types';
import { clock, useKispgAdapter } from './kispg-adapter.fixtures';

/**
 * What the core's repair rules need from the KISPG adapter: how long one call may take, an unambiguous "KISPG has no
 * record", duplicate and foreign keys told apart from declines, and virtual accounts whose deadline passed
 * (docs/gateways/kispg.md#when-kispg-has-no-record, #duplicate-and-foreign-keys, #virtual-account-deadlines).
 */
describe('KISPG adapter: what recovery relies on', () => {
  const harness = useKispgAdapter();
  const { logger, options, authenticated, approved } = harness;
  let sim: KispgSimulator;
  let gateway: KispgGateway;
  beforeAll(() => {
    ({ sim, gateway } = harness);
  });
  const count = (path: string) => sim.requestsTo('POST', path).length;
  const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined).catch((e: unknown) => e);

  it('maxCallMs covers two calls under the configured timeouts (a cancel may look the method up first), and bounds a call KISPG never answers', async () => {
    const defaults = createKispgGateway(
      Object.assign(new KispgGatewayOptions(), { mid: KISPG_TEST_MID, merchantKey: KISPG_TEST_MERCHANT_KEY }),
      { logger, clock },
    );
    const tuned = createKispgGateway(options({ timeouts: { connectMs: 3_000, readMs: 7_000 } }), { logger, clock });
    try {
      expect(defaults.maxCallMs).toBe(2 * (15_000 + 25_000));
      expect(tuned.maxCallMs).toBe(2 * 10_000);
      expect(gateway.maxCallMs).toBe(2 * (1_000 + 1_500));
    } finally {
      await defaults.close();
      await tuned.close();
    }

    const { prepared, truth } = await approved(2_000, 'CARD');
    sim.failNext({ method: 'POST', path: '/v2/order' }, { kind: 'hang-before-commit', ms: 10_000 });
    const startedAt = Date.now();
    const lost = await errorOf(
      gateway.getPayment({ paymentKey: truth.paymentKey, orderId: prepared.orderId, amount: 2_000 }),
    );
    expect(lost).toBeInstanceOf(GatewayUnavailableError);
    expect(Date.now() - startedAt).toBeLessThan(gateway.maxCallMs);
  });

  it('getPayment: KISPG has no record (its code mapped to not-found) → PaymentNotFoundError, by tid and by ordNo', async () => {
    const auth = await authenticated(3_000, 'CARD'); // a tid the window issued, never approved
    const byTid = await errorOf(
      gateway.getPayment({ paymentKey: auth.returned.tid, orderId: auth.orderId, amount: 3_000 }),
    );
    expect(byTid).toBeInstanceOf(PaymentNotFoundError);
    expect(byTid).toMatchObject({ gatewayCode: 'SIM5' });
    const byOrder = await errorOf(gateway.getPayment({ orderId: auth.orderId, amount: 3_000 }));
    expect(byOrder).toBeInstanceOf(PaymentNotFoundError);
    const neverPrepared = await errorOf(gateway.getPayment({ orderId: 'kord_never_prepared', amount: 3_000 }));
    expect(neverPrepared).toBeInstanceOf(PaymentNotFoundError);
  });

  it('unmapped, a query refusal is not "no record": GatewayRequestError, and resolveUnknownApproval throws it', async () => {
    const strict = createKispgGateway(options({ resultCodeCategories: {} }), { logger, clock });
    try {
      const auth = await authenticated(3_000, 'CARD');
      const lookup = { paymentKey: auth.returned.tid, orderId: auth.orderId, amount: 3_000 };
      const refused = await errorOf(strict.getPayment(lookup));
      expect(refused).toBeInstanceOf(GatewayRequestError);
      expect(refused).not.toBeInstanceOf(PaymentNotFoundError);
      const resolution = strict.resolveUnknownApproval({
        prepared: auth.prepared,
        paymentKey: auth.returned.tid,
        approvalSentAt: new Date(),
        idempotencyKey: 'net-cancel:p',
      });
      await expect(resolution).rejects.toBeInstanceOf(GatewayRequestError);
    } finally {
      await strict.close();
    }
  });

  it('approve with a tid KISPG does not know (a forged return body) → PaymentNotFoundError → READY; the genuine confirm then succeeds', async () => {
    const victim = await authenticated(7_000, 'CARD');
    const forged = gateway.confirmInputFromReturn({ ...victim.returned, tid: `${KISPG_TEST_MID}0101260101000000` });
    // The auth result's hash covers neither tid nor ordNo: the forged body passes the return checks.
    expect(() => gateway.verifyConfirmInput(victim.prepared, forged)).not.toThrow();
    const error = await errorOf(gateway.approve({ prepared: victim.prepared, input: forged, idempotencyKey: 'k' }));
    expect(error).toBeInstanceOf(PaymentNotFoundError);
    expect(approvalOutcome(error as PaymentsError).status).toBe(PaymentStatus.READY);

    const genuine = gateway.confirmInputFromReturn(victim.returned);
    const truth = await gateway.approve({ prepared: victim.prepared, input: genuine, idempotencyKey: 'k' });
    expect(truth).toMatchObject({ status: 'PAID', orderId: victim.orderId, paymentKey: victim.returned.tid });
  });

  it("approve with another order's approved tid → ForeignPaymentKeyError after one read-back; nothing moves, the victim can still pay", async () => {
    const attacker = await approved(7_000, 'CARD');
    const victim = await authenticated(7_000, 'CARD');
    const forged = gateway.confirmInputFromReturn({ ...victim.returned, tid: attacker.truth.paymentKey });
    const [approvals, queries] = [count('/v2/payment'), count('/v2/order')];
    const error = await errorOf(gateway.approve({ prepared: victim.prepared, input: forged, idempotencyKey: 'k' }));
    expect(error).toBeInstanceOf(ForeignPaymentKeyError);
    expect(error).toMatchObject({ code: 'PAYMENT_KEY_NOT_FOR_ORDER', httpStatus: 409 });
    expect(approvalOutcome(error as PaymentsError).status).toBe(PaymentStatus.READY);
    expect([count('/v2/payment') - approvals, count('/v2/order') - queries]).toEqual([1, 1]);
    expect(sim.getTransaction(attacker.truth.paymentKey)).toMatchObject({ state: 'APPROVED', canceledAmt: 0 });

    const truth = await gateway.approve({
      prepared: victim.prepared,
      input: gateway.confirmInputFromReturn(victim.returned),
      idempotencyKey: 'k',
    });
    expect(truth).toMatchObject({ status: 'PAID', orderId: victim.orderId });
  });

  it('a duplicate approval (KISPG\'s "already approved", unmapped) is read back: our earlier approval is the answer', async () => {
    const first = await approved(6_000, 'CARD');
    const [approvals, queries] = [count('/v2/payment'), count('/v2/order')];
    const again = await gateway.approve({ prepared: first.prepared, input: first.input, idempotencyKey: 'k2' });
    expect(again).toMatchObject({
      status: 'PAID',
      orderId: first.orderId,
      paymentKey: first.truth.paymentKey,
      totalAmount: 6_000,
    });
    expect([count('/v2/payment') - approvals, count('/v2/order') - queries]).toEqual([1, 1]);
    expect(sim.getTransaction(first.truth.paymentKey)).toMatchObject({ state: 'APPROVED', amt: 6_000 });
  });

  it('a real refusal stays a decline once the read-back shows no approval; a lost read-back makes it unknown, never FAILED', async () => {
    const declined = await authenticated(5_000, 'CARD');
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'error', resultCd: '9001', resultMsg: '한도초과' });
    const queries = count('/v2/order');
    const decline = await errorOf(
      gateway.approve({
        prepared: declined.prepared,
        input: gateway.confirmInputFromReturn(declined.returned),
        idempotencyKey: 'k',
      }),
    );
    expect(decline).toBeInstanceOf(GatewayDeclinedError);
    expect(decline).toMatchObject({ gatewayCode: '9001', gatewayMessage: '한도초과' });
    expect(count('/v2/order') - queries).toBe(1);

    const unsure = await authenticated(5_000, 'CARD');
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'error', resultCd: '9001' });
    sim.failNext({ method: 'POST', path: '/v2/order' }, { kind: 'drop-before-commit' });
    const lost = await errorOf(
      gateway.approve({
        prepared: unsure.prepared,
        input: gateway.confirmInputFromReturn(unsure.returned),
        idempotencyKey: 'k',
      }),
    );
    expect(lost).toBeInstanceOf(GatewayUnavailableError);
    expect(lost).toMatchObject({ requestSent: true, gatewayCode: '9001' });
    expect(approvalOutcome(lost as PaymentsError).status).toBe(PaymentStatus.UNKNOWN);
  });

  it('a cancel KISPG commits after its answer timed out: a lost answer, absent from a read-back until it lands', async () => {
    const { prepared, truth } = await approved(9_000, 'CARD');
    const lookup = { paymentKey: truth.paymentKey, orderId: prepared.orderId, amount: 9_000 };
    sim.failNext({ method: 'POST', path: '/v2/cancel' }, { kind: 'commit-late', ms: 2_000 });
    const lost = await errorOf(
      gateway.cancel({
        prepared,
        paymentKey: truth.paymentKey,
        cancelId: 'c',
        amount: 4_000,
        isFull: false,
        balanceBefore: 9_000,
        reason: '부분취소',
        idempotencyKey: 'c',
      }),
    );
    expect(lost).toMatchObject({ code: 'GATEWAY_UNAVAILABLE', requestSent: true });
    expect(await gateway.getPayment(lookup)).toMatchObject({ status: 'PAID', balanceAmount: 9_000, cancels: [] });
    await new Promise((resolve) => setTimeout(resolve, 900));
    const landed = await gateway.getPayment(lookup);
    expect(landed).toMatchObject({ status: 'PARTIALLY_CANCELED', balanceAmount: 5_000 });
    expect(landed.cancels).toEqual([expect.objectContaining({ amount: 4_000, status: 'DONE' })]);
  });

  it('configuration and not-found refusals are not read back (the query would be refused alike, or there is no tid)', async () => {
    const auth = await authenticated(5_000, 'CARD');
    const input = gateway.confirmInputFromReturn(auth.returned);
    const queries = count('/v2/order');
    sim.failNext(
      { method: 'POST', path: '/v2/payment' },
      { kind: 'error', resultCd: 'SIM2', resultMsg: '해쉬값 불일치' },
    );
    await expect(gateway.approve({ prepared: auth.prepared, input, idempotencyKey: 'k' })).rejects.toBeInstanceOf(
      GatewayConfigurationError,
    );
    sim.failNext(
      { method: 'POST', path: '/v2/payment' },
      { kind: 'error', resultCd: 'SIM5', resultMsg: '거래 정보 없음' },
    );
    await expect(gateway.approve({ prepared: auth.prepared, input, idempotencyKey: 'k' })).rejects.toBeInstanceOf(
      PaymentNotFoundError,
    );
    expect(count('/v2/order')).toBe(queries);
  });
});

describe('KISPG adapter: virtual account deadlines', () => {
  /** 2026-03-02 12:00 KST: the account issued now is due through 2026-03-09 (7 days, the simulator's default). */
  const manual = new ManualClock(new Date('2026-03-02T03:00:00Z'));
  const harness = useKispgAdapter({ clock: manual });
  const endOfLmtDay = new Date('2026-03-09T14:59:59Z');

  it('입금대기 past lmtDay plus the grace (1 hour) reads back EXPIRED; within the grace it is still waiting', async () => {
    manual.set(new Date('2026-03-02T03:00:00Z'));
    const { sim, gateway } = harness;
    const { prepared, truth } = await harness.approved(30_000, 'VIRTUAL_ACCOUNT');
    expect(truth.virtualAccount?.dueDate).toEqual(endOfLmtDay);
    const lookup = { paymentKey: truth.paymentKey, orderId: prepared.orderId, amount: 30_000 };

    manual.set(new Date(endOfLmtDay.getTime() + 1_000));
    expect(sim.getTransaction(truth.paymentKey)).toMatchObject({ vacntExpired: true, trxStatus: '입금대기' });
    expect(() => sim.deposit(truth.paymentKey)).toThrow(/deadline/);
    expect(await gateway.getPayment(lookup)).toMatchObject({ status: 'WAITING_FOR_DEPOSIT' });

    manual.set(new Date(endOfLmtDay.getTime() + 3_600_000 + 1_000));
    const expired = await gateway.getPayment(lookup);
    expect(expired).toMatchObject({ status: 'EXPIRED', totalAmount: 30_000, balanceAmount: 30_000, cancels: [] });
    expect(expired.virtualAccount?.dueDate).toEqual(endOfLmtDay);
    expect((expired.raw as { trxStatus: string }).trxStatus).toBe('입금대기');
  });

  it('vacntExpiryGraceMs sets the grace; an account paid in time is PAID whatever the clock says', async () => {
    manual.set(new Date('2026-03-02T03:00:00Z'));
    const { sim } = harness;
    const noGrace = createKispgGateway(harness.options({ vacntExpiryGraceMs: 0 }), {
      logger: harness.logger,
      clock: manual,
    });
    try {
      const unpaid = await harness.approved(10_000, 'VIRTUAL_ACCOUNT');
      const paid = await harness.approved(20_000, 'VIRTUAL_ACCOUNT');
      sim.deposit(paid.truth.paymentKey);
      manual.set(new Date(endOfLmtDay.getTime() + 1_000));
      const read = (approvedOne: typeof unpaid, amount: number) =>
        noGrace.getPayment({ paymentKey: approvedOne.truth.paymentKey, orderId: approvedOne.prepared.orderId, amount });
      expect(await read(unpaid, 10_000)).toMatchObject({ status: 'EXPIRED' });
      expect(await read(paid, 20_000)).toMatchObject({ status: 'PAID' });
    } finally {
      await noGrace.close();
    }
  });
});
