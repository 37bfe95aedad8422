import { Inject, Injectable, type LoggerService } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { PaymentsClock } from '../domain/clock';
import { newId } from '../domain/ids';
import { BillingAttempt } from '../entities/billing-attempt.entity';
import { BillingCycle } from '../entities/billing-cycle.entity';
import { Subscription } from '../entities/subscription.entity';
import { PAYMENTS_CLOCK, PAYMENTS_DATA_SOURCE, PAYMENTS_LOGGER } from '../payments.tokens';
import { currentOccurrence } from './billing-calendar';
import { BillingAttemptStatus, BillingCycleStatus, SubscriptionStatus } from './billing-status';
import { periodOf, scheduleOf } from './subscription-schedule';

export interface CycleCreation {
  created: number;
  /** Periods passed over after downtime (charged never: only the current period is). */
  skippedPeriods: number;
  /** The longest time a created cycle had been due for. */
  maxDueLagMs: number;
  /** Subscriptions that reached the end of their last period with cancel_at_period_end. */
  canceled: number;
}

/** The orderId of an attempt: derived from its id, so every retry of the attempt is the same order at the gateway. */
export const attemptOrderId = (attemptId: string): string => `sub_${attemptId}`;

/**
 * The sweep's two transactions. Both lock with FOR UPDATE SKIP LOCKED, so any number of sweeps (threads, instances)
 * share the due rows without waiting for each other; the unique indexes make a duplicate cycle or a second open
 * attempt impossible even if a lock were missed.
 */
@Injectable()
export class BillingSweep {
  constructor(
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
    @Inject(PAYMENTS_LOGGER) private readonly logger: LoggerService,
  ) {}

  /** Creates the cycle of every subscription whose next charge is due (the current period only, after downtime). */
  createDueCycles(now: Date, limit: number): Promise<CycleCreation> {
    return this.dataSource.transaction(async (manager) => {
      const due = await manager
        .createQueryBuilder(Subscription, 's')
        .where('s.nextChargeAt <= :now', { now })
        .andWhere('s.status IN (:...statuses)', { statuses: [SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE] })
        .orderBy('s.nextChargeAt', 'ASC')
        .limit(limit)
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .getMany();
      const result: CycleCreation = { created: 0, skippedPeriods: 0, maxDueLagMs: 0, canceled: 0 };
      for (const subscription of due) {
        if (subscription.cancelAtPeriodEnd) {
          await this.endAtPeriodEnd(manager, subscription);
          result.canceled += 1;
          continue;
        }
        const { skipped, lagMs } = await this.createCycle(manager, subscription, now);
        result.created += 1;
        result.skippedPeriods += skipped;
        result.maxDueLagMs = Math.max(result.maxDueLagMs, lagMs);
      }
      return result;
    });
  }

  private async createCycle(
    manager: EntityManager,
    subscription: Subscription,
    now: Date,
  ): Promise<{ skipped: number; lagMs: number }> {
    const schedule = scheduleOf(subscription);
    const nextK = subscription.cycleNo; // cycle n is occurrence n-1
    const k = currentOccurrence(schedule, nextK, now);
    const cycleNo = k + 1;
    const period = periodOf(schedule, cycleNo);
    const amount = subscription.pendingAmount ?? subscription.amount;
    const taxFreeAmount = subscription.pendingTaxFreeAmount ?? subscription.taxFreeAmount;
    await manager
      .createQueryBuilder()
      .insert()
      .into(BillingCycle)
      .values({
        id: newId(),
        subscriptionId: subscription.id,
        cycleNo,
        amount,
        taxFreeAmount,
        periodStart: period.start,
        periodEnd: period.end,
        dueAt: period.start,
        nextAttemptAt: period.start,
        status: BillingCycleStatus.SCHEDULED,
      })
      .orIgnore() // ON CONFLICT DO NOTHING: the unique index is the last word on "one cycle per period"
      .execute();
    await manager.update(
      Subscription,
      { id: subscription.id },
      {
        cycleNo,
        currentPeriodStart: period.start,
        currentPeriodEnd: period.end,
        nextChargeAt: period.end,
        amount,
        taxFreeAmount,
        pendingAmount: null,
        pendingTaxFreeAmount: null,
      },
    );
    const skipped = k - nextK;
    const lagMs = now.getTime() - period.start.getTime();
    if (skipped > 0) {
      this.logger.warn?.(
        `subscription ${subscription.id}: ${skipped} billing period(s) passed while no sweep ran; charging only ` +
          `cycle ${cycleNo} (due ${Math.round(lagMs / 1000)} s ago)`,
        'KrPayments:billing',
      );
    }
    return { skipped, lagMs };
  }

  private async endAtPeriodEnd(manager: EntityManager, subscription: Subscription): Promise<void> {
    await manager.update(
      Subscription,
      { id: subscription.id },
      { status: SubscriptionStatus.CANCELED, canceledAt: subscription.nextChargeAt, nextChargeAt: null },
    );
  }

  /**
   * Claims due cycles and creates one attempt for each, in one transaction: a cycle goes PROCESSING with exactly one
   * open attempt (the partial unique index refuses a second). `cycleId` narrows it to one cycle (retryNow).
   */
  claimDueCycles(now: Date, limit: number, cycleId?: string): Promise<BillingAttempt[]> {
    return this.dataSource.transaction(async (manager) => {
      const query = manager
        .createQueryBuilder(BillingCycle, 'c')
        .innerJoin(Subscription, 's', 's.id = c.subscriptionId')
        .addSelect(['s.gateway'])
        .where('c.status IN (:...statuses)', {
          statuses: [BillingCycleStatus.SCHEDULED, BillingCycleStatus.RETRY_SCHEDULED],
        })
        .andWhere('c.nextAttemptAt <= :now', { now })
        // A paused or ended subscription keeps its cycles but is not charged.
        .andWhere('s.status IN (:...live)', {
          live: [SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE],
        })
        .orderBy('c.nextAttemptAt', 'ASC')
        .limit(limit)
        .setLock('pessimistic_write', undefined, ['c'])
        .setOnLocked('skip_locked');
      if (cycleId) query.andWhere('c.id = :cycleId', { cycleId });
      const { entities, raw } = await query.getRawAndEntities<{ s_gateway: string }>();
      const attempts: BillingAttempt[] = [];
      for (const [index, cycle] of entities.entries()) {
        attempts.push(await this.openAttempt(manager, cycle, raw[index].s_gateway));
      }
      return attempts;
    });
  }

  private async openAttempt(manager: EntityManager, cycle: BillingCycle, gateway: string): Promise<BillingAttempt> {
    const id = newId();
    const attempt = manager.create(BillingAttempt, {
      id,
      cycleId: cycle.id,
      subscriptionId: cycle.subscriptionId,
      attemptNo: cycle.attemptCount + 1,
      gateway,
      orderId: attemptOrderId(id),
      paymentId: null,
      status: BillingAttemptStatus.PENDING,
      claims: 0,
      transientRetries: 0,
      nextTryAt: this.clock.now(),
      leaseOwner: null,
      leaseUntil: null,
      declineClass: null,
      declineCode: null,
      declineMessage: null,
      finishedAt: null,
    });
    await manager.insert(BillingAttempt, attempt);
    await manager.update(
      BillingCycle,
      { id: cycle.id },
      { status: BillingCycleStatus.PROCESSING, attemptCount: cycle.attemptCount + 1, nextAttemptAt: null },
    );
    return attempt;
  }
}
