import type { DataSource } from 'typeorm';
import { ReconciliationItem } from '../entities/reconciliation-item.entity';
import type { ReconciliationRun, ReconciliationSummary } from '../entities/reconciliation-run.entity';
import { businessDay } from './business-day';
import { RECONCILIATION_CATEGORIES } from './reconciliation-matching';

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
    tableRows.push(
      `<tr><td>${esc(item.category)}</td><td>${esc(item.transactionKind)}</td><td>${esc(item.orderId)}</td>` +
        `<td>${esc(item.gatewayPaymentKey)}</td><td class="n">${won(item.expectedAmount)}</td>` +
        `<td class="n">${won(item.actualAmount)}</td><td>${esc(item.expectedStatus)} / ${esc(item.actualStatus)}</td>` +
        `<td>${esc(item.repairAction)}</td><td>${esc(item.resolution)}</td><td>${esc(item.note)}</td></tr>`,
    );
  }
  const hourly = await hourlyAmounts(dataSource, run);
  return { json, csv: `${csvLines.join('\r\n')}\r\n`, html: html(json, hourly, tableRows) };
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
async function hourlyAmounts(
  dataSource: DataSource,
  run: ReconciliationRun,
): Promise<{ ledger: number[]; gateway: number[] }> {
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

function html(json: ReconciliationReportJson, hourly: { ledger: number[]; gateway: number[] }, rows: string[]): string {
  const categoryRows = RECONCILIATION_CATEGORIES.map((category) => {
    const entry = json.categories[category];
    if (!entry) return '';
    return (
      `<tr><td>${category}</td><td class="n">${entry.count}</td><td class="n">${won(entry.ledger.gross)}</td>` +
      `<td class="n">${won(entry.ledger.cancel)}</td><td class="n">${won(entry.ledger.net)}</td>` +
      `<td class="n">${won(entry.gateway.gross)}</td><td class="n">${won(entry.gateway.cancel)}</td>` +
      `<td class="n">${won(entry.gateway.net)}</td></tr>`
    );
  }).join('');
  const title = `Reconciliation ${esc(json.gateway)} ${esc(json.businessDate)} (KST)`;
  return `<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>${title}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2129}table{border-collapse:collapse;margin:12px 0}
th,td{border:1px solid #d0d5dd;padding:4px 8px;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f2f4f7}.ledger{fill:#3b6fd8}.gateway{fill:#f08c2e}.axis{stroke:#98a2b3}
</style></head><body>
<h1>${title}</h1>
<p>Run <code>${esc(json.runId)}</code> · ${esc(json.kind)} · ${esc(json.status)} · merchant ${esc(json.merchantId)} ·
started ${esc(json.startedAt)} · finished ${esc(json.finishedAt ?? '-')}</p>
<p>Ledger net ${won(json.totals.ledger.net)} KRW · gateway net ${won(json.totals.gateway.net)} KRW ·
exceptions ${json.exceptions.total} (open ${json.exceptions.open}, auto-fixed ${json.exceptions.autoFixed},
resolved ${json.exceptions.resolved})</p>
<h2>Net amount per hour, ledger vs gateway</h2>
${chart(hourly)}
<h2>Categories</h2>
<table><thead><tr><th>category</th><th>count</th><th>ledger gross</th><th>ledger cancel</th><th>ledger net</th>
<th>gateway gross</th><th>gateway cancel</th><th>gateway net</th></tr></thead><tbody>${categoryRows}</tbody></table>
<h2>Exceptions</h2>
<table><thead><tr><th>category</th><th>kind</th><th>orderId</th><th>gateway key</th><th>ledger KRW</th>
<th>gateway KRW</th><th>status (ledger / gateway)</th><th>action</th><th>resolution</th><th>note</th></tr></thead>
<tbody>${rows.join('\n') || '<tr><td colspan="10">none</td></tr>'}</tbody></table>
</body></html>
`;
}

/** Paired bars per KST hour (negative nets below the axis), scaled to the largest absolute value. */
function chart(hourly: { ledger: number[]; gateway: number[] }): string {
  const width = 960;
  const height = 240;
  const mid = height / 2;
  const max = Math.max(1, ...hourly.ledger.map(Math.abs), ...hourly.gateway.map(Math.abs));
  const slot = width / 24;
  const bar = (value: number, x: number, cls: string, hour: number) => {
    const h = (Math.abs(value) / max) * (mid - 16);
    const y = value >= 0 ? mid - h : mid;
    return `<rect class="${cls}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(slot / 2 - 2).toFixed(1)}" height="${h.toFixed(1)}"><title>${hour}:00 ${cls} ${won(value)} KRW</title></rect>`;
  };
  const bars = hourly.ledger
    .map(
      (value, hour) =>
        bar(value, hour * slot + 1, 'ledger', hour) +
        bar(hourly.gateway[hour], hour * slot + slot / 2, 'gateway', hour),
    )
    .join('');
  const labels = Array.from(
    { length: 24 },
    (_, hour) =>
      `<text x="${(hour * slot + slot / 2).toFixed(1)}" y="${height - 2}" font-size="10" text-anchor="middle">${hour}</text>`,
  ).join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="net KRW per hour">` +
    `<line class="axis" x1="0" y1="${mid}" x2="${width}" y2="${mid}"/>${bars}${labels}` +
    `<rect class="ledger" x="8" y="6" width="10" height="10"/><text x="22" y="15" font-size="11">ledger</text>` +
    `<rect class="gateway" x="78" y="6" width="10" height="10"/><text x="92" y="15" font-size="11">gateway</text></svg>`
  );
}

function zero(): Side {
  return { gross: 0, cancel: 0, net: 0 };
}

function won(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : value.toLocaleString('en-US');
}

function esc(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = value instanceof Date ? value.toISOString() : String(value);
  // A leading = + - @ would run as a formula in a spreadsheet: quote it behind an apostrophe.
  const safe = /^[=+\-@]/.test(text) && !/^-?\d+$/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
}
