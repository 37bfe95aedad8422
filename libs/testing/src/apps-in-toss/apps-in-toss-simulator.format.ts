import { randomUUID } from 'node:crypto';
import { kstParts, pad } from '../common/kst';
import { randomString } from '../common/random-id';

export { randomString } from '../common/random-id';

/**
 * `yyyy-MM-dd HH:mm:ss` in KST, no offset: `approvalTime` of execute and refund (the documented sample shows
 * `"2025-04-17 12:32:10"`). The format of `regTs`/`createdTs`/`paidTs` is not documented; the simulator uses the same
 * one there (docs/gateways/apps-in-toss.md#timestamps).
 */
export function formatKstDateTime(date: Date): string {
  const p = kstParts(date);
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** 22 base62 characters like the documented `O1NZck9XME8ureeVJVJP67`. */
export const newPayToken = (): string => randomString(22);
/** `transactionId` is a UUID in the documented execute sample (`45a77cf4-5577-4d5c-8827-4d4dd328bf12`). */
export const newTransactionId = (): string => randomUUID();
export const newRefundNo = (): string => randomString(20, '0123456789');
export const newCashReceiptMgtKey = (): string => randomString(20, '0123456789');
export const newCardAuthorizationNo = (): string => randomString(8, '0123456789');

/** orderNo: ≤ 50 chars of digits, letters and `_-:.^@`; one older guide also lists `~` (unverified, an option). */
export const ORDER_NO_PATTERN = /^[0-9A-Za-z_\-:.^@]{1,50}$/;
export const ORDER_NO_WITH_TILDE_PATTERN = /^[0-9A-Za-z_\-:.^@~]{1,50}$/;

/**
 * Refund reason: Hangul (syllables and jamo), digits, letters and `_ - : . ^ @ ( ) [ ] # / ! % ? &`, ≤ 55
 * (docs/gateways/apps-in-toss.md#field-limits). The list names no space; whether Toss accepts one is unverified,
 * hence a separate pattern.
 */
const REASON_SYMBOLS = '_\\-:.^@()\\[\\]#/!%?&';
const HANGUL = '\\uAC00-\\uD7A3\\u1100-\\u11FF\\u3130-\\u318F';
export const REFUND_REASON_PATTERN = new RegExp(`^[${HANGUL}0-9A-Za-z${REASON_SYMBOLS}]{1,55}$`, 'u');
export const REFUND_REASON_WITH_SPACE_PATTERN = new RegExp(`^[${HANGUL}0-9A-Za-z${REASON_SYMBOLS} ]{1,55}$`, 'u');

/** "Integer, Max Length 7" in the API reference: a JSON number, integral, at most 7 digits. */
export const MAX_AMOUNT = 9_999_999;
export const isAmount = (value: unknown, minimum: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= minimum && value <= MAX_AMOUNT;

/** VAT Toss computes when the merchant leaves it out: taxable ÷ 11 rounded up. */
export const vatOfTaxable = (taxable: number): number => (taxable <= 0 ? 0 : Math.floor((taxable + 10) / 11));

/** Card companies by `cardCompanyCode`, as Toss lists them. */
export const CARD_COMPANIES: Readonly<Record<number, string>> = {
  1: '신한',
  2: '현대',
  3: '삼성',
  4: '국민',
  5: '롯데',
  6: '하나',
  7: '우리',
  8: '농협',
  9: '씨티',
  10: '비씨',
};
