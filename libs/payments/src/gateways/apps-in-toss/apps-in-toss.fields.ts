import { InvalidInputError } from '../../domain/errors';
import { assertKrwAmount } from '../../domain/money';
import { assertMatches } from '../gateway-fields';

/*
 * Field rules of the TossPay partner API, checked on our side before anything is sent: a value Toss would refuse is an
 * InvalidInputError naming our field, never a gateway call (docs/gateways/apps-in-toss.md#field-limits).
 */

/**
 * orderNo: 1-50 of digits, letters and `_-:.^@`. One older guide also lists `~`; the newer docs and the API reference
 * do not, so it is refused (docs/gateways/apps-in-toss.md#unverified-facts-and-what-the-library-does).
 */
export const APPS_IN_TOSS_ORDER_NO_PATTERN = /^[0-9A-Za-z_\-:.^@]{1,50}$/;
/** productDesc: at most 255 characters. */
export const APPS_IN_TOSS_MAX_PRODUCT_DESC = 255;
/** amount: an int64 the API reference limits to 7 digits. */
export const APPS_IN_TOSS_MAX_AMOUNT = 9_999_999;
/** payToken: at most 30 characters (the samples are 22). */
export const APPS_IN_TOSS_MAX_PAY_TOKEN = 30;
/** Refund reason: at most 55 characters. */
export const APPS_IN_TOSS_MAX_REFUND_REASON = 55;
/** Refund reason charset: Hangul, digits, letters and `_ - : . ^ @ ( ) [ ] # / ! % ? &` (no space). */
export const APPS_IN_TOSS_REFUND_REASON_PATTERN =
  /^[\uAC00-\uD7A3\u1100-\u11FF\u3130-\u318F0-9A-Za-z_\-:.^@()[\]#/!%?&]+$/;
/** userKey is an int64 (from Toss login), sent as its decimal string. */
const USER_KEY_PATTERN = /^[0-9]{1,19}$/;
const INT64_MAX = 9223372036854775807n;

/** The buyer's userKey (docs/gateways/apps-in-toss.md#buyer-identity): an int64 from Toss login, as a decimal string. */
export function requireUserKey(value: unknown, field: string): string {
  if (value === undefined || value === null || value === '') {
    throw new InvalidInputError(field, "is required: the buyer's Toss userKey (x-toss-user-key, from Toss login)");
  }
  if (typeof value !== 'string' || !USER_KEY_PATTERN.test(value) || BigInt(value) > INT64_MAX) {
    throw new InvalidInputError(
      field,
      'must be the Toss userKey: digits only, an int64 (docs/gateways/apps-in-toss.md#buyer-identity)',
    );
  }
  return value;
}

export function assertOrderNo(orderId: unknown): void {
  assertMatches(
    orderId,
    'orderId',
    APPS_IN_TOSS_ORDER_NO_PATTERN,
    'must be 1-50 characters of 0-9 A-Z a-z _ - : . ^ @ (Apps-in-Toss orderNo, docs/gateways/apps-in-toss.md#field-limits)',
  );
}

export function assertProductDesc(orderName: unknown): void {
  if (typeof orderName !== 'string' || orderName.trim().length === 0) {
    throw new InvalidInputError(
      'orderName',
      'must not be blank (Apps-in-Toss productDesc, docs/gateways/apps-in-toss.md#field-limits)',
    );
  }
  if (orderName.length > APPS_IN_TOSS_MAX_PRODUCT_DESC) {
    throw new InvalidInputError(
      'orderName',
      `must be at most ${APPS_IN_TOSS_MAX_PRODUCT_DESC} characters (productDesc)`,
    );
  }
  if (orderName.includes('\\') || orderName.includes('"')) {
    throw new InvalidInputError(
      'orderName',
      'must not contain a backslash or a double quote (productDesc, docs/gateways/apps-in-toss.md#field-limits)',
    );
  }
}

export function assertPayAmount(value: unknown, field: string): number {
  const amount = assertKrwAmount(value, field);
  if (amount > APPS_IN_TOSS_MAX_AMOUNT) {
    throw new InvalidInputError(
      field,
      `must be at most ${APPS_IN_TOSS_MAX_AMOUNT} (7 digits, docs/gateways/apps-in-toss.md#field-limits)`,
    );
  }
  return amount;
}

/** A payToken we are about to send: present and within the API's length. */
export function assertPayToken(payToken: unknown): asserts payToken is string {
  if (typeof payToken !== 'string' || payToken.length === 0) {
    throw new InvalidInputError('payToken', 'is required (returned by prepare as checkout.fields.payToken)');
  }
  if (payToken.length > APPS_IN_TOSS_MAX_PAY_TOKEN) {
    throw new InvalidInputError(
      'payToken',
      `must be at most ${APPS_IN_TOSS_MAX_PAY_TOKEN} characters (docs/gateways/apps-in-toss.md#field-limits)`,
    );
  }
}

export function assertRefundReason(reason: unknown): void {
  if (typeof reason !== 'string' || reason.length === 0 || reason.length > APPS_IN_TOSS_MAX_REFUND_REASON) {
    throw new InvalidInputError(
      'reason',
      `must be 1-${APPS_IN_TOSS_MAX_REFUND_REASON} characters (refund-payment, docs/gateways/apps-in-toss.md#field-limits)`,
    );
  }
  if (!APPS_IN_TOSS_REFUND_REASON_PATTERN.test(reason)) {
    throw new InvalidInputError(
      'reason',
      'may contain only Hangul, digits, letters and _ - : . ^ @ ( ) [ ] # / ! % ? & (no spaces; docs/gateways/apps-in-toss.md#field-limits)',
    );
  }
}
