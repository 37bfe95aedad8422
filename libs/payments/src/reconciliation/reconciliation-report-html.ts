import type { ReconciliationItem } from '../entities/reconciliation-item.entity';
import type { ReconciliationReportJson } from './reconciliation-report';
import { RECONCILIATION_CATEGORIES } from './reconciliation-matching';

export interface HourlyAmounts {
  ledger: number[];
  gateway: number[];
}

/**
 * The report as one self-contained page: inline CSS and SVG only (no script, font, image or stylesheet is fetched),
 * so it can be mailed, archived or opened offline and shows the same thing everywhere.
 */
export function reportHtml(json: ReconciliationReportJson, hourly: HourlyAmounts, rows: string[]): string {
  const title = `Reconciliation · ${esc(json.gateway)} · ${esc(json.businessDate)} (KST)`;
  return `<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>${title}</title>
<style>${STYLE}</style></head><body>
<h1>${title}</h1>
<p class="meta">Run <code>${esc(json.runId)}</code> · ${esc(json.kind)} · <span class="badge s-${esc(json.status)}">${esc(json.status)}</span>
· merchant ${esc(json.merchantId)} · started ${esc(json.startedAt)} · finished ${esc(json.finishedAt ?? '—')}</p>
${cards(json)}
<h2>Net amount per KST hour, ledger vs gateway</h2>
<p class="meta">Totals and categories are the day as the run found it, before its repairs; the chart's ledger bars are
the ledger as it stands now, repairs included.</p>
${chart(hourly)}
<h2>Categories</h2>
${categoryTable(json)}
<h2>Exceptions (${json.exceptions.total})</h2>
<table><thead><tr><th>category</th><th>kind</th><th>orderId</th><th>gateway key</th><th>ledger KRW</th>
<th>gateway KRW</th><th>status ledger → gateway</th><th>action</th><th>resolution</th><th>note</th></tr></thead>
<tbody>${rows.join('\n') || '<tr><td colspan="10" class="none">no exceptions: the ledger and the gateway agree</td></tr>'}</tbody></table>
</body></html>
`;
}

/** One row of the exception table. */
export function exceptionRow(item: ReconciliationItem): string {
  return (
    `<tr><td><span class="badge c-${esc(item.category)}">${esc(item.category)}</span></td>` +
    `<td>${esc(item.transactionKind)}</td><td><code>${esc(item.orderId)}</code></td>` +
    `<td><code>${esc(item.gatewayPaymentKey)}</code></td><td class="n">${won(item.expectedAmount)}</td>` +
    `<td class="n">${won(item.actualAmount)}</td>` +
    `<td>${esc(item.expectedStatus ?? '—')} → ${esc(item.actualStatus ?? '—')}</td>` +
    `<td>${esc(item.repairAction)}</td><td><span class="badge r-${esc(item.resolution)}">${esc(item.resolution)}</span></td>` +
    `<td class="note">${esc(item.note)}</td></tr>`
  );
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:28px 32px;color:#1d2129;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}.meta{color:#475467;margin:0 0 16px}
code{font:12px ui-monospace,Menlo,Consolas,monospace}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #e4e7ec;border-radius:8px;padding:10px 16px;min-width:170px}
.card .label{color:#667085;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .value{font-size:22px;font-weight:600;font-variant-numeric:tabular-nums}.card .sub{color:#667085;font-size:12px}
.card.bad .value{color:#b42318}.card.good .value{color:#067647}
table{border-collapse:collapse;margin:8px 0}th,td{border-bottom:1px solid #e4e7ec;padding:6px 10px;text-align:left;vertical-align:top}
th{background:#f9fafb;color:#475467;font-weight:600;font-size:12px}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.zero td{color:#98a2b3}td.note{max-width:320px;color:#475467}td.none{color:#067647}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;background:#f2f4f7;color:#344054}
.c-MATCHED,.r-AUTO_FIXED,.s-SUCCEEDED{background:#dcfae6;color:#067647}
.c-MISSING_LOCAL,.c-MISSING_GATEWAY{background:#fef0c7;color:#93370d}.c-AMOUNT_MISMATCH,.c-DUPLICATE{background:#fee4e2;color:#b42318}
.c-STATUS_MISMATCH{background:#e0eaff;color:#3538cd}.r-OPEN,.s-FAILED{background:#fee4e2;color:#b42318}
.r-ACCEPTED_GATEWAY,.r-ACCEPTED_LOCAL{background:#e0eaff;color:#3538cd}
.ledger{fill:#3b6fd8}.gateway{fill:#f08c2e}.grid{stroke:#eaecf0}.axis{stroke:#98a2b3}
svg text{font:11px system-ui,sans-serif;fill:#475467}svg text.diff{fill:#b42318;font-weight:700}
`;

function cards(json: ReconciliationReportJson): string {
  const difference = json.totals.gateway.net - json.totals.ledger.net;
  const { total, open, autoFixed, resolved } = json.exceptions;
  const card = (label: string, value: string, sub: string, tone = '') =>
    `<div class="card ${tone}"><div class="label">${label}</div><div class="value">${value}</div><div class="sub">${sub}</div></div>`;
  return (
    `<div class="cards">` +
    card(
      'Ledger net',
      `₩${won(json.totals.ledger.net)}`,
      `gross ${won(json.totals.ledger.gross)} · cancel ${won(json.totals.ledger.cancel)}`,
    ) +
    card(
      'Gateway net',
      `₩${won(json.totals.gateway.net)}`,
      `gross ${won(json.totals.gateway.gross)} · cancel ${won(json.totals.gateway.cancel)}`,
    ) +
    card(
      'Difference',
      `${difference > 0 ? '+' : ''}${won(difference)}`,
      'gateway − ledger, KRW',
      difference === 0 ? 'good' : 'bad',
    ) +
    card(
      'Exceptions',
      String(total),
      `${open} open · ${autoFixed} auto-fixed · ${resolved} resolved`,
      open > 0 ? 'bad' : 'good',
    ) +
    `</div>`
  );
}

function categoryTable(json: ReconciliationReportJson): string {
  const rows = RECONCILIATION_CATEGORIES.map((category) => {
    const entry = json.categories[category];
    if (!entry) return '';
    return (
      `<tr class="${entry.count === 0 ? 'zero' : ''}"><td><span class="badge c-${category}">${category}</span></td>` +
      `<td class="n">${entry.count}</td><td class="n">${won(entry.ledger.gross)}</td>` +
      `<td class="n">${won(entry.ledger.cancel)}</td><td class="n">${won(entry.ledger.net)}</td>` +
      `<td class="n">${won(entry.gateway.gross)}</td><td class="n">${won(entry.gateway.cancel)}</td>` +
      `<td class="n">${won(entry.gateway.net)}</td></tr>`
    );
  }).join('');
  return (
    `<table><thead><tr><th>category</th><th>count</th><th>ledger gross</th><th>ledger cancel</th><th>ledger net</th>` +
    `<th>gateway gross</th><th>gateway cancel</th><th>gateway net</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

/**
 * Paired bars per KST hour with a labelled KRW grid; room below the axis only when some hour nets negative (more
 * cancelled than approved). Hours where the two sides differ have their label in red: where to look first.
 */
function chart(hourly: HourlyAmounts): string {
  const [width, plotTop, plotHeight, left] = [1000, 24, 200, 72];
  const values = [...hourly.ledger, ...hourly.gateway];
  const max = niceCeiling(Math.max(1, ...values));
  const min = Math.min(0, ...values) < 0 ? -niceCeiling(-Math.min(...values)) : 0;
  const y = (value: number) => plotTop + ((max - value) / (max - min)) * plotHeight;
  const slot = (width - left) / 24;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => min + (max - min) * f);
  const grid = ticks
    .map((tick) => {
      const at = y(tick).toFixed(1);
      return `<line class="${tick === 0 ? 'axis' : 'grid'}" x1="${left}" y1="${at}" x2="${width}" y2="${at}"/><text x="${left - 6}" y="${at}" dy="4" text-anchor="end">${won(Math.round(tick))}</text>`;
    })
    .join('');
  const bar = (value: number, x: number, cls: string, hour: number) => {
    const [top, bottom] = [y(Math.max(value, 0)), y(Math.min(value, 0))];
    return `<rect class="${cls}" x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(slot / 2 - 2).toFixed(1)}" height="${(bottom - top).toFixed(1)}"><title>${hour}:00 ${cls} ${won(value)} KRW</title></rect>`;
  };
  const columns = hourly.ledger
    .map((ledger, hour) => {
      const x = left + hour * slot;
      const differs = ledger !== hourly.gateway[hour];
      return (
        bar(ledger, x + 2, 'ledger', hour) +
        bar(hourly.gateway[hour], x + slot / 2, 'gateway', hour) +
        `<text x="${(x + slot / 2).toFixed(1)}" y="${plotTop + plotHeight + 16}" text-anchor="middle"${differs ? ' class="diff"' : ''}>${hour}</text>`
      );
    })
    .join('');
  const legend =
    `<rect class="ledger" x="${left}" y="2" width="10" height="10"/><text x="${left + 14}" y="11">ledger</text>` +
    `<rect class="gateway" x="${left + 70}" y="2" width="10" height="10"/><text x="${left + 84}" y="11">gateway</text>` +
    `<text x="${left + 150}" y="11" class="diff">red hour: the sides differ</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${plotTop + plotHeight + 24}" role="img" aria-label="net KRW per KST hour, ledger vs gateway">${grid}${columns}${legend}</svg>`;
}

/** 1, 2 or 5 times a power of ten, at least `value`: grid lines at round amounts. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((step) => step * power >= value) ?? 10) * power;
}

export function won(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : value.toLocaleString('en-US');
}

export function esc(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
