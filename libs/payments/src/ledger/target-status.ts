import { canTransition, PaymentStatus } from '../domain/payment-status';
import type { GatewayPaymentStatus } from '../gateways/gateway.port';

const REPORTED_TO_STATUS: Partial<Record<GatewayPaymentStatus, PaymentStatus>> = {
  PAID: PaymentStatus.PAID,
  WAITING_FOR_DEPOSIT: PaymentStatus.WAITING_FOR_DEPOSIT,
  PARTIALLY_CANCELED: PaymentStatus.PARTIALLY_CANCELED,
  CANCELED: PaymentStatus.CANCELED,
  FAILED: PaymentStatus.FAILED,
  EXPIRED: PaymentStatus.EXPIRED,
};

/** How far along a payment is; used only to recognise stale truths. */
const STATUS_RANK: Record<PaymentStatus, number> = {
  [PaymentStatus.READY]: 0,
  [PaymentStatus.IN_PROGRESS]: 1,
  [PaymentStatus.UNKNOWN]: 1,
  [PaymentStatus.WAITING_FOR_DEPOSIT]: 2,
  [PaymentStatus.PAID]: 3,
  [PaymentStatus.PARTIALLY_CANCELED]: 4,
  [PaymentStatus.CANCELED]: 5,
  [PaymentStatus.FAILED]: 5,
  [PaymentStatus.EXPIRED]: 5,
};

/**
 * Maps the gateway's status onto ours given what has been canceled. Cancel states are derived from amounts (a
 * gateway's status can lag its balance; see docs/architecture.md#the-ledger). A truth that is behind our state
 * (stale) leaves the status alone; a legal backward move (PAID -> WAITING_FOR_DEPOSIT, the deposit error) is taken only
 * when `allowBackward` (a fresh read-back); an illegal forward move is returned so the caller raises
 * InvalidTransitionError.
 */
export function targetStatus(
  current: PaymentStatus,
  reported: GatewayPaymentStatus,
  canceled: number,
  amount: number,
  allowBackward = false,
): PaymentStatus {
  if (canceled > 0 && (reported === 'PAID' || reported === 'PARTIALLY_CANCELED' || reported === 'CANCELED')) {
    return canceled >= amount ? PaymentStatus.CANCELED : PaymentStatus.PARTIALLY_CANCELED;
  }
  // READY / IN_PROGRESS at the gateway: it has not approved (yet), nothing to apply.
  const target = REPORTED_TO_STATUS[reported];
  if (!target) return current;
  const backward = STATUS_RANK[target] < STATUS_RANK[current];
  if (target === current) return target;
  if (canTransition(current, target)) return backward && !allowBackward ? current : target;
  // Not a legal move: either the truth is stale (behind us) or something is really wrong.
  if (STATUS_RANK[target] <= STATUS_RANK[current]) return current;
  return target;
}
