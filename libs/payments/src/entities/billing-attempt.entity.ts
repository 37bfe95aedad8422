import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { BillingAttemptStatus } from '../billing/billing-status';
import type { DeclineClass } from '../gateways/gateway-capabilities';
import { TimestampColumn } from './columns';

/**
 * One charge of a billing cycle, with one orderId (derived from its id) for its whole life: a retry of the same
 * attempt (a transient failure, a lost answer, an expired lease) reuses it, so the gateway sees one order. The
 * partial unique indexes make "charged twice" and "two charges in flight" impossible for a cycle whatever runs.
 */
@Entity({ name: 'billing_attempts' })
@Index('uq_billing_attempts_cycle_attempt', ['cycleId', 'attemptNo'], { unique: true })
@Index('uq_billing_attempts_order_id', ['orderId'], { unique: true })
@Index('uq_billing_attempts_one_succeeded', ['cycleId'], { unique: true, where: `"status" = 'SUCCEEDED'` })
@Index('uq_billing_attempts_one_open', ['cycleId'], {
  unique: true,
  where: `"status" IN ('PENDING', 'PROCESSING', 'UNKNOWN')`,
})
// The due queue: PENDING and UNKNOWN attempts wait for next_try_at; a PROCESSING one's next_try_at is its lease end, so
// an expired lease is due in the same index scan.
@Index('ix_billing_attempts_status_next_try', ['status', 'nextTryAt'])
export class BillingAttempt {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'cycle_id', type: 'uuid' })
  cycleId: string;

  @Column({ name: 'subscription_id', type: 'uuid' })
  subscriptionId: string;

  @Column({ name: 'attempt_no', type: 'int' })
  attemptNo: number;

  @Column({ type: 'varchar', length: 32 })
  gateway: string;

  @Column({ name: 'order_id', type: 'varchar', length: 64 })
  orderId: string;

  /** The payments row of the charge, once one exists (none: the charge never left). */
  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId: string | null;

  @Column({ type: 'varchar', length: 16 })
  status: BillingAttemptStatus;

  /** How many times a worker took this attempt (the claim's fencing token, too). */
  @Column({ type: 'int', default: 0 })
  claims: number;

  /** Short retries after TRANSIENT failures, bounded by billing.transientRetries. */
  @Column({ name: 'transient_retries', type: 'int', default: 0 })
  transientRetries: number;

  @TimestampColumn({ name: 'next_try_at' })
  nextTryAt: Date;

  @Column({ name: 'lease_owner', type: 'varchar', length: 128, nullable: true })
  leaseOwner: string | null;

  @TimestampColumn({ name: 'lease_until', nullable: true })
  leaseUntil: Date | null;

  @Column({ name: 'decline_class', type: 'varchar', length: 16, nullable: true })
  declineClass: DeclineClass | null;

  @Column({ name: 'decline_code', type: 'varchar', length: 64, nullable: true })
  declineCode: string | null;

  @Column({ name: 'decline_message', type: 'varchar', length: 512, nullable: true })
  declineMessage: string | null;

  @TimestampColumn({ name: 'finished_at', nullable: true })
  finishedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
