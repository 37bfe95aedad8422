import type { SeededTransaction } from 'nestjs-kr-payments/testing';

/**
 * The reconcile benchmark's day, as a pure function of the row index: the simulator's child process builds Toss's
 * transaction list from it (`gatewayRows`) and PostgreSQL builds the shop's ledger from it (`LEDGER_SEED_SQL`, the
 * same formulas in SQL), so neither side ships 100,000 rows to the other and the benchmark process stays small.
 *
 * Index i in [0, transactions) is one Toss transaction and one ledger row. Blocks of 500 indexes carry one seeded
 * exception per slot; every other index is a plain match (a card payment PAID here, DONE at Toss):
 * - slot 0 AMOUNT_MISMATCH: Toss approved 1,000 KRW more than the ledger holds;
 * - slot 1 STATUS_MISMATCH: in three blocks of four Toss lists the approval ABORTED while we hold it PAID (for a
 *   person); in the fourth our row is UNKNOWN (the confirm's answer was lost) while Toss has it DONE, the case the run
 *   repairs itself (SYNC);
 * - slot 2 MISSING_LOCAL: Toss approved an order the ledger has never heard of; the ledger's row at this index is
 *   instead a PAID order Toss never saw (MISSING_GATEWAY);
 * - slot 3 DUPLICATE: Toss lists a second approval (its own paymentKey) of the order at slot 4; the ledger's row at
 *   this index is another order Toss never saw (MISSING_GATEWAY).
 * So both sides hold exactly `transactions` rows. Times are whole seconds spread over the day from 00:11 to 23:49 KST,
 * away from the ±10 minutes around midnight that a day's run leaves to the next one.
 */
export interface ReconcilePlan {
  /** The KST business day, `yyyy-MM-dd`. */
  date: string;
  transactions: number;
  /** orderId prefix, `bench_` + run tag. */
  prefix: string;
  /** 8 lower-case hex characters unique to the run: keeps keys unique on a kept DATABASE_URL. */
  tag: string;
}

export type SeededCategory = 'AMOUNT_MISMATCH' | 'STATUS_MISMATCH' | 'MISSING_LOCAL' | 'MISSING_GATEWAY' | 'DUPLICATE';

/** One exception the run must report: category, orderId and the gateway paymentKey the item names. */
export interface ExpectedException {
  category: SeededCategory;
  orderId: string;
  paymentKey: string;
  /** The run may repair it itself (our row UNKNOWN, Toss DONE). */
  repairable: boolean;
}

export const BLOCK = 500;
const SLOT_AMOUNT = 0;
const SLOT_STATUS = 1;
const SLOT_MISSING_LOCAL = 2;
const SLOT_DUPLICATE = 3;
/** Every REPAIRABLE_EVERY-th block's status exception is the repairable kind. */
const REPAIRABLE_EVERY = 4;
export const AMOUNT_DELTA = 1_000;
export const ORDER_NAME = 'bench reconcile';

const KST_OFFSET_MS = 9 * 3_600_000;
/** First transaction 11 minutes after midnight, last before 23:49: a minute clear of the 10-minute margins. */
const FIRST_SECOND = 11 * 60;
const SPAN_SECONDS = 24 * 3_600 - 2 * FIRST_SECOND;

/** 00:00 KST of `date` as a UTC instant. */
export function kstDayStart(date: string): Date {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day) - KST_OFFSET_MS);
}

const pad6 = (i: number): string => String(i).padStart(6, '0');
const slotOf = (i: number): number => i % BLOCK;
const isRepairable = (i: number): boolean =>
  slotOf(i) === SLOT_STATUS && Math.floor(i / BLOCK) % REPAIRABLE_EVERY === 0;
/** Ledger rows at these slots are orders Toss never saw. */
const isGhost = (i: number): boolean => slotOf(i) === SLOT_MISSING_LOCAL || slotOf(i) === SLOT_DUPLICATE;

const compactDate = (plan: ReconcilePlan): string => plan.date.replace(/-/g, '');
export const orderIdOf = (plan: ReconcilePlan, i: number): string => `${plan.prefix}_${pad6(i)}`;
export const ghostOrderIdOf = (plan: ReconcilePlan, i: number): string => `${plan.prefix}_g${pad6(i)}`;
export const paymentKeyOf = (plan: ReconcilePlan, i: number): string =>
  `tviva${compactDate(plan)}${plan.tag}${pad6(i)}`;
export const ghostPaymentKeyOf = (plan: ReconcilePlan, i: number): string =>
  `tviva${compactDate(plan)}${plan.tag}g${pad6(i)}`;
/** 32 upper-case hex characters like Toss's: the run tag, 0, the index in hex. */
export const transactionKeyOf = (plan: ReconcilePlan, i: number): string =>
  `${plan.tag}0${i.toString(16).padStart(23, '0')}`.toUpperCase();
/** 1,000 to 49,900 KRW in steps of 100. */
export const amountOf = (i: number): number => 1_000 + ((i * 7_919) % 490) * 100;
export const approvedAtOf = (plan: ReconcilePlan, i: number): Date =>
  new Date(
    kstDayStart(plan.date).getTime() + (FIRST_SECOND + Math.floor((i * SPAN_SECONDS) / plan.transactions)) * 1_000,
  );

/** Toss's side: one approval per index (see the slots above). */
export function gatewayRow(plan: ReconcilePlan, i: number): SeededTransaction {
  const slot = slotOf(i);
  const owner = slot === SLOT_DUPLICATE ? i + 1 : i;
  return {
    paymentKey: paymentKeyOf(plan, i),
    orderId: orderIdOf(plan, owner),
    orderName: ORDER_NAME,
    amount: amountOf(owner) + (slot === SLOT_AMOUNT ? AMOUNT_DELTA : 0),
    status: slot === SLOT_STATUS && !isRepairable(i) ? 'ABORTED' : 'DONE',
    transactionKey: transactionKeyOf(plan, i),
    transactionAt: approvedAtOf(plan, i),
  };
}

export function gatewayRows(plan: ReconcilePlan): SeededTransaction[] {
  return Array.from({ length: plan.transactions }, (_, i) => gatewayRow(plan, i));
}

/** What the run must find, and nothing else. */
export function expectedExceptions(plan: ReconcilePlan): ExpectedException[] {
  const expected: ExpectedException[] = [];
  const add = (category: SeededCategory, orderId: string, paymentKey: string, repairable = false) =>
    expected.push({ category, orderId, paymentKey, repairable });
  for (let i = 0; i < plan.transactions; i++) {
    const slot = slotOf(i);
    if (slot === SLOT_AMOUNT) add('AMOUNT_MISMATCH', orderIdOf(plan, i), paymentKeyOf(plan, i));
    if (slot === SLOT_STATUS) add('STATUS_MISMATCH', orderIdOf(plan, i), paymentKeyOf(plan, i), isRepairable(i));
    if (slot === SLOT_MISSING_LOCAL) add('MISSING_LOCAL', orderIdOf(plan, i), paymentKeyOf(plan, i));
    if (slot === SLOT_DUPLICATE) add('DUPLICATE', orderIdOf(plan, i + 1), paymentKeyOf(plan, i));
    if (isGhost(i)) add('MISSING_GATEWAY', ghostOrderIdOf(plan, i), ghostPaymentKeyOf(plan, i));
  }
  return expected;
}

/**
 * The shop's ledger, built in PostgreSQL from the same formulas: the columns a confirm through the library writes
 * (attempt and gateway keys, approval sent / truth observed, VAT, last transaction key, receipt URL, the scrubbed
 * Payment object in `raw`, version 3), and for the repairable rows what a confirm whose answer was lost leaves
 * (UNKNOWN, the attempt key only, version 2). Parameters: $1 prefix, $2 tag, $3 yyyyMMdd, $4 00:00 KST, $5 count.
 */
export const LEDGER_SEED_SQL = `
WITH idx AS (
  SELECT i, i % ${BLOCK} AS slot,
         (i % ${BLOCK} = ${SLOT_STATUS} AND (i / ${BLOCK}) % ${REPAIRABLE_EVERY} = 0) AS lost,
         i % ${BLOCK} IN (${SLOT_MISSING_LOCAL}, ${SLOT_DUPLICATE}) AS ghost
    FROM generate_series(0, $5::int - 1) AS i
), base AS (
  SELECT i, lost,
         $1::text || CASE WHEN ghost THEN '_g' ELSE '_' END || lpad(i::text, 6, '0') AS order_id,
         'tviva' || $3::text || $2::text || CASE WHEN ghost THEN 'g' ELSE '' END || lpad(i::text, 6, '0') AS payment_key,
         upper($2::text || CASE WHEN ghost THEN 'f' ELSE '0' END || lpad(to_hex(i), 23, '0')) AS transaction_key,
         1000 + ((i::bigint * 7919) % 490) * 100 AS amount,
         $4::timestamptz + make_interval(secs => ${FIRST_SECOND} + (i::bigint * ${SPAN_SECONDS}) / $5::int) AS at
    FROM idx
), paid AS (
  SELECT b.*, (b.amount * 2 + 11) / 22 AS vat,
         'https://dashboard.tosspayments.com/receipt/redirection?transactionId=' || b.payment_key || '&ref=PX' AS receipt
    FROM base b
)
, inserted AS (
INSERT INTO "payments"
  ("id", "gateway", "order_id", "gateway_payment_key", "attempt_payment_key", "approval_sent_at", "truth_observed_at",
   "type", "method", "status", "currency", "amount", "balance_amount", "canceled_amount", "pending_cancel_amount",
   "tax_free_amount", "vat", "order_name", "approved_at", "last_transaction_key", "receipt_url", "raw", "version",
   "created_at", "updated_at")
SELECT gen_random_uuid(), 'toss', order_id, CASE WHEN lost THEN NULL ELSE payment_key END, payment_key,
       at - interval '150 milliseconds', CASE WHEN lost THEN NULL ELSE at + interval '40 milliseconds' END,
       'NORMAL', 'CARD', CASE WHEN lost THEN 'UNKNOWN' ELSE 'PAID' END, 'KRW', amount, amount, 0, 0, 0, vat,
       '${ORDER_NAME}', CASE WHEN lost THEN NULL ELSE at END,
       CASE WHEN lost THEN NULL ELSE transaction_key END, CASE WHEN lost THEN NULL ELSE receipt END,
       CASE WHEN lost THEN NULL ELSE jsonb_build_object(
         'mId', 'tosspayments', 'lastTransactionKey', transaction_key, 'paymentKey', payment_key,
         'orderId', order_id, 'orderName', '${ORDER_NAME}', 'status', 'DONE', 'type', 'NORMAL', 'method', '카드',
         'requestedAt', to_char(at AT TIME ZONE 'Asia/Seoul', 'YYYY-MM-DD"T"HH24:MI:SS"+09:00"'),
         'approvedAt', to_char(at AT TIME ZONE 'Asia/Seoul', 'YYYY-MM-DD"T"HH24:MI:SS"+09:00"'),
         'currency', 'KRW', 'totalAmount', amount, 'balanceAmount', amount, 'suppliedAmount', amount - vat,
         'vat', vat, 'taxFreeAmount', 0, 'taxExemptionAmount', 0, 'isPartialCancelable', true,
         'card', jsonb_build_object('amount', amount, 'number', '43301234****123*', 'issuerCode', '61',
                                    'acquirerCode', '31', 'installmentPlanMonths', 0, 'approveNo', '00000000'),
         'receipt', jsonb_build_object('url', receipt), 'cancels', NULL, 'version', '2022-11-16') END,
       CASE WHEN lost THEN 2 ELSE 3 END, at - interval '30 seconds', at + interval '40 milliseconds'
  FROM paid
RETURNING 1)
SELECT count(*)::int AS inserted FROM inserted`;

export function ledgerSeedParams(plan: ReconcilePlan): unknown[] {
  return [plan.prefix, plan.tag, compactDate(plan), kstDayStart(plan.date), plan.transactions];
}
