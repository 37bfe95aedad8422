import { CancelConflictError, type PaymentsError } from '../../domain/errors';
import { buildErrorCodeTable, gatewayErrorFor, type GatewayErrorCategory } from '../gateway-errors';
import { nonEmptyString } from '../gateway-fields';

/**
 * What a Toss error code means for us (docs/gateways/toss.md#errors). Decided by `code`, not by HTTP status:
 * PROVIDER_ERROR is a 400 yet transient, REFUND_REJECTED is a 400 cousin that is final.
 * - retryable:     transient; the same request with the same Idempotency-Key may succeed later. The outcome of a
 *                  money-moving call is unknown until read back.
 * - decline:       a definitive refusal about the buyer, card, account or payment state. Nothing happened.
 * - configuration: our keys/contract are wrong; a human must fix the merchant setup.
 * - request:       the request itself is wrong (a bug on our side or input that slipped validation).
 * - not-found:     the addressed resource does not exist at Toss.
 * - conflict:      the cancel's `refundableAmount` lock failed: the balance at Toss is not the one we sent. Nothing
 *                  was refunded; read back and send again (docs/gateways/toss.md#cancel).
 */
export type TossErrorCategory = GatewayErrorCategory | 'conflict';

const RETRYABLE = [
  'PROVIDER_ERROR',
  'CARD_PROCESSING_ERROR',
  'IDEMPOTENT_REQUEST_PROCESSING',
  'FORBIDDEN_CONSECUTIVE_REQUEST',
  'NOT_AVAILABLE_BANK',
  // Payment method under maintenance: the same request works once maintenance ends.
  'MAINTAINED_METHOD',
  'DUPLICATED_REQUEST',
  'FAILED_INTERNAL_SYSTEM_PROCESSING',
  'FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING',
  'COMMON_ERROR',
  'UNKNOWN_ERROR',
  'UNKNOWN_PAYMENT_ERROR',
  'FAILED_REFUND_PROCESS',
  'FAILED_PARTIAL_REFUND',
  'FAILED_METHOD_HANDLING',
  'FAILED_METHOD_HANDLING_CANCEL',
  'FAILED_BILL_KEY_AUTH_CREATION',
  'FAILED_BILLING_AUTO_CANCEL',
  'FAILED_CARD_COMPANY_RESPONSE',
  'FAILED_HASH_DATA_CREATION',
] as const;

const DECLINE = [
  // card problems (confirm, billing)
  'INVALID_CARD',
  'INVALID_CARD_NUMBER',
  'INVALID_CARD_EXPIRATION',
  'INVALID_STOPPED_CARD',
  'INVALID_REJECT_CARD',
  'INVALID_CARD_LOST_OR_STOLEN',
  'INVALID_CARD_COMPANY',
  'INVALID_CARD_IDENTITY',
  'INVALID_CARD_PASSWORD',
  'INVALID_PASSWORD',
  'INVALID_BIRTH_DAY_FORMAT',
  'INVALID_AUTHORIZE_AUTH',
  'INVALID_AUTHORIZE_AUTH_TYPE_GIFT_CERTIFICATE',
  'INVALID_CARD_INSTALLMENT_PLAN',
  'INVALID_CARD_INSTALLMENT_AMOUNT',
  'INVALID_BILLING_AUTH',
  'INVALID_BILL_KEY_REQUEST',
  'ALREADY_REMOVED_BILLING_KEY',
  'NOT_SUPPORTED_CARD_TYPE',
  'NOT_REGISTERED_CARD_COMPANY',
  'NOT_SUPPORTED_INSTALLMENT_PLAN_CARD_OR_MERCHANT',
  'NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN',
  'NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN_BELOW_AMOUNT',
  'NOT_ALLOWED_INSTALLMENT_BELOW_AMOUNT',
  'EXCEED_MAX_CARD_INSTALLMENT_PLAN',
  'EXCEED_MIN_CARD_INSTALLMENT_PLAN',
  'NOT_ALLOWED_POINT_USE',
  // issuer / account / fraud refusals
  'REJECT_CARD_PAYMENT',
  'REJECT_CARD_COMPANY',
  'REJECT_ACCOUNT_PAYMENT',
  'REJECT_TOSSPAY_INVALID_ACCOUNT',
  'FDS_ERROR',
  'NOT_AVAILABLE_PAYMENT',
  'RESTRICTED_TRANSFER_ACCOUNT',
  'INVALID_ACCOUNT_INFO_RE_REGISTER',
  'ACCOUNT_OWNER_CHECK_FAILED',
  'ALREADY_CLOSE_ACCOUNT',
  'USER_ACCOUNT_ON_HOLD',
  'NOT_MATCH_PAYEE_NAME',
  'NOT_ENOUGH_AMOUNT',
  'UNAPPROVED_ORDER_ID',
  'PAY_PROCESS_CANCELED',
  'PAY_PROCESS_ABORTED',
  'NOT_ALLOWED_HOLIDAY',
  'NOT_ALLOWED_CHANGING_ACCOUNT',
  'EXCEED_UNKNOWN_CASE',
  // limits
  'EXCEED_MAX_AMOUNT',
  'EXCEED_MAX_DAILY_PAYMENT_COUNT',
  'EXCEED_MAX_PAYMENT_AMOUNT',
  'EXCEED_MAX_MONTHLY_PAYMENT_AMOUNT',
  'EXCEED_MAX_ONE_DAY_WITHDRAW_AMOUNT',
  'EXCEED_MAX_ONE_TIME_WITHDRAW_AMOUNT',
  'EXCEED_MAX_ONE_DAY_AMOUNT',
  'EXCEED_MAX_AUTH_COUNT',
  'EXCEEDS_TRANSFER_AMOUNT_MAXIMUM',
  // not cancelable (docs/gateways/toss.md#cancel)
  'ALREADY_CANCELED_PAYMENT',
  'ALREADY_REFUND_PAYMENT',
  'ALREADY_REFUNDING_PAYMENT',
  'NOT_CANCELABLE_AMOUNT',
  'NOT_CANCELABLE_PAYMENT',
  'NOT_CANCELABLE_PAYMENT_FOR_DORMANT_USER',
  'NOT_ALLOWED_PARTIAL_REFUND',
  'NOT_ALLOWED_PARTIAL_REFUND_WAITING_DEPOSIT',
  'NOT_ALLOWED_REFUND_BANK',
  'NOT_SUPPORTED_REFUND',
  'REFUND_REJECTED',
  'FORBIDDEN_BANK_REFUND_REQUEST',
  'EXCEED_MAX_REFUND_AMOUNT',
  'EXCEED_MAX_REFUND_DUE',
  'EXCEED_CANCEL_LIMIT',
  'EXCEED_CANCEL_AMOUNT_DISCOUNT_AMOUNT',
  // the 10-minute confirm window passed: the payment is EXPIRED at Toss (docs/gateways/toss.md#confirm)
  'NOT_FOUND_PAYMENT_SESSION',
  // tax office rejected the cash receipt (docs/gateways/toss.md#cash-receipts)
  'NTS_ERROR',
] as const;

const CONFIGURATION = [
  'UNAUTHORIZED_KEY',
  'INVALID_API_KEY',
  'INVALID_CLIENT_KEY',
  'INCORRECT_BASIC_AUTH_FORMAT',
  'NOT_SUPPORTED_METHOD',
  'NOT_SUPPORTED_PROCESS',
  'NOT_SUPPORTED_USD',
  'NOT_SUPPORTED_CARRIER',
  'FORBIDDEN_REQUEST',
  'API_VERSION_UPDATE_NEEDED',
  'NOT_FOUND_TERMINAL_ID',
  'NOT_FOUND_MERCHANT',
  'NOT_FOUND_MERCHANT_INTEGRATION',
  'NOT_FOUND_METHOD',
  'NOT_FOUND_METHOD_IN_GROUP',
  'NOT_FOUND_METHOD_OWNERSHIP',
  'INVALID_UNREGISTERED_SUBMALL',
  'NOT_REGISTERED_SUBMALL',
  'NOT_FOUND_SUBMALL',
  'ALREADY_EXIST_SUBMALL',
  'INVALID_SUBMALL_ID',
] as const;

const REQUEST = [
  'INVALID_REQUEST',
  'INVALID_REQUIRED_PARAM',
  'REQUIRED_AMOUNT',
  'REQUIRED_ACCOUNT_KEY',
  // confirm of an already processed payment: the adapter reads the payment back (docs/gateways/toss.md#confirm)
  'ALREADY_PROCESSED_PAYMENT',
  'ALREADY_COMPLETED_PAYMENT',
  'DUPLICATED_ORDER_ID',
  'DUPLICATED_CASH_RECEIPT',
  'BELOW_MINIMUM_AMOUNT',
  'BELOW_ZERO_AMOUNT',
  'NOT_MATCHES_CUSTOMER_KEY',
  'NOT_REGISTERED_BUSINESS',
  'INCORRECT_FAIL_URL_FORMAT',
  'INCORRECT_SUCCESS_URL_FORMAT',
  'INVALID_ACCOUNT_NOT_CORRECT_BANK',
  'INVALID_ACCOUNT_NUMBER',
  'INVALID_ACCOUNT_NUMBER_OR_UNAVAILABLE',
  'INVALID_BANK',
  'INVALID_BUSINESS_NUMBER',
  'INVALID_CARD_INSTALLMENT_PLANS_WITH_MAX_AND_SINGLE',
  'INVALID_CASH_RECEIPT_INFO',
  'INVALID_CURRENCY',
  'INVALID_CUSTOMER_KEY',
  'INVALID_DATE',
  'INVALID_EASY_PAY',
  'INVALID_EMAIL',
  'INVALID_FLOW_MODE_PARAMETERS',
  'INVALID_IDEMPOTENCY_KEY',
  'INVALID_IDENTIFICATION_TYPE',
  'INVALID_ISO_DATE_FORMAT',
  'INVALID_ORDER_ID',
  'INVALID_ORDER_NAME',
  'INVALID_PAGING_KEY',
  'INVALID_TRANSACTION_KEY',
  'INVALID_PAYABLE_DATE',
  'INVALID_PAYMENT_KEY',
  'INVALID_REFUND_ACCOUNT_INFO',
  'INVALID_REFUND_ACCOUNT_NUMBER',
  'INVALID_REFUND_AMOUNT',
  'INVALID_SUCCESS_URL',
  'INVALID_TEST_CODE',
  'INVALID_URL',
  'INVALID_URL_FORMAT',
  'INVALID_VALID_HOURS_WITH_DUE_DATE_AND_SINGLE',
  'INVALID_VIRTUAL_ACCOUNT_TYPE',
  'EXCEED_MAX_VALID_HOURS',
  'EXCEED_MAX_DUE_DATE',
  'EXCEED_MAX_QUERY_LIMIT',
  'NOT_FOUND_HTTP_METHOD',
  // a 500 that means "invalid request value": retrying the same input cannot help
  'FAILED_DB_PROCESSING',
] as const;

const NOT_FOUND = ['NOT_FOUND', 'NOT_FOUND_PAYMENT', 'NOT_FOUND_BILLING', 'PAYOUT_NOT_FOUND'] as const;

/** The optimistic lock of a cancel: a conflict to resolve by reading back, never a refusal of the refund itself. */
const CONFLICT = ['NOT_MATCHES_REFUNDABLE_AMOUNT'] as const;

/** Every Toss error code we know, with its category. */
export const TOSS_ERROR_TABLE: ReadonlyMap<string, TossErrorCategory> = buildErrorCodeTable('toss.errors', [
  [RETRYABLE, 'retryable'],
  [DECLINE, 'decline'],
  [CONFIGURATION, 'configuration'],
  [REQUEST, 'request'],
  [NOT_FOUND, 'not-found'],
  [CONFLICT, 'conflict'],
]);

/**
 * Category of a Toss error response. A known code decides by the table (decide by code, not status). 429 is always
 * retryable (list endpoints under load). Unknown codes (Toss adds codes without a version bump): 5xx -> retryable
 * (outcome unknown, read back), anything else -> request (not retryable). See docs/gateways/toss.md#errors.
 */
export function classifyTossError(status: number, code: string | undefined | null): TossErrorCategory {
  if (status === 429) return 'retryable';
  const known = code ? TOSS_ERROR_TABLE.get(code) : undefined;
  if (known) return known;
  return status >= 500 ? 'retryable' : 'request';
}

/** What the failed call was addressing, so a not-found names the right entity. */
export type TossResourceKind = 'payment' | 'billing_key' | 'cash_receipt' | 'transaction';

export interface TossErrorContext {
  operation: string;
  resource: TossResourceKind;
  /** A printable reference to the resource (orderId / receipt key). Never a billing key. */
  reference?: string;
}

/** Turns a non-2xx Toss response into the library's typed error (gatewayCode/gatewayMessage attached). */
export function tossErrorFromResponse(status: number, body: unknown, context: TossErrorContext): PaymentsError {
  const envelope = body !== null && typeof body === 'object' ? (body as { code?: unknown; message?: unknown }) : {};
  const code = nonEmptyString(envelope.code);
  const message = typeof envelope.message === 'string' ? envelope.message : '';
  const category = classifyTossError(status, code);
  if (category === 'conflict') {
    return new CancelConflictError('toss', { gatewayCode: code ?? `HTTP_${status}`, gatewayMessage: message });
  }
  // 'retryable': the request reached Toss and was answered, so a money-moving call's outcome is unknown until read back.
  return gatewayErrorFor(category, {
    gateway: 'toss',
    gatewayCode: code ?? `HTTP_${status}`,
    gatewayMessage: message,
    operation: context.operation,
    resource: context.resource,
    reference: context.reference ?? context.operation,
  });
}
