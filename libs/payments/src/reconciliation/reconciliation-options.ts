import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { CronTime } from 'cron';

/** `reconciliation` in the module options (docs/architecture.md#reconciliation). */
export interface ReconciliationOptions {
  /**
   * Reconcile the previous KST business day on a schedule (needs `ScheduleModule.forRoot()`). Every instance may
   * enable it: a PostgreSQL advisory lock and the one-running-run unique index let one instance run a day at a time.
   * Default false; `ReconciliationService.run()` runs one on demand either way.
   */
  enabled?: boolean;
  /** When to run, a cron expression in Asia/Seoul. Default '0 4 * * *' (04:00 KST). Ignored when intervalMs is set. */
  cron?: string;
  /** Run on a fixed interval instead of `cron`. */
  intervalMs?: number;
  /** Gateways reconciled by the schedule. Default: every configured gateway. */
  gateways?: string[];
  /** Transactions per page of a gateway list (Toss serves at most 5,000). Default 5,000. */
  pageSize?: number;
  /** Read-backs in flight at once during a sweep. Default 8. */
  concurrency?: number;
  /** Payments read per sweep batch. Default 200. */
  batchSize?: number;
  /** How long a run is ours without renewal; an expired run is taken over and resumed. Default 5 min. */
  leaseMs?: number;
  /** Names the merchant in `reconciliation_runs.merchant_id` (one library instance = one merchant). Default 'default'. */
  merchantId?: string;
  /** Names this instance in `lease_owner`. Default `<hostname>:<pid>:<random>`. */
  instanceId?: string;
}

export interface ResolvedReconciliationOptions {
  enabled: boolean;
  cron: string;
  intervalMs: number | null;
  gateways: string[] | null;
  pageSize: number;
  concurrency: number;
  batchSize: number;
  leaseMs: number;
  merchantId: string;
  instanceId: string;
}

export const DEFAULT_RECONCILIATION_CRON = '0 4 * * *';
/** Toss's largest transaction page (docs/gateways/toss.md#transaction-list). */
export const MAX_RECONCILIATION_PAGE = 5_000;

/** The reconciliation options with their defaults; every problem is pushed naming its field. */
export function resolveReconciliationOptions(
  input: ReconciliationOptions,
  configuredGateways: string[],
  problems: string[],
): ResolvedReconciliationOptions {
  const prefix = 'reconciliation';
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    problems.push(`${prefix}: must be an object`);
    input = {};
  }
  const resolved: ResolvedReconciliationOptions = {
    enabled: input.enabled ?? false,
    cron: input.cron ?? DEFAULT_RECONCILIATION_CRON,
    intervalMs: input.intervalMs ?? null,
    gateways: input.gateways ?? null,
    pageSize: input.pageSize ?? MAX_RECONCILIATION_PAGE,
    concurrency: input.concurrency ?? 8,
    batchSize: input.batchSize ?? 200,
    leaseMs: input.leaseMs ?? 5 * 60_000,
    merchantId: input.merchantId ?? 'default',
    instanceId: input.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
  };
  if (typeof resolved.enabled !== 'boolean') problems.push(`${prefix}.enabled: must be a boolean`);
  const ranges: Array<[keyof ResolvedReconciliationOptions, number, number]> = [
    ['pageSize', 1, MAX_RECONCILIATION_PAGE],
    ['concurrency', 1, 64],
    ['batchSize', 1, 10_000],
    ['leaseMs', 1_000, 24 * 60 * 60_000],
  ];
  for (const [field, min, max] of ranges) {
    const value = resolved[field];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${prefix}.${field}: must be an integer between ${min} and ${max}`);
    }
  }
  if (resolved.intervalMs !== null) {
    if (!Number.isSafeInteger(resolved.intervalMs) || resolved.intervalMs < 1_000) {
      problems.push(`${prefix}.intervalMs: must be an integer >= 1000`);
    }
  } else if (typeof resolved.cron !== 'string' || !isCronExpression(resolved.cron)) {
    problems.push(`${prefix}.cron: must be a cron expression like '0 4 * * *'`);
  }
  if (resolved.gateways !== null) {
    if (!Array.isArray(resolved.gateways) || resolved.gateways.some((g) => typeof g !== 'string')) {
      problems.push(`${prefix}.gateways: must be an array of gateway names`);
    } else {
      for (const name of resolved.gateways) {
        if (!configuredGateways.includes(name)) {
          problems.push(`${prefix}.gateways: ${name} is not a configured gateway (${configuredGateways.join(', ')})`);
        }
      }
    }
  }
  for (const field of ['merchantId', 'instanceId'] as const) {
    const value = resolved[field];
    if (typeof value !== 'string' || value.length === 0 || value.length > (field === 'merchantId' ? 64 : 128)) {
      problems.push(`${prefix}.${field}: must be a non-empty string of at most ${field === 'merchantId' ? 64 : 128}`);
    }
  }
  return resolved;
}

function isCronExpression(expression: string): boolean {
  try {
    new CronTime(expression, 'Asia/Seoul');
    return true;
  } catch {
    return false;
  }
}
