import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { PaymentsClock } from '../domain/clock';
import { setClause } from '../database/entity-rows';
import { PreparedSql } from '../database/prepared-sql';
import { BillingAttempt } from '../entities/billing-attempt.entity';
import { BillingCycle } from '../entities/billing-cycle.entity';
import { Subscription } from '../entities/subscription.entity';
import { PaymentsOutbox } from '../events/outbox';
import { PAYMENTS_CLOCK, PAYMENTS_DATA_SOURCE, PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';
import type { ResolvedPaymentsOptions } from '../payments.options';
import type { ResolvedBillingOptions } from './billing-options';
import type { AttemptClaim, ClaimedAttempt } from './billing-attempt.store';
import type { ChargeOutcome, Failure } from './billing-charger';
import { billingAttemptEvents } from './billing-events';
import { BillingAttemptStatus, BillingCycleStatus, SubscriptionStatus } from './billing-status';
import { dunningRetryAt } from './subscription-schedule';

/** What became of an attempt, for runDue's result and the log line. */
export type AttemptVerdict =
  | 'PAID'
  | 'HARD_DECLINE'
  | 'SOFT_DECLINE'
  | 'DUNNING_EXHAUSTED'
  | 'TRANSIENT_RETRY'
  | 'UNKNOWN'
  | 'CONFIGURATION'
  | 'LEASE_LOST';

export const PAYMENT_METHOD_REQUIRED = 'payment method required';
export const PAYMENT_DECLINED = 'payment declined';

type AttemptPatch = Partial<Pick<BillingAttempt, AttemptColumns>>;
type AttemptColumns =
  | 'status'
  | 'paymentId'
  | 'declineClass'
  | 'declineCode'
  | 'declineMessage'
  | 'finishedAt'
  | 'nextTryAt'
  | 'leaseOwner'
  | 'leaseUntil'
  | 'transientRetries';

/**
 * Writes the outcome of one send — the attempt, its cycle and its subscription — in one transaction, after the
 * gateway call. The attempt's update is a compare-and-set on our claim (owner + claims): a worker whose lease was
 * taken over writes nothing, and the payment row keeps the truth for whoever holds the attempt now.
 */
@Injectable()
export class BillingSettlement {
  private readonly options: ResolvedBillingOptions;

  constructor(
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
    @Inject(PAYMENTS_RESOLVED_OPTIONS) options: ResolvedPaymentsOptions,
    private readonly outbox: PaymentsOutbox,
    private readonly sql: PreparedSql,
  ) {
    this.options = options.billing;
  }

  /**
   * One round trip when nothing changed since the claim: a single statement locks the cycle and subscription at the
   * versions the plan was made from, writes the attempt (compare-and-set on our claim), the cycle, the subscription
   * and the events, or writes nothing. If the cycle or subscription moved meanwhile (paused, amount changed), the
   * plan is made again from the locked rows.
   */
  async settle(claimed: ClaimedAttempt, outcome: ChargeOutcome): Promise<AttemptVerdict> {
    const { claim, cycle, subscription } = claimed;
    const plan = this.plan(claim.attempt, cycle, subscription, outcome);
    const paymentId = outcome.paymentId ?? claim.attempt.paymentId;
    const attemptPatch = { ...plan.attempt, paymentId };
    const params: unknown[] = [cycle.id, cycle.version, subscription.id, subscription.version];
    const attemptSet = setClause(this.dataSource, BillingAttempt, attemptPatch, params);
    const guard = `"id" = $${params.push(claim.attempt.id)} AND "status" = $${params.push(BillingAttemptStatus.PROCESSING)}
       AND "lease_owner" = $${params.push(claim.owner)} AND "claims" = $${params.push(claim.attempt.claims)}`;
    const cycleSet = plan.cycle ? setClause(this.dataSource, BillingCycle, plan.cycle, params) : null;
    const subscriptionSet = plan.subscription
      ? setClause(this.dataSource, Subscription, plan.subscription, params)
      : null;
    const events = billingAttemptEvents(plan.verdict, claim.attempt, cycle, attemptPatch);
    const eventsSql = this.outbox.insertCte(events, 'EXISTS (SELECT 1 FROM a)', params);
    const [row] = await this.sql.rows<{ settled: boolean; ours: boolean }>(
      `WITH locked AS (
         SELECT c."id" FROM "billing_cycles" c JOIN "subscriptions" s ON s."id" = c."subscription_id"
          WHERE c."id" = $1 AND c."version" = $2 AND s."id" = $3 AND s."version" = $4
          FOR UPDATE OF c, s),
       a AS (
         UPDATE "billing_attempts" SET ${attemptSet}, "updated_at" = now()
          WHERE ${guard} AND EXISTS (SELECT 1 FROM locked)
          RETURNING "id")
       ${cycleSet ? `, c AS (UPDATE "billing_cycles" SET ${cycleSet}, "version" = "version" + 1, "updated_at" = now() WHERE "id" = $1 AND EXISTS (SELECT 1 FROM a) RETURNING "id")` : ''}
       ${subscriptionSet ? `, s AS (UPDATE "subscriptions" SET ${subscriptionSet}, "version" = "version" + 1, "updated_at" = now() WHERE "id" = $3 AND EXISTS (SELECT 1 FROM a) RETURNING "id")` : ''}
       ${eventsSql ? `, events AS (${eventsSql})` : ''}
       SELECT EXISTS (SELECT 1 FROM a) AS "settled",
              EXISTS (SELECT 1 FROM "billing_attempts" WHERE ${guard}) AS "ours"
              ${cycleSet ? ', (SELECT count(*) FROM c) AS "cycles"' : ''}
              ${subscriptionSet ? ', (SELECT count(*) FROM s) AS "subscriptions"' : ''}
              ${eventsSql ? `, ${this.outbox.notifySql('events')} AS "notified"` : ''}`,
      params,
    );
    if (row.settled) return plan.verdict;
    if (!row.ours) return 'LEASE_LOST';
    return this.settleLocked(claim, outcome);
  }

  /** The plan made from the cycle and subscription as they are now, under their row locks. */
  private settleLocked(claim: AttemptClaim, outcome: ChargeOutcome): Promise<AttemptVerdict> {
    return this.dataSource.transaction(async (manager) => {
      const cycle = await manager.findOneOrFail(BillingCycle, {
        where: { id: claim.attempt.cycleId },
        lock: { mode: 'pessimistic_write' },
      });
      const subscription = await manager.findOneOrFail(Subscription, {
        where: { id: cycle.subscriptionId },
        lock: { mode: 'pessimistic_write' },
      });
      const plan = this.plan(claim.attempt, cycle, subscription, outcome);
      const paymentId = outcome.paymentId ?? claim.attempt.paymentId;
      const won = await this.writeAttempt(manager, claim, { ...plan.attempt, paymentId });
      if (!won) return 'LEASE_LOST';
      if (plan.cycle) await manager.update(BillingCycle, { id: cycle.id }, plan.cycle);
      if (plan.subscription) await manager.update(Subscription, { id: subscription.id }, plan.subscription);
      const settled = { ...plan.attempt, paymentId };
      await this.outbox.record(manager, billingAttemptEvents(plan.verdict, claim.attempt, cycle, settled));
      return plan.verdict;
    });
  }

  /** Hands a claimed attempt back untouched (its gateway stopped for this run): due again at once. */
  async release(claim: AttemptClaim): Promise<AttemptVerdict> {
    const back = claim.attempt.paymentId ? BillingAttemptStatus.UNKNOWN : BillingAttemptStatus.PENDING;
    const patch = { status: back, leaseOwner: null, leaseUntil: null, nextTryAt: this.clock.now() };
    const won = await this.writeAttempt(this.dataSource.manager, claim, patch);
    return won ? 'CONFIGURATION' : 'LEASE_LOST';
  }

  private async writeAttempt(manager: EntityManager, claim: AttemptClaim, patch: AttemptPatch): Promise<boolean> {
    const result = await manager.update(
      BillingAttempt,
      {
        id: claim.attempt.id,
        status: BillingAttemptStatus.PROCESSING,
        leaseOwner: claim.owner,
        claims: claim.attempt.claims,
      },
      patch,
    );
    return (result.affected ?? 0) > 0;
  }

  /** The next state of the attempt, the cycle and the subscription (no writes). */
  private plan(attempt: BillingAttempt, cycle: BillingCycle, subscription: Subscription, outcome: ChargeOutcome) {
    const now = this.clock.now();
    const released = { leaseOwner: null, leaseUntil: null };
    if (outcome.kind === 'paid') {
      return {
        verdict: 'PAID' as const,
        attempt: { ...released, status: BillingAttemptStatus.SUCCEEDED, finishedAt: now },
        cycle: { status: BillingCycleStatus.PAID, paidAt: now, paymentId: outcome.paymentId, nextAttemptAt: null },
        subscription: this.reactivated(subscription),
      };
    }
    const { failure } = outcome;
    const declined = { declineClass: failure.declineClass, declineCode: failure.code, declineMessage: failure.message };
    const retryIn = this.options.transientRetryMs * 2 ** attempt.transientRetries;
    const canRetry = attempt.transientRetries < this.options.transientRetries;
    if (outcome.kind === 'unknown') {
      // Never FAILED without the gateway's word: stays open and is read back (same orderId) until it settles.
      const wait = failure.declineClass === 'TRANSIENT' && canRetry ? retryIn : this.options.unknownRetryMs;
      return {
        verdict: 'UNKNOWN' as const,
        attempt: {
          ...released,
          ...declined,
          status: BillingAttemptStatus.UNKNOWN,
          nextTryAt: new Date(now.getTime() + wait),
          transientRetries: attempt.transientRetries + (failure.declineClass === 'TRANSIENT' && canRetry ? 1 : 0),
        },
        cycle: { status: BillingCycleStatus.UNKNOWN },
        subscription: null,
      };
    }
    if (outcome.kind === 'not-sent' && failure.declineClass === 'CONFIGURATION') {
      return {
        verdict: 'CONFIGURATION' as const,
        attempt: { ...released, ...declined, status: BillingAttemptStatus.PENDING, nextTryAt: now },
        cycle: null,
        subscription: null,
      };
    }
    if (outcome.kind === 'not-sent' && canRetry) {
      return {
        verdict: 'TRANSIENT_RETRY' as const,
        attempt: {
          ...released,
          ...declined,
          status: BillingAttemptStatus.PENDING,
          nextTryAt: new Date(now.getTime() + retryIn),
          transientRetries: attempt.transientRetries + 1,
        },
        cycle: null,
        subscription: null,
      };
    }
    const finished = { ...released, ...declined, status: BillingAttemptStatus.FAILED, finishedAt: now };
    if (outcome.kind === 'net-canceled') {
      // The order is used up at the gateway: the next try is a new attempt (new orderId), shortly.
      const next = { nextAttemptAt: new Date(now.getTime() + retryIn), ...this.lastDecline(failure) };
      return {
        verdict: 'TRANSIENT_RETRY' as const,
        attempt: finished,
        cycle: { status: BillingCycleStatus.RETRY_SCHEDULED, ...next },
        subscription: null,
      };
    }
    if (failure.declineClass === 'HARD') {
      return {
        verdict: 'HARD_DECLINE' as const,
        attempt: finished,
        cycle: { status: BillingCycleStatus.RETRY_SCHEDULED, nextAttemptAt: null, ...this.lastDecline(failure) },
        subscription: this.pastDue(subscription, PAYMENT_METHOD_REQUIRED),
      };
    }
    return this.dunning(attempt, cycle, subscription, failure, finished);
  }

  /** A SOFT decline (or a failure nothing more specific applies to): the subscription's dunning schedule. */
  private dunning(
    attempt: BillingAttempt,
    cycle: BillingCycle,
    subscription: Subscription,
    failure: Failure,
    finished: AttemptPatch,
  ) {
    const retryAt = dunningRetryAt(subscription, cycle.dueAt, attempt.attemptNo - 1);
    if (retryAt) {
      return {
        verdict: 'SOFT_DECLINE' as const,
        attempt: finished,
        cycle: { status: BillingCycleStatus.RETRY_SCHEDULED, nextAttemptAt: retryAt, ...this.lastDecline(failure) },
        subscription: this.pastDue(subscription, PAYMENT_DECLINED),
      };
    }
    const final = subscription.dunning.finalAction;
    const ended =
      final === 'CANCELED'
        ? { status: SubscriptionStatus.CANCELED, canceledAt: this.clock.now(), nextChargeAt: null }
        : { status: SubscriptionStatus.UNPAID };
    return {
      verdict: 'DUNNING_EXHAUSTED' as const,
      attempt: finished,
      cycle: { status: BillingCycleStatus.UNCOLLECTIBLE, nextAttemptAt: null, ...this.lastDecline(failure) },
      subscription: this.isLive(subscription) ? { ...ended, statusReason: 'dunning exhausted' } : null,
    };
  }

  private lastDecline(failure: Failure) {
    return { lastDeclineClass: failure.declineClass, lastDeclineCode: failure.code };
  }

  private pastDue(subscription: Subscription, reason: string) {
    return this.isLive(subscription) ? { status: SubscriptionStatus.PAST_DUE, statusReason: reason } : null;
  }

  /** A paid cycle makes a live subscription ACTIVE again; one already ACTIVE is not written at all. */
  private reactivated(subscription: Subscription) {
    const unchanged = subscription.status === SubscriptionStatus.ACTIVE && subscription.statusReason === null;
    if (unchanged || !this.isLive(subscription)) return null;
    return { status: SubscriptionStatus.ACTIVE, statusReason: null };
  }

  /** Paused and ended subscriptions keep their status whatever an attempt already in flight comes to. */
  private isLive(subscription: Subscription): boolean {
    return [SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE].includes(
      subscription.status,
    );
  }
}
