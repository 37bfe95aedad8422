import { cpus } from 'node:os';
import { formatAnswers, type FloodResult } from './flood';
import { BODY_BYTES, type BodySize } from './forgeries';
import { storedAsAuthentic } from './ledger-probe';
import { formatTable } from './results';
import { roundMs } from './stats';

export interface IdenticalResult {
  deliveries: number;
  /** Answers by HTTP status. */
  answers: Record<string, number>;
  /** Payment lookups the Toss simulator received while the identical deliveries were answered. */
  readBacks: number;
  paymentStatus: string;
  balanceAmount: number;
  /** Inbox rows of that PAYMENT_STATUS_CHANGED: one, holding every delivery in `attempts`. */
  inboxRows: Array<{ eventType: string; status: string; attempts: number }>;
}

/** One flood as stored in bench/results/webhook-flood.json. */
export interface FloodSummary {
  sources: string;
  deliveries: number;
  answers: Record<string, number>;
  answersByKind: Record<string, Record<string, number>>;
  bodySizes: Record<BodySize, number>;
  answersBySize: Record<BodySize, Record<string, number>>;
  bodyBytes: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  deliveriesPerSec: number;
  stateChanges: number;
  /** Payment lookups all simulators received during the flood. */
  readBacks: number;
  /** Every call all simulators received during the flood. */
  gatewayCalls: number;
  inboxRowsAdded: number;
  inboxBytesAdded: number;
  inboxBytesPerDelivery: number;
  inboxBytesPerStoredRow: number | null;
  storedRows: Array<{ gateway: string; verification: string; status: string; rows: number; rowBytes: number }>;
}

/** Exactly the fields of bench/results/webhook-flood.json. */
export interface WebhookFloodResult {
  forgedDeliveries: number;
  concurrency: number;
  /** The app's resolved `webhooks.rejectedPerSource` (the per-source budget of rejected deliveries). */
  rejectedPerSource: unknown;
  distributed: FloodSummary;
  singleSource: FloodSummary;
  identical: IdenticalResult;
  node: string;
  cpus: number;
  date: string;
}

export interface Check {
  name: string;
  ok: boolean;
  value: string;
  details: string[];
}

export function floodResult(
  floods: FloodResult[],
  identical: IdenticalResult,
  setup: { concurrency: number; rejectedPerSource: unknown },
): WebhookFloodResult {
  const [distributed, singleSource] = floods.map(summarise);
  return {
    forgedDeliveries: distributed.deliveries,
    ...setup,
    distributed,
    singleSource,
    identical,
    node: process.version,
    cpus: cpus().length,
    date: new Date().toISOString(),
  };
}

function summarise(flood: FloodResult): FloodSummary {
  const storedRows = flood.inbox.rows.groups;
  const rowsStored = storedRows.reduce((sum, g) => sum + g.rows, 0);
  return {
    sources: flood.sources,
    deliveries: flood.deliveries,
    answers: flood.answers,
    answersByKind: Object.fromEntries(Object.entries(flood.answersByKind).sort(([a], [b]) => (a < b ? -1 : 1))),
    bodySizes: flood.bodySizes,
    answersBySize: flood.answersBySize,
    bodyBytes: flood.bodyBytes,
    p50Ms: roundMs(flood.latency.p50Ms),
    p99Ms: roundMs(flood.latency.p99Ms),
    meanMs: roundMs(flood.latency.meanMs),
    maxMs: roundMs(flood.latency.maxMs),
    deliveriesPerSec: Math.round((flood.deliveries / (flood.wallMs / 1000)) * 10) / 10,
    stateChanges: flood.stateChanges.length,
    readBacks: flood.gatewayCalls.reduce((sum, g) => sum + g.lookups, 0),
    gatewayCalls: flood.gatewayCalls.reduce((sum, g) => sum + g.total, 0),
    inboxRowsAdded: flood.inbox.rowsAdded,
    inboxBytesAdded: flood.inbox.bytesAdded,
    inboxBytesPerDelivery: Math.round(flood.inbox.bytesAdded / flood.deliveries),
    inboxBytesPerStoredRow: rowsStored > 0 ? Math.round(flood.inbox.bytesAdded / rowsStored) : null,
    storedRows,
  };
}

/** The benchmark's own correctness checks: any failure exits 1 and writes no result. */
export function floodChecks(floods: FloodResult[], identical: IdenticalResult): Check[] {
  const checks: Check[] = [];
  for (const flood of floods) {
    const calls = flood.gatewayCalls.filter((g) => g.total > 0);
    const serverErrors = Object.entries(flood.answers).filter(([status]) => Number(status) >= 500);
    const erroredKinds = Object.entries(flood.answersByKind)
      .filter(([, answers]) => Object.keys(answers).some((status) => Number(status) >= 500))
      .map(([kind, answers]) => `${kind}: ${formatAnswers(answers)}`);
    checks.push(
      {
        name: `${flood.name}: payments and cancel rows unchanged`,
        ok: flood.stateChanges.length === 0,
        value: `${flood.stateChanges.length} rows changed`,
        details: flood.stateChanges,
      },
      {
        name: `${flood.name}: no gateway call (read-back) caused`,
        ok: calls.length === 0,
        value: flood.gatewayCalls.map((g) => `${g.name} ${g.total} (${g.lookups} lookups)`).join(', '),
        details: calls.map((g) => `${g.name}: ${g.total} requests, ${g.lookups} of them payment lookups`),
      },
      {
        name: `${flood.name}: no 5xx, no transport error`,
        ok: serverErrors.length === 0 && flood.transportErrors.length === 0,
        value: `${serverErrors.reduce((sum, [, n]) => sum + n, 0)} 5xx, ${flood.transportErrors.length} errors`,
        details: [...erroredKinds, ...flood.transportErrors],
      },
      {
        name: `${flood.name}: no forged delivery stored as verified or processed`,
        ok: flood.inbox.rows.verifiedOrProcessed === 0,
        value: `${flood.inbox.rows.verifiedOrProcessed} rows`,
        details: flood.inbox.rows.groups
          .filter(storedAsAuthentic)
          .map((g) => `${g.gateway} ${g.verification} ${g.status}: ${g.rows} rows`),
      },
    );
  }
  const row = identical.inboxRows[0];
  checks.push(
    {
      name: `${identical.deliveries} identical genuine deliveries: exactly 1 read-back`,
      ok: identical.readBacks === 1,
      value: `${identical.readBacks} read-backs`,
      details: [],
    },
    {
      name: `${identical.deliveries} identical genuine deliveries: all 200, applied once`,
      ok:
        identical.answers['200'] === identical.deliveries &&
        identical.paymentStatus === 'PAID' &&
        identical.inboxRows.length === 1 &&
        row?.status === 'PROCESSED',
      value: `${formatAnswers(identical.answers)}; payment ${identical.paymentStatus}; ${identical.inboxRows.length} inbox row(s)`,
      details: identical.inboxRows.map((r) => `${r.eventType} ${r.status} attempts=${r.attempts}`),
    },
  );
  return checks;
}

export function floodReport(
  result: WebhookFloodResult,
  floods: FloodResult[],
  checks: Check[],
  database: string,
): string {
  const summaries = [result.distributed, result.singleSource];
  const both = (label: string, cell: (s: FloodSummary, f: FloodResult) => string): string[] => [
    label,
    ...summaries.map((s, i) => cell(s, floods[i])),
  ];
  const ms = (value: number): string => `${value.toFixed(1)} ms`;
  const count = (n: number): string => n.toLocaleString('en-US');
  const perGateway = (s: FloodSummary): string => {
    const sent: Record<string, number> = {};
    for (const [kind, answers] of Object.entries(s.answersByKind)) {
      const gateway = kind.split(':')[0];
      sent[gateway] = (sent[gateway] ?? 0) + Object.values(answers).reduce((a, b) => a + b, 0);
    }
    return Object.entries(sent)
      .map(([gateway, n]) => `${gateway} ${count(n)}`)
      .join(' / ');
  };
  const figures: string[][] = [
    both('sources', (s) => s.sources),
    both('forged deliveries (Toss / NicePay / KISPG)', (s) => `${count(s.deliveries)}: ${perGateway(s)}`),
    both(
      `bodies natural / ${count(BODY_BYTES.cap)} B / ${BODY_BYTES.padded / 1024} KB`,
      (s) => `${count(s.bodySizes.natural)} / ${count(s.bodySizes.cap)} / ${count(s.bodySizes.padded)}`,
    ),
    both('body bytes sent', (s) => `${(s.bodyBytes / 1024 / 1024).toFixed(1)} MB`),
    both('answers by status', (s) => formatAnswers(s.answers)),
    both('  natural bodies', (s) => formatAnswers(s.answersBySize.natural)),
    both(`  ${count(BODY_BYTES.cap)} B bodies`, (s) => formatAnswers(s.answersBySize.cap)),
    both(`  ${BODY_BYTES.padded / 1024} KB bodies`, (s) => formatAnswers(s.answersBySize.padded)),
    both('answer time p50 / p99', (s) => `${ms(s.p50Ms)} / ${ms(s.p99Ms)}`),
    both('answer time mean / max', (s) => `${ms(s.meanMs)} / ${ms(s.maxMs)}`),
    both('deliveries/s (wall clock)', (s) => s.deliveriesPerSec.toFixed(1)),
    both('state changes (payments + cancel rows)', (s) => String(s.stateChanges)),
    both('read-backs (gateway lookups)', (s) => String(s.readBacks)),
    both('gateway calls of any kind', (_s, f) => f.gatewayCalls.map((g) => `${g.name} ${g.total}`).join(' / ')),
    both('inbox rows added', (s) => count(s.inboxRowsAdded)),
    both('inbox bytes added (pg_total_relation_size)', (s) => `${count(s.inboxBytesAdded)} B`),
    both('inbox bytes per forged delivery', (s) => `${count(s.inboxBytesPerDelivery)} B`),
    both('inbox bytes per stored row', (s) =>
      s.inboxBytesPerStoredRow === null ? 'n/a (none stored)' : `${count(s.inboxBytesPerStoredRow)} B`,
    ),
    both('stored rows (gateway verification status ×rows, row bytes)', (s) =>
      s.storedRows.length === 0
        ? 'none'
        : s.storedRows
            .map((g) => `${g.gateway} ${g.verification} ${g.status} ×${count(g.rows)} (${count(g.rowBytes)} B)`)
            .join('; '),
    ),
  ];
  const kinds = [...new Set(summaries.flatMap((s) => Object.keys(s.answersByKind)))].sort();
  const byKind = kinds.map((kind) => [
    kind,
    ...summaries.map((s) => (s.answersByKind[kind] ? formatAnswers(s.answersByKind[kind]) : '-')),
  ]);
  const { identical } = result;
  const identicalRows: string[][] = [
    ['deliveries (same bytes, at once, from a Toss address)', String(identical.deliveries)],
    ['answers by status', formatAnswers(identical.answers)],
    ['read-backs at the Toss simulator', String(identical.readBacks)],
    ['payment afterwards', `${identical.paymentStatus}, balance ${count(identical.balanceAmount)} KRW`],
    [
      'inbox rows (status, deliveries absorbed)',
      identical.inboxRows.map((r) => `${r.status} attempts=${r.attempts}`).join('; ') || 'none',
    ],
  ];
  const headers = ['metric', 'distributed', 'single source'];
  return [
    formatTable(headers, figures),
    '',
    formatTable(['forgery', 'distributed', 'single source'], byKind),
    '',
    formatTable(['identical genuine deliveries', 'value'], identicalRows),
    '',
    formatTable(
      ['check', 'value', 'result'],
      checks.map((c) => [c.name, c.value, c.ok ? 'pass' : 'FAIL']),
    ),
    '',
    `webhooks.rejectedPerSource: ${JSON.stringify(result.rejectedPerSource)}; database: ${database}; ` +
      `node ${result.node}; ${result.cpus} cpus; concurrency ${result.concurrency}`,
  ].join('\n');
}
