import { Column, Entity, Generated, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from './columns';

/**
 * The transactional outbox: one row per money event, inserted in the same transaction as the change it describes, so
 * an event exists exactly when its change committed. The dispatcher publishes undispatched rows in `sequence` order
 * per aggregate and stamps `dispatched_at`; `id` is the event's stable identity across redeliveries.
 */
@Entity({ name: 'payment_events' })
@Index('ix_payment_events_due', ['nextAttemptAt', 'sequence'], { where: '"dispatched_at" IS NULL' })
@Index('ix_payment_events_aggregate_pending', ['aggregateId', 'sequence'], { where: '"dispatched_at" IS NULL' })
@Index('ix_payment_events_dispatched', ['dispatchedAt'], { where: '"dispatched_at" IS NOT NULL' })
export class PaymentEvent {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  /** Commit order within the table: events of one aggregate are published in this order. */
  @Column({ type: 'bigint', unique: true })
  @Generated('increment')
  sequence: string;

  /** The event name without the `payments.` prefix, e.g. `payment.paid`. */
  @Column({ type: 'varchar', length: 64 })
  type: string;

  @Column({ name: 'aggregate_type', type: 'varchar', length: 32 })
  aggregateType: string;

  @Column({ name: 'aggregate_id', type: 'uuid' })
  aggregateId: string;

  @Column({ type: 'jsonb' })
  payload: object;

  @TimestampColumn({ name: 'occurred_at' })
  occurredAt: Date;

  @TimestampColumn({ name: 'dispatched_at', nullable: true })
  dispatchedAt: Date | null;

  /** Publications tried (a handler that throws makes the next one wait longer). */
  @Column({ type: 'int', default: 0 })
  attempts: number;

  @TimestampColumn({ name: 'next_attempt_at' })
  nextAttemptAt: Date;

  /** Set while one dispatcher publishes the row; a dispatcher that died lets it lapse. */
  @TimestampColumn({ name: 'lease_until', nullable: true })
  leaseUntil: Date | null;

  @Column({ name: 'last_error', type: 'varchar', length: 512, nullable: true })
  lastError: string | null;
}
