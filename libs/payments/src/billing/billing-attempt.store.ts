import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In, LessThanOrEqual } from 'typeorm';
import { EntityRows } from '../database/entity-rows';
import { PreparedSql } from '../database/prepared-sql';
import { BillingAttempt } from '../entities/billing-attempt.entity';
import { BillingKey } from '../entities/billing-key.entity';
import { BillingCycle } from '../entities/billing-cycle.entity';
import { Subscription } from '../entities/subscription.entity';
import { PAYMENTS_DATA_SOURCE } from '../payments.tokens';
import { BillingAttemptStatus, OPEN_ATTEMPT_STATUSES } from './billing-status';

/** A worker's hold on an attempt: the row is ours while lease_owner and claims still say so. */
export interface AttemptClaim {
  attempt: BillingAttempt;
  owner: string;
}

/** A claim with the cycle and subscription as they were when it was taken (the settlement re-checks their versions). */
export interface ClaimedAttempt {
  claim: AttemptClaim;
  cycle: BillingCycle;
  subscription: Subscription;
  /** The subscription's billing key row with its ciphertext (null if the row is gone: the charge then says so). */
  billingKey: BillingKey | null;
}

/**
 * Claims and leases of billing attempts. A claim is a compare-and-set on an open, due attempt; it sets the lease and
 * moves `next_try_at` to the lease's end, so an attempt whose worker died is due again (to the janitor's read-back)
 * exactly when its lease expires. `claims` grows with every claim and fences out a worker whose lease was taken over.
 */
@Injectable()
export class BillingAttemptStore {
  private readonly rows: {
    attempt: EntityRows<BillingAttempt>;
    cycle: EntityRows<BillingCycle>;
    subscription: EntityRows<Subscription>;
    billingKey: EntityRows<BillingKey>;
  };

  constructor(
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly sql: PreparedSql,
  ) {
    this.rows = {
      attempt: new EntityRows(dataSource, BillingAttempt, 'a'),
      cycle: new EntityRows(dataSource, BillingCycle, 'c'),
      subscription: new EntityRows(dataSource, Subscription, 's'),
      billingKey: new EntityRows(dataSource, BillingKey, 'k'),
    };
  }

  /** Open attempts due now (new, retried, lost answers, expired leases), oldest first. */
  async findDue(now: Date, limit: number, excludeGateways: readonly string[] = []): Promise<BillingAttempt[]> {
    const due = await this.dataSource.manager.find(BillingAttempt, {
      where: { status: In([...OPEN_ATTEMPT_STATUSES]), nextTryAt: LessThanOrEqual(now) },
      order: { nextTryAt: 'ASC' },
      take: limit,
    });
    return due.filter((attempt) => !excludeGateways.includes(attempt.gateway));
  }

  /**
   * Takes the attempt if it is still open and due, and returns it with its cycle and subscription in the same round
   * trip; null when another worker got it first. The compare-and-set is the UPDATE's WHERE: exactly one of any number
   * of concurrent claimers gets the row back.
   */
  async claim(attemptId: string, owner: string, now: Date, leaseMs: number): Promise<ClaimedAttempt | null> {
    const leaseUntil = new Date(now.getTime() + leaseMs);
    const rows = await this.sql.rows<Record<string, unknown>>(
      `WITH a AS (
         UPDATE "billing_attempts"
            SET "status" = $4, "lease_owner" = $2, "lease_until" = $3, "next_try_at" = $3,
                "claims" = "claims" + 1, "updated_at" = now()
          WHERE "id" = $1 AND "status" = ANY($5::varchar[]) AND "next_try_at" <= $6
          RETURNING *)
       SELECT ${this.rows.attempt.columns()}, ${this.rows.cycle.columns()}, ${this.rows.subscription.columns()},
              ${this.rows.billingKey.columns()}
         FROM a
         JOIN "billing_cycles" c ON c."id" = a."cycle_id"
         JOIN "subscriptions" s ON s."id" = c."subscription_id"
         LEFT JOIN "billing_keys" k ON k."id" = s."billing_key_id"`,
      [attemptId, owner, leaseUntil, BillingAttemptStatus.PROCESSING, [...OPEN_ATTEMPT_STATUSES], now],
    );
    if (rows.length === 0) return null;
    const attempt = this.rows.attempt.hydrate(rows[0]);
    return {
      claim: { attempt, owner },
      cycle: this.rows.cycle.hydrate(rows[0]),
      subscription: this.rows.subscription.hydrate(rows[0]),
      billingKey: rows[0].k__id ? this.rows.billingKey.hydrate(rows[0]) : null,
    };
  }

  /** Extends a lease we still hold; false when it was taken over (the caller's result will not be written). */
  async renew(claim: AttemptClaim, now: Date, leaseMs: number): Promise<boolean> {
    const leaseUntil = new Date(now.getTime() + leaseMs);
    const result = await this.dataSource.manager.update(
      BillingAttempt,
      {
        id: claim.attempt.id,
        status: BillingAttemptStatus.PROCESSING,
        leaseOwner: claim.owner,
        claims: claim.attempt.claims,
      },
      { leaseUntil, nextTryAt: leaseUntil },
    );
    return (result.affected ?? 0) > 0;
  }

  async listByCycles(cycleIds: string[]): Promise<BillingAttempt[]> {
    if (cycleIds.length === 0) return [];
    return this.dataSource.manager.find(BillingAttempt, {
      where: { cycleId: In(cycleIds) },
      order: { attemptNo: 'ASC' },
    });
  }
}
