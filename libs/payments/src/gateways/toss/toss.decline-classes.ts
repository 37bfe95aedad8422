import { BILLING_KEY_DELETED_CODE, type DeclineClass } from '../gateway-capabilities';
import { TOSS_ERROR_TABLE } from './toss.errors';

/**
 * Billing-charge failure codes by what the next try should be (docs/gateways/toss.md#decline-classes). HARD: the
 * card or the billing key itself is unusable, retrying the same key can never succeed.
 */
const HARD = new Set([
  'INVALID_CARD_EXPIRATION',
  'INVALID_STOPPED_CARD',
  'INVALID_CARD_LOST_OR_STOLEN',
  'INVALID_REJECT_CARD',
  'INVALID_CARD',
  'INVALID_CARD_NUMBER',
  'INVALID_CARD_COMPANY',
  'NOT_SUPPORTED_CARD_TYPE',
  'NOT_REGISTERED_CARD_COMPANY',
  'INVALID_BILL_KEY_REQUEST',
  'NOT_FOUND_BILLING',
  'ALREADY_REMOVED_BILLING_KEY',
  'NOT_MATCHES_CUSTOMER_KEY',
  BILLING_KEY_DELETED_CODE,
]);

/** SOFT: the issuer refused this time (limits, balance, fraud screening); a later day may go through. */
const SOFT = new Set([
  'REJECT_CARD_PAYMENT',
  'REJECT_CARD_COMPANY',
  'FDS_ERROR',
  'NOT_AVAILABLE_PAYMENT',
  'NOT_ENOUGH_AMOUNT',
  'EXCEED_MAX_AMOUNT',
  'EXCEED_MAX_DAILY_PAYMENT_COUNT',
  'EXCEED_MAX_PAYMENT_AMOUNT',
  'EXCEED_MAX_MONTHLY_PAYMENT_AMOUNT',
  'EXCEED_MAX_ONE_DAY_AMOUNT',
  'EXCEED_MAX_AUTH_COUNT',
  'EXCEED_UNKNOWN_CASE',
]);

/**
 * The class of a Toss billing-charge failure. TRANSIENT and CONFIGURATION follow the error table
 * (toss.errors.ts: retryable / configuration), plus any HTTP 5xx or 429 without a code; a code Toss added since is
 * UNKNOWN, so the charge is read back before anything else is decided.
 */
export function tossDeclineClassOf(code: string): DeclineClass {
  if (HARD.has(code)) return 'HARD';
  if (SOFT.has(code)) return 'SOFT';
  const category = TOSS_ERROR_TABLE.get(code);
  if (category === 'retryable' || /^HTTP_(5\d\d|429)$/.test(code)) return 'TRANSIENT';
  if (category === 'configuration') return 'CONFIGURATION';
  return 'UNKNOWN';
}
