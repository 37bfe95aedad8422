import { Inject, Injectable, type LoggerService } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { PaymentsClock } from '../domain/clock';
import { newId } from '../domain/ids';
import { BillingAttempt } from '../entities/billing-attempt.entity';
import { BillingKey } from '../entities/billing-key.entity';
import { BillingCycle } from '../entities/billing-cycle.entity';
import { Subscription } from '../entities/subscription.entity';
import { EntityRows } from '../database/entity-rows';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PAYMENTS_CLOCK, PAYMENTS_DATA_SOURCE, PAYMENTS_LOGGER, PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';
import type { ClaimedAttempt } from './billing-attempt.store';
import type { ResolvedBillingOptions } from './billing-options';
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
interface DueCycle {
  row: Pick<
    BillingCycle,
    | 'id'
    | 'subscriptionId'
    | 'cycleNo'
    | 'amount'
    | 'taxFreeAmount'
    | 'periodStart'
    | 'periodEnd'
    | 'dueAt'
    | 'nextAttemptAt'
    | 'status'
  >;
  skipped: number;
  lagMs: number;
}

export const attemptOrderId = (attemptId: string): string => `sub_${attemptId}`;

/**
 * The sweep's two transactions. Both lock with FOR UPDATE SKIP LOCKED, so any number of sweeps (threads, instances)
 * share the due rows without waiting for each other; the unique indexes make a duplicate cycle or a second open
 * attempt impossible even if a lock were missed.
 */
@Injectable()
export class BillingSweep {
  private readonly options: ResolvedBillingOptions;
  private readonly subscriptionRows: EntityRows<Subscription>;
  private readonly billingKeyRows: EntityRows<BillingKey>;

  constructor(
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
    @Inject(PAYMENTS_LOGGER) private readonly logger: LoggerService,
    @Inject(PAYMENTS_RESOLVED_OPTIONS) options: ResolvedPaymentsOptions,
  ) {
    this.options = options.billing;
    this.subscriptionRows = new EntityRows(dataSource, Subscription, 's', '_');
    this.billingKeyRows = new EntityRows(dataSource, BillingKey, 'k', '_');
  }

  /**
   * Creates the cycle of every subscription whose next charge is due (the current period only, after downtime). Set
   * based: the locked subscriptions' calendars are worked out here, then one INSERT and one UPDATE write them all.
   */
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
      const ending = due.filter((subscription) => subscription.cancelAtPeriodEnd);
      const charged = due.filter((subscription) => !subscription.cancelAtPeriodEnd);
      await this.endAtPeriodEnd(manager, ending);
      const cycles = charged.map((subscription) => this.nextCycle(subscription, now));
      await this.insertCycles(manager, cycles);
      const result: CycleCreation = {
        created: cycles.length,
        skippedPeriods: 0,
        maxDueLagMs: 0,
        canceled: ending.length,
      };
      for (const cycle of cycles) {
        result.skippedPeriods += cycle.skipped;
        result.maxDueLagMs = Math.max(result.maxDueLagMs, cycle.lagMs);
        if (cycle.skipped > 0) {
          this.logger.warn?.(
            `subscription ${cycle.row.subscriptionId}: ${cycle.skipped} billing period(s) passed while no sweep ran; ` +
              `charging only cycle ${cycle.row.cycleNo} (due ${Math.round(cycle.lagMs / 1000)} s ago)`,
            'KrPayments:billing',
          );
        }
      }
      return result;
    });
  }

  /** The cycle a due subscription gets now: the current occurrence of its calendar, never "previous + 1 period". */
  private nextCycle(subscription: Subscription, now: Date): DueCycle {
    const schedule = scheduleOf(subscription);
    const nextK = subscription.cycleNo; // cycle n is occurrence n-1
    const k = currentOccurrence(schedule, nextK, now);
    const cycleNo = k + 1;
    const period = periodOf(schedule, cycleNo);
    const row = {
      id: newId(),
      subscriptionId: subscription.id,
      cycleNo,
      amount: subscription.pendingAmount ?? subscription.amount,
      taxFreeAmount: subscription.pendingTaxFreeAmount ?? subscription.taxFreeAmount,
      periodStart: period.start,
      periodEnd: period.end,
      dueAt: period.start,
      nextAttemptAt: period.start,
      status: BillingCycleStatus.SCHEDULED,
    };
    return { row, skipped: k - nextK, lagMs: now.getTime() - period.start.getTime() };
  }

  /** The cycles, and each subscription moved to its new period, in two statements whatever the batch size. */
  private async insertCycles(manager: EntityManager, cycles: DueCycle[]): Promise<void> {
    if (cycles.length === 0) return;
    await manager
      .createQueryBuilder()
      .insert()
      .into(BillingCycle)
      .values(cycles.map((cycle) => cycle.row))
      .orIgnore() // ON CONFLICT DO NOTHING: the unique index is the last word on "one cycle per period"
      .updateEntity(false)
      .execute();
    const rows = cycles.map((cycle) => cycle.row);
    await manager.query(
      `UPDATE "subscriptions" s
          SET "cycle_no" = v."cycle_no", "current_period_start" = v."period_start",
              "current_period_end" = v."period_end", "next_charge_at" = v."period_end",
              "amount" = v."amount", "tax_free_amount" = v."tax_free_amount",
              "pending_amount" = NULL, "pending_tax_free_amount" = NULL,
              "version" = s."version" + 1, "updated_at" = now()
         FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::timestamptz[], $5::bigint[], $6::bigint[])
              AS v("id", "cycle_no", "period_start", "period_end", "amount", "tax_free_amount")
        WHERE s."id" = v."id"`,
      [
        rows.map((row) => row.subscriptionId),
        rows.map((row) => row.cycleNo),
        rows.map((row) => row.periodStart),
        rows.map((row) => row.periodEnd),
        rows.map((row) => row.amount),
        rows.map((row) => row.taxFreeAmount),
      ],
    );
  }

  /** Subscriptions set to end with their period, at the end of it (canceled_at is the period's end). */
  private async endAtPeriodEnd(manager: EntityManager, subscriptions: Subscription[]): Promise<void> {
    if (subscriptions.length === 0) return;
    await manager.query(
      `UPDATE "subscriptions"
          SET "status" = $2, "canceled_at" = "next_charge_at", "next_charge_at" = NULL,
              "version" = "version" + 1, "updated_at" = now()
        WHERE "id" = ANY($1::uuid[])`,
      [subscriptions.map((subscription) => subscription.id), SubscriptionStatus.CANCELED],
    );
  }

  /**
   * Claims due cycles and creates one attempt for each, in one transaction: a cycle goes PROCESSING with exactly one
   * open attempt (the partial unique index refuses a second). `cycleId` narrows it to one cycle (retryNow).
   */
  claimDueCycles(now: Date, limit: number, cycleId?: string): Promise<ClaimedAttempt[]> {
    return this.dataSource.transaction(async (manager) => {
      const query = manager
        .createQueryBuilder(BillingCycle, 'c')
        .innerJoin(Subscription, 's', 's.id = c.subscriptionId')
        .addSelect('s')
        // The key each charge is sent with, read here for the whole batch instead of once per charge.
        .leftJoin(BillingKey, 'k', 'k.id = s.billingKeyId')
        .addSelect('k')
        .addSelect('k.billingKeyCiphertext')
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
      const { entities, raw } = await query.getRawAndEntities<Record<string, unknown>>();
      return this.openAttempts(
        manager,
        entities.map((cycle, index) => ({
          cycle,
          subscription: this.subscriptionRows.hydrate(raw[index]),
          billingKey: raw[index].k_id ? this.billingKeyRows.hydrate(raw[index]) : null,
        })),
      );
    });
  }

  /**
   * One attempt per claimed cycle and the cycles moved to PROCESSING: two statements for the batch. The attempts are
   * born claimed by this instance (lease and claim count set, as a claim would), so the worker that sends each one
   * needs no round trip of its own to take it; if this process dies first, the lease runs out and the janitor reads
   * the attempt back like any other.
   */
  private async openAttempts(
    manager: EntityManager,
    claimed: Array<Omit<ClaimedAttempt, 'claim'>>,
  ): Promise<ClaimedAttempt[]> {
    if (claimed.length === 0) return [];
    const now = this.clock.now();
    const owner = this.options.instanceId;
    const leaseUntil = new Date(now.getTime() + this.options.leaseMs);
    const attempts = claimed.map(({ cycle, subscription }) => {
      const id = newId();
      return manager.create(BillingAttempt, {
        id,
        cycleId: cycle.id,
        subscriptionId: cycle.subscriptionId,
        attemptNo: cycle.attemptCount + 1,
        gateway: subscription.gateway,
        orderId: attemptOrderId(id),
        paymentId: null,
        status: BillingAttemptStatus.PROCESSING,
        claims: 1,
        transientRetries: 0,
        nextTryAt: leaseUntil,
        leaseOwner: owner,
        leaseUntil,
        declineClass: null,
        declineCode: null,
        declineMessage: null,
        finishedAt: null,
      });
    });
    await manager.insert(BillingAttempt, attempts);
    await manager.query(
      `UPDATE "billing_cycles" c
          SET "status" = $3, "attempt_count" = v."attempt_count", "next_attempt_at" = NULL,
              "version" = c."version" + 1, "updated_at" = now()
         FROM unnest($1::uuid[], $2::int[]) AS v("id", "attempt_count")
        WHERE c."id" = v."id"`,
      [
        attempts.map((attempt) => attempt.cycleId),
        attempts.map((attempt) => attempt.attemptNo),
        BillingCycleStatus.PROCESSING,
      ],
    );
    return claimed.map(({ cycle, subscription, billingKey }, index) => {
      // The cycle as the UPDATE above left it: the settlement's guard compares this version.
      Object.assign(cycle, {
        status: BillingCycleStatus.PROCESSING,
        attemptCount: cycle.attemptCount + 1,
        nextAttemptAt: null,
        version: cycle.version + 1,
      });
      return { claim: { attempt: attempts[index], owner }, cycle, subscription, billingKey };
    });
  }
}
