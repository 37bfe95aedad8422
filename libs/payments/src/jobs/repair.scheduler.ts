import {
  Inject,
  Injectable,
  Optional,
  type LoggerService,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import { PaymentsConfigurationError } from '../domain/errors';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PAYMENTS_DATA_SOURCE, PAYMENTS_LOGGER, PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';
import { StuckPaymentsRepair, type RepairResult } from './stuck-payments.repair';

const INTERVAL_NAME = 'kr-payments:repair';
/** One PostgreSQL advisory lock key for the repair job, the same on every instance. */
const REPAIR_LOCK_KEY = 'kr_payments:repair';

/**
 * Runs the repair job every `jobs.repair.intervalMs` when the host enables it. Every instance may: the run takes a
 * PostgreSQL advisory lock first and skips when another instance holds it. Exactly-once never depends on this lock —
 * every rule is a compare-and-set — it only keeps replicas from repeating each other's read-backs.
 */
@Injectable()
export class RepairScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private running = false;

  constructor(
    @Inject(PAYMENTS_RESOLVED_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(PAYMENTS_LOGGER) private readonly logger: LoggerService,
    private readonly repair: StuckPaymentsRepair,
    @Optional() private readonly scheduler?: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const { enabled, intervalMs } = this.options.jobs.repair;
    if (!enabled) return;
    if (!this.scheduler) {
      throw new PaymentsConfigurationError([
        'jobs.repair.enabled: needs ScheduleModule.forRoot() from @nestjs/schedule imported in your app',
      ]);
    }
    const timer = setInterval(() => void this.runOnce(), intervalMs);
    this.scheduler.addInterval(INTERVAL_NAME, timer);
  }

  onApplicationShutdown(): void {
    if (this.scheduler?.doesExist('interval', INTERVAL_NAME)) this.scheduler.deleteInterval(INTERVAL_NAME);
  }

  /** One run under the advisory lock; returns null when another instance (or an earlier tick) is running it. */
  async runOnce(): Promise<RepairResult[] | null> {
    if (this.running) return null;
    this.running = true;
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [REPAIR_LOCK_KEY]);
      if (!locked) return null;
      try {
        const started = Date.now();
        const results = await this.repair.run({}, this.options.jobs.repair.batchSize);
        this.logger.log?.(`repair: ${summarize(results)} in ${Date.now() - started} ms`, 'KrPayments:repair');
        return results;
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [REPAIR_LOCK_KEY]);
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.error?.(`repair run failed: ${reason}`, undefined, 'KrPayments:repair');
      return null;
    } finally {
      this.running = false;
      await runner.release();
    }
  }
}

/** "4 payments: approval→PAID 1, approval→READY 1, cancel→PARTIALLY_CANCELED 1, errors 1" */
export function summarize(results: RepairResult[]): string {
  const counts = new Map<string, number>();
  for (const result of results) {
    const key = result.error ? 'errors' : `${result.rule}→${result.status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const parts = [...counts.entries()].map(([key, count]) => `${key} ${count}`);
  return `${results.length} payments${parts.length ? `: ${parts.join(', ')}` : ''}`;
}
