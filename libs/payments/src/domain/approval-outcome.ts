import {
  GatewayConfigurationError,
  GatewayDeclinedError,
  GatewayUnavailableError,
  PaymentsError,
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
 * (DESIGN.md §3 rule 4):
 * - a definitive refusal (decline, or the gateway answered 4xx to the request) → FAILED;
 * - provably not sent, or the gateway rejected our configuration → READY: nothing happened, the buyer may retry;
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
  if (error instanceof GatewayConfigurationError) return { status: PaymentStatus.READY, code, message: gatewayMessage };
  if (error instanceof GatewayDeclinedError || error.httpStatus < 500) {
    return { status: PaymentStatus.FAILED, code, message: gatewayMessage };
  }
  return { status: PaymentStatus.UNKNOWN, code, message };
}
