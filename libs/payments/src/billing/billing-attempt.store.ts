import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In, LessThanOrEqual } from 'typeorm';
import { BillingAttempt } from '../entities/billing-attempt.entity';
import { PAYMENTS_DATA_SOURCE } from '../payments.tokens';
import { BillingAttemptStatus, OPEN_ATTEMPT_STATUSES } from './billing-status';

/** A worker's hold on an attempt: the row is ours while lease_owner and claims still say so. */
export interface AttemptClaim {
  attempt: BillingAttempt;
  owner: string;
}

/**
 * Claims and leases of billing attempts. A claim is a compare-and-set on an open, due attempt; it sets the lease and
 * moves `next_try_at` to the lease's end, so an attempt whose worker died is due again (to the janitor's read-back)
 * exactly when its lease expires. `claims` grows with every claim and fences out a worker whose lease was taken over.
 */
@Injectable()
export class BillingAttemptStore {
  constructor(@Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Open attempts due now (new, retried, lost answers, expired leases), oldest first. */
  async findDue(now: Date, limit: number, excludeGateways: readonly string[] = []): Promise<BillingAttempt[]> {
    const due = await this.dataSource.manager.find(BillingAttempt, {
      where: { status: In([...OPEN_ATTEMPT_STATUSES]), nextTryAt: LessThanOrEqual(now) },
      order: { nextTryAt: 'ASC' },
      take: limit,
    });
    return due.filter((attempt) => !excludeGateways.includes(attempt.gateway));
  }

  /** Takes the attempt if it is still open and due; null when another worker got it first. */
  async claim(attemptId: string, owner: string, now: Date, leaseMs: number): Promise<AttemptClaim | null> {
    const leaseUntil = new Date(now.getTime() + leaseMs);
    const result = await this.dataSource.manager
      .createQueryBuilder()
      .update(BillingAttempt)
      .set({
        status: BillingAttemptStatus.PROCESSING,
        leaseOwner: owner,
        leaseUntil,
        nextTryAt: leaseUntil,
        claims: () => 'claims + 1',
      })
      .where('id = :attemptId', { attemptId })
      .andWhere('status IN (:...open)', { open: [...OPEN_ATTEMPT_STATUSES] })
      .andWhere('next_try_at <= :now', { now })
      .execute();
    if (!result.affected) return null;
    const attempt = await this.dataSource.manager.findOneByOrFail(BillingAttempt, { id: attemptId });
    return attempt.leaseOwner === owner ? { attempt, owner } : null;
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
