import { createHash, randomBytes } from 'node:crypto';
import { kstCompact, kstParts, pad } from '../common/kst';
import { randomDigits, randomString } from '../common/random-id';

export { randomDigits, randomString } from '../common/random-id';

/**
 * `yyyy-MM-dd'T'HH:mm:ss.SSS+0900`: every NicePay timestamp (ediDate, paidAt, cancelledAt, expireAt, …) is KST with a
 * colon-less offset, e.g. `2021-11-05T17:14:35.150+0900`.
 */
export function formatNiceDate(date: Date): string {
  const p = kstParts(date);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}.${pad(p.ms, 3)}+0900`;
}

/** A time field that does not apply is the string "0". */
export const niceDateOrZero = (date: Date | undefined): string => (date ? formatNiceDate(date) : '0');

/** `yyMMddHHmmss` in KST: the middle of a tid / bid. */
export const kstCompact12 = (date: Date): string => kstCompact(date).slice(2);

/** `yyyyMMdd` of the KST calendar day (the inquiry's `orderDate`). */
export const kstYmd = (date: Date): string => kstCompact(date).slice(0, 8);

/**
 * ISO 8601 with an offset, as NicePay accepts in `ediDate`: `+0900`, `+09:00` or `Z`, with or
 * without milliseconds.
 */
export const ISO_8601_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})$/;

/** hex(sha256(UTF-8 text)), lower case: every signature and signData. */
export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Transaction-kind codes in a tid (inferred from NicePay's examples; not documented). */
export const TID_METHOD_CODES = { card: '01', bank: '02', vbank: '03', cashReceipt: '04', cellphone: '05' } as const;

/**
 * tid (30) = MID(10) + method code(2) + `01` + yyMMddHHmmss + 4 alphanumerics (inferred from NicePay's examples; not
 * documented).
 */
export const newTid = (mid: string, methodCode: string, now: Date): string =>
  `${mid}${methodCode}01${kstCompact12(now)}${randomString(4)}`;

/** bid (30) = `BIKY` + MID(10) + yyMMddHHmmss + 4 digits (inferred from NicePay's examples; not documented). */
export const newBid = (mid: string, now: Date): string => `BIKY${mid}${kstCompact12(now)}${randomDigits(4)}`;

/** authToken (40) = `NICEUNTT` + 32 upper-case hex. */
export const newAuthToken = (): string => `NICEUNTT${randomBytes(16).toString('hex').toUpperCase()}`;

/** accessToken: opaque lower-case hex, 64 chars as in the 2021 example. */
export const newAccessToken = (): string => randomBytes(32).toString('hex');

/**
 * Length the way NicePay's byte limits count it: NicePay's back end is EUC-KR, where a Hangul syllable takes 2 bytes
 * (docs/gateways/nicepay.md#requests-answers-and-signatures). Every non-ASCII character counts 2, an assumption for
 * characters outside Korean.
 */
export function niceByteLength(text: string): number {
  let bytes = 0;
  for (const char of text) bytes += char.codePointAt(0)! < 0x80 ? 1 : 2;
  return bytes;
}

/** `536112******1234`: first 6 + last 4 digits, the middle masked (the payment object's `card.cardNum`). */
export function maskCardNumber(cardNumber: string): string {
  const digits = cardNumber.replace(/\D/g, '');
  if (digits.length <= 10) return `${digits.slice(0, 6)}${'*'.repeat(Math.max(0, digits.length - 6))}`;
  return `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`;
}

/** Bank codes that can issue virtual accounts (NicePay's bank-code table marks them), with their names. */
export const VBANK_BANKS: ReadonlyArray<{ code: string; name: string }> = [
  { code: '003', name: '기업' },
  { code: '004', name: '국민' },
  { code: '011', name: '농협중앙회' },
  { code: '020', name: '우리' },
  { code: '081', name: '하나' },
  { code: '088', name: '신한' },
];

/** All bank codes of NicePay's table (refund accounts, bank transfers). */
export const BANK_CODES: ReadonlySet<string> = new Set([
  '001',
  '002',
  '003',
  '004',
  '005',
  '007',
  '008',
  '011',
  '012',
  '020',
  '023',
  '026',
  '027',
  '031',
  '032',
  '034',
  '035',
  '037',
  '039',
  '045',
  '048',
  '050',
  '071',
  '081',
  '088',
  '089',
  '090',
]);
