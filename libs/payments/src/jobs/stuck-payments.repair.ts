import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PaymentsClock } from '../domain/clock';
import { PaymentsError } from '../domain/errors';
import { PaymentStatus } from '../domain/payment-status';
import { GatewayRegistry } from '../gateways/gateway-registry';
import { PaymentLedger } from '../ledger/payment-ledger';
import { PaymentSyncService } from '../payments/payment-sync.service';
import { PAYMENTS_CLOCK, PAYMENTS_DATA_SOURCE } from '../payments.tokens';

export interface StuckPaymentsOptions {
  /** A row is stuck once it has not moved for this long. Default 60 s. */
  olderThanMs?: number;
  /** At most this many payments per run. Default 100. */
  limit?: number;
}

export interface RepairResult {
  paymentId: string;
  status?: PaymentStatus;
  error?: string;
}

/**
 * The repair job: re-reads every payment whose outcome we do not know — UNKNOWN, IN_PROGRESS for longer than
 * `olderThanMs` (the process died mid-call), or holding an UNKNOWN/PENDING cancel — and applies the gateway's
 * truth. An IN_PROGRESS payment the gateway never approved becomes UNKNOWN, so a confirm retry may re-approve it.
 * Safe to run on every replica at once: every write is a compare-and-set or goes through the ledger's `apply`.
 */
@Injectable()
export class StuckPaymentsRepair {
  constructor(
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
    private readonly gateways: GatewayRegistry,
    private readonly ledger: PaymentLedger,
    private readonly sync: PaymentSyncService,
  ) {}

  async run(options: StuckPaymentsOptions = {}): Promise<RepairResult[]> {
    const olderThan = new Date(this.clock.now().getTime() - (options.olderThanMs ?? 60_000));
    const ids = await this.findStuck(olderThan, options.limit ?? 100);
    const results: RepairResult[] = [];
    for (const id of ids) results.push(await this.repair(id, olderThan));
    return results;
  }

  private async findStuck(olderThan: Date, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT DISTINCT p.id, p.updated_at FROM payments p
        LEFT JOIN payment_cancels c ON c.payment_id = p.id AND c.status IN ('UNKNOWN', 'PENDING') AND c.updated_at < $2
        WHERE (p.status = 'UNKNOWN' OR (p.status = 'IN_PROGRESS' AND p.updated_at < $2) OR c.id IS NOT NULL)
          AND p.gateway = ANY($1)
        ORDER BY p.updated_at ASC LIMIT $3`,
      [this.gateways.names(), olderThan, limit],
    );
    return rows.map((row) => row.id);
  }

  private async repair(paymentId: string, olderThan: Date): Promise<RepairResult> {
    try {
      let payment = await this.sync.sync(paymentId);
      if (payment.status === PaymentStatus.IN_PROGRESS && payment.updatedAt < olderThan) {
        await this.ledger.recordFailure(
          paymentId,
          [PaymentStatus.IN_PROGRESS],
          PaymentStatus.UNKNOWN,
          'STUCK_IN_PROGRESS',
          'approval never completed; confirm again to retry',
        );
        payment = await this.ledger.findById(paymentId);
      }
      return { paymentId, status: payment.status };
    } catch (error) {
      const message =
        error instanceof PaymentsError ? error.code : error instanceof Error ? error.message : String(error);
      return { paymentId, error: message };
    }
  }
}
