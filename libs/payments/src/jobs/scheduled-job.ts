import type { LoggerService, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import type { DataSource } from 'typeorm';
import { PaymentsConfigurationError } from '../domain/errors';
import { withAdvisoryLock } from './advisory-lock';

export interface ScheduledJobSettings {
  /** The job's name: its log prefix, its interval `kr-payments:<name>` and its advisory lock `kr_payments:<name>`. */
  name: string;
  /** The option that enables it, for the error when ScheduleModule is missing. */
  option: string;
  enabled: boolean;
  intervalMs: number;
  /**
   * Default true: one instance at a time (the advisory lock). False for a job whose rows are shared out by SKIP
   * LOCKED and compare-and-set, where every instance working at once is the point (the billing sweep).
   */
  exclusive?: boolean;
}

/**
 * A library job on a timer: registered with @nestjs/schedule's SchedulerRegistry when enabled (every instance may
 * enable it), each tick run under a PostgreSQL advisory lock so one instance runs it at a time, one log line per run.
 * Exactly-once never depends on the lock — every job's writes are compare-and-set or idempotent deletes.
 */
export abstract class ScheduledJob<T> implements OnApplicationBootstrap, OnApplicationShutdown {
  private running = false;

  protected constructor(
    private readonly settings: ScheduledJobSettings,
    private readonly dataSource: DataSource,
    protected readonly logger: LoggerService,
    private readonly scheduler: SchedulerRegistry | undefined,
  ) {}

  /** One run of the job's work. */
  protected abstract work(): Promise<T>;
  /** The log line's counts. */
  protected abstract describe(result: T): string;

  onApplicationBootstrap(): void {
    if (!this.settings.enabled) return;
    if (!this.scheduler) {
      throw new PaymentsConfigurationError([
        `${this.settings.option}: needs ScheduleModule.forRoot() from @nestjs/schedule imported in your app`,
      ]);
    }
    const timer = setInterval(() => void this.runOnce(), this.settings.intervalMs);
    this.scheduler.addInterval(this.intervalName, timer);
  }

  onApplicationShutdown(): void {
    if (this.scheduler?.doesExist('interval', this.intervalName)) this.scheduler.deleteInterval(this.intervalName);
  }

  private get intervalName(): string {
    return `kr-payments:${this.settings.name}`;
  }

  /** One run under the advisory lock; null when another instance (or an earlier tick here) is running it. */
  async runOnce(): Promise<T | null> {
    if (this.running) return null;
    this.running = true;
    const context = `KrPayments:${this.settings.name}`;
    try {
      const started = Date.now();
      const result =
        this.settings.exclusive === false
          ? await this.work()
          : await withAdvisoryLock(this.dataSource, `kr_payments:${this.settings.name}`, () => this.work());
      if (result !== null)
        this.logger.log?.(`${this.settings.name}: ${this.describe(result)} in ${Date.now() - started} ms`, context);
      return result;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.error?.(`${this.settings.name} run failed: ${reason}`, undefined, context);
      return null;
    } finally {
      this.running = false;
    }
  }
}
