import { ReconciliationRunningError } from 'nestjs-kr-payments';
import { businessDay } from '../../libs/payments/src/reconciliation/business-day';
import { BUSINESS_DATE, TossReconciliationShop } from './reconciliation.fixtures';

/**
 * Runs as units of work: a run killed mid-paging resumes from its committed cursor and ends where an uninterrupted
 * run ends; two runs of one day never run at once (the partial unique index, not only the advisory lock).
 */
describe('reconciliation runs: resume and exclusion', () => {
  let t: TossReconciliationShop;
  beforeAll(async () => {
    t = await TossReconciliationShop.start({ pageSize: 2 });
    for (const amount of [1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000]) await t.paid(amount);
  });
  afterAll(() => t.stop());

  const listCalls = () => t.sim.requestsTo('GET', '/v1/transactions');

  it('a run that dies after page 2 resumes from its cursor and ends with the counts of an uninterrupted run', async () => {
    // Pages 1 and 2 are served; page 3 fails (Toss down mid-walk).
    t.sim.failNext({ method: 'GET', path: '/v1/transactions' }, { kind: 'latency', ms: 0 }, 2);
    t.sim.failNext(
      { method: 'GET', path: '/v1/transactions' },
      { kind: 'error', status: 500, code: 'FAILED_INTERNAL_SYSTEM_PROCESSING' },
    );
    const before = listCalls().length;
    await expect(t.reconciliation.run({ gateway: 'toss', date: BUSINESS_DATE })).rejects.toThrow(
      /FAILED_INTERNAL_SYSTEM_PROCESSING/,
    );
    expect(listCalls().length - before).toBe(3);

    const [crashed] = await t.shop.dataSource.query(
      `SELECT "id", "status", "cursor", "pages", "staged_rows" AS staged, "error",
              (SELECT count(*)::int FROM "reconciliation_gateway_rows" s WHERE s."run_id" = r."id") AS rows
         FROM "reconciliation_runs" r WHERE "business_date" = $1`,
      [BUSINESS_DATE],
    );
    // Two pages committed with their cursor; the run stays RUNNING (resumable) with its lease released.
    expect(crashed).toMatchObject({ status: 'RUNNING', pages: 2, staged: 4, rows: 4 });
    expect(crashed.error).toEqual(expect.any(String));
    const secondPage = listCalls()[before + 1];
    expect(crashed.cursor).not.toBe(secondPage.query.startingAfter);

    const resumedFrom = listCalls().length;
    const { run, resumed } = await t.reconciliation.run({ gateway: 'toss', date: BUSINESS_DATE });
    expect(resumed).toBe(true);
    expect(run.id).toBe(crashed.id);
    // The walk continued after the last committed transaction instead of starting over.
    expect(listCalls()[resumedFrom].query.startingAfter).toBe(crashed.cursor);
    expect(listCalls().length - resumedFrom).toBe(2); // the 4th page (1 row) ends the walk
    expect(run).toMatchObject({ status: 'SUCCEEDED', stagedRows: 7, error: null });
    expect(run.summary!.MATCHED).toMatchObject({ count: 7, ledger: { gross: 28_000 }, gateway: { gross: 28_000 } });

    // An uninterrupted run of the same day ends with the same counts and supersedes it.
    const again = await t.reconciliation.run({ gateway: 'toss', date: BUSINESS_DATE });
    expect(again.resumed).toBe(false);
    expect(again.run.summary).toEqual(run.summary);
    expect(again.run.supersedesRunId).toBe(run.id);
    expect((await t.reconciliation.getRun(run.id)).status).toBe('SUPERSEDED');
  });

  it('two concurrent run() calls for one day: one runs, the other is told which run holds the day', async () => {
    // A slow first page keeps the first run in flight while the second asks.
    t.sim.failNext({ method: 'GET', path: '/v1/transactions' }, { kind: 'latency', ms: 300 });
    const outcomes = await Promise.allSettled([
      t.reconciliation.run({ gateway: 'toss', date: BUSINESS_DATE }),
      t.reconciliation.run({ gateway: 'toss', date: BUSINESS_DATE }),
    ]);
    const fulfilled = outcomes.filter((o) => o.status === 'fulfilled');
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0].reason).toBeInstanceOf(ReconciliationRunningError);
    const winner = (fulfilled[0] as PromiseFulfilledResult<{ run: { id: string } }>).value.run;
    expect((rejected[0].reason as ReconciliationRunningError).runId).toBe(winner.id);
    const [{ running }] = await t.shop.dataSource.query(
      `SELECT count(*)::int AS running FROM "reconciliation_runs" WHERE "status" = 'RUNNING'`,
    );
    expect(running).toBe(0);
  });

  it('a run whose instance died (lease expired) is taken over by the next caller', async () => {
    const stale = await t.reconciliation.run({ gateway: 'toss', date: '2026-01-15' });
    // Simulate an instance that died holding a run: RUNNING, its lease in the past, a cursor it committed. Leases
    // are judged on the library's clock, so they are written on it rather than with the database's now().
    const now = t.clock.now().getTime();
    await t.shop.dataSource.query(
      `UPDATE "reconciliation_runs" SET "status" = 'RUNNING', "lease_owner" = 'dead-instance',
              "lease_until" = $2, "finished_at" = NULL WHERE "id" = $1`,
      [stale.run.id, new Date(now - 60_000)],
    );
    const live = await t.shop.dataSource.query(
      `INSERT INTO "reconciliation_runs" ("id", "gateway", "merchant_id", "business_date", "kind", "status",
         "lease_owner", "lease_until", "started_at")
       VALUES (gen_random_uuid(), 'toss', 'default', '2026-01-16', 'TRANSACTIONS', 'RUNNING', 'live-instance',
               $1, $2) RETURNING "id"`,
      [new Date(now + 5 * 60_000), new Date(now)],
    );
    const taken = await t.reconciliation.run({ gateway: 'toss', date: '2026-01-15' });
    expect(taken).toMatchObject({ resumed: true, run: { id: stale.run.id, status: 'SUCCEEDED', leaseOwner: null } });
    // A live lease is respected.
    await expect(t.reconciliation.run({ gateway: 'toss', date: '2026-01-16' })).rejects.toThrow(
      expect.objectContaining({ runId: live[0].id }),
    );
  });

  it('a row within 10 minutes of midnight is not judged by its own day but rechecked by the next day', async () => {
    // 23:55 KST on 2026-02-10: our clock may have put a gateway transaction of 2026-02-11 there.
    const ghostId = await t.insertForeignPaidRow(
      'toss',
      8_800,
      'tgen_boundary_ghost',
      new Date('2026-02-10T23:55:00+09:00'),
    );
    expect(businessDay('2026-02-11').localFrom).toEqual(new Date('2026-02-10T23:50:00+09:00'));

    const sameDay = await t.reconciliation.run({ gateway: 'toss', date: '2026-02-10' });
    expect((await t.items(sameDay.run.id)).filter((item) => item.paymentId === ghostId)).toEqual([]);
    expect(t.sim.requestsTo('GET', '/v1/payments/tgen_boundary_ghost')).toHaveLength(0);

    const nextDay = await t.reconciliation.run({ gateway: 'toss', date: '2026-02-11' });
    expect((await t.items(nextDay.run.id)).filter((item) => item.paymentId === ghostId)).toEqual([
      expect.objectContaining({ category: 'MISSING_GATEWAY', expectedAmount: 8_800 }),
    ]);
    expect(t.sim.requestsTo('GET', '/v1/payments/tgen_boundary_ghost')).toHaveLength(2);
  });
});
