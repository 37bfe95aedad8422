import {
  BillingAttemptStatus,
  BillingCycleStatus,
  Payment,
  PaymentStatus,
  type BillingAttempt,
  type BillingCycle,
  type SubscriptionView,
} from 'nestjs-kr-payments';
import { BillingShopFixture, CHARGE_PATHS, type BillingGateway } from './billing.fixtures';
import { killAllWorkers } from './support/worker-process';
import { startWorker } from './support/worker-world';

// Each test boots Nest app processes (about 2 s of CPU each): room for a loaded CI machine.
jest.setTimeout(90_000);

/**
 * Two instances of an app, each a real OS process with its own Nest app and connection pool, sweep the same
 * PostgreSQL database against the same simulators. Nothing coordinates them but the database: every due cycle must
 * be charged exactly once, and both must have done part of the work (otherwise this proves nothing about them racing).
 */
describe('recurring billing across two app processes', () => {
  // Before the fixture's hooks, so the workers are gone before its cleanup and before its database is dropped.
  afterEach(() => killAllWorkers());
  afterAll(() => killAllWorkers());
  const fixture = BillingShopFixture.use();

  const PER_GATEWAY = 100;
  const due = new Date('2027-03-01T02:00:00Z'); // 11:00 KST: every subscription's first cycle (10:00 KST) is due

  /** 10 customers per gateway, each with one billing key and 10 monthly subscriptions on it, amounts all distinct. */
  async function seed(gateway: BillingGateway, base: number): Promise<SubscriptionView[]> {
    const subscriptions: SubscriptionView[] = [];
    for (let c = 0; c < PER_GATEWAY / 10; c += 1) {
      const customerKey = fixture.customerKey();
      const key = await fixture.billingKey(gateway, customerKey);
      for (let s = 0; s < 10; s += 1) {
        const subscription = await fixture.billing.createSubscription({
          gateway,
          customerKey,
          billingKeyId: key.id,
          amount: base + c * 10 + s,
          orderName: '정기 결제',
          interval: { unit: 'MONTH' },
        });
        subscriptions.push(subscription);
      }
    }
    return subscriptions;
  }

  /** The ledger: one PAID cycle per subscription, one SUCCEEDED attempt per cycle, one PAID payment per attempt. */
  async function expectEachCyclePaidOnce(subscriptions: SubscriptionView[]) {
    const cycles = (await Promise.all(subscriptions.map((s) => fixture.cyclesOf(s.id)))).flat();
    const amountOf = new Map(subscriptions.map((s) => [s.id, s.amount]));
    expect(cycles.map((c) => [c.subscriptionId, c.cycleNo, c.status, c.amount])).toEqual(
      subscriptions.map((s) => [s.id, 1, BillingCycleStatus.PAID, amountOf.get(s.id)]),
    );
    const attempts = (await Promise.all(subscriptions.map((s) => fixture.attemptsOf(s.id)))).flat();
    expect(attempts.map((a) => [a.cycleId, a.attemptNo, a.status])).toEqual(
      cycles.map((c) => [c.id, 1, BillingAttemptStatus.SUCCEEDED]),
    );
    const payments = await fixture.shop.dataSource.manager.find(Payment, {
      where: cycles.map((c) => ({ id: c.paymentId as string })),
    });
    expect(payments.map((p) => p.status)).toEqual(Array(cycles.length).fill(PaymentStatus.PAID));
    expect(new Set(payments.map((p) => p.orderId))).toEqual(new Set(attempts.map((a) => a.orderId)));
    return { cycles, attempts };
  }

  /** What the gateways received: each attempt's orderId exactly once, for its cycle's amount, and no other charge. */
  function expectEachOrderChargedOnce(attempts: BillingAttempt[], cycles: BillingCycle[]) {
    const orderIds = attempts.map((a) => a.orderId);
    const requests = [...fixture.chargesFor('toss', orderIds), ...fixture.chargesFor('nicepay', orderIds)];
    const sent = requests.map((r) => r.body as { orderId: string; amount: number });
    const amountOfCycle = new Map(cycles.map((c) => [c.id, c.amount]));
    expect(sent.map((b) => [b.orderId, b.amount]).sort()).toEqual(
      attempts.map((a) => [a.orderId, amountOfCycle.get(a.cycleId)]).sort(),
    );
    expect(fixture.toss.requestsTo('POST', CHARGE_PATHS.toss)).toHaveLength(PER_GATEWAY);
    expect(fixture.nicepay.requestsTo('POST', CHARGE_PATHS.nicepay)).toHaveLength(PER_GATEWAY);
  }

  it('200 due subscriptions (Toss and NicePay), two worker processes: each cycle charged exactly once, by one of them', async () => {
    fixture.clock.set(new Date('2027-03-01T00:00:00Z'));
    const subscriptions = [...(await seed('toss', 10_000)), ...(await seed('nicepay', 20_000))];

    // A little latency per charge keeps both processes busy at once instead of one finishing before the other starts.
    fixture.toss.failNext({ method: 'POST', path: CHARGE_PATHS.toss }, { kind: 'latency', ms: 10 }, PER_GATEWAY);
    fixture.nicepay.failNext({ method: 'POST', path: CHARGE_PATHS.nicepay }, { kind: 'latency', ms: 10 }, PER_GATEWAY);
    const options = { batchSize: 25, concurrency: 4 };
    const workers = await Promise.all([
      startWorker(fixture, 'worker-a', due, options),
      startWorker(fixture, 'worker-b', due, options),
    ]);
    const reports = await Promise.all(workers.map((worker) => worker.run('drain', due)));

    const { cycles, attempts } = await expectEachCyclePaidOnce(subscriptions);
    expectEachOrderChargedOnce(attempts, cycles);

    // Who did it: both processes charged some, never the same order, and together all of them.
    const [paidByA, paidByB] = reports.map((r) => r.attempts.filter((a) => a.verdict === 'PAID').map((a) => a.orderId));
    expect(paidByA.length).toBeGreaterThan(0);
    expect(paidByB.length).toBeGreaterThan(0);
    expect(paidByA.filter((orderId) => paidByB.includes(orderId))).toEqual([]);
    expect(new Set([...paidByA, ...paidByB])).toEqual(new Set(attempts.map((a) => a.orderId)));
    expect(reports.flatMap((r) => r.attempts).filter((a) => a.verdict !== 'PAID')).toEqual([]);

    // And nothing is left due for anyone.
    fixture.clock.set(due);
    const after = await fixture.billing.runDue();
    expect([after.cyclesCreated, after.attemptsCreated, after.attempts]).toEqual([0, 0, []]);
  });
});
