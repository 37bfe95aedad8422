import { AmountMismatchError } from '../domain/errors';
import { newId } from '../domain/ids';
import { CancelStatus } from '../domain/payment-status';
import { PaymentCancel } from '../entities/payment-cancel.entity';
import type { Payment } from '../entities/payment.entity';
import type { GatewayCancelTruth, GatewayPaymentTruth } from '../gateways/gateway.port';

/** A PENDING cancel older than this is treated as lost (process died mid-call) when `sync` runs. */
export const STALE_PENDING_CANCEL_MS = 5 * 60_000;

export interface CancelSettlementInput {
  payment: Payment;
  /** Our cancel rows for the payment, oldest first (mutated in place; new rows are appended). */
  cancels: PaymentCancel[];
  truth: GatewayPaymentTruth;
  /** Why the truth is applied: only `sync` releases lost cancels the gateway has no record of. */
  source: string;
  /** The cancel call we just made and the gateway's record of it. */
  settleCancel?: { cancelId: string; cancel: GatewayCancelTruth };
  now: Date;
}

/**
 * Matches the gateway's cancel list with our cancel rows and returns the rows that changed.
 * - the cancel we just made is settled with the gateway's record of it;
 * - other gateway cancels are matched by transaction key, then to our UNKNOWN (or stale PENDING) rows of the
 *   same amount, oldest first; a gateway cancel we never requested (dashboard) becomes a new DONE row;
 * - on `sync`, an UNKNOWN row the gateway has no cancel for never happened: FAILED, reservation released.
 */
export function settleCancels(input: CancelSettlementInput): PaymentCancel[] {
  const changed = new Set<PaymentCancel>();
  const known = new Set(input.cancels.filter((c) => c.transactionKey).map((c) => c.transactionKey as string));
  if (input.settleCancel) settleOwnCancel(input, input.settleCancel, changed, known);

  const isLost = (c: PaymentCancel): boolean =>
    c.status === CancelStatus.UNKNOWN ||
    (c.status === CancelStatus.PENDING && input.now.getTime() - c.createdAt.getTime() > STALE_PENDING_CANCEL_MS);

  for (const gatewayCancel of input.truth.cancels) {
    if (gatewayCancel.status !== 'DONE' || known.has(gatewayCancel.transactionKey)) continue;
    const open = (c: PaymentCancel): boolean => !changed.has(c) && c.amount === gatewayCancel.amount;
    const match = input.cancels.find((c) => isLost(c) && open(c));
    const inFlight = input.cancels.find((c) => c.status === CancelStatus.PENDING && !isLost(c) && open(c));
    if (!match && inFlight) {
      // Our own cancel of this amount is still on the wire and the gateway already reports one (a cancel webhook
      // read back before the answer arrived). Leave it to that call to settle: recording it here as a gateway
      // cancel would count the same money twice. Its reservation keeps the balance safe meanwhile, and if the call
      // dies the row goes stale and is matched as lost.
      continue;
    }
    if (match) {
      markDone(match, gatewayCancel, input.now);
      changed.add(match);
    } else {
      const external = gatewayOnlyCancel(input.payment, gatewayCancel, input.now);
      input.cancels.push(external);
      changed.add(external);
    }
    known.add(gatewayCancel.transactionKey);
  }

  if (input.source === 'sync') {
    for (const row of input.cancels) {
      if (isLost(row) && !changed.has(row)) {
        row.status = CancelStatus.FAILED;
        row.failureCode = 'NOT_AT_GATEWAY';
        row.failureMessage = `${input.payment.gateway} has no record of this cancel; reservation released by sync`;
        changed.add(row);
      }
    }
  }
  return [...changed];
}

/** Settles the row of the cancel call we just made with the gateway's record of it. */
function settleOwnCancel(
  input: CancelSettlementInput,
  settle: { cancelId: string; cancel: GatewayCancelTruth },
  changed: Set<PaymentCancel>,
  known: Set<string>,
): void {
  const row = input.cancels.find((c) => c.id === settle.cancelId);
  const gatewayCancel = settle.cancel;
  if (row && gatewayCancel.amount !== row.amount) {
    // The gateway reports a cancel of another amount than we asked: what it refunded is not what we reserved.
    // The caller keeps the reservation (UNKNOWN) and a read-back settles it (approval-outcome.ts answerDisagrees).
    throw new AmountMismatchError(row.amount, gatewayCancel.amount, {
      paymentId: input.payment.id,
      gateway: input.payment.gateway,
      field: 'cancel.amount',
    });
  }
  if (!row || row.status === CancelStatus.DONE) return;
  markDone(row, gatewayCancel, input.now);
  changed.add(row);
  known.add(gatewayCancel.transactionKey);
  // A webhook / sync that read this cancel back before our call returned may have recorded it as a gateway cancel of
  // its own. It is the same money: keep our row, retire the provisional one so the cancel is counted once.
  for (const duplicate of input.cancels) {
    const provisional =
      duplicate !== row &&
      duplicate.status === CancelStatus.DONE &&
      duplicate.transactionKey === gatewayCancel.transactionKey &&
      duplicate.idempotencyKey.startsWith('gateway:');
    if (!provisional) continue;
    duplicate.status = CancelStatus.FAILED;
    duplicate.failureCode = 'DUPLICATE_OF_CANCEL';
    duplicate.failureMessage = `same gateway cancel as ${row.id}; counted there`;
    changed.add(duplicate);
  }
}

function markDone(row: PaymentCancel, gatewayCancel: GatewayCancelTruth, now: Date): void {
  row.status = CancelStatus.DONE;
  row.transactionKey = gatewayCancel.transactionKey;
  row.canceledAt = gatewayCancel.canceledAt ?? now;
  row.failureCode = null;
  row.failureMessage = null;
}

/** A cancel the gateway reports that we never requested (made in its dashboard): recorded as its own DONE row. */
function gatewayOnlyCancel(payment: Payment, gatewayCancel: GatewayCancelTruth, now: Date): PaymentCancel {
  return Object.assign(new PaymentCancel(), {
    id: newId(),
    paymentId: payment.id,
    amount: gatewayCancel.amount,
    taxFreeAmount: gatewayCancel.taxFreeAmount,
    reason: (gatewayCancel.reason ?? 'canceled at the gateway').slice(0, 200),
    status: CancelStatus.DONE,
    idempotencyKey: `gateway:${gatewayCancel.transactionKey}`,
    transactionKey: gatewayCancel.transactionKey,
    refundAccount: null,
    canceledAt: gatewayCancel.canceledAt ?? now,
    failureCode: null,
    failureMessage: null,
    raw: null,
    createdAt: now,
  });
}
