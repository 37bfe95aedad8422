import type { DataSource } from 'typeorm';
import type { ReconciliationCategory } from '../entities/reconciliation-item.entity';
import type { ReconciliationSummary } from '../entities/reconciliation-run.entity';
import type { BusinessDay } from './business-day';

export const RECONCILIATION_CATEGORIES: readonly ReconciliationCategory[] = [
  'MATCHED',
  'MISSING_LOCAL',
  'MISSING_GATEWAY',
  'AMOUNT_MISMATCH',
  'STATUS_MISMATCH',
  'DUPLICATE',
  'INCOMPARABLE',
];

/**
 * Matching is one statement: the staged gateway rows of the run joined with the ledger's payments and
 * payment_cancels (by orderId and transaction key, through their indexes), plus our rows of the day that no staged
 * row accounts for. Exceptions are written by INSERT … SELECT in the same statement; what comes back to Node is one
 * row per (category, kind), so memory stays flat at any volume.
 *
 * Categories (docs/architecture.md#reconciliation):
 * - an approval the gateway has and we do not know the orderId of → MISSING_LOCAL (INVESTIGATE_UNKNOWN_ORDER);
 * - a second approval for an orderId (another gateway key) → DUPLICATE; so is a second approval still charged (not
 *   fully canceled) for one billing cycle, whatever its orderId: each attempt of a cycle has its own orderId, so this
 *   is the double charge the orderId rule cannot see (the SUCCEEDED attempt's approval is the one kept);
 * - an approval with another amount → AMOUNT_MISMATCH;
 * - an approval we hold as not approved (UNKNOWN, READY, ...) → STATUS_MISMATCH, repaired by SYNC / ATTACH;
 *   the gateway holding no approval for a payment we hold as approved → STATUS_MISMATCH, for review;
 * - a cancel we have no row for → MISSING_LOCAL (IMPORT_CANCEL); a cancel row not DONE → STATUS_MISMATCH (SYNC);
 * - our approval or DONE cancel of the day no staged row accounts for, after the recheck read-back → MISSING_GATEWAY;
 * - a read-back that failed → INCOMPARABLE.
 */
const MATCH_SQL = `
WITH approvals AS (
  SELECT DISTINCT ON (s."order_id", s."payment_key") s.*,
         s."status" NOT IN ('READY', 'IN_PROGRESS', 'FAILED', 'EXPIRED') AS gw_approved
    FROM "reconciliation_gateway_rows" s
   WHERE s."run_id" = $1 AND s."kind" = 'APPROVAL'
   ORDER BY s."order_id", s."payment_key", (s."source" = 'LIST') DESC, s."transaction_key"
), reversed AS (
  SELECT s."payment_key", sum(s."amount") AS canceled
    FROM "reconciliation_gateway_rows" s WHERE s."run_id" = $1 AND s."kind" = 'CANCEL' GROUP BY s."payment_key"
), approval_rows AS (
  SELECT a.*, b."cycle_id", b."status" AS attempt_status,
         count(*) FILTER (WHERE a.gw_approved) OVER (PARTITION BY a."order_id") AS approvals_for_order,
         a.gw_approved AND a."status" <> 'CANCELED' AND COALESCE(r.canceled, 0) < a."amount" AS charged
    FROM approvals a
    LEFT JOIN "billing_attempts" b ON b."gateway" = $2 AND b."order_id" = a."order_id"
    LEFT JOIN reversed r ON r."payment_key" = a."payment_key"
), cycle_rows AS (
  SELECT c.*, c."cycle_id" IS NOT NULL AND c.charged AND c.charges_for_cycle > 1 AND c.cycle_rank > 1 AS double_charge
    FROM (SELECT ar.*, count(*) FILTER (WHERE ar.charged) OVER (PARTITION BY ar."cycle_id") AS charges_for_cycle,
                 row_number() OVER (PARTITION BY ar."cycle_id", ar.charged
                                    ORDER BY (ar.attempt_status = 'SUCCEEDED') DESC, ar."transacted_at",
                                             ar."transaction_key") AS cycle_rank
            FROM approval_rows ar) c
), approval_checks AS (
  SELECT a."transaction_key", a."payment_key", a."order_id", a."amount" AS actual_amount, a."status" AS actual_status,
         p."id" AS payment_id, p."amount" AS expected_amount, p."status" AS expected_status,
         p."gateway_payment_key" AS ledger_key,
         CASE
           WHEN a.double_charge THEN 'DUPLICATE'
           WHEN p."id" IS NULL THEN CASE WHEN a.gw_approved THEN 'MISSING_LOCAL' ELSE 'MATCHED' END
           WHEN a.gw_approved AND ((p."gateway_payment_key" IS NOT NULL AND p."gateway_payment_key" <> a."payment_key")
                OR (p."gateway_payment_key" IS NULL AND a.approvals_for_order > 1)) THEN 'DUPLICATE'
           WHEN NOT a.gw_approved THEN
             CASE WHEN p."status" IN ('PAID', 'PARTIALLY_CANCELED', 'CANCELED') THEN 'STATUS_MISMATCH' ELSE 'MATCHED' END
           WHEN p."amount" <> a."amount" THEN 'AMOUNT_MISMATCH'
           WHEN p."status" IN ('PAID', 'PARTIALLY_CANCELED', 'CANCELED', 'WAITING_FOR_DEPOSIT') THEN 'MATCHED'
           ELSE 'STATUS_MISMATCH'
         END AS category,
         CASE
           WHEN a.double_charge THEN 'REVIEW_DUPLICATE'
           WHEN p."id" IS NULL THEN 'INVESTIGATE_UNKNOWN_ORDER'
           WHEN NOT a.gw_approved THEN 'REVIEW_STATUS'
           WHEN (p."gateway_payment_key" IS NOT NULL AND p."gateway_payment_key" <> a."payment_key")
                OR (p."gateway_payment_key" IS NULL AND a.approvals_for_order > 1) THEN 'REVIEW_DUPLICATE'
           WHEN p."amount" <> a."amount" THEN 'REVIEW_AMOUNT'
           WHEN p."status" = 'UNKNOWN' OR p."gateway_payment_key" = a."payment_key" THEN 'SYNC'
           ELSE 'ATTACH'
         END AS repair_action,
         CASE WHEN a.double_charge THEN 'another approval already charged billing cycle ' || a."cycle_id" END AS note
    FROM cycle_rows a
    LEFT JOIN "payments" p ON p."gateway" = $2 AND p."order_id" = a."order_id"
), cancel_checks AS (
  SELECT s."transaction_key", s."payment_key", s."order_id", s."amount" AS actual_amount, 'CANCELED' AS actual_status,
         p."id" AS payment_id, c."amount" AS expected_amount, c."status" AS expected_status,
         CASE
           WHEN p."id" IS NULL THEN 'MISSING_LOCAL'
           WHEN p."gateway_payment_key" IS NOT NULL AND p."gateway_payment_key" <> s."payment_key" THEN 'DUPLICATE'
           WHEN c."id" IS NULL THEN 'MISSING_LOCAL'
           WHEN c."amount" <> s."amount" THEN 'AMOUNT_MISMATCH'
           WHEN c."status" <> 'DONE' THEN 'STATUS_MISMATCH'
           ELSE 'MATCHED'
         END AS category,
         CASE
           WHEN p."id" IS NULL THEN 'INVESTIGATE_UNKNOWN_ORDER'
           WHEN p."gateway_payment_key" IS NOT NULL AND p."gateway_payment_key" <> s."payment_key" THEN 'REVIEW_DUPLICATE'
           WHEN c."id" IS NULL THEN 'IMPORT_CANCEL'
           WHEN c."amount" <> s."amount" THEN 'REVIEW_AMOUNT'
           ELSE 'SYNC'
         END AS repair_action
    FROM "reconciliation_gateway_rows" s
    LEFT JOIN "payments" p ON p."gateway" = $2 AND p."order_id" = s."order_id"
    LEFT JOIN LATERAL (
      SELECT c."id", c."amount", c."status" FROM "payment_cancels" c
       WHERE c."transaction_key" = s."transaction_key" AND c."payment_id" = p."id" LIMIT 1
    ) c ON true
   WHERE s."run_id" = $1 AND s."kind" = 'CANCEL'
), unreadable AS (
  SELECT s."payment_id" FROM "reconciliation_gateway_rows" s WHERE s."run_id" = $1 AND s."kind" = 'UNREADABLE'
), classified AS (
  -- A duplicate approval the ledger did not book under its own key has no ledger amount: the payment's amount is
  -- already counted with the approval it did book, and counting it again would invent a ledger-side charge.
  SELECT 'APPROVAL' AS kind, category, payment_id, transaction_key, payment_key, order_id,
         CASE WHEN category = 'DUPLICATE' AND ledger_key IS DISTINCT FROM payment_key THEN NULL ELSE expected_amount END,
         actual_amount, expected_status, actual_status, repair_action, note::varchar
    FROM approval_checks
  UNION ALL
  SELECT 'CANCEL', category, payment_id, transaction_key, payment_key, order_id,
         expected_amount, actual_amount, expected_status, actual_status, repair_action, NULL
    FROM cancel_checks
  UNION ALL
  SELECT 'APPROVAL', 'INCOMPARABLE', p."id", NULL, p."gateway_payment_key", p."order_id", p."amount", NULL, p."status",
         NULL, 'RETRY_READ_BACK', s."note"
    FROM "reconciliation_gateway_rows" s JOIN "payments" p ON p."id" = s."payment_id"
   WHERE s."run_id" = $1 AND s."kind" = 'UNREADABLE'
  UNION ALL
  SELECT 'APPROVAL', 'MISSING_GATEWAY', p."id", NULL, p."gateway_payment_key", p."order_id", p."amount", NULL,
         p."status", NULL, 'INVESTIGATE_MISSING_AT_GATEWAY', NULL
    FROM "payments" p
   WHERE p."gateway" = $2 AND p."status" IN ('PAID', 'PARTIALLY_CANCELED', 'CANCELED')
     AND p."approved_at" >= $3 AND p."approved_at" < $4
     AND NOT EXISTS (SELECT 1 FROM "reconciliation_gateway_rows" s
                      WHERE s."run_id" = $1 AND s."kind" = 'APPROVAL' AND s."order_id" = p."order_id")
     AND NOT EXISTS (SELECT 1 FROM unreadable u WHERE u."payment_id" = p."id")
  UNION ALL
  SELECT 'CANCEL', 'MISSING_GATEWAY', p."id", c."transaction_key", p."gateway_payment_key", p."order_id", c."amount",
         NULL, c."status", NULL, 'INVESTIGATE_MISSING_AT_GATEWAY', NULL
    FROM "payment_cancels" c JOIN "payments" p ON p."id" = c."payment_id"
   WHERE p."gateway" = $2 AND c."status" = 'DONE' AND c."canceled_at" >= $3 AND c."canceled_at" < $4
     AND NOT EXISTS (SELECT 1 FROM "reconciliation_gateway_rows" s
                      WHERE s."run_id" = $1 AND s."kind" = 'CANCEL' AND s."transaction_key" = c."transaction_key")
     AND NOT EXISTS (SELECT 1 FROM unreadable u WHERE u."payment_id" = p."id")
), inserted AS (
  INSERT INTO "reconciliation_items"
    ("id", "run_id", "category", "payment_id", "transaction_key", "gateway_payment_key", "order_id",
     "transaction_kind", "expected_amount", "actual_amount", "expected_status", "actual_status", "repair_action",
     "resolution", "note")
  SELECT gen_random_uuid(), $1, category, payment_id, transaction_key, payment_key, order_id, kind, expected_amount,
         actual_amount, expected_status, actual_status, repair_action, 'OPEN', note
    FROM classified WHERE category <> 'MATCHED'
  RETURNING 1
)
SELECT category, kind, count(*)::int AS count,
       COALESCE(sum(expected_amount), 0)::text AS ledger, COALESCE(sum(actual_amount), 0)::text AS gateway
  FROM classified GROUP BY category, kind`;

interface MatchRow {
  category: ReconciliationCategory;
  kind: 'APPROVAL' | 'CANCEL';
  count: number;
  ledger: string;
  gateway: string;
}

/**
 * Runs the matching statement for a run (replacing any items an interrupted attempt of the same run wrote) and
 * returns the per-category summary.
 */
export async function matchRun(
  dataSource: DataSource,
  runId: string,
  gateway: string,
  day: BusinessDay,
): Promise<ReconciliationSummary> {
  const rows: MatchRow[] = await dataSource.transaction(async (manager) => {
    await manager.query(`DELETE FROM "reconciliation_items" WHERE "run_id" = $1`, [runId]);
    return manager.query(MATCH_SQL, [runId, gateway, day.localFrom, day.localTo]);
  });
  const summary: ReconciliationSummary = {};
  for (const category of RECONCILIATION_CATEGORIES) {
    summary[category] = {
      count: 0,
      ledger: { gross: 0, cancel: 0, net: 0 },
      gateway: { gross: 0, cancel: 0, net: 0 },
    };
  }
  for (const row of rows) {
    const totals = summary[row.category];
    totals.count += row.count;
    const side = row.kind === 'APPROVAL' ? 'gross' : 'cancel';
    totals.ledger[side] += Number(row.ledger);
    totals.gateway[side] += Number(row.gateway);
  }
  for (const totals of Object.values(summary)) {
    totals.ledger.net = totals.ledger.gross - totals.ledger.cancel;
    totals.gateway.net = totals.gateway.gross - totals.gateway.cancel;
  }
  return summary;
}
