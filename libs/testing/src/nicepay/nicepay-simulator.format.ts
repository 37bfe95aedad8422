import { createHash, randomBytes } from 'node:crypto';

/** Korea Standard Time has no daylight saving: a fixed +09:00 offset. */
const KST_OFFSET_MS = 9 * 60 * 60 * 1000;

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

function kstParts(date: Date) {
  const shifted = new Date(date.getTime() + KST_OFFSET_MS);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
    ms: shifted.getUTCMilliseconds(),
  };
}

/**
 * `yyyy-MM-dd'T'HH:mm:ss.SSS+0900`: every NicePay timestamp (ediDate, paidAt, cancelledAt, expireAt, …) is KST with a
 * colon-less offset (nicepay.md §1.5), e.g. `2021-11-05T17:14:35.150+0900`.
 */
export function formatNiceDate(date: Date): string {
  const p = kstParts(date);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}.${pad(p.ms, 3)}+0900`;
}

/** A time field that does not apply is the string "0" (nicepay.md §1.5). */
export const niceDateOrZero = (date: Date | undefined): string => (date ? formatNiceDate(date) : '0');

/** `yyMMddHHmmss` in KST: the middle of a tid / bid (nicepay.md §7.6). */
export function kstCompact12(date: Date): string {
  const p = kstParts(date);
  return `${pad(p.year % 100)}${pad(p.month)}${pad(p.day)}${pad(p.hour)}${pad(p.minute)}${pad(p.second)}`;
}

/** `yyyyMMdd` of the KST calendar day (the inquiry's `orderDate`). */
export function kstYmd(date: Date): string {
  const p = kstParts(date);
  return `${p.year}${pad(p.month)}${pad(p.day)}`;
}

/**
 * ISO 8601 with an offset, as NicePay accepts in `ediDate` (nicepay.md §1.5): `+0900`, `+09:00` or `Z`, with or
 * without milliseconds.
 */
export const ISO_8601_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})$/;

/** hex(sha256(UTF-8 text)), lower case: every signature and signData (nicepay.md §4.1). */
export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Opaque test identifiers from one `randomBytes` call; the modulo bias is irrelevant for them. */
export function randomString(length: number, alphabet = ALPHANUMERIC): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

export const randomDigits = (length: number): string => randomString(length, '0123456789');

/** Transaction-kind codes in a tid (nicepay.md §7.6 [U]). */
export const TID_METHOD_CODES = { card: '01', bank: '02', vbank: '03', cashReceipt: '04', cellphone: '05' } as const;

/** tid (30) = MID(10) + method code(2) + `01` + yyMMddHHmmss + 4 alphanumerics (nicepay.md §7.6 [U]). */
export const newTid = (mid: string, methodCode: string, now: Date): string =>
  `${mid}${methodCode}01${kstCompact12(now)}${randomString(4)}`;

/** bid (30) = `BIKY` + MID(10) + yyMMddHHmmss + 4 digits (nicepay.md §7.6 [U]). */
export const newBid = (mid: string, now: Date): string => `BIKY${mid}${kstCompact12(now)}${randomDigits(4)}`;

/** authToken (40) = `NICEUNTT` + 32 upper-case hex (nicepay.md §7.6). */
export const newAuthToken = (): string => `NICEUNTT${randomBytes(16).toString('hex').toUpperCase()}`;

/** accessToken: opaque lower-case hex, 64 chars as in the 2021 example (nicepay.md §1.4). */
export const newAccessToken = (): string => randomBytes(32).toString('hex');

/**
 * Length the way NicePay's byte limits count it: NicePay's back end is EUC-KR, where a Hangul syllable takes 2 bytes
 * (nicepay.md §8.19: "Korean in EUC-KR counts 2 bytes per char"). Every non-ASCII character counts 2 [U].
 */
export function niceByteLength(text: string): number {
  let bytes = 0;
  for (const char of text) bytes += char.codePointAt(0)! < 0x80 ? 1 : 2;
  return bytes;
}

/** `536112******1234`: first 6 + last 4 digits, the middle masked (nicepay.md §3.2 `card.cardNum`). */
export function maskCardNumber(cardNumber: string): string {
  const digits = cardNumber.replace(/\D/g, '');
  if (digits.length <= 10) return `${digits.slice(0, 6)}${'*'.repeat(Math.max(0, digits.length - 6))}`;
  return `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`;
}

/** Bank codes that can issue virtual accounts (★ in nicepay.md §7.4), with their names. */
export const VBANK_BANKS: ReadonlyArray<{ code: string; name: string }> = [
  { code: '003', name: '기업' },
  { code: '004', name: '국민' },
  { code: '011', name: '농협중앙회' },
  { code: '020', name: '우리' },
  { code: '081', name: '하나' },
  { code: '088', name: '신한' },
];

/** All bank codes of nicepay.md §7.4 (refund accounts, bank transfers). */
export const BANK_CODES: ReadonlySet<string> = new Set([
  '001', '002', '003', '004', '005', '007', '008', '011', '012', '020', '023', '026', '027', '031', '032', '034',
  '035', '037', '039', '045', '048', '050', '071', '081', '088', '089', '090',
]);
