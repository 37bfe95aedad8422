import type { DataSource } from 'typeorm';
import { REPAIR_CANDIDATES_SQL } from '../../libs/payments/src/jobs/stuck-payments.repair';
import { createTestDatabase, type TestDatabase } from '../../libs/testing/src/postgres/test-database';
import { openMigratedDataSource } from '../support/ledger-database';

/**
 * The repair job's candidate query on a table the size of a shop that has been running for years: 1,000,000
 * payments (almost all settled) and 100,000 cancels. Every branch must be driven by its partial index and none may
 * read the payments or payment_cancels heap end to end, or a repair tick would cost a full-table scan every minute.
 */
const PAYMENTS = 1_000_000;
const LIMIT = 100;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

function describePlan(plan: PlanNode, depth = 0): string[] {
  const on = plan['Relation Name'] ? ` on ${plan['Relation Name']}` : '';
  const using = plan['Index Name'] ? ` using ${plan['Index Name']}` : '';
  return [
    `${'  '.repeat(depth)}${plan['Node Type']}${using}${on}`,
    ...(plan.Plans ?? []).flatMap((child) => describePlan(child, depth + 1)),
  ];
}

describe('repair candidate scan on 1,000,000 payments', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openMigratedDataSource(database.url);
    // Payment i was created i seconds ago (about 11.5 days for the oldest). One in a hundred is in each state the
    // repair job looks at; the rest are PAID. Virtual accounts fall due right after they were issued, so all four rules
    // reach the first page. Timestamps are offset so no two candidates tie on `since`, which lets
    // the result be compared row for row with the reference query below.
    await dataSource.query(
      `INSERT INTO payments (id, gateway, order_id, status, amount, balance_amount, order_name, va_due_date,
                             created_at, updated_at)
       SELECT md5(i::text)::uuid, CASE WHEN i % 7 = 0 THEN 'nicepay' ELSE 'toss' END, 'scan_' || i,
              CASE i % 100 WHEN 0 THEN 'READY' WHEN 1 THEN 'IN_PROGRESS' WHEN 2 THEN 'UNKNOWN'
                               WHEN 3 THEN 'WAITING_FOR_DEPOSIT' ELSE 'PAID' END,
              10000, 10000, 'scan',
              CASE WHEN i % 100 = 3 THEN now() - i * interval '1 second' + interval '250 milliseconds' END,
              now() - i * interval '1 second', now() - i * interval '1 second'
         FROM generate_series(1, $1::int) AS i`,
      [PAYMENTS],
    );
    // A cancel on every tenth settled payment; one in a hundred of them still waits for its answer.
    await dataSource.query(
      `INSERT INTO payment_cancels (id, payment_id, amount, reason, status, idempotency_key, created_at)
       SELECT md5('c' || i)::uuid, md5(i::text)::uuid, 1000, 'scan',
              CASE WHEN i % 1000 = 4 THEN 'PENDING' WHEN i % 1000 = 14 THEN 'UNKNOWN' ELSE 'DONE' END,
              'scan_' || i, now() - i * interval '1 second' + interval '500 milliseconds'
         FROM generate_series(4, $1::int, 10) AS i WHERE i % 100 >= 4`,
      [PAYMENTS],
    );
    await dataSource.query('ANALYZE payments, payment_cancels');
  }, 180_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const parameters = (): unknown[] => {
    const now = new Date();
    return [['toss', 'nicepay'], new Date(now.getTime() - 60_000), now, new Date(now.getTime() - 86_400_000), LIMIT];
  };

  it('reads each branch through its partial index, with no sequential scan of payments or payment_cancels', async () => {
    const [{ 'QUERY PLAN': explained }]: Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode; 'Execution Time': number }> }> =
      await dataSource.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${REPAIR_CANDIDATES_SQL}`, parameters());
    const plan = explained[0].Plan;
    // The plan goes to the test output: a reviewer sees which index each branch used and how long it took.
    process.stdout.write(
      `repair candidates, ${PAYMENTS} payments, limit ${LIMIT}: ${explained[0]['Execution Time']} ms\n` +
        `${describePlan(plan).join('\n')}\n`,
    );
    const all = nodes(plan);
    const seqScans = all.filter(
      (node) =>
        node['Node Type'] === 'Seq Scan' &&
        (node['Relation Name'] === 'payments' || node['Relation Name'] === 'payment_cancels'),
    );
    expect(seqScans).toEqual([]);
    const indexes = new Set(all.map((node) => node['Index Name']).filter(Boolean));
    for (const index of [
      'ix_payments_repair_approval',
      'ix_payment_cancels_repair',
      'ix_payments_repair_deposit',
      'ix_payments_repair_abandoned',
    ]) {
      expect(indexes).toContain(index);
    }
  });

  it('returns the same candidates, in the same order, as one filter over the whole table', async () => {
    const reference = `SELECT id, rule FROM (
        SELECT p.id, 'approval' AS rule, p.updated_at AS since FROM payments p
         WHERE p.gateway = ANY($1) AND (p.status = 'UNKNOWN' OR (p.status = 'IN_PROGRESS' AND p.updated_at < $2))
        UNION ALL
        SELECT c.payment_id, 'cancel', min(c.created_at) FROM payment_cancels c JOIN payments p ON p.id = c.payment_id
         WHERE p.gateway = ANY($1) AND c.status IN ('UNKNOWN', 'PENDING') AND c.created_at < $2
         GROUP BY c.payment_id
        UNION ALL
        SELECT p.id, 'deposit', p.va_due_date FROM payments p
         WHERE p.gateway = ANY($1) AND p.status = 'WAITING_FOR_DEPOSIT' AND p.va_due_date < $3
        UNION ALL
        SELECT p.id, 'abandoned', p.created_at FROM payments p
         WHERE p.gateway = ANY($1) AND p.status = 'READY' AND p.created_at < $4
      ) due ORDER BY since ASC LIMIT $5`;
    for (const gateways of [['toss', 'nicepay'], ['nicepay']]) {
      const params = parameters();
      params[0] = gateways;
      const found: Array<{ id: string; rule: string }> = await dataSource.query(REPAIR_CANDIDATES_SQL, params);
      const expected: Array<{ id: string; rule: string }> = await dataSource.query(reference, params);
      expect(found).toHaveLength(LIMIT);
      expect(found).toEqual(expected);
      expect(new Set(found.map((row) => row.rule))).toEqual(new Set(['approval', 'cancel', 'deposit', 'abandoned']));
    }
  });
});
