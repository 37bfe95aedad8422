import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { WebhookEventStatus } from '../domain/payment-status';
import { TimestampColumn } from './columns';

/**
 * The webhook inbox. Every delivery is stored (scrubbed) before we answer; `(gateway, dedupe_key)` is unique so a
 * redelivery finds the row: PROCESSED/IGNORED/REJECTED rows are answered without re-applying, FAILED/RECEIVED rows
 * are processed again (a handler that crashed re-runs on the gateway's retry).
 */
@Entity({ name: 'webhook_events' })
@Index('uq_webhook_events_dedupe', ['gateway', 'dedupeKey'], { unique: true })
@Index('ix_webhook_events_status', ['status', 'receivedAt'])
export class WebhookEvent {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  gateway: string;

  @Column({ name: 'dedupe_key', type: 'varchar', length: 300 })
  dedupeKey: string;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType: string;

  @Column({ type: 'varchar', length: 16 })
  status: WebhookEventStatus;

  @Column({ type: 'varchar', length: 16 })
  verification: string;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId: string | null;

  @Column({ name: 'order_id', type: 'varchar', length: 64, nullable: true })
  orderId: string | null;

  @Column({ name: 'source_ip', type: 'varchar', length: 64, nullable: true })
  sourceIp: string | null;

  @Column({ type: 'jsonb', nullable: true })
  payload: unknown;

  @Column({ name: 'last_error', type: 'varchar', length: 1000, nullable: true })
  lastError: string | null;

  @TimestampColumn({ name: 'received_at' })
  receivedAt: Date;

  @TimestampColumn({ name: 'processed_at', nullable: true })
  processedAt: Date | null;

  /**
   * Set while one delivery of this event is being processed (a compare-and-set claim): concurrent duplicates are
   * answered without processing it again, and a claim whose process died is taken over once it has expired.
   */
  @TimestampColumn({ name: 'claimed_until', nullable: true })
  claimedUntil: Date | null;

  /**
   * Which delivery holds the claim: a fresh id per delivery, so two deliveries that compute the same lease end (same
   * millisecond) cannot both believe they won it.
   */
  @Column({ name: 'claim_token', type: 'uuid', nullable: true })
  claimToken: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
