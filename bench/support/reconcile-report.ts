import type { Phase } from './reconcile-phases';
import type { ExpectedException, SeededCategory } from './reconcile-plan';
import { formatTable } from './results';

export const SEEDED_CATEGORIES: readonly SeededCategory[] = [
  'AMOUNT_MISMATCH',
  'STATUS_MISMATCH',
  'MISSING_LOCAL',
  'MISSING_GATEWAY',
  'DUPLICATE',
];

export const TARGET_ELAPSED_MS = 30_000;
export const TARGET_PEAK_RSS_MB = 200;

/** One exception as the run stored it (reconciliation_items). */
export interface FoundItem {
  category: string;
  orderId: string | null;
  gatewayPaymentKey: string | null;
  resolution: string;
}

export interface ItemComparison {
  /** Per seeded category: seeded, found (items of the category that match a seed), and all items of the category. */
  categories: Record<string, { seeded: number; found: number; items: number }>;
  missed: ExpectedException[];
  /** Items that match no seed (wrong category, unknown order, or found twice). */
  falseExceptions: FoundItem[];
  /** Items the run resolved AUTO_FIXED, and those of them that were not a repairable seed. */
  autoFixed: number;
  autoFixedUnexpected: FoundItem[];
  repairableSeeded: number;
}

const keyOf = (category: string, orderId: string | null, paymentKey: string | null): string =>
  `${category}|${orderId ?? ''}|${paymentKey ?? ''}`;

/** Matches the run's items one-to-one against the seeds: every seed found once, nothing else. */
export function compareItems(expected: readonly ExpectedException[], items: readonly FoundItem[]): ItemComparison {
  const pending = new Map(expected.map((seed) => [keyOf(seed.category, seed.orderId, seed.paymentKey), seed]));
  const categories: ItemComparison['categories'] = {};
  for (const category of SEEDED_CATEGORIES) {
    categories[category] = { seeded: expected.filter((s) => s.category === category).length, found: 0, items: 0 };
  }
  const falseExceptions: FoundItem[] = [];
  const autoFixedUnexpected: FoundItem[] = [];
  let autoFixed = 0;
  for (const item of items) {
    const entry = (categories[item.category] ??= { seeded: 0, found: 0, items: 0 });
    entry.items += 1;
    const key = keyOf(item.category, item.orderId, item.gatewayPaymentKey);
    const seed = pending.get(key);
    if (seed) {
      pending.delete(key);
      entry.found += 1;
    } else {
      falseExceptions.push(item);
    }
    if (item.resolution === 'AUTO_FIXED') {
      autoFixed += 1;
      if (!seed?.repairable) autoFixedUnexpected.push(item);
    }
  }
  return {
    categories,
    missed: [...pending.values()],
    falseExceptions,
    autoFixed,
    autoFixedUnexpected,
    repairableSeeded: expected.filter((seed) => seed.repairable).length,
  };
}

export interface ReconcileResultFile {
  transactions: number;
  ledgerRows: number;
  pageSize: number;
  businessDate: string;
  elapsedMs: number;
  rowsPerSec: number;
  /** Kernel high-water mark of the library process (boot, seeding and the run); the simulator is another process. */
  peakRssMb: number;
  /** Highest RSS sampled every 20 ms during the measured run only. */
  sampledPeakRssMb: number;
  /** RSS just before the call: Node, Nest, TypeORM, pg, undici and the library loaded, the app booted and seeded. */
  rssBeforeRunMb: number;
  /** sampledPeakRssMb − rssBeforeRunMb: what the run itself added on top of the booted process. */
  runRssGrowthMb: number;
  /** V8's heap limit in this process (its default unless `--max-old-space-size` was given, see execArgv). */
  heapLimitMb: number;
  execArgv: string[];
  phases: Phase[];
  /** Pages the run committed (reconciliation_runs.pages). */
  pages: number;
  /** GET /v1/transactions the simulator answered (one more than the full pages: the empty one that ends the walk). */
  listRequests: number;
  /** GET /v1/payments/… the simulator answered: rechecks of rows the list did not show, and repairs. */
  readBacks: number;
  stagedRows: number;
  matched: { expected: number; found: number };
  categories: Record<string, { seeded: number; found: number; items: number }>;
  missed: number;
  falseExceptions: number;
  autoFixed: number;
  autoFixable: number;
  cpu: { nodeMs: number; postgresMs: number | null; simulatorMaxRssMb: number };
  seeding: { simulatorMs: number; ledgerMs: number };
  targets: { elapsedMs: number; peakRssMb: number; elapsedMet: boolean; peakRssMet: boolean };
  database: string;
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

/** The correctness checks: a failed one fails the benchmark (a run that misses exceptions measures nothing). */
export function reconcileChecks(result: ReconcileResultFile, comparison: ItemComparison, runStatus: string): Check[] {
  const describe = (item: FoundItem) => `${item.category} ${item.orderId ?? '-'} ${item.gatewayPaymentKey ?? '-'}`;
  return [
    { name: 'run succeeded', ok: runStatus === 'SUCCEEDED', value: runStatus, details: [] },
    {
      name: 'every seeded exception found',
      ok: comparison.missed.length === 0,
      value: `${comparison.missed.length} missed`,
      details: comparison.missed.map((seed) => `${seed.category} ${seed.orderId} ${seed.paymentKey}`),
    },
    {
      name: 'no false exception',
      ok: comparison.falseExceptions.length === 0,
      value: `${comparison.falseExceptions.length} false`,
      details: comparison.falseExceptions.map(describe),
    },
    {
      name: 'matched = transactions − seeded gateway-side exceptions',
      ok: result.matched.found === result.matched.expected,
      value: `${result.matched.found} of ${result.matched.expected}`,
      details: [],
    },
    {
      name: 'every transaction staged',
      ok: result.stagedRows >= result.transactions,
      value: `${result.stagedRows} of ${result.transactions}`,
      details: [],
    },
    {
      name: 'auto-repairs only where a repair is safe',
      ok: comparison.autoFixedUnexpected.length === 0,
      value: `${comparison.autoFixedUnexpected.length} unexpected`,
      details: comparison.autoFixedUnexpected.map(describe),
    },
  ];
}

export function reconcileTable(result: ReconcileResultFile): string {
  const met = (ok: boolean) => (ok ? 'met' : 'MISS');
  const rows: string[][] = [
    ['transactions / ledger rows', `${result.transactions} / ${result.ledgerRows} (${result.businessDate} KST)`],
    ['elapsed', `${result.elapsedMs} ms (target ≤ ${result.targets.elapsedMs}: ${met(result.targets.elapsedMet)})`],
    ['rows/s', String(result.rowsPerSec)],
    [
      'peak RSS, library process',
      `${result.peakRssMb} MB kernel max (target ≤ ${result.targets.peakRssMb}: ${met(result.targets.peakRssMet)}); ` +
        `${result.sampledPeakRssMb} MB sampled during the run, ${result.rssBeforeRunMb} MB before it ` +
        `(the run: +${result.runRssGrowthMb} MB)`,
    ],
    ['V8 heap limit / node flags', `${result.heapLimitMb} MB / ${result.execArgv.join(' ') || 'none'}`],
    ...result.phases.map((phase) => [`  ${phase.name}`, `${phase.ms} ms, peak RSS ${phase.peakRssMb} MB`]),
    ['pages committed / list requests', `${result.pages} / ${result.listRequests} (page size ${result.pageSize})`],
    ['read-backs at the simulator', String(result.readBacks)],
    ['matched', `${result.matched.found} (expected ${result.matched.expected})`],
    ...Object.entries(result.categories).map(([category, c]) => [
      category,
      `found ${c.found} of ${c.seeded} seeded (${c.items} items)`,
    ]),
    ['missed / false exceptions', `${result.missed} / ${result.falseExceptions}`],
    ['auto-fixed', `${result.autoFixed} (of ${result.autoFixable} seeded as safely repairable)`],
    [
      'CPU during the run',
      `node ${result.cpu.nodeMs} ms, PostgreSQL ${result.cpu.postgresMs ?? 'n/a'} ms ` +
        `(simulator process peak RSS ${result.cpu.simulatorMaxRssMb} MB, not counted)`,
    ],
    ['seeding (not timed)', `simulator ${result.seeding.simulatorMs} ms, ledger ${result.seeding.ledgerMs} ms`],
    ['database / node / cpus', `${result.database} / ${result.node} / ${result.cpus}`],
  ];
  return formatTable(['metric', 'value'], rows);
}
