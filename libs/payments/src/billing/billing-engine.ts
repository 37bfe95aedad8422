import { Inject, Injectable, type LoggerService } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PaymentsClock } from '../domain/clock';
import { BillingCycle } from '../entities/billing-cycle.entity';
import { Subscription } from '../entities/subscription.entity';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PAYMENTS_CLOCK, PAYMENTS_DATA_SOURCE, PAYMENTS_LOGGER, PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';
import { BillingAttemptStore, type AttemptClaim } from './billing-attempt.store';
import { BillingCharger } from './billing-charger';
import type { ResolvedBillingOptions } from './billing-options';
import { BillingSettlement, type AttemptVerdict } from './billing-settlement';
import { BillingSweep } from './billing-sweep';

export interface RunDueOptions {
  /** The instant that counts as now (default: the library's clock). */
  now?: Date;
  /** Cycles and attempts taken in this pass (default billing.batchSize). */
  limit?: number;
}

export interface AttemptRun {
  attemptId: string;
  cycleId: string;
  subscriptionId: string;
  orderId: string;
  verdict: AttemptVerdict;
}

export interface RunDueResult {
  cyclesCreated: number;
  /** Periods passed over after downtime (never charged: only the current period is). */
  skippedPeriods: number;
  /** How long the most overdue cycle created in this pass had been due. */
  maxDueLagMs: number;
  attemptsCreated: number;
  attempts: AttemptRun[];
  /** Gateways whose charges stopped for this pass because they refused our configuration. */
  haltedGateways: string[];
}

/**
 * One pass of recurring billing: due subscriptions get their cycle, due cycles get an attempt, and every due attempt
 * (new, retried, answer lost, lease expired) is sent by a bounded pool. Exactly-once never depends on this being the
 * only pass running: cycles and attempts are claimed with SKIP LOCKED and compare-and-set, and each attempt has one
 * orderId for life.
 */
@Injectable()
export class BillingEngine {
  private readonly options: ResolvedBillingOptions;

  constructor(
    private readonly sweep: BillingSweep,
    private readonly attempts: BillingAttemptStore,
    private readonly charger: BillingCharger,
    private readonly settlement: BillingSettlement,
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
    @Inject(PAYMENTS_LOGGER) private readonly logger: LoggerService,
    @Inject(PAYMENTS_RESOLVED_OPTIONS) options: ResolvedPaymentsOptions,
  ) {
    this.options = options.billing;
  }

  async runDue(input: RunDueOptions = {}): Promise<RunDueResult> {
    const now = input.now ?? this.clock.now();
    const limit = input.limit ?? this.options.batchSize;
    const cycles = await this.sweep.createDueCycles(now, limit);
    const created = await this.sweep.claimDueCycles(now, limit);
    const halted = new Set<string>();
    const due = await this.attempts.findDue(now, limit);
    const runs = await this.pool(
      due.map((attempt) => attempt.id),
      (id) => this.runAttempt(id, now, halted),
    );
    return {
      cyclesCreated: cycles.created,
      skippedPeriods: cycles.skippedPeriods,
      maxDueLagMs: cycles.maxDueLagMs,
      attemptsCreated: created.length,
      attempts: runs.filter((run): run is AttemptRun => run !== null),
      haltedGateways: [...halted],
    };
  }

  /** Claims one cycle's attempt now and sends it (retryNow); null when the cycle was not due or someone else has it. */
  async runCycle(cycleId: string): Promise<AttemptRun | null> {
    const now = this.clock.now();
    const [attempt] = await this.sweep.claimDueCycles(now, 1, cycleId);
    return attempt ? this.runAttempt(attempt.id, now, new Set()) : null;
  }

  /** At most `concurrency` sends at once on this instance. */
  private async pool<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = [];
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, items.length) }, worker));
    return results;
  }

  private async runAttempt(attemptId: string, now: Date, halted: Set<string>): Promise<AttemptRun | null> {
    const claim = await this.attempts.claim(attemptId, this.options.instanceId, now, this.options.leaseMs);
    if (!claim) return null; // another worker (this process or another) has it
    const { attempt } = claim;
    const run = {
      attemptId,
      cycleId: attempt.cycleId,
      subscriptionId: attempt.subscriptionId,
      orderId: attempt.orderId,
    };
    if (halted.has(attempt.gateway)) {
      const verdict = await this.settlement.release(claim);
      return { ...run, verdict };
    }
    try {
      const verdict = await this.sendUnderLease(claim);
      if (verdict === 'CONFIGURATION' && !halted.has(attempt.gateway)) {
        halted.add(attempt.gateway);
        this.logger.error?.(
          `billing: ${attempt.gateway} refused our configuration (${attempt.orderId}); its charges stop for this run`,
          undefined,
          'KrPayments:billing',
        );
      }
      return { ...run, verdict };
    } catch (error) {
      // The database failed around the call: the lease runs out and the next pass reads the attempt back.
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.error?.(`billing attempt ${attemptId} left to its lease: ${reason}`, undefined, 'KrPayments:billing');
      return null;
    }
  }

  /** The gateway call runs with no transaction open, while a timer keeps our lease alive. */
  private async sendUnderLease(claim: AttemptClaim): Promise<AttemptVerdict> {
    const cycle = await this.dataSource.manager.findOneByOrFail(BillingCycle, { id: claim.attempt.cycleId });
    const subscription = await this.dataSource.manager.findOneByOrFail(Subscription, { id: cycle.subscriptionId });
    const renewEvery = Math.max(Math.floor(this.options.leaseMs / 3), 100);
    const timer = setInterval(() => {
      this.attempts.renew(claim, this.clock.now(), this.options.leaseMs).catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        this.logger.warn?.(`billing attempt ${claim.attempt.id}: lease renewal failed: ${reason}`);
      });
    }, renewEvery);
    try {
      const outcome = await this.charger.send(claim.attempt, cycle, subscription);
      return await this.settlement.settle(claim, outcome);
    } finally {
      clearInterval(timer);
    }
  }
}
