import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import { MoneyColumn, TimestampColumn } from './columns';

export type ReconciliationCategory =
  | 'MATCHED'
  | 'MISSING_LOCAL'
  | 'MISSING_GATEWAY'
  | 'AMOUNT_MISMATCH'
  | 'STATUS_MISMATCH'
  | 'DUPLICATE'
  | 'INCOMPARABLE';

export type ReconciliationResolution = 'OPEN' | 'AUTO_FIXED' | 'ACCEPTED_GATEWAY' | 'ACCEPTED_LOCAL' | 'IGNORED';

/**
 * What to do about an exception: SYNC / IMPORT_CANCEL / ATTACH are the safe repairs run through the ledger's apply
 * path; the others are suggestions for a person (docs/architecture.md#reconciliation).
 */
export type ReconciliationRepairAction =
  | 'SYNC'
  | 'IMPORT_CANCEL'
  | 'ATTACH'
  | 'REVIEW_DUPLICATE'
  | 'REVIEW_AMOUNT'
  | 'REVIEW_STATUS'
  | 'INVESTIGATE_UNKNOWN_ORDER'
  | 'INVESTIGATE_MISSING_AT_GATEWAY'
  | 'RETRY_READ_BACK';

/**
 * One exception a run found (MATCHED rows are only counted on the run). Written once by the run's matching
 * statement; afterwards only its resolution changes, once, with who and when.
 */
@Entity({ name: 'reconciliation_items' })
@Index('ix_reconciliation_items_run_category', ['runId', 'category'])
@Index('ix_reconciliation_items_payment', ['paymentId'])
export class ReconciliationItem {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId: string;

  @Column({ type: 'varchar', length: 24 })
  category: ReconciliationCategory;

  /** Our payment, when there is one. */
  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId: string | null;

  @Column({ name: 'transaction_key', type: 'varchar', length: 200, nullable: true })
  transactionKey: string | null;

  @Column({ name: 'gateway_payment_key', type: 'varchar', length: 200, nullable: true })
  gatewayPaymentKey: string | null;

  @Column({ name: 'order_id', type: 'varchar', length: 64, nullable: true })
  orderId: string | null;

  /** APPROVAL or CANCEL: which transaction of the payment disagrees. */
  @Column({ name: 'transaction_kind', type: 'varchar', length: 16, nullable: true })
  transactionKind: string | null;

  /** Ledger side. */
  @MoneyColumn({ name: 'expected_amount', nullable: true })
  expectedAmount: number | null;

  /** Gateway side. */
  @MoneyColumn({ name: 'actual_amount', nullable: true })
  actualAmount: number | null;

  @Column({ name: 'expected_status', type: 'varchar', length: 32, nullable: true })
  expectedStatus: string | null;

  @Column({ name: 'actual_status', type: 'varchar', length: 32, nullable: true })
  actualStatus: string | null;

  @Column({ name: 'repair_action', type: 'varchar', length: 40 })
  repairAction: ReconciliationRepairAction;

  @Column({ type: 'varchar', length: 16, default: 'OPEN' })
  resolution: ReconciliationResolution;

  @Column({ name: 'resolved_by', type: 'varchar', length: 128, nullable: true })
  resolvedBy: string | null;

  @TimestampColumn({ name: 'resolved_at', nullable: true })
  resolvedAt: Date | null;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  note: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
