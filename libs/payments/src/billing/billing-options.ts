import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { CronTime } from 'cron';
import type { DunningPolicy } from '../entities/subscription.entity';
import { isTimeZone, parseLocalTime } from './billing-calendar';

/** `billing` in the module options: the recurring-billing engine (docs/architecture.md#recurring-billing). */
export interface BillingOptions {
  /**
   * Run the sweep (due cycles → attempts → charges, expired leases read back) on a timer on this instance (needs
   * `ScheduleModule.forRoot()`). Every instance may enable it: rows are claimed with SKIP LOCKED and compare-and-set,
   * never through a lock around the run. Default false; `BillingService.runDue()` runs one pass on demand either way.
   */
  enabled?: boolean;
  /** Time between sweeps. Default 60 s. Not together with `sweepCron`. */
  sweepIntervalMs?: number;
  /**
   * Sweep on a cron expression instead of an interval (`'* * * * *'`: every minute; six fields for seconds), read in
   * `timeZone`. Setting both this and `sweepIntervalMs` is refused: neither silently wins.
   */
  sweepCron?: string;
  /** Charges in flight at once on this instance. Default 4. */
  concurrency?: number;
  /** Cycles and attempts claimed per sweep. Default 100. */
  batchSize?: number;
  /** How long a claimed attempt is ours without renewal (renewed every third of it while the call runs). Default 2 min. */
  leaseMs?: number;
  /** Time zone of new subscriptions that name none (IANA). Default Asia/Seoul. */
  timeZone?: string;
  /** Local charge time of new subscriptions that name none (HH:mm). Default 10:00. */
  chargeTime?: string;
  /** Dunning of new subscriptions that name none. Default retries +1, +3, +5, +7 days, then UNPAID. */
  dunning?: Partial<DunningPolicy>;
  /** First wait before a TRANSIENT failure is tried again (doubling each time). Default 60 s. */
  transientRetryMs?: number;
  /** Short retries of one attempt after TRANSIENT failures before it is handled as a SOFT decline. Default 3. */
  transientRetries?: number;
  /** How often an attempt whose answer was lost is read back. Default 60 s. */
  unknownRetryMs?: number;
  /** Names this instance in `lease_owner`. Default `<hostname>:<pid>:<random>`. */
  instanceId?: string;
}

export interface ResolvedBillingOptions {
  enabled: boolean;
  sweepIntervalMs: number;
  /** Null: the sweep runs every `sweepIntervalMs`. */
  sweepCron: string | null;
  concurrency: number;
  batchSize: number;
  leaseMs: number;
  timeZone: string;
  chargeTime: string;
  dunning: DunningPolicy;
  transientRetryMs: number;
  transientRetries: number;
  unknownRetryMs: number;
  instanceId: string;
}

export const DEFAULT_DUNNING: DunningPolicy = { retryDays: [1, 3, 5, 7], finalAction: 'UNPAID' };

const MINIMUMS = {
  sweepIntervalMs: 1_000,
  concurrency: 1,
  batchSize: 1,
  leaseMs: 1_000,
  transientRetryMs: 0,
  transientRetries: 0,
  unknownRetryMs: 0,
} as const;

/** The billing options with their defaults; every problem is pushed naming its field. */
export function resolveBillingOptions(input: BillingOptions, problems: string[]): ResolvedBillingOptions {
  const resolved: ResolvedBillingOptions = {
    enabled: input.enabled ?? false,
    sweepIntervalMs: input.sweepIntervalMs ?? 60_000,
    sweepCron: input.sweepCron ?? null,
    concurrency: input.concurrency ?? 4,
    batchSize: input.batchSize ?? 100,
    leaseMs: input.leaseMs ?? 120_000,
    timeZone: input.timeZone ?? 'Asia/Seoul',
    chargeTime: input.chargeTime ?? '10:00',
    dunning: { ...DEFAULT_DUNNING, ...input.dunning },
    transientRetryMs: input.transientRetryMs ?? 60_000,
    transientRetries: input.transientRetries ?? 3,
    unknownRetryMs: input.unknownRetryMs ?? 60_000,
    instanceId: input.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
  };
  if (typeof resolved.enabled !== 'boolean') problems.push('billing.enabled: must be a boolean');
  for (const [field, min] of Object.entries(MINIMUMS)) {
    const value = resolved[field as keyof typeof MINIMUMS];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      problems.push(`billing.${field}: must be an integer >= ${min}`);
    }
  }
  if (typeof resolved.timeZone !== 'string' || !isTimeZone(resolved.timeZone)) {
    problems.push('billing.timeZone: must be an IANA time zone such as Asia/Seoul');
  }
  if (typeof resolved.chargeTime !== 'string' || !parseLocalTime(resolved.chargeTime)) {
    problems.push('billing.chargeTime: must be HH:mm (00:00–23:59)');
  }
  problems.push(...sweepCronProblems(input, resolved.timeZone));
  problems.push(...dunningProblems(resolved.dunning, 'billing.dunning'));
  if (typeof resolved.instanceId !== 'string' || resolved.instanceId.length === 0 || resolved.instanceId.length > 128) {
    problems.push('billing.instanceId: must be a string of 1–128 characters');
  }
  return resolved;
}

/** A parseable cron expression, and not together with an interval (which one would win is a guess either way). */
function sweepCronProblems(input: BillingOptions, timeZone: string): string[] {
  if (input.sweepCron === undefined) return [];
  if (input.sweepIntervalMs !== undefined) {
    return ['billing.sweepCron: set either sweepCron or sweepIntervalMs, not both'];
  }
  try {
    if (typeof input.sweepCron !== 'string') throw new TypeError('not a string');
    // An unknown zone is reported under billing.timeZone; the expression is still checked.
    new CronTime(input.sweepCron, typeof timeZone === 'string' && isTimeZone(timeZone) ? timeZone : 'Asia/Seoul');
    return [];
  } catch {
    return ["billing.sweepCron: must be a cron expression like '* * * * *' (every minute)"];
  }
}

/** Retry days strictly increasing positive integers (at most 30 of them), and a known final action. */
export function dunningProblems(dunning: DunningPolicy, prefix: string): string[] {
  const problems: string[] = [];
  const days = dunning.retryDays;
  const increasing =
    Array.isArray(days) &&
    days.length <= 30 &&
    days.every((day, i) => Number.isSafeInteger(day) && day >= 1 && day <= 366 && (i === 0 || day > days[i - 1]));
  if (!increasing) problems.push(`${prefix}.retryDays: must be at most 30 increasing whole days between 1 and 366`);
  if (dunning.finalAction !== 'UNPAID' && dunning.finalAction !== 'CANCELED') {
    problems.push(`${prefix}.finalAction: must be 'UNPAID' or 'CANCELED'`);
  }
  return problems;
}
