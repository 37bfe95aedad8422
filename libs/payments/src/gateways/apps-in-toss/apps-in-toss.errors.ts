import { DuplicateOrderError, type GatewayUnavailableError, type PaymentsError } from '../../domain/errors';
import { buildErrorCodeTable, gatewayErrorFor, malformedResponseError } from '../gateway-errors';
import { isRecord } from '../gateway-fields';
import { scrubText } from '../http/scrub';
import type { AppsInTossEnvelope } from './apps-in-toss.types';

export const APPS_IN_TOSS_GATEWAY = 'appsInToss';

/**
 * What an Apps-in-Toss failure means for us. Decided by `resultType` first, then by `errorCode`
 * (docs/gateways/apps-in-toss.md#error-mapping):
 * - unknown-outcome: a transport-class failure on Toss's side (HTTP_TIMEOUT / NETWORK_ERROR / INTERRUPTED, and
 *                    INTERNAL_ERROR, whose outcome nobody states) or a 5xx without an envelope: the call may have taken
 *                    effect, so a money-moving call is UNKNOWN and read back with get-payment-status;
 * - duplicate:       PAYMENT_EXISTING_PAYMENT, the orderNo was used before;
 * - configuration:   the merchant's TossPay key in the console is wrong or missing, or the partner is not allowed;
 * - request:         INVALID_PARAMETER and its kin: our request was wrong;
 * - not-found:       get-payment-status answers 404 for an unknown payToken/orderNo (an envelope from Toss: a 404
 *                    page without one proves nothing about the payment, so it is an unknown outcome);
 * - decline:         every other FAIL: a definitive refusal, nothing moved.
 */
export type AppsInTossErrorCategory =
  'unknown-outcome' | 'duplicate' | 'configuration' | 'request' | 'not-found' | 'decline';

/**
 * Envelope `resultType`s after which the real outcome is unknown. For INTERNAL_ERROR no source says whether the call
 * took effect, so it is treated as unknown too: the safe reading for a call that may have moved money.
 */
export const UNKNOWN_OUTCOME_RESULT_TYPES: ReadonlySet<string> = new Set([
  'HTTP_TIMEOUT',
  'NETWORK_ERROR',
  'INTERRUPTED',
  'INTERNAL_ERROR',
]);

/**
 * Codes with a known meaning: the codes the TossPay guide documents, plus codes seen only in third-party client
 * mappings (EXECUTE_PAY_NOT_APPROVED, REJECT_CARD_COMPANY, PAUSE_USER, REFUND_EXCEED_DAILY, COMMON_UNAUTHORIZED,
 * FORBIDDEN_REQUEST), classified by what their names say.
 */
export const APPS_IN_TOSS_ERROR_TABLE: ReadonlyMap<string, AppsInTossErrorCategory> =
  buildErrorCodeTable<AppsInTossErrorCategory>('apps-in-toss.errors', [
    [['PAYMENT_EXISTING_PAYMENT'], 'duplicate'],
    [['COMMON_INVALID_API_KEY', 'COMMON_UNAUTHORIZED', 'FORBIDDEN_REQUEST'], 'configuration'],
    [['INVALID_PARAMETER'], 'request'],
    [['NOT_FOUND', 'NOT_FOUND_PAYMENT'], 'not-found'],
    [
      [
        // Bank maintenance (은행 점검 시간): a refusal; the same call may work once maintenance ends (retryable decline).
        'COMMON_BREAK_TIME_OF_BANK',
        'EXECUTE_PAY_NOT_APPROVED',
        'REJECT_CARD_COMPANY',
        'PAUSE_USER',
        'REFUND_EXCEED_DAILY',
      ],
      'decline',
    ],
  ]);

/** Declines that a later attempt may turn into a success (a maintenance window, a daily limit). */
const RETRYABLE_DECLINES: ReadonlySet<string> = new Set(['COMMON_BREAK_TIME_OF_BANK', 'REFUND_EXCEED_DAILY']);

export interface AppsInTossFailure {
  resultType: string;
  /** `error.errorCode`, else a bare string `error` (seen from login endpoints), else the resultType. */
  errorCode: string;
  reason: string;
}

/**
 * The envelope's error fields, read defensively: the shapes seen in the wild differ (`error.reason`, `error.message`,
 * `error.description`, a bare string), see docs/gateways/apps-in-toss.md#envelope.
 */
export function readFailure(status: number, body: unknown): AppsInTossFailure {
  const envelope: AppsInTossEnvelope<unknown> = isRecord(body) ? (body as AppsInTossEnvelope<unknown>) : {};
  const resultType =
    typeof envelope.resultType === 'string' && envelope.resultType.length > 0 ? envelope.resultType : `HTTP_${status}`;
  const error = envelope.error;
  let errorCode: string | undefined;
  let reason = '';
  if (typeof error === 'string' && error.length > 0) {
    errorCode = error;
  } else if (isRecord(error)) {
    if (typeof error.errorCode === 'string' && error.errorCode.length > 0) errorCode = error.errorCode;
    const text = error.reason ?? error.message ?? error.description;
    if (typeof text === 'string') reason = text;
  }
  if (!errorCode && isRecord(envelope.success)) {
    // execute-payment may carry TossPay's legacy failure fields inside `success` (unverified, read to be safe).
    const legacy = envelope.success as { errorCode?: unknown; msg?: unknown; code?: unknown };
    if (typeof legacy.errorCode === 'string' && legacy.errorCode.length > 0) errorCode = legacy.errorCode;
    if (!reason && typeof legacy.msg === 'string') reason = legacy.msg;
    if (!errorCode && legacy.code !== undefined && legacy.code !== null && Number(legacy.code) !== 0)
      errorCode = `CODE_${String(legacy.code)}`;
  }
  // A gateway message is copied into errors and logs: the same scrubbing as everything else (card numbers, keys).
  return { resultType, errorCode: errorCode ?? resultType, reason: scrubText(reason).slice(0, 500) };
}

export function classifyAppsInTossFailure(status: number, failure: AppsInTossFailure): AppsInTossErrorCategory {
  if (UNKNOWN_OUTCOME_RESULT_TYPES.has(failure.resultType)) return 'unknown-outcome';
  const known = APPS_IN_TOSS_ERROR_TABLE.get(failure.errorCode);
  if (known) return known;
  // "No such payment" is believed only from Toss's own envelope: the core ends stuck payments on it, and a 404 page
  // from a proxy or a wrong payBaseUrl says nothing about whether Toss has the payment.
  if (status === 404) return hasEnvelope(status, failure) ? 'not-found' : 'unknown-outcome';
  // A server error with an unknown code, or no envelope at all (a proxy's outage page): whether Toss acted is unknown.
  if (status >= 500) return 'unknown-outcome';
  return 'decline';
}

/** `readFailure` stands in `HTTP_<status>` for the resultType when the body was not a Toss envelope. */
function hasEnvelope(status: number, failure: AppsInTossFailure): boolean {
  return failure.resultType !== `HTTP_${status}`;
}

export interface AppsInTossErrorContext {
  /** 'make-payment', 'execute-payment' ... */
  operation: string;
  /** Our orderId (the orderNo), for messages. Never a user key. */
  orderId?: string;
}

/** Turns a failed answer (any HTTP status, any non-SUCCESS resultType) into the library's typed error. */
export function appsInTossErrorFromResponse(
  status: number,
  body: unknown,
  context: AppsInTossErrorContext,
): PaymentsError {
  const failure = readFailure(status, body);
  const category = classifyAppsInTossFailure(status, failure);
  if (category === 'duplicate') {
    return new DuplicateOrderError(APPS_IN_TOSS_GATEWAY, context.orderId ?? '(unknown)', {
      gateway: APPS_IN_TOSS_GATEWAY,
      gatewayCode: failure.errorCode,
      gatewayMessage: failure.reason,
    });
  }
  // 'unknown-outcome' is the shared 'retryable': the call may have taken effect, read back with get-payment-status.
  return gatewayErrorFor(category === 'unknown-outcome' ? 'retryable' : category, {
    gateway: APPS_IN_TOSS_GATEWAY,
    gatewayCode: failure.errorCode,
    gatewayMessage: failure.reason,
    operation: context.operation,
    // Every pay call is about one payment (orderNo / payToken).
    resource: 'payment',
    reference: context.orderId ?? context.operation,
    retryableDecline: RETRYABLE_DECLINES.has(failure.errorCode),
  });
}

/** A SUCCESS answer we cannot read: the call may have taken effect, so the outcome is unknown (read back). */
export function malformedResponse(operation: string, what: string): GatewayUnavailableError {
  return malformedResponseError(APPS_IN_TOSS_GATEWAY, operation, what, { gatewayCode: 'MALFORMED_RESPONSE' });
}
