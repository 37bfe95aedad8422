import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PaymentsClock } from '../domain/clock';
import { InvalidInputError, PaymentsError } from '../domain/errors';
import { PaymentStatus } from '../domain/payment-status';
import { GatewayRegistry } from '../gateways/gateway-registry';
import { PaymentLedger } from '../ledger/payment-ledger';
import { PaymentSyncService } from '../payments/payment-sync.service';
import { PaymentsMetrics } from '../operations/payments-metrics';
import { PAYMENTS_CLOCK, PAYMENTS_DATA_SOURCE } from '../payments.tokens';
import { ApprovalRecovery } from './approval-recovery';
import { RecoveryTiming } from './recovery-timing';

export interface StuckPaymentsOptions {
  /**
   * Only rows that have not moved for this long are looked at. Default (and minimum): the smallest of the configured
   * gateways' longest call plus the margin; each row is still checked against its own gateway's bound.
   */
  olderThanMs?: number;
  /** At most this many payments per run. Default `jobs.repair.batchSize` (100). */
  limit?: number;
}

/** Which rule a payment was picked up by. */
export type RepairRule = 'approval' | 'cancel' | 'deposit' | 'abandoned';

export interface RepairResult {
  paymentId: string;
  rule: RepairRule;
  /** The payment's status after the rule ran. */
  status?: PaymentStatus;
  error?: string;
}

/**
 * The repair job's candidates, oldest first: $1 gateway names, $2 stuck before, $3 now, $4 abandoned before, $5 limit.
 *
 * Each branch reads one partial index that holds only the rows in its state (ix_payments_repair_approval,
 * ix_payment_cancels_repair, ix_payments_repair_deposit, ix_payments_repair_abandoned) in the order it sorts by, and
 * has its own ORDER BY ... LIMIT: the first `limit` rows of the union ordered by `since` are among the first `limit`
 * of each branch, so every scan stops after `limit` matching rows, however many payments the table holds. UNKNOWN
 * and IN_PROGRESS are two branches because only IN_PROGRESS has an age bound; both walk the same index. The cancel
 * branch aggregates per payment before it sorts, so it reads all of its index: that index holds only cancels still
 * waiting for an answer, which stay few. Exported for the plan test (test/jobs/repair-scan.e2e.spec.ts).
 */
export const REPAIR_CANDIDATES_SQL = `SELECT id, rule FROM (
  (SELECT p.id, 'approval' AS rule, p.updated_at AS since FROM payments p
    WHERE p.status = 'UNKNOWN' AND p.gateway = ANY($1)
    ORDER BY p.updated_at LIMIT $5)
  UNION ALL
  (SELECT p.id, 'approval', p.updated_at FROM payments p
    WHERE p.status = 'IN_PROGRESS' AND p.updated_at < $2 AND p.gateway = ANY($1)
    ORDER BY p.updated_at LIMIT $5)
  UNION ALL
  (SELECT c.payment_id, 'cancel', min(c.created_at) FROM payment_cancels c JOIN payments p ON p.id = c.payment_id
    WHERE c.status IN ('UNKNOWN', 'PENDING') AND c.created_at < $2 AND p.gateway = ANY($1)
    GROUP BY c.payment_id ORDER BY min(c.created_at) LIMIT $5)
  UNION ALL
  (SELECT p.id, 'deposit', p.va_due_date FROM payments p
    WHERE p.status = 'WAITING_FOR_DEPOSIT' AND p.va_due_date < $3 AND p.gateway = ANY($1)
    ORDER BY p.va_due_date LIMIT $5)
  UNION ALL
  (SELECT p.id, 'abandoned', p.created_at FROM payments p
    WHERE p.status = 'READY' AND p.created_at < $4 AND p.gateway = ANY($1)
    ORDER BY p.created_at LIMIT $5)
) due ORDER BY since ASC LIMIT $5`;

/**
 * The repair job: one rule per stuck state, each ending it at the gateway's truth (see docs/architecture.md#repair):
 * - approval: UNKNOWN, or IN_PROGRESS past the gateway's longest call → `ApprovalRecovery`;
 * - cancel: a PENDING/UNKNOWN cancel past it → read back; released only when provably absent;
 * - deposit: a virtual account past its due date → read back (the gateway's EXPIRED is applied);
 * - abandoned: READY for longer than `readyTtlMs` → EXPIRED (nothing was approved; a confirm now is refused).
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
    private readonly recovery: ApprovalRecovery,
    private readonly timing: RecoveryTiming,
    private readonly metrics: PaymentsMetrics,
  ) {}

  /** The smallest "stuck" bound over the configured gateways: below it nothing can be called stuck. */
  minimumAgeMs(): number {
    return Math.min(...this.gateways.all().map((gateway) => this.timing.stuckAfterMs(gateway)));
  }

  async run(options: StuckPaymentsOptions = {}, defaultLimit = 100): Promise<RepairResult[]> {
    const minimum = this.minimumAgeMs();
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new InvalidInputError('options', 'must be an object');
    }
    if (options.limit !== undefined && !(Number.isSafeInteger(options.limit) && options.limit >= 1)) {
      throw new InvalidInputError('limit', 'must be an integer >= 1');
    }
    const now = this.clock.now();
    const olderThanMs = options.olderThanMs ?? minimum;
    if (typeof olderThanMs !== 'number' || !(olderThanMs >= minimum)) {
      throw new InvalidInputError(
        'olderThanMs',
        `must be at least ${minimum} ms (a gateway's longest call plus the margin): a younger row may still be in flight`,
      );
    }
    if (Number.isNaN(new Date(now.getTime() - olderThanMs).getTime())) {
      throw new InvalidInputError('olderThanMs', 'reaches back past the earliest date there is');
    }
    const candidates = await this.findCandidates(now, olderThanMs, options.limit ?? defaultLimit);
    const results: RepairResult[] = [];
    for (const candidate of candidates) results.push(await this.repair(candidate.id, candidate.rule));
    for (const result of results) {
      this.metrics.repairs.inc({ rule: result.rule, outcome: result.error ? 'error' : 'settled' });
    }
    return results;
  }

  private async findCandidates(
    now: Date,
    olderThanMs: number,
    limit: number,
  ): Promise<Array<{ id: string; rule: RepairRule }>> {
    const stuckBefore = new Date(now.getTime() - olderThanMs);
    const abandonedBefore = new Date(now.getTime() - this.timing.readyTtlMs);
    return this.dataSource.query(REPAIR_CANDIDATES_SQL, [
      this.gateways.names(),
      stuckBefore,
      now,
      abandonedBefore,
      limit,
    ]);
  }

  private async repair(paymentId: string, rule: RepairRule): Promise<RepairResult> {
    try {
      const payment = await this.applyRule(paymentId, rule);
      return { paymentId, rule, status: payment.status };
    } catch (error) {
      const message =
        error instanceof PaymentsError ? error.code : error instanceof Error ? error.message : String(error);
      return { paymentId, rule, error: message };
    }
  }

  private async applyRule(paymentId: string, rule: RepairRule) {
    switch (rule) {
      case 'approval':
        return this.recovery.recover(paymentId);
      case 'abandoned': {
        const message = 'nobody confirmed the payment before the checkout expired';
        await this.ledger.recordFailure(paymentId, [PaymentStatus.READY], PaymentStatus.EXPIRED, 'ABANDONED', message);
        return this.ledger.findById(paymentId);
      }
      case 'cancel':
      case 'deposit':
        return this.sync.sync(paymentId);
    }
  }
}
