import {
  BillingAttemptStatus,
  BillingCycleStatus,
  Payment,
  PaymentStatus,
  type BillingAttempt,
  type SubscriptionView,
} from 'nestjs-kr-payments';
import { BillingSettlement } from '../../libs/payments/src/billing/billing-settlement';
import { BillingSweep } from '../../libs/payments/src/billing/billing-sweep';
import { BillingShopFixture, CHARGE_PATHS, type BillingGateway } from './billing.fixtures';
import { killAllWorkers, type BillingWorkerProcess } from './support/worker-process';
import type { WorkerAttempt } from './support/worker-protocol';
import { backendsOf, holdLock, startWorker, waitFor, type HeldLock } from './support/worker-world';

// Each test boots Nest app processes (about 2 s of CPU each): room for a loaded CI machine.
jest.setTimeout(90_000);

/**
 * A worker process SIGKILLed in the middle of a billing attempt, at the three points where a crash can leave money
 * in doubt: after the claim but before the gateway call, after the gateway committed the charge but before its answer
 * arrived, and after the answer arrived but before the result was written. Another instance takes the attempt over
 * once its lease has run out (and not before). Whatever the point, the attempt's one orderId is charged at most once
 * at the gateway and the cycle settles to what the gateway did: PAID when it took the money (read back, never sent
 * again), charged once when it had not. NicePay's own rule for a lost answer is a net-cancel, so there the reversed
 * order ends its attempt and the cycle is charged by a new attempt: the customer still pays once.
 */
describe('recurring billing: a worker killed mid-attempt', () => {
  const locks: HeldLock[] = [];
  // Declared before the fixture's hooks so they run first: workers die and row locks go before the fixture's cleanup
  // updates those rows.
  afterEach(async () => {
    await killAllWorkers();
    await Promise.all(locks.splice(0).map((lock) => lock.release()));
  });
  afterAll(() => killAllWorkers());
  const fixture = BillingShopFixture.use();

  const LEASE_MS = 60_000;
  const BEFORE_EXPIRY_MS = 30_000;
  const AFTER_EXPIRY_MS = LEASE_MS + 1_000;
  let month = 0;

  /** A subscription whose first cycle is due at the returned instant (each test in its own month). */
  async function dueSubscription(gateway: BillingGateway): Promise<{ subscription: SubscriptionView; due: Date }> {
    month += 1;
    const day = `2028-${String(month).padStart(2, '0')}-01`;
    fixture.clock.set(new Date(`${day}T00:00:00Z`)); // 09:00 KST: the first charge is today at 10:00 KST
    const customerKey = fixture.customerKey();
    const key = await fixture.billingKey(gateway, customerKey);
    const subscription = await fixture.billing.createSubscription({
      gateway,
      customerKey,
      billingKeyId: key.id,
      amount: 7_700 + month,
      orderName: '월 구독',
      interval: { unit: 'MONTH' },
    });
    return { subscription, due: new Date(`${day}T02:00:00Z`) };
  }

  const at = (due: Date, ms: number) => new Date(due.getTime() + ms);
  const allCharges = (gateway: BillingGateway) => fixture[gateway].requestsTo('POST', CHARGE_PATHS[gateway]);
  const orderIdOf = (request: { body: unknown }) => (request.body as { orderId: string }).orderId;

  async function onlyAttempt(subscriptionId: string): Promise<BillingAttempt> {
    const attempts = await fixture.attemptsOf(subscriptionId);
    expect(attempts).toHaveLength(1);
    return attempts[0];
  }

  /** The worker's pass, started; it never answers because the worker is killed before it can. */
  function startPass(worker: BillingWorkerProcess, due: Date): Promise<unknown> {
    const pass = worker.run('pass', due);
    pass.catch(() => undefined); // asserted after the kill
    return pass;
  }

  async function claimedBy(subscriptionId: string, worker: BillingWorkerProcess): Promise<BillingAttempt | null> {
    const [attempt] = await fixture.attemptsOf(subscriptionId);
    return attempt?.status === BillingAttemptStatus.PROCESSING && attempt.leaseOwner === worker.instanceId
      ? attempt
      : null;
  }

  /** The worker has a backend running `query` that waits for the test's lock: parked exactly where the test wants. */
  async function blockedBy(lock: HeldLock, worker: BillingWorkerProcess, query: RegExp): Promise<boolean> {
    const backends = await backendsOf(fixture.shop.dataSource, worker.instanceId);
    return backends.some((b) => b.blockedBy.includes(lock.pid) && query.test(b.query));
  }

  /** SIGKILL; its pass never answered; then its database sessions end (a lock the test held is released between). */
  async function kill(worker: BillingWorkerProcess, pass: Promise<unknown>, afterKill?: () => Promise<void>) {
    expect(await worker.kill()).toBe('signal SIGKILL');
    await expect(pass).rejects.toThrow('worker exited (signal SIGKILL) before answering');
    await afterKill?.();
    await waitFor('the killed worker’s sessions to end', async () => {
      return (await backendsOf(fixture.shop.dataSource, worker.instanceId)).length === 0;
    });
  }

  /**
   * The rest of the world after the kill: before the lease runs out nobody touches the attempt (the dead worker might
   * still have been alive); after it, the survivor's pass takes it over and reports what it came to.
   */
  async function takeOver(
    survivor: (now: Date) => Promise<WorkerAttempt[]>,
    due: Date,
    dead: BillingAttempt,
  ): Promise<WorkerAttempt[]> {
    expect(await survivor(at(due, BEFORE_EXPIRY_MS))).toEqual([]);
    const untouched = await onlyAttempt(dead.subscriptionId);
    expect([untouched.status, untouched.leaseOwner, untouched.claims]).toEqual([
      BillingAttemptStatus.PROCESSING,
      dead.leaseOwner,
      dead.claims,
    ]);
    return survivor(at(due, AFTER_EXPIRY_MS));
  }

  const parentSurvivor = async (now: Date): Promise<WorkerAttempt[]> => {
    fixture.clock.set(now);
    const { attempts } = await fixture.billing.runDue();
    return attempts.map(({ orderId, cycleId, verdict }) => ({ orderId, cycleId, verdict }));
  };

  async function processSurvivor(instanceId: string, due: Date) {
    const worker = await startWorker(fixture, instanceId, due, { leaseMs: LEASE_MS });
    return (now: Date) => worker.run('pass', now).then((report) => report.attempts);
  }

  /**
   * A due subscription, and a worker killed while the gateway holds the answer to a charge it has already applied
   * (hang-after-commit): the request was received and committed, our payment row is IN_PROGRESS, no answer came.
   */
  async function killedAfterCommit(gateway: BillingGateway) {
    const { subscription, due } = await dueSubscription(gateway);
    const chargesBefore = allCharges(gateway).length;
    fixture[gateway].failNext(
      { method: 'POST', path: CHARGE_PATHS[gateway] },
      { kind: 'hang-after-commit', ms: 120_000 },
    );
    const worker = await startWorker(fixture, `kill-after-commit-${gateway}`, due, { leaseMs: LEASE_MS });
    const pass = startPass(worker, due);
    await waitFor('the gateway to receive the charge', () => allCharges(gateway).length > chargesBefore);
    const dead = await onlyAttempt(subscription.id);
    const [sent] = allCharges(gateway).slice(chargesBefore);
    expect([orderIdOf(sent), sent.status]).toEqual([dead.orderId, 0]); // received, applied, not answered
    const inFlight = await fixture.shop.dataSource.manager.findOneByOrFail(Payment, { orderId: dead.orderId });
    expect(inFlight.status).toBe(PaymentStatus.IN_PROGRESS);
    await kill(worker, pass);
    return { subscription, due, dead, sent, chargesBefore };
  }

  /** The end state every scenario must reach: one attempt, SUCCEEDED, its cycle PAID by its one PAID payment. */
  async function expectPaidOnce(subscription: SubscriptionView, orderId: string, claims: number): Promise<Payment> {
    const attempt = await onlyAttempt(subscription.id);
    expect([attempt.orderId, attempt.status, attempt.claims, attempt.leaseOwner]).toEqual([
      orderId,
      BillingAttemptStatus.SUCCEEDED,
      claims,
      null,
    ]);
    const [cycle] = await fixture.cyclesOf(subscription.id);
    expect([cycle.status, cycle.amount]).toEqual([BillingCycleStatus.PAID, subscription.amount]);
    const payment = await fixture.shop.dataSource.manager.findOneByOrFail(Payment, { orderId });
    expect([payment.id, payment.status, payment.amount]).toEqual([
      cycle.paymentId,
      PaymentStatus.PAID,
      subscription.amount,
    ]);
    return payment;
  }

  it.each([
    ['toss', 'another worker process'],
    ['nicepay', 'the test’s own app'],
  ] as const)(
    '%s: killed after claiming, before the gateway call → %s charges it once, under the same orderId',
    async (gateway: BillingGateway, survivorKind: string) => {
      const { subscription, due } = await dueSubscription(gateway);
      const chargesBefore = allCharges(gateway).length;
      const [worker, survivor] = await Promise.all([
        startWorker(fixture, `kill-before-call-${gateway}`, due, { leaseMs: LEASE_MS }),
        survivorKind === 'another worker process' ? processSurvivor(`survivor-${gateway}`, due) : parentSurvivor,
      ]);
      // Inserting the charge's payment row is the last step before the request leaves: park the worker there.
      const lock = await holdLock(fixture.shop.dataSource, 'LOCK TABLE payments IN SHARE MODE');
      locks.push(lock);
      const pass = startPass(worker, due);
      await waitFor('the claim, then the worker waiting to insert its payment row', async () => {
        const claimed = (await claimedBy(subscription.id, worker)) !== null;
        return claimed && (await blockedBy(lock, worker, /^INSERT INTO "payments"/));
      });
      const dead = await onlyAttempt(subscription.id);
      await kill(worker, pass, () => lock.release());
      expect(allCharges(gateway)).toHaveLength(chargesBefore); // nothing left before the kill
      // The dead worker's INSERT may still go through once the lock is gone (PostgreSQL finishes the statement before
      // it notices the client is gone): such a row is READY, i.e. provably never sent.
      const leftBehind = await fixture.shop.dataSource.manager.findBy(Payment, { orderId: dead.orderId });
      expect(leftBehind.filter((p) => p.status !== PaymentStatus.READY)).toEqual([]);

      const runs = await takeOver(survivor, due, dead);
      expect(runs).toEqual([{ orderId: dead.orderId, cycleId: dead.cycleId, verdict: 'PAID' }]);
      const payment = await expectPaidOnce(subscription, dead.orderId, 2);
      const sent = allCharges(gateway).slice(chargesBefore);
      expect(sent.map(orderIdOf)).toEqual([dead.orderId]);
      expect((sent[0].body as { amount: number }).amount).toBe(subscription.amount);
      // Toss dedupes on the Idempotency-Key, NicePay refuses an orderId it has seen: the attempt keeps one identity.
      if (gateway === 'toss') expect(sent[0].headers['idempotency-key']).toBe(`billing-charge:${payment.id}`);
    },
  );

  it('toss: killed after Toss committed the charge, before its answer arrived → read back PAID, never charged again', async () => {
    const { subscription, due, dead, sent, chargesBefore } = await killedAfterCommit('toss');

    const runs = await takeOver(parentSurvivor, due, dead);
    expect(runs).toEqual([{ orderId: dead.orderId, cycleId: dead.cycleId, verdict: 'PAID' }]);
    const payment = await expectPaidOnce(subscription, dead.orderId, 2);
    expect(allCharges('toss').slice(chargesBefore)).toEqual([sent]); // the one charge; no second orderId or key
    expect(sent.headers['idempotency-key']).toBe(`billing-charge:${payment.id}`);
    expect(fixture.toss.requestsTo('GET', `/v1/payments/orders/${dead.orderId}`).length).toBeGreaterThan(0);
  });

  it('nicepay: killed after NicePay committed the charge, before its answer arrived → net-canceled, then charged once anew', async () => {
    const { subscription, due, dead, chargesBefore } = await killedAfterCommit('nicepay');

    // Within NicePay's longest call (2 × (5 s + 30 s) by default, plus the 30 s margin) a missing answer proves
    // nothing: the attempt is UNKNOWN, never FAILED, and nothing is sent.
    const runs = await takeOver(parentSurvivor, due, dead);
    expect(runs).toEqual([{ orderId: dead.orderId, cycleId: dead.cycleId, verdict: 'UNKNOWN' }]);
    expect((await onlyAttempt(subscription.id)).status).toBe(BillingAttemptStatus.UNKNOWN);
    const netCancelsOf = () =>
      fixture.nicepay.requestsTo('POST', '/v1/payments/netcancel').filter((r) => orderIdOf(r) === dead.orderId);
    expect(netCancelsOf()).toEqual([]);

    // Past it, NicePay's rule for a lost approval applies: a net-cancel within the hour (docs/gateways/nicepay.md).
    // The order is reversed, nothing moved, the attempt ends, and its cycle gets a new attempt after transientRetryMs.
    const later = await parentSurvivor(at(due, 10 * 60_000));
    expect(later).toEqual([{ orderId: dead.orderId, cycleId: dead.cycleId, verdict: 'TRANSIENT_RETRY' }]);
    expect(netCancelsOf()).toHaveLength(1);
    const reversed = await fixture.shop.dataSource.manager.findOneByOrFail(Payment, { orderId: dead.orderId });
    expect([reversed.status, reversed.failureCode]).toEqual([PaymentStatus.CANCELED, 'NET_CANCELED']);

    const retry = await parentSurvivor(at(due, 12 * 60_000));
    expect(retry.map((run) => [run.cycleId, run.verdict])).toEqual([[dead.cycleId, 'PAID']]);
    const attempts = await fixture.attemptsOf(subscription.id);
    expect(attempts.map((a) => [a.attemptNo, a.orderId, a.status])).toEqual([
      [1, dead.orderId, BillingAttemptStatus.FAILED],
      [2, retry[0].orderId, BillingAttemptStatus.SUCCEEDED],
    ]);
    const [cycle] = await fixture.cyclesOf(subscription.id);
    const paid = await fixture.shop.dataSource.manager.findOneByOrFail(Payment, { orderId: retry[0].orderId });
    expect([cycle.status, cycle.paymentId, paid.status, paid.amount]).toEqual([
      BillingCycleStatus.PAID,
      paid.id,
      PaymentStatus.PAID,
      subscription.amount,
    ]);
    // Each attempt's orderId went out once; the first was reversed, so the customer paid once.
    expect(allCharges('nicepay').slice(chargesBefore).map(orderIdOf)).toEqual([dead.orderId, retry[0].orderId]);
  });

  it.each(['toss', 'nicepay'] as const)(
    '%s: killed after the answer arrived, before the result was written → settled PAID from the ledger, no second charge',
    async (gateway: BillingGateway) => {
      const { subscription, due } = await dueSubscription(gateway);
      const chargesBefore = allCharges(gateway).length;
      // The cycle and its attempt exist before the worker starts, so the test can lock the cycle row that the
      // worker's settlement transaction locks first (and nothing before it does).
      fixture.clock.set(due);
      const sweep = fixture.shop.app.get(BillingSweep);
      await sweep.createDueCycles(due, 10);
      const [cycle] = await fixture.cyclesOf(subscription.id);
      const [claimed] = await sweep.claimDueCycles(due, 1, cycle.id);
      // Born claimed by the test's app: handed back at once, so the worker's pass takes it like any open attempt.
      expect(await fixture.shop.app.get(BillingSettlement).release(claimed.claim)).toBe('CONFIGURATION');
      const sql = 'SELECT id FROM billing_cycles WHERE id = $1 FOR UPDATE';
      const lock = await holdLock(fixture.shop.dataSource, sql, [cycle.id]);
      locks.push(lock);

      const worker = await startWorker(fixture, `kill-before-write-${gateway}`, due, { leaseMs: LEASE_MS });
      const pass = startPass(worker, due);
      await waitFor('the worker’s settlement to wait for the cycle row', () =>
        // Only the settlement locks the cycle row (its first step, `locked`); the claim before the call only reads it.
        blockedBy(lock, worker, /^WITH locked AS/),
      );
      const dead = await onlyAttempt(subscription.id);
      expect([dead.status, dead.leaseOwner]).toEqual([BillingAttemptStatus.PROCESSING, worker.instanceId]);
      const sent = allCharges(gateway).slice(chargesBefore);
      expect([sent.map(orderIdOf), sent.map((r) => r.status)]).toEqual([[dead.orderId], [200]]);
      const answered = await fixture.shop.dataSource.manager.findOneByOrFail(Payment, { orderId: dead.orderId });
      expect(answered.status).toBe(PaymentStatus.PAID);
      // The settlement is one statement: sent, it would finish on its own once the lock goes. Dying before the result
      // is written means that statement never commits, so its backend ends with the process, before the lock is freed.
      await kill(worker, pass, async () => {
        await fixture.shop.dataSource.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
          [worker.instanceId],
        );
        await waitFor('the killed worker’s statement to end', async () => {
          return (await backendsOf(fixture.shop.dataSource, worker.instanceId)).length === 0;
        });
        await lock.release();
      });
      expect((await fixture.cyclesOf(subscription.id))[0].status).toBe(BillingCycleStatus.PROCESSING); // not written

      const runs = await takeOver(parentSurvivor, due, dead);
      expect(runs).toEqual([{ orderId: dead.orderId, cycleId: dead.cycleId, verdict: 'PAID' }]);
      // Three claims: the test's sweep (handed back), the killed worker, the survivor.
      await expectPaidOnce(subscription, dead.orderId, 3);
      expect(allCharges(gateway).slice(chargesBefore)).toEqual(sent);
    },
  );
});
