import { createCipheriv, createHash, timingSafeEqual } from 'node:crypto';
import type { NicePayEncMode } from './nicepay.types';

/**
 * `Authorization: Basic base64(clientId:secretKey)`: standard base64 with padding, no newline.
 */
export function nicePayBasicAuthorization(clientId: string, secretKey: string): string {
  return `Basic ${Buffer.from(`${clientId}:${secretKey}`, 'utf8').toString('base64')}`;
}

/**
 * SHA-256 over the UTF-8 bytes of the plain concatenation, lowercase hex. Numbers are hashed as their decimal text
 * (`1004`), timestamps exactly as sent or received (docs/gateways/nicepay.md#requests-answers-and-signatures).
 */
export function nicePaySha256(...parts: Array<string | number>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(String(part), 'utf8');
  return hash.digest('hex');
}

/** returnUrl POST signature (Server-approval model): authToken + clientId + amount + SK. */
export function nicePayReturnSignature(
  authToken: string,
  clientId: string,
  amount: string | number,
  secretKey: string,
): string {
  return nicePaySha256(authToken, clientId, amount, secretKey);
}

/**
 * Payment-object signature (approve, inquiry, cancel, netcancel, billing approve, webhook):
 * original tid + original amount + ediDate + SK, with the values as they appear in the payload.
 */
export function nicePayPaymentSignature(
  tid: string,
  amount: string | number,
  ediDate: string,
  secretKey: string,
): string {
  return nicePaySha256(tid, amount, ediDate, secretKey);
}

/** Cash-receipt response signature: tid + orderId + ediDate + SK. */
export function nicePayReceiptSignature(tid: string, orderId: string, ediDate: string, secretKey: string): string {
  return nicePaySha256(tid, orderId, ediDate, secretKey);
}

/**
 * Constant-time comparison of a presented hex signature with the expected one, case-insensitive (NicePay sends lowercase hex).
 * Both sides are hashed first so neither content nor length leaks through timing; a missing value never matches.
 */
export function nicePaySignatureMatches(presented: unknown, expected: string): boolean {
  if (typeof presented !== 'string' || presented.length === 0) return false;
  const presentedDigest = createHash('sha256').update(presented.toLowerCase(), 'utf8').digest();
  const expectedDigest = createHash('sha256').update(expected.toLowerCase(), 'utf8').digest();
  return timingSafeEqual(presentedDigest, expectedDigest);
}

/** Card data registered for a billing key. Never logged, never stored. */
export interface NicePayBillingCardData {
  cardNo: string;
  expYear: string;
  expMonth: string;
  idNo?: string;
  cardPw?: string;
}

/** `cardNo=…&expYear=…&expMonth=…&idNo=…&cardPw=…` in the key order of NicePay's manual. */
export function nicePayBillingPlaintext(card: NicePayBillingCardData): string {
  const parts = [`cardNo=${card.cardNo}`, `expYear=${card.expYear}`, `expMonth=${card.expMonth}`];
  if (card.idNo !== undefined) parts.push(`idNo=${card.idNo}`);
  if (card.cardPw !== undefined) parts.push(`cardPw=${card.cardPw}`);
  return parts.join('&');
}

/**
 * Billing `encData`, lowercase hex (docs/gateways/nicepay.md#billing-keys):
 * - 'A2': AES-256-CBC, key = the 32 ASCII characters of the secret key, IV = its first 16 characters;
 * - 'AES128': AES-128-**ECB** (not CBC, which older NicePay manuals and third-party code show), key = the first 16 ASCII
 *   characters of the secret key (the characters as bytes, not hex-decoded). PKCS#7 padding in both.
 */
export function nicePayEncrypt(plaintext: string, secretKey: string, mode: NicePayEncMode): string {
  if (secretKey.length !== 32) throw new Error('nicepay encData: the secret key must be 32 characters');
  const cipher =
    mode === 'A2'
      ? createCipheriv('aes-256-cbc', Buffer.from(secretKey, 'utf8'), Buffer.from(secretKey.slice(0, 16), 'utf8'))
      : createCipheriv('aes-128-ecb', Buffer.from(secretKey.slice(0, 16), 'utf8'), null);
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('hex');
}

const KST_OFFSET_MS = 9 * 60 * 60 * 1000; // Asia/Seoul has no DST

/**
 * `ediDate`: request creation time, ISO 8601, written in KST with milliseconds like NicePay's own timestamps. The
 * extended offset `+09:00` is used; URLSearchParams percent-encodes its `+` as `%2B` in GET queries (unencoded, NicePay's
 * signData check fails with U312).
 */
export function nicePayEdiDate(now: Date): string {
  return `${new Date(now.getTime() + KST_OFFSET_MS).toISOString().slice(0, 23)}+09:00`;
}

/** `yyyyMMdd` in KST (orderDate of inquiries). */
export function nicePayKstDate(date: Date): string {
  return new Date(date.getTime() + KST_OFFSET_MS).toISOString().slice(0, 10).replace(/-/g, '');
}

/**
 * NicePay timestamps (`2021-11-05T17:14:35.150+0900`): the colon-less offset is normalised; `"0"`, empty and
 * unparsable values mean "not applicable" (null). `yyyyMMdd` (a billing registration's authDate) is a KST date.
 */
export function parseNicePayDate(value: unknown): Date | null {
  if (typeof value !== 'string' || value.length === 0 || value === '0') return null;
  let text = value;
  if (/^\d{8}$/.test(text)) text = `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}T00:00:00+09:00`;
  text = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  if (!/([zZ]|[+-]\d{2}:\d{2})$/.test(text)) text = `${text}+09:00`;
  const parsed = new Date(text);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}
