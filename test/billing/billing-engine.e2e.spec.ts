import {
  BillingAttemptStatus,
  BillingCycleStatus,
  InvalidInputError,
  Payment,
  PaymentStatus,
  SubscriptionStatus,
  UnsupportedOperationError,
} from 'nestjs-kr-payments';
import { BillingShopFixture, type BillingGateway } from './billing.fixtures';

/**
 * The recurring-billing engine end to end: real PostgreSQL, the Toss and NicePay simulators over loopback HTTP, the
 * library's clock set by the test. What is asserted is what happened: rows, statuses, amounts, and the exact charge
 * requests each simulator received.
 */
describe('recurring billing engine', () => {
  const fixture = BillingShopFixture.use();
  const at = (iso: string) => fixture.clock.set(new Date(iso));

  it.each(['toss', 'nicepay'] as const)(
    '%s: charged for three months across Jan 31 (Jan 31 → Feb 28 → Mar 31), 10:00 KST each, once each',
    async (gateway: BillingGateway) => {
      at('2027-01-20T00:00:00Z');
      const customerKey = fixture.customerKey();
      const key = await fixture.billingKey(gateway, customerKey);
      const subscription = await fixture.billing.createSubscription({
        gateway,
        customerKey,
        billingKeyId: key.id,
        amount: 9_900,
        orderName: '월간 구독',
        interval: { unit: 'MONTH', anchorDay: 31 },
      });
      expect(subscription).toMatchObject({
        status: SubscriptionStatus.ACTIVE,
        firstChargeDate: '2027-01-31',
        chargeTime: '10:00',
        timeZone: 'Asia/Seoul',
        nextChargeAt: new Date('2027-01-31T01:00:00Z'),
        cycleNo: 0,
      });

      at('2027-01-31T00:59:59Z'); // 09:59:59 KST: not yet
      expect((await fixture.billing.runDue()).cyclesCreated).toBe(0);

      const charged: string[] = [];
      for (const [now, periodEnd] of [
        ['2027-01-31T01:00:00Z', '2027-02-28T01:00:00Z'],
        ['2027-02-28T01:00:05Z', '2027-03-31T01:00:00Z'],
        ['2027-03-31T01:30:00Z', '2027-04-30T01:00:00Z'],
      ]) {
        at(now);
        const run = await fixture.billing.runDue();
        const mine = run.attempts.filter((a) => a.subscriptionId === subscription.id);
        expect(mine.map((a) => a.verdict)).toEqual(['PAID']);
        charged.push(mine[0].orderId);
        expect(await fixture.billing.get(subscription.id)).toMatchObject({
          status: SubscriptionStatus.ACTIVE,
          nextChargeAt: new Date(periodEnd),
          currentPeriodEnd: new Date(periodEnd),
        });
        expect((await fixture.billing.runDue()).attempts).toEqual([]); // a second pass finds nothing due
      }

      const cycles = await fixture.billing.listCycles({ subscriptionId: subscription.id });
      expect(
        cycles.map((c) => [c.cycleNo, c.status, c.amount, c.periodStart.toISOString(), c.attempts.length]),
      ).toEqual([
        [1, BillingCycleStatus.PAID, 9_900, '2027-01-31T01:00:00.000Z', 1],
        [2, BillingCycleStatus.PAID, 9_900, '2027-02-28T01:00:00.000Z', 1],
        [3, BillingCycleStatus.PAID, 9_900, '2027-03-31T01:00:00.000Z', 1],
      ]);
      const payments = await fixture.shop.dataSource.manager.find(Payment, {
        where: cycles.map((c) => ({ id: c.paymentId as string })),
        order: { approvedAt: 'ASC' },
      });
      expect(payments.map((p) => [p.orderId, p.type, p.status, p.amount, p.billingKeyId])).toEqual(
        charged.map((orderId) => [orderId, 'BILLING', PaymentStatus.PAID, 9_900, key.id]),
      );
      const requests = fixture.chargesFor(gateway, charged);
      expect(requests.map((r) => (r.body as { orderId: string }).orderId)).toEqual(charged);
      expect(requests.map((r) => (r.body as { amount: number }).amount)).toEqual([9_900, 9_900, 9_900]);
    },
  );

  it('changeAmount applies from the next cycle; after downtime only the current period is charged', async () => {
    at('2027-05-01T00:00:00Z');
    const customerKey = fixture.customerKey();
    const key = await fixture.billingKey('toss', customerKey);
    const sub = await fixture.billing.createSubscription({
      gateway: 'toss',
      customerKey,
      billingKeyId: key.id,
      amount: 10_000,
      orderName: '요금제',
      interval: { unit: 'MONTH' },
      startDate: '2027-05-10',
    });
    at('2027-05-10T01:00:00Z');
    await fixture.billing.runDue();
    await fixture.billing.changeAmount({ subscriptionId: sub.id, amount: 12_000 });
    expect((await fixture.billing.listCycles({ subscriptionId: sub.id }))[0].amount).toBe(10_000);

    // Nothing ran from June to September: one charge, for the September period, at the new amount.
    at('2027-09-15T03:00:00Z');
    const run = await fixture.billing.runDue();
    expect(run).toMatchObject({ cyclesCreated: 1, skippedPeriods: 3 });
    expect(run.maxDueLagMs).toBe(Date.parse('2027-09-15T03:00:00Z') - Date.parse('2027-09-10T01:00:00Z'));
    const cycles = await fixture.billing.listCycles({ subscriptionId: sub.id });
    expect(cycles.map((c) => [c.cycleNo, c.status, c.amount])).toEqual([
      [1, BillingCycleStatus.PAID, 10_000],
      [5, BillingCycleStatus.PAID, 12_000],
    ]);
    expect(fixture.logger.at('warn').some((line) => line.includes('3 billing period(s) passed'))).toBe(true);
  });

  it('two concurrent runDue passes over the same due cycles charge each cycle exactly once', async () => {
    at('2027-10-01T00:00:00Z');
    const subscriptions = [];
    for (let i = 0; i < 8; i += 1) {
      const customerKey = fixture.customerKey();
      const key = await fixture.billingKey(i % 2 ? 'nicepay' : 'toss', customerKey);
      subscriptions.push(
        await fixture.billing.createSubscription({
          gateway: key.gateway,
          customerKey,
          billingKeyId: key.id,
          amount: 1_000 + i,
          orderName: '동시 실행',
          interval: { unit: 'DAY', every: 7 },
        }),
      );
    }
    at('2027-10-01T02:00:00Z'); // 11:00 KST: every subscription's first cycle is due
    const runs = await Promise.all([fixture.billing.runDue(), fixture.billing.runDue()]);

    const attempts = (await Promise.all(subscriptions.map((s) => fixture.attemptsOf(s.id)))).flat();
    expect(attempts).toHaveLength(8);
    expect(attempts.every((a) => a.status === BillingAttemptStatus.SUCCEEDED)).toBe(true);
    expect(runs.flatMap((r) => r.attempts).filter((a) => a.verdict === 'PAID')).toHaveLength(8);
    const orderIds = attempts.map((a) => a.orderId);
    const requests = [...fixture.chargesFor('toss', orderIds), ...fixture.chargesFor('nicepay', orderIds)];
    expect(requests).toHaveLength(8);
    expect(new Set(requests.map((r) => (r.body as { orderId: string }).orderId)).size).toBe(8);
    const cycles = (await Promise.all(subscriptions.map((s) => fixture.cyclesOf(s.id)))).flat();
    expect(cycles.map((c) => [c.cycleNo, c.status])).toEqual(Array(8).fill([1, BillingCycleStatus.PAID]));
  });

  it('bad input is refused naming the field, and nothing is written', async () => {
    at('2027-11-01T00:00:00Z');
    const customerKey = fixture.customerKey();
    const key = await fixture.billingKey('toss', customerKey);
    const valid = {
      gateway: 'toss',
      customerKey,
      billingKeyId: key.id,
      amount: 5_000,
      orderName: '구독',
      interval: { unit: 'MONTH' as const, anchorDay: 15 },
    };
    const before = await fixture.rowCounts();
    const cases: Array<[string, Record<string, unknown>]> = [
      ['amount', { ...valid, amount: 0 }],
      ['amount', { ...valid, amount: 10.5 }],
      ['interval.anchorDay', { ...valid, interval: { unit: 'MONTH', anchorDay: 32 } }],
      ['interval.unit', { ...valid, interval: { unit: 'WEEK' } }],
      ['interval.every', { ...valid, interval: { unit: 'MONTH', every: 2 } }],
      ['timeZone', { ...valid, timeZone: 'Mars/Olympus_Mons' }],
      ['chargeTime', { ...valid, chargeTime: '24:00' }],
      ['startDate', { ...valid, startDate: '2027-02-30' }],
      ['taxFreeAmount', { ...valid, taxFreeAmount: 6_000 }],
      ['dunning.retryDays', { ...valid, dunning: { retryDays: [3, 1] } }],
      ['billingKeyId', { ...valid, customerKey: 'someone_else' }],
      ['billingKeyId', { ...valid, billingKeyId: '00000000-0000-4000-8000-000000000000' }],
      ['extra', { ...valid, extra: true }],
    ];
    for (const [field, input] of cases) {
      const error = await fixture.billing.createSubscription(input as never).catch((e: unknown) => e);
      expect([field, error]).toEqual([field, expect.any(InvalidInputError)]);
      expect([field, (error as InvalidInputError).field]).toEqual([field, field]);
      expect((error as InvalidInputError).httpStatus).toBe(400);
    }
    await expect(fixture.billing.changeAmount({ subscriptionId: 'nope', amount: 1 })).rejects.toMatchObject({
      field: 'subscriptionId',
    });
    expect(await fixture.rowCounts()).toEqual(before);
  });

  it('a gateway without billing keys (KISPG) is refused at createSubscription, naming it; nothing is written', async () => {
    const customerKey = fixture.customerKey();
    const key = await fixture.billingKey('toss', customerKey);
    const before = await fixture.rowCounts();
    const error = await fixture.billing
      .createSubscription({
        gateway: 'kispg',
        customerKey,
        billingKeyId: key.id,
        amount: 5_000,
        orderName: '구독',
        interval: { unit: 'MONTH' },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedOperationError);
    expect(error).toMatchObject({ code: 'UNSUPPORTED_OPERATION', gateway: 'kispg' });
    expect((error as Error).message).toContain('kispg');
    expect(await fixture.rowCounts()).toEqual(before);
  });
});
