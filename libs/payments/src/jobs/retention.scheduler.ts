import { Inject, Injectable, Optional, type LoggerService } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PAYMENTS_DATA_SOURCE, PAYMENTS_LOGGER, PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';
import { ScheduledJob } from './scheduled-job';
import { WebhookRetention, type RetentionResult } from './webhook-retention';

/** The webhook inbox's retention on a timer (`jobs.retention.enabled`). */
@Injectable()
export class RetentionScheduler extends ScheduledJob<RetentionResult> {
  constructor(
    @Inject(PAYMENTS_RESOLVED_OPTIONS) options: ResolvedPaymentsOptions,
    @Inject(PAYMENTS_DATA_SOURCE) dataSource: DataSource,
    @Inject(PAYMENTS_LOGGER) logger: LoggerService,
    private readonly retention: WebhookRetention,
    @Optional() scheduler?: SchedulerRegistry,
  ) {
    const { enabled, intervalMs } = options.jobs.retention;
    super({ name: 'retention', option: 'jobs.retention.enabled', enabled, intervalMs }, dataSource, logger, scheduler);
  }

  protected work(): Promise<RetentionResult> {
    return this.retention.run();
  }

  protected describe(result: RetentionResult): string {
    const parts = Object.entries(result.deleted).map(([statuses, count]) => `${statuses} ${count}`);
    return `webhook events deleted: ${parts.join(', ')}`;
  }
}
