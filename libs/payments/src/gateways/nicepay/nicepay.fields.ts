import { InvalidInputError } from '../../domain/errors';
import { assertKrwAmount } from '../../domain/money';
import { assertMatches } from '../gateway-fields';

/*
 * Field rules NicePay enforces, checked here before anything is sent so a bad value is our InvalidInputError naming
 * the field, not a NicePay code after a round trip. Lengths are NicePay's, counted in EUC-KR bytes
 * (docs/gateways/nicepay.md#requests-answers-and-signatures).
 */

/** Our orderIds (the core's ORDER_ID_PATTERN) fit NicePay's 64-character orderId. */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{6,64}$/;
/** A tid is 30 characters; the pattern only keeps the path segment safe. */
export const TID_PATTERN = /^[A-Za-z0-9]{1,30}$/;
/** A billing key (bid) is 30 characters; the pattern only keeps the path segment safe. */
const BID_PATTERN = /^[A-Za-z0-9]{1,40}$/;
/** Amount fields hold at most 12 digits; strictly an integer text, no sign, no leading zero. */
const AMOUNT_TEXT_PATTERN = /^[1-9][0-9]{0,11}$/;
/** Installments need at least 50,000 KRW (NicePay answers P037 below that). */
export const MIN_INSTALLMENT_AMOUNT = 50_000;
/** A credit-card approval needs at least 1,000 KRW (NicePay answers 3041); billing charges are card approvals. */
export const MIN_CARD_AMOUNT = 1_000;

/** Byte length as NicePay counts it (EUC-KR: ASCII 1 byte, anything else 2). */
export function nicePayByteLength(text: string): number {
  let bytes = 0;
  for (const char of text) bytes += char.codePointAt(0)! <= 0x7f ? 1 : 2;
  return bytes;
}

export function textWithinBytes(value: unknown, field: string, maxBytes: number): string {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidInputError(field, 'must be a non-empty string');

  if (/[\u0000-\u001f\u007f]/.test(value)) throw new InvalidInputError(field, 'must not contain control characters');
  if (nicePayByteLength(value) > maxBytes) {
    throw new InvalidInputError(
      field,
      `must be at most ${maxBytes} bytes (Korean characters count 2, as NicePay counts them)`,
    );
  }
  return value;
}

export function textWithinChars(value: unknown, field: string, maxChars: number): string {
  if (typeof value !== 'string' || value.length === 0 || [...value].length > maxChars) {
    throw new InvalidInputError(field, `must be a string of 1-${maxChars} characters`);
  }
  return value;
}

/**
 * goodsName: at most 40 bytes counted the way NicePay does (EUC-KR, 2 bytes per non-ASCII character). NicePay
 * replaces `"` and `¦` itself; control characters are refused here.
 */
export function goodsNameOf(value: unknown, field: string): string {
  const text = textWithinBytes(value, field, 40);
  if (text.trim().length === 0) throw new InvalidInputError(field, 'must not be blank');
  return text;
}

export function oneOf(value: unknown, field: string, allowed: readonly string[]): string {
  if (typeof value !== 'string' || !allowed.includes(value))
    throw new InvalidInputError(field, `must be one of ${allowed.join(', ')}`);
  return value;
}

export function url(value: unknown, field: string, maxLength: number): string {
  // NicePay's limits are bytes (EUC-KR): a non-ASCII path character counts 2.
  if (typeof value !== 'string' || nicePayByteLength(value) > maxLength) {
    throw new InvalidInputError(field, `must be an http(s) URL of at most ${maxLength} bytes`);
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new InvalidInputError(field, 'must be an absolute http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new InvalidInputError(field, 'must be an http(s) URL');
  return value;
}

export function parseAmountText(value: unknown, field: string): number {
  if (typeof value !== 'string' || !AMOUNT_TEXT_PATTERN.test(value)) {
    throw new InvalidInputError(
      field,
      'must be a positive integer amount in digits (no sign, decimals or leading zeros)',
    );
  }
  return assertKrwAmount(Number(value), field);
}

export function assertOrderId(orderId: unknown, field: string): void {
  assertMatches(orderId, field, ORDER_ID_PATTERN, 'must be 6-64 characters of A-Z a-z 0-9 _ -');
}

export function assertTid(tid: unknown, field: string): asserts tid is string {
  assertMatches(tid, field, TID_PATTERN, 'must be a NicePay tid');
}

export function assertBid(billingKey: unknown): asserts billingKey is string {
  if (typeof billingKey !== 'string' || !BID_PATTERN.test(billingKey))
    throw new InvalidInputError('billingKey', 'must be a NicePay bid');
}

/** Buyer fields of billing requests (registration and charge): NicePay's lengths, the phone as digits. */
export function buyerFields(customer: { name?: string; email?: string; phone?: string } | undefined): {
  buyerName?: string;
  buyerEmail?: string;
  buyerTel?: string;
} {
  const fields: { buyerName?: string; buyerEmail?: string; buyerTel?: string } = {};
  if (customer?.name !== undefined) fields.buyerName = textWithinBytes(customer.name, 'customer.name', 30);
  if (customer?.email !== undefined) fields.buyerEmail = textWithinBytes(customer.email, 'customer.email', 60);
  if (customer?.phone !== undefined) {
    const phone = String(customer.phone).replace(/-/g, '');
    if (!/^[0-9]{8,20}$/.test(phone)) throw new InvalidInputError('customer.phone', 'must be 8-20 digits');
    fields.buyerTel = phone;
  }
  return fields;
}

/**
 * A NicePay orderId for a request that is not a payment (cancel, billing registration, receipt): unique by
 * construction because it is derived from one of our own ids, and within NicePay's 64 characters.
 */
export function nicePayRequestOrderId(purpose: string, id: string): string {
  const cleanId = id.replace(/[^A-Za-z0-9_-]/g, '-');
  const orderId = `${purpose}-${cleanId}`;
  return orderId.length <= 64 ? orderId : orderId.slice(orderId.length - 64);
}
