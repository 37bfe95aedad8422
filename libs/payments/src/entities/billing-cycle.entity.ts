import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import { BillingCycleStatus } from '../billing/billing-status';
import { MoneyColumn, TimestampColumn } from './columns';

/**
 * One billing period of a subscription and what it owes. UNIQUE(subscription_id, cycle_no): however many sweeps run,
 * a period is created once; its attempts (billing_attempts) charge it at most once.
 */
@Entity({ name: 'billing_cycles' })
@Index('uq_billing_cycles_subscription_cycle', ['subscriptionId', 'cycleNo'], { unique: true })
@Index('ix_billing_cycles_status_next_attempt', ['status', 'nextAttemptAt'])
export class BillingCycle {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'subscription_id', type: 'uuid' })
  subscriptionId: string;

  @Column({ name: 'cycle_no', type: 'int' })
  cycleNo: number;

  @MoneyColumn()
  amount: number;

  @MoneyColumn({ name: 'tax_free_amount', default: 0 })
  taxFreeAmount: number;

  @TimestampColumn({ name: 'period_start' })
  periodStart: Date;

  /** Exclusive. */
  @TimestampColumn({ name: 'period_end' })
  periodEnd: Date;

  /** When the period's charge was due (its first attempt). */
  @TimestampColumn({ name: 'due_at' })
  dueAt: Date;

  /** When the sweep creates the next attempt (null: none planned, e.g. waiting for a new payment method). */
  @TimestampColumn({ name: 'next_attempt_at', nullable: true })
  nextAttemptAt: Date | null;

  @Column({ type: 'varchar', length: 16 })
  status: BillingCycleStatus;

  @Column({ name: 'attempt_count', type: 'int', default: 0 })
  attemptCount: number;

  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId: string | null;

  @TimestampColumn({ name: 'paid_at', nullable: true })
  paidAt: Date | null;

  @Column({ name: 'last_decline_class', type: 'varchar', length: 16, nullable: true })
  lastDeclineClass: string | null;

  @Column({ name: 'last_decline_code', type: 'varchar', length: 64, nullable: true })
  lastDeclineCode: string | null;

  @VersionColumn({ default: 1 })
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
