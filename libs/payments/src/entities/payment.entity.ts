import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  OneToMany,
  PrimaryColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import { PaymentStatus } from '../domain/payment-status';
import { MoneyColumn, TimestampColumn } from './columns';
import type { PaymentCancel } from './payment-cancel.entity';

export type PaymentType = 'NORMAL' | 'BILLING';

/**
 * One row per payment attempt at one gateway. `orderId` is unique per gateway. Amounts are integer KRW:
 * `amount` never changes; `balanceAmount` is what can still be canceled; `pendingCancelAmount` is reserved by
 * cancels whose gateway answer we do not have yet (DESIGN.md §3 rule 6), so
 * `canceledAmount + pendingCancelAmount + balanceAvailable = amount` where balanceAvailable = balance − pending.
 */
@Entity({ name: 'payments' })
@Index('uq_payments_gateway_order_id', ['gateway', 'orderId'], { unique: true })
@Index('ix_payments_gateway_payment_key', ['gateway', 'gatewayPaymentKey'])
@Index('ix_payments_status_updated_at', ['status', 'updatedAt'])
export class Payment {
  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  gateway: string;

  @Column({ name: 'order_id', type: 'varchar', length: 64 })
  orderId: string;

  /** Toss paymentKey, NicePay/KISPG tid, Apps-in-Toss payToken. Null until the gateway gives one. */
  @Column({ name: 'gateway_payment_key', type: 'varchar', length: 200, nullable: true })
  gatewayPaymentKey: string | null;

  @Column({ type: 'varchar', length: 16, default: 'NORMAL' })
  type: PaymentType;

  @Column({ type: 'varchar', length: 32, nullable: true })
  method: string | null;

  @Column({ type: 'varchar', length: 24 })
  status: PaymentStatus;

  @Column({ type: 'varchar', length: 3, default: 'KRW' })
  currency: string;

  @MoneyColumn()
  amount: number;

  @MoneyColumn({ name: 'balance_amount' })
  balanceAmount: number;

  @MoneyColumn({ name: 'canceled_amount', default: 0 })
  canceledAmount: number;

  @MoneyColumn({ name: 'pending_cancel_amount', default: 0 })
  pendingCancelAmount: number;

  @MoneyColumn({ name: 'tax_free_amount', default: 0 })
  taxFreeAmount: number;

  @MoneyColumn({ nullable: true })
  vat: number | null;

  @Column({ name: 'order_name', type: 'varchar', length: 100 })
  orderName: string;

  @Column({ name: 'customer_key', type: 'varchar', length: 300, nullable: true })
  customerKey: string | null;

  @Column({ name: 'customer_name', type: 'varchar', length: 100, nullable: true })
  customerName: string | null;

  @Column({ name: 'customer_email', type: 'varchar', length: 100, nullable: true })
  customerEmail: string | null;

  @Column({ name: 'customer_phone', type: 'varchar', length: 20, nullable: true })
  customerPhone: string | null;

  @TimestampColumn({ name: 'approved_at', nullable: true })
  approvedAt: Date | null;

  @Column({ name: 'va_bank_code', type: 'varchar', length: 10, nullable: true })
  virtualAccountBankCode: string | null;

  @Column({ name: 'va_account_number', type: 'varchar', length: 40, nullable: true })
  virtualAccountNumber: string | null;

  @Column({ name: 'va_holder_name', type: 'varchar', length: 100, nullable: true })
  virtualAccountHolderName: string | null;

  @TimestampColumn({ name: 'va_due_date', nullable: true })
  virtualAccountDueDate: Date | null;

  /**
   * HMAC of the gateway's per-payment webhook secret (Toss virtual-account `secret`, toss.md §6.3). We only ever
   * compare it, so only a keyed hash is kept: a database leak does not let anyone forge deposit callbacks.
   */
  @Column({ name: 'webhook_secret_hash', type: 'varchar', length: 64, nullable: true, select: false })
  webhookSecretHash: string | null;

  @Column({ name: 'billing_key_id', type: 'uuid', nullable: true })
  billingKeyId: string | null;

  @Column({ name: 'failure_code', type: 'varchar', length: 64, nullable: true })
  failureCode: string | null;

  @Column({ name: 'failure_message', type: 'varchar', length: 512, nullable: true })
  failureMessage: string | null;

  @Column({ name: 'last_transaction_key', type: 'varchar', length: 64, nullable: true })
  lastTransactionKey: string | null;

  @Column({ name: 'receipt_url', type: 'varchar', length: 512, nullable: true })
  receiptUrl: string | null;

  @Column({ type: 'jsonb', nullable: true })
  metadata: Record<string, unknown> | null;

  /** Last gateway response, scrubbed by the HTTP layer (no secrets, no card numbers, no billing keys). */
  @Column({ type: 'jsonb', nullable: true })
  raw: unknown;

  @VersionColumn({ default: 1 })
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @OneToMany('PaymentCancel', (cancel: PaymentCancel) => cancel.payment)
  cancels?: PaymentCancel[];
}
