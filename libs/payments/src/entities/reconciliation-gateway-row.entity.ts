import { Column, Entity, PrimaryColumn } from 'typeorm';
import { MoneyColumn, TimestampColumn } from './columns';

/**
 * What the gateway said during one run, one row per gateway transaction, staged page by page so matching can be one
 * set-based statement and a crashed run keeps what it already fetched. `kind`: APPROVAL / CANCEL from the gateway's
 * list or a read-back; UNREADABLE when a read-back of `payment_id` failed (the row becomes INCOMPARABLE).
 */
@Entity({ name: 'reconciliation_gateway_rows' })
export class ReconciliationGatewayRow {
  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId: string;

  @PrimaryColumn({ name: 'transaction_key', type: 'varchar', length: 200 })
  transactionKey: string;

  @Column({ type: 'varchar', length: 16 })
  kind: 'APPROVAL' | 'CANCEL' | 'UNREADABLE';

  @Column({ name: 'payment_key', type: 'varchar', length: 200, nullable: true })
  paymentKey: string | null;

  @Column({ name: 'order_id', type: 'varchar', length: 64, nullable: true })
  orderId: string | null;

  @MoneyColumn({ nullable: true })
  amount: number | null;

  /** The gateway's status, in our vocabulary (GatewayPaymentStatus). */
  @Column({ type: 'varchar', length: 32, nullable: true })
  status: string | null;

  @TimestampColumn({ name: 'transacted_at', nullable: true })
  transactedAt: Date | null;

  /** Our payment this row was read back for (sweep and rechecks); null for list rows. */
  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId: string | null;

  /** LIST (the gateway's transaction list) or READ_BACK (getPayment of one of our rows). */
  @Column({ type: 'varchar', length: 16 })
  source: 'LIST' | 'READ_BACK';

  @Column({ type: 'varchar', length: 512, nullable: true })
  note: string | null;
}
