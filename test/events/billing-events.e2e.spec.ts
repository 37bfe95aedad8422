import { BillingService, PaymentEvent } from 'nestjs-kr-payments';
import { CHARGE_PATHS } from '../billing/billing.fixtures';
import { outboxDrained, useEventsShop } from './events.fixtures';

/** The billing settlement writes its events with the attempt's outcome: one per settled attempt, in order. */
describe('money events: recurring billing', () => {
  const world = useEventsShop();

  it('a paid cycle, a hard decline and a billing key deletion each reach the handler once', async () => {
    const billing = world.shop.app.get(BillingService);
    const customerKey = `cust_evt_${Date.now().toString(36)}`;
    const auth = world.sim.authenticateBilling({ customerKey });
    const key = await world.shop.payments.issueBillingKey({ gateway: 'toss', customerKey, authKey: auth.authKey });
    const subscription = await billing.createSubscription({
      gateway: 'toss',
      customerKey,
      billingKeyId: key.id,
      amount: 9_900,
      orderName: '월간 구독',
      interval: { unit: 'MONTH', anchorDay: 10 },
      startDate: '2030-01-10',
    });

    await billing.runDue({ now: new Date('2030-01-10T01:00:00Z') });
    world.sim.failNext(
      { method: 'POST', path: CHARGE_PATHS.toss },
      { kind: 'error', status: 403, code: 'INVALID_STOPPED_CARD' },
    );
    await billing.runDue({ now: new Date('2030-02-10T01:00:00Z') });
    // A pass with nothing new to settle adds no event.
    await billing.runDue({ now: new Date('2030-02-10T01:05:00Z') });
    await world.shop.payments.deleteBillingKey(key.id);
    await outboxDrained(world.shop.dataSource);

    const heard = world.shop.handlers.all.filter((event) => event.aggregateId === subscription.id);
    expect(heard.map((event) => event.type)).toEqual(['billing.charge_succeeded', 'billing.charge_failed']);
    expect(heard[0].payload).toMatchObject({ subscriptionId: subscription.id, cycleNumber: 1, amount: 9_900 });
    expect(heard[1].payload).toMatchObject({
      cycleNumber: 2,
      amount: 9_900,
      paymentId: expect.any(String),
      declineClass: 'HARD',
      failureCode: 'INVALID_STOPPED_CARD',
    });
    // The paid cycle's payment also told its own story, once.
    const paidPaymentId = (heard[0].payload as { paymentId: string }).paymentId;
    expect(world.shop.handlers.paid.filter((event) => event.aggregateId === paidPaymentId)).toHaveLength(1);
    const deleted = world.shop.handlers.all.filter((event) => event.type === 'billing_key.deleted');
    expect(deleted).toEqual([
      expect.objectContaining({ aggregateId: key.id, payload: expect.objectContaining({ customerKey }) }),
    ]);
    expect(await world.shop.dataSource.manager.countBy(PaymentEvent, { aggregateId: subscription.id })).toBe(2);
  });
});
