import {
  BillingAttemptStatus,
  BillingCycleStatus,
  Payment,
  PaymentStatus,
  SubscriptionStatus,
} from 'nestjs-kr-payments';
import { BillingAttemptStore } from '../../libs/payments/src/billing/billing-attempt.store';
import { BillingSweep } from '../../libs/payments/src/billing/billing-sweep';
import { BillingShopFixture, CHARGE_PATHS, type BillingGateway } from './billing.fixtures';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * What each kind of failure does to an attempt, its cycle and its subscription: SOFT → dunning on the schedule,
 * HARD → PAST_DUE without retries, TRANSIENT → the same attempt again (same orderId), a lost answer → read back and
 * settled with one charge, a worker that died before its call → sent once under the same orderId.
 */
describe('recurring billing: declines, lost answers and expired leases', () => {
  const fixture = BillingShopFixture.use({ transientRetryMs: MINUTE, unknownRetryMs: MINUTE, leaseMs: 5 * MINUTE });
  const at = (iso: string) => fixture.clock.set(new Date(iso));
  const advance = (ms: number) => fixture.clock.advance(ms);

  const subscribe = (gateway: BillingGateway, startDate: string, amount?: number) =>
    fixture.subscribe(gateway, startDate, amount);
  const orderIdsOf = (subscriptionId: string) => fixture.orderIdsOf(subscriptionId);

  it.each([
    ['toss', { kind: 'error', status: 403, code: 'REJECT_CARD_COMPANY' }],
    ['nicepay', { kind: 'error', resultCode: '3095', resultMsg: '카드사 실패 응답' }],
  ] as const)(
    '%s: a SOFT decline is retried on the dunning schedule (+1, +3 days, 10:00 KST) until paid',
    async (gateway, fault) => {
      at('2028-01-01T00:00:00Z');
      const { subscription } = await subscribe(gateway, '2028-01-05');
      const sim = gateway === 'toss' ? fixture.toss : fixture.nicepay;
      sim.failNext({ method: 'POST', path: CHARGE_PATHS[gateway] }, fault as never, 2);

      at('2028-01-05T01:00:00Z');
      expect((await fixture.billing.runDue()).attempts.map((a) => a.verdict)).toEqual(['SOFT_DECLINE']);
      expect(await fixture.billing.get(subscription.id)).toMatchObject({
        status: SubscriptionStatus.PAST_DUE,
        statusReason: 'payment declined',
      });
      let [cycle] = await fixture.cyclesOf(subscription.id);
      expect(cycle).toMatchObject({
        status: BillingCycleStatus.RETRY_SCHEDULED,
        nextAttemptAt: new Date('2028-01-06T01:00:00Z'),
        lastDeclineClass: 'SOFT',
      });

      at('2028-01-06T00:59:00Z'); // a minute early: nothing
      expect((await fixture.billing.runDue()).attempts).toEqual([]);
      at('2028-01-06T01:00:00Z');
      expect((await fixture.billing.runDue()).attempts.map((a) => a.verdict)).toEqual(['SOFT_DECLINE']);
      [cycle] = await fixture.cyclesOf(subscription.id);
      expect(cycle.nextAttemptAt).toEqual(new Date('2028-01-08T01:00:00Z')); // +3 days from the due date

      at('2028-01-08T01:00:00Z');
      expect((await fixture.billing.runDue()).attempts.map((a) => a.verdict)).toEqual(['PAID']);
      expect(await fixture.billing.get(subscription.id)).toMatchObject({
        status: SubscriptionStatus.ACTIVE,
        statusReason: null,
      });
      const attempts = await fixture.attemptsOf(subscription.id);
      expect(attempts.map((a) => [a.attemptNo, a.status, a.declineClass, a.declineCode])).toEqual([
        [1, BillingAttemptStatus.FAILED, 'SOFT', gateway === 'toss' ? 'REJECT_CARD_COMPANY' : '3095'],
        [2, BillingAttemptStatus.FAILED, 'SOFT', gateway === 'toss' ? 'REJECT_CARD_COMPANY' : '3095'],
        [3, BillingAttemptStatus.SUCCEEDED, null, null],
      ]);
      // Three attempts, three orders, three requests; one payment PAID.
      expect(fixture.chargesFor(gateway, await orderIdsOf(subscription.id))).toHaveLength(3);
      const payments = await fixture.shop.dataSource.manager.find(Payment, {
        where: attempts.map((a) => ({ orderId: a.orderId })),
      });
      expect(payments.filter((p) => p.status === PaymentStatus.PAID).map((p) => p.amount)).toEqual([15_000]);
    },
  );

  it('a HARD decline: PAST_DUE "payment method required", no retries; retryNow with a new card collects', async () => {
    at('2028-02-01T00:00:00Z');
    const { subscription, customerKey } = await subscribe('toss', '2028-02-03');
    fixture.toss.failNext(
      { method: 'POST', path: CHARGE_PATHS.toss },
      { kind: 'error', status: 403, code: 'INVALID_STOPPED_CARD' },
    );
    at('2028-02-03T01:00:00Z');
    expect((await fixture.billing.runDue()).attempts.map((a) => a.verdict)).toEqual(['HARD_DECLINE']);
    expect(await fixture.billing.get(subscription.id)).toMatchObject({
      status: SubscriptionStatus.PAST_DUE,
      statusReason: 'payment method required',
    });
    expect(await fixture.cyclesOf(subscription.id)).toEqual([
      expect.objectContaining({ status: BillingCycleStatus.RETRY_SCHEDULED, nextAttemptAt: null }),
    ]);
    advance(20 * DAY); // the dunning days pass: nothing is retried
    expect((await fixture.billing.runDue()).attempts).toEqual([]);
    expect(fixture.chargesFor('toss', await orderIdsOf(subscription.id))).toHaveLength(1);

    const newKey = await fixture.billingKey('toss', customerKey);
    const cycle = await fixture.billing.retryNow({ subscriptionId: subscription.id, billingKeyId: newKey.id });
    expect(cycle).toMatchObject({ status: BillingCycleStatus.PAID, amount: 15_000 });
    expect(cycle.attempts.map((a) => a.status)).toEqual([BillingAttemptStatus.FAILED, BillingAttemptStatus.SUCCEEDED]);
    expect(await fixture.billing.get(subscription.id)).toMatchObject({
      status: SubscriptionStatus.ACTIVE,
      billingKeyId: newKey.id,
    });
  });

  it('TRANSIENT (PROVIDER_ERROR): the same attempt is retried shortly under the same orderId and idempotency key', async () => {
    at('2028-03-01T00:00:00Z');
    const { subscription } = await subscribe('toss', '2028-03-02');
    fixture.toss.failNext(
      { method: 'POST', path: CHARGE_PATHS.toss },
      { kind: 'error', status: 500, code: 'PROVIDER_ERROR' },
    );
    at('2028-03-02T01:00:00Z');
    expect((await fixture.billing.runDue()).attempts.map((a) => a.verdict)).toEqual(['UNKNOWN']);
    let [attempt] = await fixture.attemptsOf(subscription.id);
    expect(attempt).toMatchObject({
      status: BillingAttemptStatus.UNKNOWN,
      declineClass: 'TRANSIENT',
      declineCode: 'PROVIDER_ERROR',
      transientRetries: 1,
    });
    expect((await fixture.cyclesOf(subscription.id))[0].status).toBe(BillingCycleStatus.UNKNOWN);

    advance(2 * MINUTE); // past the retry delay and Toss's longest call + margin
    expect((await fixture.billing.runDue()).attempts.map((a) => a.verdict)).toEqual(['PAID']);
    const attempts = await fixture.attemptsOf(subscription.id);
    expect(attempts).toHaveLength(1);
    [attempt] = attempts;
    expect(attempt).toMatchObject({ status: BillingAttemptStatus.SUCCEEDED, claims: 2 });
    const requests = fixture.chargesFor('toss', [attempt.orderId]);
    expect(requests).toHaveLength(2);
    expect(new Set(requests.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    expect((await fixture.cyclesOf(subscription.id))[0]).toMatchObject({ status: BillingCycleStatus.PAID });
  });

  it('a lost answer (committed, then timed out): read back by the janitor and settled PAID with exactly one charge', async () => {
    at('2028-04-01T00:00:00Z');
    const { subscription } = await subscribe('toss', '2028-04-02');
    fixture.toss.failNext({ method: 'POST', path: CHARGE_PATHS.toss }, { kind: 'hang-after-commit', ms: 3_000 });
    at('2028-04-02T01:00:00Z');
    expect((await fixture.billing.runDue()).attempts.map((a) => a.verdict)).toEqual(['UNKNOWN']);
    const [lost] = await fixture.attemptsOf(subscription.id);
    expect(lost).toMatchObject({ status: BillingAttemptStatus.UNKNOWN, declineClass: 'UNKNOWN' });
    expect((await fixture.shop.payments.get(lost.paymentId as string)).status).toBe(PaymentStatus.UNKNOWN);

    advance(2 * MINUTE);
    expect((await fixture.billing.runDue()).attempts.map((a) => a.verdict)).toEqual(['PAID']);
    const [settled] = await fixture.attemptsOf(subscription.id);
    expect(settled).toMatchObject({ id: lost.id, status: BillingAttemptStatus.SUCCEEDED });
    expect(fixture.chargesFor('toss', [lost.orderId])).toHaveLength(1); // read back, never sent again
    expect((await fixture.cyclesOf(subscription.id))[0]).toMatchObject({
      status: BillingCycleStatus.PAID,
      paymentId: lost.paymentId,
    });
    expect((await fixture.shop.payments.get(lost.paymentId as string)).status).toBe(PaymentStatus.PAID);
  });

  it('a worker that died after claiming, before its call: once the lease expires it is sent once, same orderId', async () => {
    at('2028-05-01T00:00:00Z');
    const { subscription } = await subscribe('nicepay', '2028-05-02');
    at('2028-05-02T01:00:00Z');
    const sweep = fixture.shop.app.get(BillingSweep);
    await sweep.createDueCycles(fixture.clock.now(), 10);
    // The sweep's attempts are born claimed by the instance that swept them: this one, which then "dies".
    const [claimed] = await sweep.claimDueCycles(fixture.clock.now(), 10);
    const attempt = claimed.claim.attempt;
    expect(attempt).toMatchObject({ status: BillingAttemptStatus.PROCESSING, claims: 1 });
    expect((attempt.leaseUntil as Date).getTime() - fixture.clock.now().getTime()).toBe(5 * MINUTE);
    // Nobody else can take it while that lease runs.
    const store = fixture.shop.app.get(BillingAttemptStore);
    expect(await store.claim(attempt.id, 'another-instance', fixture.clock.now(), 5 * MINUTE)).toBeNull();

    // While the dead worker's lease runs, nobody touches the attempt.
    advance(4 * MINUTE);
    expect((await fixture.billing.runDue()).attempts).toEqual([]);
    expect(fixture.chargesFor('nicepay', [attempt.orderId])).toHaveLength(0);

    advance(2 * MINUTE);
    expect((await fixture.billing.runDue()).attempts.map((a) => [a.orderId, a.verdict])).toEqual([
      [attempt.orderId, 'PAID'],
    ]);
    expect(fixture.chargesFor('nicepay', [attempt.orderId])).toHaveLength(1);
    expect(await fixture.attemptsOf(subscription.id)).toEqual([
      expect.objectContaining({
        id: attempt.id,
        status: BillingAttemptStatus.SUCCEEDED,
        claims: 2,
        leaseOwner: null,
      }),
    ]);
  });
  it('dunning runs out: the cycle is UNCOLLECTIBLE and the subscription UNPAID after the last retry day', async () => {
    at('2028-06-01T00:00:00Z');
    const { subscription } = await subscribe('toss', '2028-06-02');
    const reject = { kind: 'error', status: 403, code: 'EXCEED_MAX_DAILY_PAYMENT_COUNT' } as const;
    fixture.toss.failNext({ method: 'POST', path: CHARGE_PATHS.toss }, reject, 5);
    const verdicts: string[] = [];
    for (const day of ['02', '03', '05', '07', '09']) {
      at(`2028-06-${day}T01:00:00Z`);
      verdicts.push(...(await fixture.billing.runDue()).attempts.map((a) => a.verdict));
    }
    expect(verdicts).toEqual(['SOFT_DECLINE', 'SOFT_DECLINE', 'SOFT_DECLINE', 'SOFT_DECLINE', 'DUNNING_EXHAUSTED']);
    expect(await fixture.cyclesOf(subscription.id)).toEqual([
      expect.objectContaining({ status: BillingCycleStatus.UNCOLLECTIBLE, attemptCount: 5, nextAttemptAt: null }),
    ]);
    expect(await fixture.billing.get(subscription.id)).toMatchObject({ status: SubscriptionStatus.UNPAID });
    at('2028-07-05T01:00:00Z'); // an UNPAID subscription gets no new cycle
    expect((await fixture.billing.runDue()).cyclesCreated).toBe(0);
    expect(fixture.chargesFor('toss', await orderIdsOf(subscription.id))).toHaveLength(5);
  });

  it('paused while its charge is in flight: the charge settles PAID and the subscription stays PAUSED', async () => {
    at('2028-10-01T00:00:00Z');
    const { subscription } = await subscribe('toss', '2028-10-02');
    at('2028-10-02T01:00:00Z');
    // The charge waits at the gateway long enough for the pause to commit first: the settlement's snapshot of the
    // subscription is then stale, its one-statement guard misses, and the plan is made again from the locked rows.
    fixture.toss.failNext({ method: 'POST', path: CHARGE_PATHS.toss }, { kind: 'latency', ms: 1_500 });
    const chargesBefore = fixture.toss.requestsTo('POST', CHARGE_PATHS.toss).length;
    const pass = fixture.billing.runDue();
    await waitForCharge();
    await fixture.billing.pause({ subscriptionId: subscription.id });
    expect((await pass).attempts.map((a) => a.verdict)).toEqual(['PAID']);
    expect(await fixture.billing.get(subscription.id)).toMatchObject({ status: SubscriptionStatus.PAUSED });
    const [cycle] = await fixture.cyclesOf(subscription.id);
    expect([cycle.status, cycle.paymentId]).toEqual([BillingCycleStatus.PAID, expect.any(String)]);
    const attempts = await fixture.attemptsOf(subscription.id);
    expect(attempts.map((a) => [a.status, a.leaseOwner])).toEqual([[BillingAttemptStatus.SUCCEEDED, null]]);
    expect(fixture.chargesFor('toss', [attempts[0].orderId])).toHaveLength(1);

    async function waitForCharge(): Promise<void> {
      const deadline = Date.now() + 5_000;
      while (fixture.toss.requestsTo('POST', CHARGE_PATHS.toss).length === chargesBefore) {
        if (Date.now() > deadline) throw new Error('the charge never reached the gateway');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  });

  it('pause stops charging, resume charges the current period only; cancel at period end ends it there', async () => {
    at('2028-09-01T00:00:00Z');
    const { subscription } = await subscribe('nicepay', '2028-09-01');
    at('2028-09-01T01:00:00Z');
    await fixture.billing.runDue();
    await fixture.billing.pause({ subscriptionId: subscription.id });
    at('2028-11-15T00:00:00Z');
    expect((await fixture.billing.runDue()).cyclesCreated).toBe(0);
    expect(await fixture.billing.resume({ subscriptionId: subscription.id })).toMatchObject({
      status: SubscriptionStatus.ACTIVE,
    });
    expect((await fixture.billing.runDue()).attempts.map((a) => a.verdict)).toEqual(['PAID']);
    await fixture.billing.cancel({ subscriptionId: subscription.id, atPeriodEnd: true });
    at('2028-12-01T01:00:00Z');
    const run = await fixture.billing.runDue();
    expect(run.attempts).toEqual([]);
    expect(await fixture.billing.get(subscription.id)).toMatchObject({
      status: SubscriptionStatus.CANCELED,
      canceledAt: new Date('2028-12-01T01:00:00Z'),
      nextChargeAt: null,
    });
    const cycles = await fixture.cyclesOf(subscription.id);
    expect(cycles.map((c) => [c.cycleNo, c.status])).toEqual([
      [1, BillingCycleStatus.PAID],
      [3, BillingCycleStatus.PAID], // Nov 1 period, charged on resume; Oct was paused
    ]);
  });
});
