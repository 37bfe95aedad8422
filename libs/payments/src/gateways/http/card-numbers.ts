/**
 * Card-number detection for the scrubber (`./scrub.ts`), written so that it never edits audit data.
 *
 * Gateways sign their answers and webhooks with hashes sent as hex (NicePay `signature`, KISPG `hashStr`/`encData`)
 * or base64 (Toss payout signatures). About one 64-character hex hash in 200 contains a run of 13–19 digits that
 * passes the Luhn check; masking that run made the stored body unverifiable. So a card number is looked for only:
 * - in fields that hold card numbers (`card.number`, `cardBinNumber` ...): any run of 13–19 digits is masked there,
 *   Luhn-valid or not, because nothing else lives in those fields;
 * - in free text (messages, names, log lines): a run of 13–19 digits that passes the Luhn check, starts like a card,
 *   and is not part of a longer hex or base64 token.
 * Values of signature fields and of the fields a signature covers are never scanned, nor is a value that is, as a
 * whole, a hex or base64 token.
 */

export const CARD_REDACTED = '[CARD]';

/**
 * Normalized (lower-case, no `_`/`-`) names of the fields that carry a signature or go into one, so stored answers
 * still verify: NicePay's `signature` over tid + amount + ediDate (orderId for cash receipts), KISPG's `hashStr` /
 * `encData` over mid + ediDate + goodsAmt/amt, Toss's webhook signature header. Names that are also secrets
 * (`signData`, `encData`, `hashStr`) are redacted before this list is consulted.
 */
const SIGNED_FIELDS: ReadonlySet<string> = new Set([
  'signature',
  'sign',
  'signdata',
  'hash',
  'hashstr',
  'mac',
  'hmac',
  'encdata',
  'edidate',
  'tid',
  'mid',
  'orderid',
  'amt',
  'goodsamt',
]);

/** True for a normalized field name whose value is a signature or signed input (`…signature` and `…hash` too). */
export function isSignedField(normalizedKey: string): boolean {
  return SIGNED_FIELDS.has(normalizedKey) || normalizedKey.endsWith('signature') || normalizedKey.endsWith('hash');
}

/**
 * Card-number fields that are not already redacted by name: Toss's `card.number` (masked by Toss, `43301234****123*`)
 * and Apps-in-Toss's `cardBinNumber` / `cardNum4Print` (a BIN or a printable tail). `cardNumber`, `cardNo`,
 * `cardNum` and `pan` are sensitive keys, redacted unless masked, before this is consulted.
 */
const CARD_NUMBER_FIELDS: ReadonlySet<string> = new Set(['cardbinnumber', 'cardnum4print']);

/** `number` is a card field only inside a `card` object (Toss `card.number`); elsewhere it is an ordinary name. */
export function isCardNumberField(normalizedKey: string, normalizedParentKey: string | undefined): boolean {
  return CARD_NUMBER_FIELDS.has(normalizedKey) || (normalizedKey === 'number' && normalizedParentKey === 'card');
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Card brands start with 3 (Amex, JCB, Diners), 4 (Visa), 5 (Mastercard, Korean local brands), 6 (UnionPay,
 * Discover), 9 (Korean domestic cards) or 2221–2720 (Mastercard 2-series). Requiring this keeps Luhn's 1-in-10 false
 * positives away from the digit strings gateways return everywhere: 14-digit timestamps (`20230411101055`, KISPG's
 * `appDtm`), `ediDate`s, tids and approval numbers.
 */
function plausibleCardPrefix(digits: string): boolean {
  const first = digits[0];
  if (first === '3' || first === '4' || first === '5' || first === '6' || first === '9') return true;
  if (first === '2') {
    const prefix4 = Number(digits.slice(0, 4));
    return prefix4 >= 2221 && prefix4 <= 2720;
  }
  return false;
}

// 13–19 digits, each optionally preceded by one '-' or ' ', not glued to other digits.
const CARD_CANDIDATE = /(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)/g;

/** The shortest hex hash gateways send is MD5 (32 characters); SHA-1 is 40, SHA-256 64, SHA-512 128. */
const MIN_HEX_TOKEN = 32;
/**
 * An unpadded base64 token this long with both letter cases is taken as encoded bytes (an MD5 is 24 characters in
 * base64, a SHA-256 44). Words glued to a card number (`card4111…`, `ab4111…xy`) are shorter or single-case.
 */
const MIN_BASE64_TOKEN = 24;
const HEX_WHOLE = /^[0-9a-fA-F]+$/;
const PADDED_BASE64_WHOLE = /^[A-Za-z0-9+/_-]+={1,2}$/;

const isHexChar = (char: string): boolean => /[0-9a-fA-F]/.test(char);
// `-` and `_` (URL-safe base64) are left out: they also join words to a number (`Card-4111…`, `card_4111…`).
const isBase64Char = (char: string): boolean => /[A-Za-z0-9+/]/.test(char);
const hasBothCases = (text: string): boolean => /[A-Z]/.test(text) && /[a-z]/.test(text);

/**
 * True when `value` as a whole is an encoded token: hex of at least 32 characters, base64 (standard or URL-safe) with
 * `=` padding, or long unpadded standard base64 with both letter cases. Such a value is never scanned.
 */
export function isEncodedToken(value: string): boolean {
  if (value.length >= MIN_HEX_TOKEN && HEX_WHOLE.test(value)) return true;
  if (value.length >= 16 && value.length % 4 === 0 && PADDED_BASE64_WHOLE.test(value) && /[A-Za-z]/.test(value)) {
    return true;
  }
  return value.length >= MIN_BASE64_TOKEN && /^[A-Za-z0-9+/]+$/.test(value) && hasBothCases(value);
}

function spanAround(text: string, start: number, end: number, belongs: (char: string) => boolean): [number, number] {
  let left = start;
  while (left > 0 && belongs(text[left - 1])) left--;
  let right = end;
  while (right < text.length && belongs(text[right])) right++;
  return [left, right];
}

/** Whether the digit run text[start, end) is a piece of a longer hex or base64 token rather than a number of its own. */
function insideEncodedToken(text: string, start: number, end: number): boolean {
  // A grouped number (`4111-1111-…`, `4111 1111 …`) is written for people, never part of an encoded token.
  if (/[ -]/.test(text.slice(start, end))) return false;
  const [hexLeft, hexRight] = spanAround(text, start, end, isHexChar);
  if (hexRight - hexLeft >= MIN_HEX_TOKEN) return true;
  const [left, right] = spanAround(text, start, end, isBase64Char);
  if (left === start && right === end) return false;
  const token = text.slice(left, right);
  if (token.length >= MIN_BASE64_TOKEN && hasBothCases(token)) return true;
  // `…=` right after the token is base64 padding: encoded bytes, whatever the letters.
  return text[right] === '=' && token.length >= 16 && /[A-Za-z]/.test(token);
}

/**
 * Whether the `key=` (or `key==`) found at text[keyStart, paddingEnd) is really the padded tail of a base64 token
 * (`…AAAA/CI=`, where `ci` would otherwise read as a sensitive key): glued to base64 characters on the left, nothing
 * of a token after it, and an encoded token as a whole.
 */
export function isBase64Padding(text: string, keyStart: number, paddingEnd: number): boolean {
  if (keyStart === 0 || !isBase64Char(text[keyStart - 1])) return false;
  if (paddingEnd < text.length && isBase64Char(text[paddingEnd])) return false;
  const [left] = spanAround(text, keyStart, keyStart, isBase64Char);
  return isEncodedToken(text.slice(left, paddingEnd));
}

/** A character range of a text that card scanning must leave alone (the value of a signed key in a query string). */
export type TextRange = readonly [start: number, end: number];

/**
 * Free text: replaces each Luhn-valid, card-like run of 13–19 digits (optionally grouped by `-` or ` `) with '[CARD]',
 * unless it lies inside a hex/base64 token or one of `protectedRanges`. Masked numbers (with `*`) never match.
 */
export function maskCardNumbersInText(text: string, protectedRanges: readonly TextRange[] = []): string {
  if (!/\d{4}/.test(text) && !/\d[ -]\d/.test(text)) return text;
  return text.replace(CARD_CANDIDATE, (candidate: string, offset: number) => {
    const end = offset + candidate.length;
    if (protectedRanges.some(([start, stop]) => offset < stop && end > start)) return candidate;
    if (insideEncodedToken(text, offset, end)) return candidate;
    const digits = candidate.replace(/[ -]/g, '');
    return plausibleCardPrefix(digits) && luhnValid(digits) ? CARD_REDACTED : candidate;
  });
}

/** A card-number field: every run of 13–19 digits is a full card number there, Luhn-valid or not. */
export function maskCardNumberField(value: string): string {
  return value.replace(CARD_CANDIDATE, CARD_REDACTED);
}
