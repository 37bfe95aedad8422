import { StagedPage, type StagedRow } from '../../libs/payments/src/reconciliation/staged-page';
import { TossReconciliationShop } from './reconciliation.fixtures';

/**
 * Staging goes to PostgreSQL as one JSON text of column arrays: every value must come back as it went in (amounts to
 * the won, timestamps to the millisecond, nulls, quotes, backslashes and Korean text), and a row staged twice in one
 * run is kept once, as the resumed run relies on.
 */
describe('StagedPage: staging rows as column arrays', () => {
  let t: TossReconciliationShop;
  beforeAll(async () => {
    t = await TossReconciliationShop.start();
  });
  afterAll(() => t.stop());

  async function newRun(date: string): Promise<string> {
    const [{ id }] = await t.shop.dataSource.query(
      `INSERT INTO "reconciliation_runs" ("id", "gateway", "merchant_id", "business_date", "kind", "status",
         "started_at") VALUES (gen_random_uuid(), 'toss', 'default', $1, 'TRANSACTIONS', 'SUCCEEDED', now())
       RETURNING "id"`,
      [date],
    );
    return id;
  }

  const staged = (runId: string) =>
    t.shop.dataSource.query(
      `SELECT "transaction_key" AS "transactionKey", "kind", "payment_key" AS "paymentKey", "order_id" AS "orderId",
              "amount"::float8 AS "amount", "status", "transacted_at" AS "transactedAt", "payment_id" AS "paymentId",
              "source", "note"
         FROM "reconciliation_gateway_rows" WHERE "run_id" = $1 ORDER BY "transaction_key"`,
      [runId],
    );

  it('every column comes back exactly; a row staged again is kept once', async () => {
    const runId = await newRun('2030-01-01');
    const rows: StagedRow[] = [
      {
        transactionKey: 'a-list',
        kind: 'APPROVAL',
        paymentKey: 'pk_"quoted"\\back',
        orderId: '주문-1,{braces}',
        amount: 9_007_199_254_740_991,
        status: 'PAID',
        transactedAt: new Date('2026-03-17T00:00:00.123Z'),
        paymentId: null,
        source: 'LIST',
        note: null,
      },
      {
        transactionKey: 'b-readback',
        kind: 'CANCEL',
        paymentKey: null,
        orderId: null,
        amount: 0,
        status: 'PARTIALLY_CANCELED',
        transactedAt: null,
        paymentId: '0b7f6f1e-3a53-4e63-9a58-0e4b1f3c2d10',
        source: 'READ_BACK',
        note: 'GatewayUnavailableError: "NULL", \\N and\nnewline',
      },
    ];
    const page = StagedPage.of(rows);
    expect(page.size).toBe(2);
    expect(page.lastTransactionKey).toBe('b-readback');

    const count = await t.shop.dataSource.transaction((manager) => page.insert(manager, runId));
    expect(count).toBe(2);
    expect(await staged(runId)).toEqual(rows);

    // The same transaction key again (a resumed run fetching its uncommitted page again) is not staged twice.
    const again = StagedPage.of([
      { ...rows[0], amount: 1 },
      { ...rows[1], transactionKey: 'c-new' },
    ]);
    expect(await t.shop.dataSource.transaction((manager) => again.insert(manager, runId))).toBe(1);
    const after = await staged(runId);
    expect(after.map((row: StagedRow) => [row.transactionKey, row.amount])).toEqual([
      ['a-list', 9_007_199_254_740_991],
      ['b-readback', 0],
      ['c-new', 0],
    ]);
  });

  it('an empty page stages nothing and sends nothing', async () => {
    const runId = await newRun('2030-01-02');
    const page = new StagedPage();
    expect(page.lastTransactionKey).toBeNull();
    expect(await t.shop.dataSource.transaction((manager) => page.insert(manager, runId))).toBe(0);
    expect(await staged(runId)).toEqual([]);
  });
});
