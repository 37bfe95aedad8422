import { SubscriptionStatus } from 'nestjs-kr-payments';
import { BillingShopFixture, CHARGE_PATHS } from './billing.fixtures';

/**
 * A gateway that refuses our configuration (our key) stops that gateway's charges for the rest of the pass. One
 * charge at a time here, so which attempts were still to be started when the refusal came is not left to timing:
 * with more workers, charges already in flight when the refusal arrives finish normally.
 */
describe('recurring billing: a CONFIGURATION refusal', () => {
  const fixture = BillingShopFixture.use({ concurrency: 1 });
  const at = (iso: string) => fixture.clock.set(new Date(iso));

  it('CONFIGURATION (our key refused): that gateway stops for the pass, nothing is declined, the next pass charges', async () => {
    at('2028-08-01T00:00:00Z');
    const first = await fixture.subscribe('toss', '2028-08-02');
    const second = await fixture.subscribe('toss', '2028-08-02');
    fixture.toss.failNext(
      { method: 'POST', path: CHARGE_PATHS.toss },
      { kind: 'error', status: 401, code: 'UNAUTHORIZED_KEY' },
    );
    at('2028-08-02T01:00:00Z');
    const run = await fixture.billing.runDue();
    expect(run.haltedGateways).toEqual(['toss']);
    expect(run.attempts.map((a) => a.verdict)).toEqual(['CONFIGURATION', 'CONFIGURATION']);
    const orderIds = [
      ...(await fixture.orderIdsOf(first.subscription.id)),
      ...(await fixture.orderIdsOf(second.subscription.id)),
    ];
    expect(fixture.chargesFor('toss', orderIds)).toHaveLength(1); // the second was never sent
    expect(fixture.logger.at('error').some((line) => line.includes('toss refused our configuration'))).toBe(true);
    for (const { subscription } of [first, second]) {
      expect(await fixture.billing.get(subscription.id)).toMatchObject({ status: SubscriptionStatus.ACTIVE });
    }

    const next = await fixture.billing.runDue();
    expect(next.attempts.map((a) => a.verdict)).toEqual(['PAID', 'PAID']);
    expect(fixture.chargesFor('toss', orderIds)).toHaveLength(3); // same two orders: the refused one sent again
  });
});
