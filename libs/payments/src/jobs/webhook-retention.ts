import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PaymentsClock } from '../domain/clock';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PAYMENTS_CLOCK, PAYMENTS_DATA_SOURCE, PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';

export interface RetentionResult {
  /** Rows deleted per inbox status. */
  deleted: Record<string, number>;
}

const DAY_MS = 24 * 60 * 60_000;

/**
 * Keeps the webhook inbox bounded: processed and ignored deliveries are deleted after `jobs.retention.processedDays`
 * (default 90), rejected ones after `rejectedDays` (default 7). FAILED and RECEIVED rows are kept (a redelivery or the
 * repair job still needs them). Deletes run in batches so a large backlog never holds a long lock.
 */
@Injectable()
export class WebhookRetention {
  constructor(
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
    @Inject(PAYMENTS_RESOLVED_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  async run(): Promise<RetentionResult> {
    const { processedDays, rejectedDays, batchSize } = this.options.jobs.retention;
    const now = this.clock.now().getTime();
    const rules: Array<[string[], number]> = [
      [['PROCESSED', 'IGNORED'], processedDays],
      [['REJECTED'], rejectedDays],
    ];
    const deleted: Record<string, number> = {};
    for (const [statuses, days] of rules) {
      const before = new Date(now - days * DAY_MS);
      deleted[statuses.join('+')] = await this.deleteInBatches(statuses, before, batchSize);
    }
    return { deleted };
  }

  private async deleteInBatches(statuses: string[], before: Date, batchSize: number): Promise<number> {
    let total = 0;
    for (;;) {
      const [, count] = (await this.dataSource.query(
        `DELETE FROM webhook_events WHERE id IN (
           SELECT id FROM webhook_events WHERE status = ANY($1) AND received_at < $2 LIMIT $3)`,
        [statuses, before, batchSize],
      )) as [unknown, number];
      total += count;
      if (count < batchSize) return total;
    }
  }
}
