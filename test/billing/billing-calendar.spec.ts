import fc from 'fast-check';
import {
  currentOccurrence,
  daysInMonth,
  firstChargeDate,
  formatLocalDate,
  localDateOf,
  occurrenceDate,
  occurrenceInstant,
  zonedInstant,
  type BillingSchedule,
  type LocalDate,
} from '../../libs/payments/src/billing/billing-calendar';

const date = (text: string): LocalDate => {
  const [year, month, day] = text.split('-').map(Number);
  return { year, month, day };
};

const monthly = (first: string, anchorDay: number, timeZone = 'Asia/Seoul'): BillingSchedule => ({
  unit: 'MONTH',
  count: 1,
  anchorDay,
  anchorMonth: null,
  firstDate: date(first),
  chargeTime: { hour: 10, minute: 0 },
  timeZone,
});

const dates = (schedule: BillingSchedule, n: number): string[] =>
  Array.from({ length: n }, (_, k) => formatLocalDate(occurrenceDate(schedule, k)));

/** The billing calendar: every cycle from the anchor (never previous + 1 month), local time in the zone, UTC stored. */
describe('billing calendar', () => {
  it('anchor 31 clamps to each month end and comes back: Jan 31 → Feb 28 → Mar 31 → Apr 30 → ... → Aug 31', () => {
    expect(dates(monthly('2027-01-31', 31), 9)).toEqual([
      '2027-01-31',
      '2027-02-28',
      '2027-03-31',
      '2027-04-30',
      '2027-05-31',
      '2027-06-30',
      '2027-07-31',
      '2027-08-31',
      '2027-09-30',
    ]);
  });

  it('leap years: Feb 29 2028 for anchors 29, 30 and 31; Feb 28 in 2027', () => {
    expect(dates(monthly('2028-01-31', 31), 3)).toEqual(['2028-01-31', '2028-02-29', '2028-03-31']);
    expect(dates(monthly('2028-01-30', 30), 3)).toEqual(['2028-01-30', '2028-02-29', '2028-03-30']);
    expect(dates(monthly('2028-01-29', 29), 3)).toEqual(['2028-01-29', '2028-02-29', '2028-03-29']);
    expect(dates(monthly('2027-01-29', 29), 3)).toEqual(['2027-01-29', '2027-02-28', '2027-03-29']);
    expect(dates(monthly('2027-12-31', 31), 3)).toEqual(['2027-12-31', '2028-01-31', '2028-02-29']);
  });

  it('yearly on Feb 29: Feb 28 in common years, Feb 29 again in leap years', () => {
    const yearly: BillingSchedule = { ...monthly('2028-02-29', 29), unit: 'YEAR', anchorMonth: 2 };
    expect(dates(yearly, 5)).toEqual(['2028-02-29', '2029-02-28', '2030-02-28', '2031-02-28', '2032-02-29']);
  });

  it('every N days counts days, across month and year ends', () => {
    const everyTen: BillingSchedule = { ...monthly('2027-12-25', 25), unit: 'DAY', count: 10 };
    expect(dates(everyTen, 4)).toEqual(['2027-12-25', '2028-01-04', '2028-01-14', '2028-01-24']);
  });

  it('the first charge date is the first the rule gives on or after the start date', () => {
    const rule = (anchorDay: number) => ({ unit: 'MONTH' as const, anchorDay, anchorMonth: null });
    expect(formatLocalDate(firstChargeDate(rule(31), date('2027-02-10')))).toBe('2027-02-28');
    expect(formatLocalDate(firstChargeDate(rule(15), date('2027-03-01')))).toBe('2027-03-15');
    expect(formatLocalDate(firstChargeDate(rule(5), date('2027-03-10')))).toBe('2027-04-05');
    const yearly = { unit: 'YEAR' as const, anchorDay: 29, anchorMonth: 2 };
    expect(formatLocalDate(firstChargeDate(yearly, date('2027-03-01')))).toBe('2028-02-29');
  });

  it('KST wall time is stored as UTC: 10:00 KST is 01:00Z; 00:00–08:59 KST is the previous UTC day', () => {
    const seoul = 'Asia/Seoul';
    expect(zonedInstant(date('2027-01-31'), { hour: 10, minute: 0 }, seoul).toISOString()).toBe(
      '2027-01-31T01:00:00.000Z',
    );
    expect(zonedInstant(date('2027-03-01'), { hour: 0, minute: 0 }, seoul).toISOString()).toBe(
      '2027-02-28T15:00:00.000Z',
    );
    expect(zonedInstant(date('2028-03-01'), { hour: 8, minute: 59 }, seoul).toISOString()).toBe(
      '2028-02-29T23:59:00.000Z',
    );
    expect(zonedInstant(date('2027-03-01'), { hour: 9, minute: 0 }, seoul).toISOString()).toBe(
      '2027-03-01T00:00:00.000Z',
    );
    // And back: the instant of 00:30 KST on Mar 1 is Mar 1 in Seoul but Feb 28 in UTC.
    const halfPast = new Date('2027-02-28T15:30:00.000Z');
    expect(formatLocalDate(localDateOf(halfPast, seoul))).toBe('2027-03-01');
    expect(formatLocalDate(localDateOf(halfPast, 'UTC'))).toBe('2027-02-28');
  });

  it('zones with DST keep the local charge time on both sides of the change', () => {
    const ny = monthly('2027-02-14', 14, 'America/New_York');
    expect(occurrenceInstant(ny, 0).toISOString()).toBe('2027-02-14T15:00:00.000Z'); // EST, UTC-5
    expect(occurrenceInstant(ny, 1).toISOString()).toBe('2027-03-14T14:00:00.000Z'); // EDT from Mar 14, UTC-4
  });

  it('after downtime only the current period counts (currentOccurrence)', () => {
    const schedule = monthly('2027-01-31', 31);
    expect(currentOccurrence(schedule, 0, new Date('2027-01-31T00:59:00Z'))).toBe(0); // not yet due
    expect(currentOccurrence(schedule, 0, new Date('2027-04-30T01:00:00Z'))).toBe(3); // Apr 30 10:00 KST
    expect(currentOccurrence(schedule, 1, new Date('2027-04-30T00:59:59Z'))).toBe(2); // still the Mar 31 period
  });

  const zones = fc.constantFrom('Asia/Seoul', 'UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Sydney');

  it('property: monthly cycles are monotonic, one per calendar month, the day never exceeds the anchor', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 2024, max: 2040 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 23 }),
        zones,
        (anchorDay, year, month, hour, timeZone) => {
          const day = Math.min(anchorDay, daysInMonth(year, month));
          const schedule: BillingSchedule = {
            ...monthly(`${year}-01-01`, anchorDay, timeZone),
            firstDate: { year, month, day },
            chargeTime: { hour, minute: 30 },
          };
          for (let k = 0; k < 48; k += 1) {
            const a = occurrenceDate(schedule, k);
            const b = occurrenceDate(schedule, k + 1);
            expect(a.day).toBe(Math.min(anchorDay, daysInMonth(a.year, a.month)));
            expect(b.year * 12 + b.month - (a.year * 12 + a.month)).toBe(1); // never two cycles in one month
            expect(occurrenceInstant(schedule, k + 1).getTime()).toBeGreaterThan(
              occurrenceInstant(schedule, k).getTime(),
            );
            expect(formatLocalDate(localDateOf(occurrenceInstant(schedule, k), timeZone))).toBe(formatLocalDate(a));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('property: the current period holds now, half-open [start, end)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 31 }), fc.integer({ min: 0, max: 5 * 366 * 24 }), (anchorDay, hours) => {
        const schedule = monthly(`2027-01-${String(Math.min(anchorDay, 31)).padStart(2, '0')}`, anchorDay);
        const now = new Date(occurrenceInstant(schedule, 0).getTime() + hours * 3_600_000);
        const k = currentOccurrence(schedule, 0, now);
        expect(occurrenceInstant(schedule, k).getTime()).toBeLessThanOrEqual(now.getTime());
        expect(occurrenceInstant(schedule, k + 1).getTime()).toBeGreaterThan(now.getTime());
      }),
      { numRuns: 200 },
    );
  });
});
