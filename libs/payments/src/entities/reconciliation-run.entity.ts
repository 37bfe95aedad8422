import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { TimestampColumn } from './columns';

export type ReconciliationKind = 'TRANSACTIONS' | 'SWEEP';
export type ReconciliationRunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SUPERSEDED';

/** Counts and integer KRW sums of one category, ledger side and gateway side (docs/architecture.md#reconciliation). */
export interface ReconciliationCategoryTotals {
  count: number;
  ledger: { gross: number; cancel: number; net: number };
  gateway: { gross: number; cancel: number; net: number };
}

export type ReconciliationSummary = Record<string, ReconciliationCategoryTotals>;

/**
 * One reconciliation of one gateway's business day (KST) for one merchant. A run is leased: the instance holding an
 * unexpired lease pages the gateway and commits each page together with `cursor`, so a run whose instance died is
 * taken over after `lease_until` and resumes where the last committed page ended. At most one RUNNING run per key
 * (partial unique index); a rerun of a finished day supersedes the earlier run rather than editing it.
 */
@Entity({ name: 'reconciliation_runs' })
@Index('uq_reconciliation_runs_one_running', ['gateway', 'merchantId', 'businessDate', 'kind'], {
  unique: true,
  where: `"status" = 'RUNNING'`,
})
@Index('ix_reconciliation_runs_key', ['gateway', 'merchantId', 'businessDate', 'kind', 'startedAt'])
export class ReconciliationRun {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  gateway: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 64 })
  merchantId: string;

  /** The KST calendar day reconciled, `yyyy-MM-dd` (00:00–24:00 Asia/Seoul). */
  @Column({ name: 'business_date', type: 'date' })
  businessDate: string;

  @Column({ type: 'varchar', length: 16 })
  kind: ReconciliationKind;

  @Column({ type: 'varchar', length: 16 })
  status: ReconciliationRunStatus;

  @Column({ name: 'lease_owner', type: 'varchar', length: 128, nullable: true })
  leaseOwner: string | null;

  @TimestampColumn({ name: 'lease_until', nullable: true })
  leaseUntil: Date | null;

  /** The gateway's paging key after the last committed page (Toss: the last transactionKey); null before page 1. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  cursor: string | null;

  /** Pages (list) or batches (sweep) committed so far. */
  @Column({ type: 'int', default: 0 })
  pages: number;

  /** Gateway rows staged so far. */
  @Column({ name: 'staged_rows', type: 'int', default: 0 })
  stagedRows: number;

  /** Per category: count and KRW totals, ledger vs gateway. Written when matching ends. */
  @Column({ type: 'jsonb', nullable: true })
  summary: ReconciliationSummary | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  error: string | null;

  @TimestampColumn({ name: 'started_at' })
  startedAt: Date;

  @TimestampColumn({ name: 'finished_at', nullable: true })
  finishedAt: Date | null;

  /** The earlier run of the same key this one replaced (a rerun of the day). */
  @Column({ name: 'supersedes_run_id', type: 'uuid', nullable: true })
  supersedesRunId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
