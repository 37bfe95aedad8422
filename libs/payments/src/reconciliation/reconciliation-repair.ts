import type { DataSource } from 'typeorm';
import type { PaymentsClock } from '../domain/clock';
import { PaymentStatus } from '../domain/payment-status';
import { CancelStatus } from '../domain/payment-status';
import { PaymentCancel } from '../entities/payment-cancel.entity';
import type { ReconciliationRepairAction } from '../entities/reconciliation-item.entity';
import type { GatewayRegistry } from '../gateways/gateway-registry';
import type { PaymentLedger } from '../ledger/payment-ledger';
import type { PaymentSyncService } from '../payments/payment-sync.service';
import { mapBounded } from './gateway-sources';

/** The actions repaired without a person: each ends in the ledger's apply, which re-checks order, amount and key. */
export const AUTOMATIC_REPAIRS: readonly ReconciliationRepairAction[] = ['SYNC', 'IMPORT_CANCEL', 'ATTACH'];

/** Who the audit columns name for repairs made by a run. */
export const RECONCILIATION_ACTOR = 'reconciliation';

interface RepairableItem {
  id: string;
  paymentId: string;
  repairAction: ReconciliationRepairAction;
  transactionKind: 'APPROVAL' | 'CANCEL';
  transactionKey: string | null;
  gatewayPaymentKey: string | null;
}

export interface RepairDeps {
  dataSource: DataSource;
  ledger: PaymentLedger;
  sync: PaymentSyncService;
  gateways: GatewayRegistry;
  clock: PaymentsClock;
  concurrency: number;
  batchSize: number;
}

const APPROVED: ReadonlySet<string> = new Set([
  PaymentStatus.PAID,
  PaymentStatus.PARTIALLY_CANCELED,
  PaymentStatus.CANCELED,
  PaymentStatus.WAITING_FOR_DEPOSIT,
]);

/**
 * Runs the safe repairs of a run's OPEN items, in batches with bounded concurrency, outside any transaction (each is
 * a gateway read-back then the ledger's apply). An item becomes AUTO_FIXED only when the ledger afterwards says what
 * the gateway said (compare-and-set on resolution = OPEN, so it is resolved once); a repair the ledger refuses (an
 * answer about another amount, a transition it does not allow) stays OPEN with the reason in its note.
 */
export async function repairRun(deps: RepairDeps, runId: string): Promise<number> {
  let fixed = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const batch: RepairableItem[] = await deps.dataSource.query(
      `SELECT "id", "payment_id" AS "paymentId", "repair_action" AS "repairAction",
              "transaction_kind" AS "transactionKind", "transaction_key" AS "transactionKey",
              "gateway_payment_key" AS "gatewayPaymentKey"
         FROM "reconciliation_items"
        WHERE "run_id" = $1 AND "resolution" = 'OPEN' AND "repair_action" = ANY($2) AND "payment_id" IS NOT NULL
          AND "id" > $3
        ORDER BY "id" LIMIT $4`,
      [runId, AUTOMATIC_REPAIRS, after, deps.batchSize],
    );
    if (batch.length === 0) return fixed;
    const outcomes = await mapBounded(batch, deps.concurrency, (item) => repairOne(deps, item));
    fixed += outcomes.filter(Boolean).length;
    after = batch[batch.length - 1].id;
  }
}

async function repairOne(deps: RepairDeps, item: RepairableItem): Promise<boolean> {
  let note: string;
  let ok = false;
  try {
    note = await (item.transactionKind === 'CANCEL' ? repairCancel(deps, item) : repairApproval(deps, item));
    ok = true;
  } catch (error) {
    note = `repair refused: ${error instanceof Error ? error.message : String(error)}`;
  }
  const [, updated]: [unknown, number] = await deps.dataSource.query(
    `UPDATE "reconciliation_items"
        SET "resolution" = CASE WHEN $2 THEN 'AUTO_FIXED' ELSE "resolution" END,
            "resolved_by" = CASE WHEN $2 THEN $3 ELSE NULL END,
            "resolved_at" = CASE WHEN $2 THEN $4::timestamptz ELSE NULL END, "note" = $5
      WHERE "id" = $1 AND "resolution" = 'OPEN'`,
    [item.id, ok, RECONCILIATION_ACTOR, deps.clock.now(), note.slice(0, 1000)],
  );
  return ok && updated === 1;
}

/**
 * Ours not approved, the gateway approved. UNKNOWN goes through `sync` (the same read-back and lost-approval policy
 * as the repair job); a row that never learnt its gateway key is read back under the key the gateway listed and the
 * truth applied — apply refuses it unless orderId and amount are ours.
 */
async function repairApproval(deps: RepairDeps, item: RepairableItem): Promise<string> {
  const payment = await deps.ledger.findById(item.paymentId);
  const before = payment.status;
  let after;
  if (payment.status === PaymentStatus.UNKNOWN || item.repairAction === 'SYNC') {
    after = await deps.sync.sync(payment.id);
  } else {
    const gateway = deps.gateways.get(payment.gateway);
    const truth = await deps.sync.readAtGateway(gateway, {
      paymentKey: item.gatewayPaymentKey,
      orderId: payment.orderId,
      amount: payment.amount,
      customerKey: payment.customerKey,
    });
    after = await deps.sync.apply(payment.id, truth, 'sync');
  }
  if (!APPROVED.has(after.status)) throw new Error(`after the read-back the payment is ${after.status}`);
  return `${item.repairAction}: ${before} → ${after.status}`;
}

/** A gateway cancel we lack (or hold as not DONE): `sync` reads the payment back and the ledger books the cancel. */
async function repairCancel(deps: RepairDeps, item: RepairableItem): Promise<string> {
  const after = await deps.sync.sync(item.paymentId);
  const cancel = item.transactionKey
    ? await deps.dataSource
        .getRepository(PaymentCancel)
        .findOneBy({ paymentId: item.paymentId, transactionKey: item.transactionKey })
    : null;
  if (!cancel || cancel.status !== CancelStatus.DONE) {
    throw new Error(`the gateway's cancel ${item.transactionKey ?? '?'} is still not booked after the read-back`);
  }
  return `${item.repairAction}: cancel ${cancel.amount} booked, payment ${after.status}`;
}
