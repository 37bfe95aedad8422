import { Inject, Injectable, Optional, type LoggerService } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { DataSource } from 'typeorm';
import type { PaymentsClock } from '../domain/clock';
import { PaymentsConfigurationError } from '../domain/errors';
import { ScheduledJob } from '../jobs/scheduled-job';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PAYMENTS_CLOCK, PAYMENTS_DATA_SOURCE, PAYMENTS_LOGGER, PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';
import { previousKstDate } from './business-day';
import { ReconciliationRunningError } from './reconciliation-errors';
import { ReconciliationService } from './reconciliation.service';

export interface ScheduledReconciliation {
  gateway: string;
  date: string;
  outcome: 'SUCCEEDED' | 'RUNNING_ELSEWHERE' | 'FAILED';
  runId?: string;
  error?: string;
}

const CRON_NAME = 'kr-payments:reconciliation';

/**
 * The nightly run (`reconciliation.enabled`): yesterday (KST) for every scheduled gateway, on `cron` in Asia/Seoul or
 * every `intervalMs`. Each tick runs under the jobs' advisory lock; exactly-once per day still comes from the
 * one-running-run unique index, so an instance that misses the lock or the index simply skips.
 */
@Injectable()
export class ReconciliationScheduler extends ScheduledJob<ScheduledReconciliation[]> {
  constructor(
    @Inject(PAYMENTS_RESOLVED_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    @Inject(PAYMENTS_DATA_SOURCE) dataSource: DataSource,
    @Inject(PAYMENTS_LOGGER) logger: LoggerService,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
    private readonly reconciliation: ReconciliationService,
    @Optional() private readonly registry?: SchedulerRegistry,
  ) {
    const { enabled, intervalMs } = options.reconciliation;
    // The base class owns the interval mode; cron mode is registered below with the same lock and logging.
    super(
      {
        name: 'reconciliation',
        option: 'reconciliation.enabled',
        enabled: enabled && intervalMs !== null,
        intervalMs: intervalMs ?? 0,
      },
      dataSource,
      logger,
      registry,
    );
  }

  override onApplicationBootstrap(): void {
    super.onApplicationBootstrap();
    const { enabled, intervalMs, cron } = this.options.reconciliation;
    if (!enabled || intervalMs !== null) return;
    if (!this.registry) {
      throw new PaymentsConfigurationError([
        'reconciliation.enabled: needs ScheduleModule.forRoot() from @nestjs/schedule imported in your app',
      ]);
    }
    const job = CronJob.from({ cronTime: cron, timeZone: 'Asia/Seoul', onTick: () => void this.runOnce() });
    this.registry.addCronJob(CRON_NAME, job);
    job.start();
  }

  override onApplicationShutdown(): void {
    super.onApplicationShutdown();
    if (this.registry?.doesExist('cron', CRON_NAME)) this.registry.deleteCronJob(CRON_NAME);
  }

  protected async work(): Promise<ScheduledReconciliation[]> {
    const date = previousKstDate(this.clock.now());
    const results: ScheduledReconciliation[] = [];
    for (const gateway of this.reconciliation.scheduledGateways()) {
      try {
        const { run } = await this.reconciliation.run({ gateway, date });
        results.push({ gateway, date, outcome: 'SUCCEEDED', runId: run.id });
      } catch (error) {
        if (error instanceof ReconciliationRunningError) {
          results.push({ gateway, date, outcome: 'RUNNING_ELSEWHERE', runId: error.runId });
        } else {
          // One gateway failing must not keep the others from being reconciled; its run stays resumable.
          results.push({
            gateway,
            date,
            outcome: 'FAILED',
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
    }
    return results;
  }

  protected describe(results: ScheduledReconciliation[]): string {
    return results.map((r) => `${r.gateway} ${r.date} ${r.outcome}${r.error ? ` (${r.error})` : ''}`).join(', ');
  }
}
