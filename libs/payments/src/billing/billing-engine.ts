import { Inject, Injectable, type LoggerService } from '@nestjs/common';
import type { PaymentsClock } from '../domain/clock';
import { PaymentsMetrics } from '../operations/payments-metrics';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PAYMENTS_CLOCK, PAYMENTS_LOGGER, PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';
import { BillingAttemptStore, type ClaimedAttempt } from './billing-attempt.store';
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
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
    @Inject(PAYMENTS_LOGGER) private readonly logger: LoggerService,
    @Inject(PAYMENTS_RESOLVED_OPTIONS) options: ResolvedPaymentsOptions,
    private readonly metrics: PaymentsMetrics,
  ) {
    this.options = options.billing;
  }

  /**
   * Sweeping and charging overlap: attempts already due (retries, lost answers, expired leases) are queued first,
   * then the sweep turns due subscriptions into cycles and attempts a chunk at a time while the pool charges, so no
   * worker idles while a batch is swept or while the slowest charge of a batch finishes. At most `limit` attempts.
   */
  async runDue(input: RunDueOptions = {}): Promise<RunDueResult> {
    const now = input.now ?? this.clock.now();
    const limit = input.limit ?? this.options.batchSize;
    const halted = new Set<string>();
    const feed = new AttemptFeed();
    const totals: SweepTotals = { cyclesCreated: 0, skippedPeriods: 0, maxDueLagMs: 0, attemptsCreated: 0 };
    // Settled to a value, so a sweep failing while the pool runs is not an unhandled rejection; rethrown below.
    const sweeping = this.feedPass(feed, now, limit, totals).then(
      () => null,
      (error: unknown) => ({ error }),
    );
    const runs = await this.pool(feed, (work) => this.runAttempt(work, now, halted));
    const failed = await sweeping;
    if (failed) throw failed.error;
    return {
      ...totals,
      attempts: runs.filter((run): run is AttemptRun => run !== null),
      haltedGateways: [...halted],
    };
  }

  /**
   * The producer of a pass: tops the feed up by a chunk of two rounds of work (2 × concurrency) whenever less than that
   * waits, so workers always find the next attempt queued while the sweep's own statements run between their charges.
   */
  private async feedPass(feed: AttemptFeed, now: Date, limit: number, totals: SweepTotals): Promise<void> {
    try {
      const due = await this.attempts.findDue(now, limit);
      feed.push(due.map((attempt) => attempt.id));
      let taken = due.length;
      const chunk = 2 * this.options.concurrency;
      while (taken < limit) {
        await feed.fewerThan(chunk);
        const size = Math.min(chunk, limit - taken);
        const cycles = await this.sweep.createDueCycles(now, size);
        const created = await this.sweep.claimDueCycles(now, size);
        totals.cyclesCreated += cycles.created;
        totals.skippedPeriods += cycles.skippedPeriods;
        totals.maxDueLagMs = Math.max(totals.maxDueLagMs, cycles.maxDueLagMs);
        totals.attemptsCreated += created.length;
        feed.push(created);
        taken += created.length;
        if (cycles.created + cycles.canceled === 0 && created.length === 0) break;
      }
    } finally {
      feed.close();
    }
  }

  /** Claims one cycle's attempt now and sends it (retryNow); null when the cycle was not due or someone else has it. */
  async runCycle(cycleId: string): Promise<AttemptRun | null> {
    const now = this.clock.now();
    const [claimed] = await this.sweep.claimDueCycles(now, 1, cycleId);
    return claimed ? this.runAttempt(claimed, now, new Set()) : null;
  }

  /** At most `concurrency` sends at once on this instance; each worker takes the next attempt as soon as it is free. */
  private async pool<R>(feed: AttemptFeed, work: (next: AttemptWork) => Promise<R>): Promise<R[]> {
    const results: R[] = [];
    const worker = async () => {
      for (let next = await feed.take(); next !== undefined; next = await feed.take()) {
        const index = results.length;
        results.length += 1; // the slot keeps the order attempts were taken in
        results[index] = await work(next);
      }
    };
    await Promise.all(Array.from({ length: this.options.concurrency }, worker));
    return results;
  }

  private async runAttempt(work: AttemptWork, now: Date, halted: Set<string>): Promise<AttemptRun | null> {
    const claimed = typeof work === 'string' ? await this.claim(work, now) : work;
    if (!claimed) return null; // another worker (this process or another) has it
    const attemptId = claimed.claim.attempt.id;
    const { claim } = claimed;
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
      const verdict = await this.sendUnderLease(claimed);
      this.metrics.billingAttempts.inc({ gateway: attempt.gateway, verdict });
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

  /**
   * Takes an attempt that was already open (a retry, a lost answer, an expired lease). The claim time is the later of
   * the pass's now and the clock: a lease counts from when it is taken, not from when a long pass began.
   */
  private claim(attemptId: string, now: Date): Promise<ClaimedAttempt | null> {
    const at = new Date(Math.max(now.getTime(), this.clock.now().getTime()));
    return this.attempts.claim(attemptId, this.options.instanceId, at, this.options.leaseMs);
  }

  /** The gateway call runs with no transaction open, while a timer keeps our lease alive. */
  private async sendUnderLease(claimed: ClaimedAttempt): Promise<AttemptVerdict> {
    const { claim, cycle, subscription } = claimed;
    const renewEvery = Math.max(Math.floor(this.options.leaseMs / 3), 100);
    const timer = setInterval(() => {
      this.attempts.renew(claim, this.clock.now(), this.options.leaseMs).catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        this.logger.warn?.(`billing attempt ${claim.attempt.id}: lease renewal failed: ${reason}`);
      });
    }, renewEvery);
    try {
      const outcome = await this.charger.send(claim.attempt, cycle, subscription, claimed.billingKey);
      return await this.settlement.settle(claimed, outcome);
    } finally {
      clearInterval(timer);
    }
  }
}

interface SweepTotals {
  cyclesCreated: number;
  skippedPeriods: number;
  maxDueLagMs: number;
  attemptsCreated: number;
}

/** An open attempt to claim (by id), or one the sweep created already claimed by this instance. */
type AttemptWork = string | ClaimedAttempt;

/** One pass's queue of attempts: the sweep pushes, the pool's workers take; `take` waits while more may come. */
class AttemptFeed {
  private readonly ids: AttemptWork[] = [];
  private closed = false;
  private waiters: Array<() => void> = [];

  push(ids: readonly AttemptWork[]): void {
    this.ids.push(...ids);
    this.wake();
  }

  /** No more ids will come: workers drain what is queued, then stop. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  /** The next id, or undefined once the feed is closed and empty. */
  async take(): Promise<AttemptWork | undefined> {
    while (this.ids.length === 0 && !this.closed) await this.changed();
    const id = this.ids.shift();
    this.wake();
    return id;
  }

  /** Resolves once fewer than `count` ids wait: the sweep tops the queue up only when workers are about to need it. */
  async fewerThan(count: number): Promise<void> {
    while (this.ids.length >= count) await this.changed();
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
