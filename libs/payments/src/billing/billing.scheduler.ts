import { Inject, Injectable, Optional, type LoggerService } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { DataSource } from 'typeorm';
import { PaymentsConfigurationError } from '../domain/errors';
import { ScheduledJob } from '../jobs/scheduled-job';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PAYMENTS_DATA_SOURCE, PAYMENTS_LOGGER, PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';
import type { ResolvedBillingOptions } from './billing-options';
import { BillingEngine, type RunDueResult } from './billing-engine';

const CRON_NAME = 'kr-payments:billing';

/**
 * The billing pass on a timer (`billing.enabled`), every `sweepIntervalMs` or on `sweepCron`, on every instance at
 * once: no advisory lock, because cycles and attempts are shared out row by row (SKIP LOCKED, compare-and-set), and
 * one pass both charges what is due and reads back attempts whose lease expired (the janitor).
 */
@Injectable()
export class BillingScheduler extends ScheduledJob<RunDueResult> {
  private readonly billing: ResolvedBillingOptions;

  constructor(
    @Inject(PAYMENTS_RESOLVED_OPTIONS) options: ResolvedPaymentsOptions,
    @Inject(PAYMENTS_DATA_SOURCE) dataSource: DataSource,
    @Inject(PAYMENTS_LOGGER) logger: LoggerService,
    private readonly engine: BillingEngine,
    @Optional() private readonly registry?: SchedulerRegistry,
  ) {
    const { enabled, sweepIntervalMs, sweepCron } = options.billing;
    // The base class owns the interval mode; cron mode is registered below with the same logging and overlap guard.
    const settings = {
      name: 'billing',
      option: 'billing.enabled',
      enabled: enabled && sweepCron === null,
      intervalMs: sweepIntervalMs,
    };
    super({ ...settings, exclusive: false }, dataSource, logger, registry);
    this.billing = options.billing;
  }

  override onApplicationBootstrap(): void {
    super.onApplicationBootstrap();
    const { enabled, sweepCron, timeZone } = this.billing;
    if (!enabled || sweepCron === null) return;
    if (!this.registry) {
      throw new PaymentsConfigurationError([
        'billing.enabled: needs ScheduleModule.forRoot() from @nestjs/schedule imported in your app',
      ]);
    }
    // A tick that comes while the last pass still runs is skipped by runOnce, so a slow pass never stacks up.
    const job = CronJob.from({ cronTime: sweepCron, timeZone, onTick: () => void this.runOnce() });
    this.registry.addCronJob(CRON_NAME, job);
    job.start();
  }

  override onApplicationShutdown(): void {
    super.onApplicationShutdown();
    if (this.registry?.doesExist('cron', CRON_NAME)) this.registry.deleteCronJob(CRON_NAME);
  }

  protected work(): Promise<RunDueResult> {
    return this.engine.runDue();
  }

  protected describe(result: RunDueResult): string {
    return summarizeRun(result);
  }
}

/** "2 cycles (1 period skipped, lag 3600 s), 3 attempts: PAID 2, SOFT_DECLINE 1" */
export function summarizeRun(result: RunDueResult): string {
  const counts = new Map<string, number>();
  for (const run of result.attempts) counts.set(run.verdict, (counts.get(run.verdict) ?? 0) + 1);
  const verdicts = [...counts.entries()].map(([verdict, count]) => `${verdict} ${count}`).join(', ');
  const lag = result.skippedPeriods
    ? ` (${result.skippedPeriods} periods skipped, lag ${Math.round(result.maxDueLagMs / 1000)} s)`
    : '';
  const halted = result.haltedGateways.length ? `; halted: ${result.haltedGateways.join(', ')}` : '';
  return `${result.cyclesCreated} cycles${lag}, ${result.attempts.length} attempts${verdicts ? `: ${verdicts}` : ''}${halted}`;
}
