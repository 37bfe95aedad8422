import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import type { IntervalUnit } from '../billing/billing-calendar';
import { SubscriptionStatus } from '../billing/billing-status';
import { MoneyColumn, TimestampColumn } from './columns';

/** The dunning policy of a subscription, stored with it so an option change never rewrites running schedules. */
export interface DunningPolicy {
  /** Days after the cycle's due date (at the local charge time) on which a SOFT decline is retried. */
  retryDays: number[];
  /** What the subscription becomes when the last retry is declined too. */
  finalAction: 'UNPAID' | 'CANCELED';
}

/**
 * A recurring charge of a billing key (정기결제). Cycle dates come from the anchor (billing/billing-calendar.ts);
 * `next_charge_at` is when the next cycle row is created and charged. Amounts are integer KRW.
 */
@Entity({ name: 'subscriptions' })
@Index('ix_subscriptions_next_charge_at', ['nextChargeAt'])
@Index('ix_subscriptions_customer', ['customerKey'])
export class Subscription {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  gateway: string;

  @Column({ name: 'customer_key', type: 'varchar', length: 300 })
  customerKey: string;

  @Column({ name: 'billing_key_id', type: 'uuid' })
  billingKeyId: string;

  @Column({ name: 'order_name', type: 'varchar', length: 100 })
  orderName: string;

  @MoneyColumn()
  amount: number;

  @MoneyColumn({ name: 'tax_free_amount', default: 0 })
  taxFreeAmount: number;

  /** A changed amount, taken by the next cycle created (the current one keeps what it was created with). */
  @MoneyColumn({ name: 'pending_amount', nullable: true })
  pendingAmount: number | null;

  @MoneyColumn({ name: 'pending_tax_free_amount', nullable: true })
  pendingTaxFreeAmount: number | null;

  @Column({ name: 'interval_unit', type: 'varchar', length: 8 })
  intervalUnit: IntervalUnit;

  @Column({ name: 'interval_count', type: 'int', default: 1 })
  intervalCount: number;

  @Column({ name: 'anchor_day', type: 'smallint' })
  anchorDay: number;

  @Column({ name: 'anchor_month', type: 'smallint', nullable: true })
  anchorMonth: number | null;

  /** Local date (YYYY-MM-DD) of cycle 1; cycle n is occurrence n-1 of the rule counted from it. */
  @Column({ name: 'first_charge_date', type: 'date' })
  firstChargeDate: string;

  /** Local wall-clock time of every charge, HH:mm. */
  @Column({ name: 'charge_time', type: 'varchar', length: 5 })
  chargeTime: string;

  @Column({ name: 'time_zone', type: 'varchar', length: 64 })
  timeZone: string;

  @TimestampColumn({ name: 'current_period_start', nullable: true })
  currentPeriodStart: Date | null;

  /** Exclusive: the period is [start, end). */
  @TimestampColumn({ name: 'current_period_end', nullable: true })
  currentPeriodEnd: Date | null;

  @TimestampColumn({ name: 'next_charge_at', nullable: true })
  nextChargeAt: Date | null;

  /** The number of the latest cycle created (0 before the first). Skipped periods after downtime leave gaps. */
  @Column({ name: 'cycle_no', type: 'int', default: 0 })
  cycleNo: number;

  @Column({ type: 'varchar', length: 16 })
  status: SubscriptionStatus;

  /** Why it is PAST_DUE / UNPAID: 'payment method required', 'payment declined', ... */
  @Column({ name: 'status_reason', type: 'varchar', length: 64, nullable: true })
  statusReason: string | null;

  @Column({ type: 'jsonb' })
  dunning: DunningPolicy;

  @Column({ type: 'jsonb', nullable: true })
  metadata: Record<string, unknown> | null;

  @Column({ name: 'cancel_at_period_end', type: 'boolean', default: false })
  cancelAtPeriodEnd: boolean;

  @TimestampColumn({ name: 'canceled_at', nullable: true })
  canceledAt: Date | null;

  @VersionColumn({ default: 1 })
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
