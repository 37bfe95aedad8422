import {
  AmountMismatchError,
  ForeignPaymentKeyError,
  GatewayConfigurationError,
  GatewayDeclinedError,
  GatewayUnavailableError,
  OrderMismatchError,
  PaymentKeyMismatchError,
  PaymentNotFoundError,
  PaymentsError,
  SignatureMismatchError,
} from './errors';
import { PaymentStatus } from './payment-status';

export interface ApprovalOutcome {
  /** Where the IN_PROGRESS payment goes. */
  status: PaymentStatus.FAILED | PaymentStatus.READY | PaymentStatus.UNKNOWN;
  code: string;
  message: string;
}

/**
 * What an approval error (confirm / billing charge) means for the payment — the one place that decides it
 * (rule 4 of docs/architecture.md#rules-that-keep-money-exact):
 * - a definitive refusal (decline, or the gateway answered 4xx to the request) → FAILED;
 * - provably not sent, the gateway rejected our configuration, or the key we were given is unknown to the gateway or
 *   another order's → READY: nothing happened to this order, the buyer may retry;
 * - an answer that disagrees with what we asked (another amount, order or payment key, or a signature that does not
 *   verify) → UNKNOWN: the request left and the gateway may have taken the money; the input was checked before
 *   sending, so only the answer can be at fault. Read it back, and let a human decide if it stays wrong;
 * - anything else (timeout, reset, 5xx, retryable codes, unexpected errors) → UNKNOWN: read it back, never FAILED.
 */
export function approvalOutcome(error: unknown): ApprovalOutcome {
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof PaymentsError)) return { status: PaymentStatus.UNKNOWN, code: 'OUTCOME_UNKNOWN', message };
  const code = error.gatewayCode ?? error.code;
  const gatewayMessage = error.gatewayMessage ?? message;
  if (error instanceof GatewayUnavailableError) {
    return error.requestSent
      ? { status: PaymentStatus.UNKNOWN, code, message }
      : { status: PaymentStatus.READY, code: 'NOT_SENT', message };
  }
  if (answerDisagrees(error)) return { status: PaymentStatus.UNKNOWN, code, message };
  if (error instanceof ForeignPaymentKeyError || error instanceof PaymentNotFoundError) {
    // The gateway has no payment under the key we were given, or it is another order's: nothing was approved for
    // this order. READY keeps the order payable for the genuine confirm (a forged confirm cannot fail a real order).
    return { status: PaymentStatus.READY, code, message };
  }
  if (error instanceof GatewayConfigurationError) return { status: PaymentStatus.READY, code, message: gatewayMessage };
  if (error instanceof GatewayDeclinedError || error.httpStatus < 500) {
    return { status: PaymentStatus.FAILED, code, message: gatewayMessage };
  }
  return { status: PaymentStatus.UNKNOWN, code, message };
}

/**
 * Errors that mean "the gateway answered, but not about what we asked" (another amount, order or payment key, or a
 * signature that does not verify). Thrown after a request left, they say nothing about whether it was carried out:
 * approvals go UNKNOWN and cancels keep their reservation (UNKNOWN) until a read-back settles them.
 */
export function answerDisagrees(error: unknown): boolean {
  return (
    error instanceof AmountMismatchError ||
    error instanceof OrderMismatchError ||
    error instanceof PaymentKeyMismatchError ||
    error instanceof SignatureMismatchError
  );
}
