/** The flags of `npm run reconcile`; every refusal names the flag it is about. */
export interface ReconcileArgs {
  gateway: string;
  /** KST business day; undefined = yesterday (KST), the service's default. */
  date: string | undefined;
  /** Folder the report files are written to. */
  out: string;
  /** Transactions per page of a gateway list (1–5000); undefined = the library's default (5000). */
  pageSize: number | undefined;
  help: boolean;
}

export const USAGE = `Usage: npm run reconcile -- --gateway <name> [--date yyyy-MM-dd] [--out <dir>] [--page-size <n>]

Reconciles one gateway's KST business day against the ledger in DATABASE_URL and writes
<out>/<gateway>-<date>-<runId>.json, .csv and .html.

  --gateway <name>   toss, nicepay, kispg or appsInToss (a gateway configured from the environment, see .env.example)
  --date <day>       the KST day to reconcile, yyyy-MM-dd (default: yesterday in Asia/Seoul)
  --out <dir>        where the report files go (default: ./reconciliation-reports)
  --page-size <n>    transactions per page of a gateway list, 1-5000 (default: 5000)
  --help             this text
`;

/** A flag the CLI cannot work with: exit code 2 and the usage text. */
export class UsageError extends Error {}

const FLAGS = ['--gateway', '--date', '--out', '--page-size'] as const;
type Flag = (typeof FLAGS)[number];

export function parseReconcileArgs(argv: readonly string[]): ReconcileArgs {
  const values = new Map<Flag, string>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? splitOnce(arg, '=') : [arg, undefined];
    if (!isFlag(name)) throw new UsageError(`${arg}: unknown flag (expected one of ${FLAGS.join(', ')}, --help)`);
    if (values.has(name)) throw new UsageError(`${name}: given twice`);
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--')) || value.length === 0) {
      throw new UsageError(`${name}: needs a value`);
    }
    values.set(name, value);
  }
  if (help) return { gateway: '', date: undefined, out: '', pageSize: undefined, help };
  return {
    gateway: gatewayOf(values.get('--gateway')),
    date: dateOf(values.get('--date')),
    out: values.get('--out') ?? 'reconciliation-reports',
    pageSize: pageSizeOf(values.get('--page-size')),
    help,
  };
}

function gatewayOf(value: string | undefined): string {
  if (value === undefined) throw new UsageError('--gateway: required (toss, nicepay, kispg or appsInToss)');
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,31}$/.test(value)) throw new UsageError(`--gateway: '${value}' is not a gateway name`);
  return value;
}

function dateOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const match = /^\d{4}-\d{2}-\d{2}$/.test(value);
  // Round-tripping through Date refuses 2026-02-30 and the like, which the pattern alone accepts.
  const time = match ? Date.parse(`${value}T00:00:00Z`) : NaN;
  const valid = !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value;
  if (!valid) throw new UsageError(`--date: '${value}' is not a calendar date yyyy-MM-dd`);
  return value;
}

function pageSizeOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const size = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(size >= 1 && size <= 5_000)) throw new UsageError(`--page-size: '${value}' must be an integer from 1 to 5000`);
  return size;
}

function isFlag(name: string): name is Flag {
  return (FLAGS as readonly string[]).includes(name);
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return [text.slice(0, at), text.slice(at + 1)];
}
