import {
  AmountMismatchError,
  ForeignPaymentKeyError,
  OrderMismatchError,
  PaymentKeyMismatchError,
} from '../domain/errors';
import type { GatewayPaymentTruth } from './gateway.port';

/** What we asked a gateway about: the answer must be about exactly this. */
export interface AskedPayment {
  orderId: string;
  /** The payment's original amount. */
  amount: number;
  /** The gateway key we sent (tid / paymentKey / payToken), when we sent one. */
  paymentKey?: string | null;
}

/**
 * Throws unless a gateway answer is about the payment we asked for. The errors are the core's mismatch errors: after
 * the request left they mean "the outcome is unknown" (domain/approval-outcome.ts `answerDisagrees`), so an approval
 * goes UNKNOWN and a cancel keeps its reservation until a read-back settles it — never FAILED, never adopted.
 * `PaymentLedger.apply` checks the same against the stored row; this is for answers an adapter acts on before that
 * (read-backs it accepts, receipts and billing keys that never reach the ledger).
 */
export function assertAnswerIsFor(
  gateway: string,
  truth: Pick<GatewayPaymentTruth, 'orderId' | 'totalAmount' | 'paymentKey'>,
  asked: AskedPayment,
): void {
  if (truth.orderId !== asked.orderId) throw new OrderMismatchError(asked.orderId, truth.orderId, { gateway });
  if (truth.totalAmount !== asked.amount) throw new AmountMismatchError(asked.amount, truth.totalAmount, { gateway });
  if (asked.paymentKey && truth.paymentKey !== asked.paymentKey) {
    throw new PaymentKeyMismatchError(asked.paymentKey, truth.paymentKey, { gateway });
  }
}

/**
 * A duplicate approval was refused ("already approved", Toss ALREADY_PROCESSED_PAYMENT, NicePay 2201/U114, a second
 * Apps-in-Toss execute): the read-back is the answer when it shows exactly this payment approved.
 */
export function isSettledApprovalOf(truth: GatewayPaymentTruth, asked: AskedPayment): boolean {
  return (
    (truth.status === 'PAID' || truth.status === 'WAITING_FOR_DEPOSIT') &&
    truth.orderId === asked.orderId &&
    truth.totalAmount === asked.amount &&
    (!asked.paymentKey || truth.paymentKey === asked.paymentKey)
  );
}

/**
 * The read-back after a gateway refused an approval as a duplicate ("already approved / already processed"). Returns
 * the truth when it shows exactly this payment approved (an earlier attempt of ours went through). When the key
 * belongs to another order, the confirm was never about this order (a forged or mixed-up key): throws
 * `ForeignPaymentKeyError`, which leaves the payment READY for the genuine confirm. Otherwise returns null and the
 * adapter rethrows the gateway's refusal.
 */
export function acceptDuplicateApproval(
  gateway: string,
  truth: GatewayPaymentTruth,
  asked: AskedPayment,
): GatewayPaymentTruth | null {
  if (isSettledApprovalOf(truth, asked)) return truth;
  if (truth.orderId !== asked.orderId) throw new ForeignPaymentKeyError(gateway, asked.orderId);
  return null;
}
