import type { DataSource } from 'typeorm';
import { PaymentNotFoundError } from '../domain/errors';
import type { ReconciliationRun } from '../entities/reconciliation-run.entity';
import type { GatewayTransaction, GatewayWith } from '../gateways/gateway-capabilities';
import type { GatewayPaymentTruth, PaymentGateway } from '../gateways/gateway.port';
import type { PaymentsClock } from '../domain/clock';
import type { BusinessDay } from './business-day';
import type { ReconciliationRuns } from './reconciliation-runs';
import { StagedPage, type StagedRow } from './staged-page';

/**
 * Where a run's gateway rows come from: the gateway's transaction list (Toss), or read-backs of our own rows (every
 * other gateway, and the recheck of rows a list did not show). Each batch is staged and committed with its cursor,
 * so memory holds one page and a resumed run starts after the last committed one.
 */
export interface SourceContext {
  dataSource: DataSource;
  runs: ReconciliationRuns;
  clock: PaymentsClock;
  pageSize: number;
  batchSize: number;
  concurrency: number;
  /** Told after each committed page or batch how much of this call's work is done (transactions / payments). */
  progress?: (stage: 'PAGE' | 'RECHECK', done: number) => void;
}

/** Approved at the gateway, whatever happened after (a list row carries the status of its own transaction). */
const NO_APPROVAL: ReadonlySet<string> = new Set(['READY', 'IN_PROGRESS', 'FAILED', 'EXPIRED']);

/** The day's transaction list, paged by the gateway's cursor, from where the run left off. */
export async function stageTransactionList(
  context: SourceContext,
  gateway: GatewayWith<'transactions'>,
  run: ReconciliationRun,
  day: BusinessDay,
): Promise<void> {
  // `to` is inclusive at the gateway (Toss answers up to 23:59:59.999 for 23:59:59).
  const rows = gateway.listTransactions({
    from: day.start,
    to: new Date(day.end.getTime() - 1),
    limit: context.pageSize,
    startingAfter: run.cursor ?? undefined,
    // Only the fields below are staged: a scrubbed copy of every row would be made and dropped unread.
    includeRaw: false,
  });
  let page = new StagedPage();
  let listed = 0;
  const commit = async (): Promise<void> => {
    await context.runs.commitPage(run, page, page.lastTransactionKey, context.clock.now());
    listed += page.size;
    page = new StagedPage();
    context.progress?.('PAGE', listed);
  };
  for await (const transaction of rows) {
    page.add(listRow(transaction));
    // Pages of the walk and our commits line up: the walk asks for the next page only after this one is committed.
    if (page.size === context.pageSize) await commit();
  }
  if (page.size > 0) await commit();
  // The day's rows (100,000 and more) have just arrived and the planner has no statistics for them: it would take the
  // run's rows for a handful and match them in nested loops, one ledger index probe per row (2× slower at 100,000).
  // ANALYZE reads a fixed-size sample (~0.2 s); a role that may not analyze the table gets a warning, not an error.
  await context.dataSource.query('ANALYZE "reconciliation_gateway_rows"');
}

function listRow(transaction: GatewayTransaction): StagedRow {
  return {
    transactionKey: transaction.transactionKey,
    kind: transaction.kind,
    paymentKey: transaction.paymentKey,
    orderId: transaction.orderId.slice(0, 64),
    amount: transaction.amount,
    status: transaction.status,
    transactedAt: transaction.transactedAt,
    paymentId: null,
    source: 'LIST',
    note: null,
  };
}

interface SweptPayment {
  id: string;
  orderId: string;
  amount: number;
  gatewayPaymentKey: string | null;
  attemptPaymentKey: string | null;
  customerKey: string | null;
}

/**
 * A gateway without a list: our rows of the day (approved, in doubt, or canceled that day) walked in id order, each
 * read back with bounded concurrency, the batch staged with its last id as the cursor.
 */
export async function stageSweep(
  context: SourceContext,
  gateway: PaymentGateway,
  run: ReconciliationRun,
  day: BusinessDay,
): Promise<void> {
  let read = 0;
  for (;;) {
    const batch: SweptPayment[] = await context.dataSource.query(
      `SELECT p."id", p."order_id" AS "orderId", p."amount"::float8 AS "amount",
              p."gateway_payment_key" AS "gatewayPaymentKey", p."attempt_payment_key" AS "attemptPaymentKey",
              p."customer_key" AS "customerKey"
         FROM "payments" p WHERE ${SWEPT_PAYMENTS} ORDER BY p."id" LIMIT $5`,
      [gateway.name, run.cursor, day.localFrom, day.localTo, context.batchSize],
    );
    if (batch.length === 0) return;
    const staged = await mapBounded(batch, context.concurrency, (payment) => readBackRows(gateway, payment, true));
    await context.runs.commitPage(run, StagedPage.of(staged.flat()), batch[batch.length - 1].id, context.clock.now());
    read += batch.length;
    context.progress?.('PAGE', read);
    if (batch.length < context.batchSize) return;
  }
}

/** Our payments a sweep reads back: $1 gateway, $2 cursor (last id done), [$3, $4) the day's local window. */
const SWEPT_PAYMENTS = `p."gateway" = $1 AND ($2::uuid IS NULL OR p."id" > $2::uuid)
  AND ((p."status" <> 'READY' AND p."status" <> 'EXPIRED'
        AND COALESCE(p."approved_at", p."approval_sent_at", p."created_at") >= $3
        AND COALESCE(p."approved_at", p."approval_sent_at", p."created_at") < $4)
       OR EXISTS (SELECT 1 FROM "payment_cancels" c WHERE c."payment_id" = p."id"
                   AND c."canceled_at" >= $3 AND c."canceled_at" < $4))`;

/**
 * How much paging work is left, for progress and ETA only: a sweep reads back exactly its remaining payments; a list
 * is expected to hold about as many transactions as our ledger has for the day (approvals and cancels).
 */
export async function expectedWork(
  context: SourceContext,
  gateway: PaymentGateway,
  run: ReconciliationRun,
  day: BusinessDay,
): Promise<number> {
  if (run.kind === 'SWEEP') {
    const [{ count }] = await context.dataSource.query(
      `SELECT count(*)::int AS count FROM "payments" p WHERE ${SWEPT_PAYMENTS}`,
      [gateway.name, run.cursor, day.localFrom, day.localTo],
    );
    return count;
  }
  const [{ count }] = await context.dataSource.query(
    `SELECT (SELECT count(*) FROM "payments" p WHERE p."gateway" = $1 AND p."approved_at" >= $2 AND p."approved_at" < $3)
          + (SELECT count(*) FROM "payment_cancels" c JOIN "payments" p ON p."id" = c."payment_id"
              WHERE p."gateway" = $1 AND c."canceled_at" >= $2 AND c."canceled_at" < $3) AS count`,
    [gateway.name, day.start, day.end],
  );
  return Math.max(0, Number(count) - run.stagedRows);
}

/**
 * The recheck of a list run: our rows of the day the list did not show (an approval, or a DONE cancel) are read
 * back one by one before anything is called missing; what the gateway shows is staged beside the list rows.
 */
export async function stageRechecks(
  context: SourceContext,
  gateway: PaymentGateway,
  run: ReconciliationRun,
  day: BusinessDay,
): Promise<void> {
  let after: string | null = null;
  let rechecked = 0;
  for (;;) {
    const batch: SweptPayment[] = await context.dataSource.query(
      `SELECT p."id", p."order_id" AS "orderId", p."amount"::float8 AS "amount",
              p."gateway_payment_key" AS "gatewayPaymentKey", p."attempt_payment_key" AS "attemptPaymentKey",
              p."customer_key" AS "customerKey"
         FROM "payments" p
        WHERE p."gateway" = $2 AND ($5::uuid IS NULL OR p."id" > $5::uuid)
          AND (
            (p."status" IN ('PAID', 'PARTIALLY_CANCELED', 'CANCELED') AND p."approved_at" >= $3 AND p."approved_at" < $4
             AND NOT EXISTS (SELECT 1 FROM "reconciliation_gateway_rows" s WHERE s."run_id" = $1
                              AND s."kind" = 'APPROVAL' AND s."payment_key" = p."gateway_payment_key"))
            OR EXISTS (SELECT 1 FROM "payment_cancels" c WHERE c."payment_id" = p."id" AND c."status" = 'DONE'
                        AND c."canceled_at" >= $3 AND c."canceled_at" < $4
                        AND NOT EXISTS (SELECT 1 FROM "reconciliation_gateway_rows" s WHERE s."run_id" = $1
                                         AND s."kind" = 'CANCEL' AND s."transaction_key" = c."transaction_key")))
        ORDER BY p."id" LIMIT $6`,
      [run.id, gateway.name, day.localFrom, day.localTo, after, context.batchSize],
    );
    if (batch.length === 0) return;
    const staged = await mapBounded(batch, context.concurrency, (payment) => readBackRows(gateway, payment, true));
    await context.runs.stage(run, StagedPage.of(staged.flat()), context.clock.now());
    rechecked += batch.length;
    context.progress?.('RECHECK', rechecked);
    after = batch[batch.length - 1].id;
    if (batch.length < context.batchSize) return;
  }
}

/**
 * What the gateway says about one of our payments, as staged rows: its approval (keyed `payment:<key>`, a read-back
 * names no approval transaction) and each cancel. Absent at the gateway → nothing staged (after a second read when
 * `recheck`, so one lost answer is not taken for a missing payment); any other failure → one UNREADABLE row.
 */
async function readBackRows(gateway: PaymentGateway, payment: SweptPayment, recheck: boolean): Promise<StagedRow[]> {
  const lookup = {
    paymentKey: payment.gatewayPaymentKey ?? payment.attemptPaymentKey,
    orderId: payment.orderId,
    amount: payment.amount,
    customerKey: payment.customerKey,
  };
  let truth: GatewayPaymentTruth | null = null;
  try {
    truth = await gateway.getPayment(lookup);
    if (truth.status === 'READY' && recheck) truth = await gateway.getPayment(lookup);
  } catch (error) {
    if (!(error instanceof PaymentNotFoundError)) return [unreadable(payment, error)];
    if (recheck) return readBackRows(gateway, payment, false);
  }
  if (!truth || NO_APPROVAL.has(truth.status)) {
    // No approval at the gateway: stage the answer so a payment we hold as approved is judged against it.
    return truth ? [approvalRow(payment, truth)] : [];
  }
  return [
    approvalRow(payment, truth),
    ...truth.cancels
      .filter((cancel) => cancel.status === 'DONE')
      .map((cancel): StagedRow => ({
        transactionKey: cancel.transactionKey,
        kind: 'CANCEL',
        paymentKey: truth.paymentKey,
        orderId: truth.orderId.slice(0, 64),
        amount: cancel.amount,
        status: truth.status,
        transactedAt: cancel.canceledAt,
        paymentId: payment.id,
        source: 'READ_BACK',
        note: null,
      })),
  ];
}

function approvalRow(payment: SweptPayment, truth: GatewayPaymentTruth): StagedRow {
  return {
    transactionKey: `payment:${truth.paymentKey || payment.id}`.slice(0, 200),
    kind: 'APPROVAL',
    paymentKey: truth.paymentKey || null,
    orderId: truth.orderId.slice(0, 64),
    amount: truth.totalAmount,
    status: truth.status,
    transactedAt: truth.approvedAt ?? null,
    paymentId: payment.id,
    source: 'READ_BACK',
    note: null,
  };
}

function unreadable(payment: SweptPayment, error: unknown): StagedRow {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    transactionKey: `unreadable:${payment.id}`,
    kind: 'UNREADABLE',
    paymentKey: payment.gatewayPaymentKey ?? payment.attemptPaymentKey,
    orderId: payment.orderId,
    amount: null,
    status: null,
    transactedAt: null,
    paymentId: payment.id,
    source: 'READ_BACK',
    note: reason.slice(0, 512),
  };
}

/** `work` over `items` with at most `limit` in flight; results in input order. */
export async function mapBounded<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
