import type { DataSource } from 'typeorm';
import { LEDGER_SEED_SQL, kstDayStart, ledgerSeedParams, type ReconcilePlan } from './reconcile-plan';
import type { FoundItem } from './reconcile-report';

const DAY_MS = 24 * 3_600_000;
/** What the run looks at around its day: the 10-minute margin before it, plus the day. */
const MARGIN_MS = 10 * 60_000;

/**
 * The most recent KST day before today that holds no Toss payment in the ledger: yesterday on a fresh (embedded)
 * database; on a kept DATABASE_URL an earlier day, so the rows of a previous benchmark run are not judged again
 * (Toss, a fresh simulator, would know none of them).
 */
export async function freeBusinessDate(dataSource: DataSource, now: Date): Promise<string> {
  const today = new Date(now.getTime() + 9 * 3_600_000).toISOString().slice(0, 10);
  let start = kstDayStart(today).getTime() - DAY_MS;
  for (let tries = 0; tries < 3_650; tries++, start -= DAY_MS) {
    const [row]: Array<{ taken: boolean }> = await dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM "payments" WHERE "gateway" = 'toss'
                        AND COALESCE("approved_at", "approval_sent_at", "created_at") >= $1
                        AND COALESCE("approved_at", "approval_sent_at", "created_at") < $2) AS taken`,
      [new Date(start - MARGIN_MS), new Date(start + DAY_MS + MARGIN_MS)],
    );
    if (!row.taken) return new Date(start + 9 * 3_600_000).toISOString().slice(0, 10);
  }
  throw new Error('reconcile: no free business day in the last ten years of this database');
}

/**
 * Writes the plan's ledger in one INSERT … SELECT generate_series, then ANALYZE: a production table of this size has
 * planner statistics (autovacuum keeps them), and a benchmark on a table the planner has never seen would measure a
 * state no shop runs in. The staging table the run fills is left as the run finds it.
 */
export async function seedLedger(dataSource: DataSource, plan: ReconcilePlan): Promise<number> {
  const [{ inserted }]: Array<{ inserted: number }> = await dataSource.query(LEDGER_SEED_SQL, ledgerSeedParams(plan));
  await dataSource.query('ANALYZE "payments"');
  return inserted;
}

/** The run's exceptions, as the report and the checks read them. */
export async function runItems(dataSource: DataSource, runId: string): Promise<FoundItem[]> {
  return dataSource.query(
    `SELECT "category", "order_id" AS "orderId", "gateway_payment_key" AS "gatewayPaymentKey", "resolution"
       FROM "reconciliation_items" WHERE "run_id" = $1`,
    [runId],
  );
}
