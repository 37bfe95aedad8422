import { nicePayDeclineClassOf } from '../../libs/payments/src/gateways/nicepay/nicepay.decline-classes';
import { tossDeclineClassOf } from '../../libs/payments/src/gateways/toss/toss.decline-classes';
import { resolveBillingOptions } from '../../libs/payments/src/billing/billing-options';

/** The decline classes each gateway gives its charge failure codes, and the billing options' boot validation. */
describe('billing decline classes and options', () => {
  it.each([
    ['INVALID_CARD_EXPIRATION', 'HARD'],
    ['INVALID_STOPPED_CARD', 'HARD'],
    ['INVALID_CARD_LOST_OR_STOLEN', 'HARD'],
    ['INVALID_REJECT_CARD', 'HARD'],
    ['NOT_FOUND_BILLING', 'HARD'],
    ['ALREADY_REMOVED_BILLING_KEY', 'HARD'],
    ['BILLING_KEY_DELETED', 'HARD'],
    ['REJECT_CARD_COMPANY', 'SOFT'],
    ['EXCEED_MAX_DAILY_PAYMENT_COUNT', 'SOFT'],
    ['PROVIDER_ERROR', 'TRANSIENT'],
    ['FAILED_INTERNAL_SYSTEM_PROCESSING', 'TRANSIENT'],
    ['HTTP_503', 'TRANSIENT'],
    ['HTTP_429', 'TRANSIENT'],
    ['UNAUTHORIZED_KEY', 'CONFIGURATION'],
    ['INVALID_API_KEY', 'CONFIGURATION'],
    ['SOMETHING_TOSS_ADDED_LATER', 'UNKNOWN'],
  ])('toss %s → %s', (code, declineClass) => {
    expect(tossDeclineClassOf(code)).toBe(declineClass);
  });

  it.each([
    ['3011', 'HARD'],
    ['3021', 'HARD'],
    ['U115', 'HARD'],
    ['A124', 'HARD'],
    ['3095', 'SOFT'],
    ['S999', 'TRANSIENT'],
    ['HTTP_502', 'TRANSIENT'],
    ['U104', 'CONFIGURATION'],
    ['A224', 'CONFIGURATION'],
    ['Z999', 'UNKNOWN'],
  ])('nicepay %s → %s', (code, declineClass) => {
    expect(nicePayDeclineClassOf(code)).toBe(declineClass);
  });

  it('billing options: defaults, and every bad field named', () => {
    const problems: string[] = [];
    const resolved = resolveBillingOptions({}, problems);
    expect(problems).toEqual([]);
    expect(resolved).toMatchObject({
      enabled: false,
      sweepIntervalMs: 60_000,
      concurrency: 4,
      batchSize: 100,
      timeZone: 'Asia/Seoul',
      chargeTime: '10:00',
      dunning: { retryDays: [1, 3, 5, 7], finalAction: 'UNPAID' },
    });
    resolveBillingOptions(
      {
        enabled: 'yes' as never,
        sweepIntervalMs: 10,
        concurrency: 0,
        leaseMs: 1.5,
        timeZone: 'Nowhere/City',
        chargeTime: '7am',
        dunning: { retryDays: [5, 2], finalAction: 'DELETE' as never },
      },
      problems,
    );
    expect(problems).toEqual([
      'billing.enabled: must be a boolean',
      'billing.sweepIntervalMs: must be an integer >= 1000',
      'billing.concurrency: must be an integer >= 1',
      'billing.leaseMs: must be an integer >= 1000',
      'billing.timeZone: must be an IANA time zone such as Asia/Seoul',
      'billing.chargeTime: must be HH:mm (00:00–23:59)',
      'billing.dunning.retryDays: must be at most 30 increasing whole days between 1 and 366',
      "billing.dunning.finalAction: must be 'UNPAID' or 'CANCELED'",
    ]);
  });
});
