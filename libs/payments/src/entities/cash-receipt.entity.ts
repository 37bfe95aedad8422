import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import { CashReceiptStatus } from '../domain/payment-status';
import type { CashReceiptType } from '../gateways/gateway-capabilities';
import { MoneyColumn, TimestampColumn } from './columns';

/**
 * A cash receipt (현금영수증). The buyer's identity number (phone / card / business number) is encrypted at rest
 * with an HMAC column for lookups, like billing keys.
 */
@Entity({ name: 'cash_receipts' })
@Index('uq_cash_receipts_gateway_order', ['gateway', 'orderId'], { unique: true })
@Index('ix_cash_receipts_receipt_key', ['gateway', 'receiptKey'])
@Index('ix_cash_receipts_identity_hash', ['identityNumberHash'])
export class CashReceipt {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  gateway: string;

  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId: string | null;

  @Column({ name: 'order_id', type: 'varchar', length: 64 })
  orderId: string;

  @Column({ name: 'order_name', type: 'varchar', length: 100 })
  orderName: string;

  @MoneyColumn()
  amount: number;

  @MoneyColumn({ name: 'tax_free_amount', default: 0 })
  taxFreeAmount: number;

  @Column({ type: 'varchar', length: 20 })
  type: CashReceiptType;

  @Column({ name: 'identity_number_ciphertext', type: 'text', select: false })
  identityNumberCiphertext: string;

  @Column({ name: 'key_id', type: 'varchar', length: 64 })
  keyId: string;

  @Column({ name: 'identity_number_hash', type: 'varchar', length: 64 })
  identityNumberHash: string;

  @Column({ name: 'receipt_key', type: 'varchar', length: 200, nullable: true })
  receiptKey: string | null;

  @Column({ name: 'cancel_receipt_key', type: 'varchar', length: 200, nullable: true })
  cancelReceiptKey: string | null;

  @Column({ name: 'issue_number', type: 'varchar', length: 32, nullable: true })
  issueNumber: string | null;

  @Column({ type: 'varchar', length: 16 })
  status: CashReceiptStatus;

  @Column({ name: 'receipt_url', type: 'varchar', length: 512, nullable: true })
  receiptUrl: string | null;

  @Column({ name: 'failure_code', type: 'varchar', length: 64, nullable: true })
  failureCode: string | null;

  @Column({ name: 'failure_message', type: 'varchar', length: 512, nullable: true })
  failureMessage: string | null;

  @TimestampColumn({ name: 'issued_at', nullable: true })
  issuedAt: Date | null;

  @TimestampColumn({ name: 'canceled_at', nullable: true })
  canceledAt: Date | null;

  @Column({ type: 'jsonb', nullable: true })
  raw: unknown;

  @VersionColumn({ default: 1 })
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
