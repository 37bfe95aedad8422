import type { DataSource } from 'typeorm';
import { ReconciliationItem } from '../entities/reconciliation-item.entity';
import type { ReconciliationRun, ReconciliationSummary } from '../entities/reconciliation-run.entity';
import { businessDay } from './business-day';
import { RECONCILIATION_CATEGORIES } from './reconciliation-matching';
import { exceptionRow, reportHtml, type HourlyAmounts } from './reconciliation-report-html';

/** The JSON summary of a run: counts and KRW per category, ledger vs gateway, and the open exceptions left. */
export interface ReconciliationReportJson {
  runId: string;
  gateway: string;
  merchantId: string;
  businessDate: string;
  kind: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  supersedesRunId: string | null;
  categories: ReconciliationSummary;
  totals: { ledger: Side; gateway: Side };
  exceptions: { total: number; open: number; autoFixed: number; resolved: number };
}

interface Side {
  gross: number;
  cancel: number;
  net: number;
}

export interface ReconciliationReport {
  json: ReconciliationReportJson;
  /** One line per exception (RFC 4180 quoting). */
  csv: string;
  /** One self-contained page: no scripts, no external assets; an inline SVG chart and the exception table. */
  html: string;
}

const CSV_COLUMNS: Array<keyof ReconciliationItem> = [
  'id',
  'category',
  'transactionKind',
  'paymentId',
  'orderId',
  'gatewayPaymentKey',
  'transactionKey',
  'expectedAmount',
  'actualAmount',
  'expectedStatus',
  'actualStatus',
  'repairAction',
  'resolution',
  'resolvedBy',
  'resolvedAt',
  'note',
];

/** Exceptions read per query while building the CSV and the table. */
const ITEM_PAGE = 1_000;

export async function buildReport(dataSource: DataSource, run: ReconciliationRun): Promise<ReconciliationReport> {
  const categories = run.summary ?? {};
  const totals = { ledger: zero(), gateway: zero() };
  for (const category of RECONCILIATION_CATEGORIES) {
    const entry = categories[category];
    if (!entry) continue;
    for (const side of ['ledger', 'gateway'] as const) {
      totals[side].gross += entry[side].gross;
      totals[side].cancel += entry[side].cancel;
      totals[side].net += entry[side].net;
    }
  }
  const [counts] = await dataSource.query(
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE "resolution" = 'OPEN')::int AS open,
            count(*) FILTER (WHERE "resolution" = 'AUTO_FIXED')::int AS "autoFixed"
       FROM "reconciliation_items" WHERE "run_id" = $1`,
    [run.id],
  );
  const json: ReconciliationReportJson = {
    runId: run.id,
    gateway: run.gateway,
    merchantId: run.merchantId,
    businessDate: run.businessDate,
    kind: run.kind,
    status: run.status,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    supersedesRunId: run.supersedesRunId,
    categories,
    totals,
    exceptions: { ...counts, resolved: counts.total - counts.open - counts.autoFixed },
  };
  const csvLines = [CSV_COLUMNS.join(',')];
  const tableRows: string[] = [];
  for await (const item of items(dataSource, run.id)) {
    csvLines.push(CSV_COLUMNS.map((column) => csvCell(item[column])).join(','));
    tableRows.push(exceptionRow(item));
  }
  const hourly = await hourlyAmounts(dataSource, run);
  return { json, csv: `${csvLines.join('\r\n')}\r\n`, html: reportHtml(json, hourly, tableRows) };
}

async function* items(dataSource: DataSource, runId: string): AsyncIterable<ReconciliationItem> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const page: ReconciliationItem[] = await dataSource
      .getRepository(ReconciliationItem)
      .createQueryBuilder('i')
      .where('i.runId = :runId AND i.id > :after', { runId, after })
      .orderBy('i.id')
      .take(ITEM_PAGE)
      .getMany();
    yield* page;
    if (page.length < ITEM_PAGE) return;
    after = page[page.length - 1].id;
  }
}

/** Net KRW per KST hour of the day, ledger (payments approved, cancels done) and gateway (staged rows). */
async function hourlyAmounts(dataSource: DataSource, run: ReconciliationRun): Promise<HourlyAmounts> {
  const day = businessDay(run.businessDate);
  const hourOf = (column: string) => `floor(extract(epoch FROM (${column} - $2::timestamptz)) / 3600)::int`;
  const ledgerRows: Array<{ hour: number; net: string }> = await dataSource.query(
    `SELECT hour, sum(net)::text AS net FROM (
        SELECT ${hourOf('p."approved_at"')} AS hour, p."amount" AS net FROM "payments" p
         WHERE p."gateway" = $1 AND p."approved_at" >= $2 AND p."approved_at" < $3
           AND p."status" IN ('PAID', 'PARTIALLY_CANCELED', 'CANCELED')
        UNION ALL
        SELECT ${hourOf('c."canceled_at"')}, -c."amount" FROM "payment_cancels" c JOIN "payments" p ON p."id" = c."payment_id"
         WHERE p."gateway" = $1 AND c."status" = 'DONE' AND c."canceled_at" >= $2 AND c."canceled_at" < $3
      ) t GROUP BY hour`,
    [run.gateway, day.start, day.end],
  );
  const gatewayRows: Array<{ hour: number; net: string }> = await dataSource.query(
    `SELECT ${hourOf('s."transacted_at"')} AS hour,
            sum(CASE WHEN s."kind" = 'CANCEL' THEN -s."amount" ELSE s."amount" END)::text AS net
       FROM "reconciliation_gateway_rows" s
      WHERE s."run_id" = $1 AND s."kind" IN ('APPROVAL', 'CANCEL') AND s."transacted_at" >= $2 AND s."transacted_at" < $3
        AND (s."kind" = 'CANCEL' OR s."status" NOT IN ('READY', 'IN_PROGRESS', 'FAILED', 'EXPIRED'))
      GROUP BY 1`,
    [run.id, day.start, day.end],
  );
  const series = (rows: Array<{ hour: number; net: string }>) => {
    const values = new Array<number>(24).fill(0);
    for (const row of rows) if (row.hour >= 0 && row.hour < 24) values[row.hour] += Number(row.net);
    return values;
  };
  return { ledger: series(ledgerRows), gateway: series(gatewayRows) };
}

function zero(): Side {
  return { gross: 0, cancel: 0, net: 0 };
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = value instanceof Date ? value.toISOString() : String(value);
  // A leading = + - @ would run as a formula in a spreadsheet: quote it behind an apostrophe.
  const safe = /^[=+\-@]/.test(text) && !/^-?\d+$/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
}
