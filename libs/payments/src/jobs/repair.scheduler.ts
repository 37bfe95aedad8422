import { Inject, Injectable, Optional, type LoggerService } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PAYMENTS_DATA_SOURCE, PAYMENTS_LOGGER, PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';
import { ScheduledJob } from './scheduled-job';
import { StuckPaymentsRepair, type RepairResult } from './stuck-payments.repair';

/** The repair job on a timer (`jobs.repair.enabled`): every stuck state ended at the gateway's truth. */
@Injectable()
export class RepairScheduler extends ScheduledJob<RepairResult[]> {
  constructor(
    @Inject(PAYMENTS_RESOLVED_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    @Inject(PAYMENTS_DATA_SOURCE) dataSource: DataSource,
    @Inject(PAYMENTS_LOGGER) logger: LoggerService,
    private readonly repair: StuckPaymentsRepair,
    @Optional() scheduler?: SchedulerRegistry,
  ) {
    const { enabled, intervalMs } = options.jobs.repair;
    super({ name: 'repair', option: 'jobs.repair.enabled', enabled, intervalMs }, dataSource, logger, scheduler);
  }

  protected work(): Promise<RepairResult[]> {
    return this.repair.run({}, this.options.jobs.repair.batchSize);
  }

  protected describe(results: RepairResult[]): string {
    return summarize(results);
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
