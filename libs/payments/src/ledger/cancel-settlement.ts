import { AmountMismatchError, PaymentKeyMismatchError } from '../domain/errors';
import { newId } from '../domain/ids';
import { CancelStatus } from '../domain/payment-status';
import { PaymentCancel } from '../entities/payment-cancel.entity';
import type { Payment } from '../entities/payment.entity';
import type { GatewayCancelTruth, GatewayPaymentTruth } from '../gateways/gateway.port';

/**
 * A PENDING cancel older than this is treated as lost (the process died mid-call) when no gateway-specific grace is
 * given. The core passes the gateway's own (its longest call plus a margin).
 */
export const STALE_PENDING_CANCEL_MS = 5 * 60_000;

/** Read-backs past the grace window that must miss a lost cancel before its reservation is released. */
export const ABSENT_READS_TO_RELEASE = 2;

export interface CancelSettlementInput {
  payment: Payment;
  /** Our cancel rows for the payment, oldest first (mutated in place; new rows are appended). */
  cancels: PaymentCancel[];
  truth: GatewayPaymentTruth;
  /** Why the truth is applied: only `sync` releases lost cancels the gateway has no record of. */
  source: string;
  /** The cancel call we just made and the gateway's record of it. */
  settleCancel?: { cancelId: string; cancel: GatewayCancelTruth };
  /** How long after it was sent a cancel may still be committed at the gateway. Default STALE_PENDING_CANCEL_MS. */
  lostCancelGraceMs?: number;
  now: Date;
}

/**
 * Matches the gateway's cancel list with our cancel rows and returns the rows that changed.
 * - the cancel we just made is settled with the gateway's record of it;
 * - other gateway cancels are matched by transaction key, then to our UNKNOWN (or stale PENDING) rows of the
 *   same amount, oldest first; a gateway cancel we never requested (dashboard) becomes a new DONE row;
 * - on `sync`, a lost row the gateway has no cancel for is released (FAILED, NOT_AT_GATEWAY) only once it is older than
 *   the grace window and a second read-back past it still misses it: a gateway that commits a cancel late (after its
 *   answer timed out) can never have it refunded twice.
 */
export function settleCancels(input: CancelSettlementInput): PaymentCancel[] {
  const changed = new Set<PaymentCancel>();
  const known = new Set(input.cancels.filter((c) => c.transactionKey).map((c) => c.transactionKey as string));
  if (input.settleCancel) settleOwnCancel(input, input.settleCancel, changed, known);

  const graceMs = input.lostCancelGraceMs ?? STALE_PENDING_CANCEL_MS;
  const pastGrace = (c: PaymentCancel): boolean => input.now.getTime() - c.createdAt.getTime() > graceMs;
  const isLost = (c: PaymentCancel): boolean =>
    c.status === CancelStatus.UNKNOWN || (c.status === CancelStatus.PENDING && pastGrace(c));

  for (const gatewayCancel of input.truth.cancels) {
    if (gatewayCancel.status !== 'DONE' || known.has(gatewayCancel.transactionKey)) continue;
    const provisional = input.cancels.find(
      (c) => c.status === CancelStatus.DONE && isProvisional(c) && c.amount === gatewayCancel.amount && !changed.has(c),
    );
    if (provisional) {
      // Ours, booked under a key made up from its answer; the gateway's list now names it: same money, its real key.
      provisional.transactionKey = gatewayCancel.transactionKey;
      changed.add(provisional);
      known.add(gatewayCancel.transactionKey);
      continue;
    }
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
      if (!isLost(row) || changed.has(row) || !pastGrace(row)) continue;
      row.absentReads = (row.absentReads ?? 0) + 1;
      changed.add(row);
      if (row.absentReads < ABSENT_READS_TO_RELEASE) continue;
      row.status = CancelStatus.FAILED;
      row.failureCode = 'NOT_AT_GATEWAY';
      row.failureMessage = `${input.payment.gateway} has no record of this cancel after ${row.absentReads} read-backs; reservation released`;
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
  const claimedBy = input.cancels.find(
    (c) => c !== row && c.transactionKey === gatewayCancel.transactionKey && !c.idempotencyKey.startsWith('gateway:'),
  );
  if (claimedBy && claimedBy.status === CancelStatus.DONE) {
    // The answer names a gateway cancel another of our requests already holds: it is not the record of this one.
    // Unknown outcome: the reservation stays and a read-back settles it.
    throw new PaymentKeyMismatchError(`cancel ${claimedBy.id}`, gatewayCancel.transactionKey, {
      paymentId: input.payment.id,
      gateway: input.payment.gateway,
      field: 'cancel.transactionKey',
    });
  }
  markDone(row, gatewayCancel, input.now);
  changed.add(row);
  known.add(row.transactionKey as string);
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

const PROVISIONAL_PREFIX = 'provisional:';

function isProvisional(row: PaymentCancel): boolean {
  return row.transactionKey?.startsWith(PROVISIONAL_PREFIX) ?? false;
}

function markDone(row: PaymentCancel, gatewayCancel: GatewayCancelTruth, now: Date): void {
  row.status = CancelStatus.DONE;
  row.transactionKey = gatewayCancel.provisional
    ? `${PROVISIONAL_PREFIX}${gatewayCancel.transactionKey}`.slice(0, 200)
    : gatewayCancel.transactionKey;
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
    absentReads: 0,
    raw: null,
    createdAt: now,
  });
}
