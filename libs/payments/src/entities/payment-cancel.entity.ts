import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import { CancelStatus } from '../domain/payment-status';
import { MoneyColumn, TimestampColumn } from './columns';
import type { Payment } from './payment.entity';

/**
 * One row per cancel request. A PENDING/UNKNOWN row holds its amount in `payments.pending_cancel_amount` until
 * the gateway's answer (or `sync`) settles it as DONE (amount moves to canceled) or FAILED (reservation released).
 */
@Entity({ name: 'payment_cancels' })
@Index('uq_payment_cancels_idempotency', ['paymentId', 'idempotencyKey'], { unique: true })
@Index('ix_payment_cancels_transaction_key', ['transactionKey'])
// The repair job's cancel queue: only cancels still waiting for the gateway's answer, oldest first.
@Index('ix_payment_cancels_repair', ['createdAt'], { where: `"status" IN ('UNKNOWN', 'PENDING')` })
export class PaymentCancel {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'payment_id', type: 'uuid' })
  paymentId: string;

  @ManyToOne('Payment', (payment: Payment) => payment.cancels, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'payment_id' })
  payment?: Payment;

  @MoneyColumn()
  amount: number;

  @MoneyColumn({ name: 'tax_free_amount', default: 0 })
  taxFreeAmount: number;

  @Column({ type: 'varchar', length: 200 })
  reason: string;

  @Column({ type: 'varchar', length: 16 })
  status: CancelStatus;

  /** Caller's idempotency key (or one we derived): a retried cancel request finds this row instead of a new one. */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 300 })
  idempotencyKey: string;

  /** Gateway's id of the cancel transaction (Toss transactionKey, NicePay cancel tid). */
  @Column({ name: 'transaction_key', type: 'varchar', length: 200, nullable: true })
  transactionKey: string | null;

  /** Refund account bank + masked number only (virtual-account refunds); never the full account number. */
  @Column({ name: 'refund_account', type: 'jsonb', nullable: true })
  refundAccount: { bankCode: string; accountNumberMasked: string; holderName: string } | null;

  @TimestampColumn({ name: 'canceled_at', nullable: true })
  canceledAt: Date | null;

  /**
   * Read-backs, past the gateway's longest processing time, that did not find this lost cancel at the gateway. The
   * reservation is released only after two: a cancel the gateway commits late is never refunded twice.
   */
  @Column({ name: 'absent_reads', type: 'int', default: 0 })
  absentReads: number;

  @Column({ name: 'failure_code', type: 'varchar', length: 64, nullable: true })
  failureCode: string | null;

  @Column({ name: 'failure_message', type: 'varchar', length: 512, nullable: true })
  failureMessage: string | null;

  @Column({ type: 'jsonb', nullable: true })
  raw: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
