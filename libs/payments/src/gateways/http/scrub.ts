/**
 * Scrubbing of everything the library writes somewhere a human or a log pipeline can read it: log lines, error
 * messages, and the `raw jsonb` copy of the last gateway response (kept for support, so it outlives any one call).
 * Secrets (API keys, merchant keys, Authorization headers), full card numbers, card PINs/expiry, billing keys, identity
 * numbers and gateway hashes that embed a key (KISPG `encData`, NicePay `signData`) must never survive into those
 * places.
 *
 * Two independent nets:
 * 1. by key: a value stored under a sensitive key name is replaced by '[REDACTED]' whatever it looks like;
 * 2. by value: any string anywhere that contains a full card number (13–19 digits, Luhn-valid, plausible IIN) has those
 *    digits replaced by '[CARD]', so a PAN pasted into `orderName` or a gateway's error message is caught too.
 */

export const REDACTED = '[REDACTED]';
export const CARD_REDACTED = '[CARD]';
const CIRCULAR = '[Circular]';
const TRUNCATED = '[Truncated]';
const MAX_DEPTH = 20;

/** Lower-case, without `_` / `-`, so `card_number`, `Card-Number` and `cardNumber` are one key. */
export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/**
 * Key names whose values are always redacted (normalized: lower-case, no `_`/`-`). Where they come from: Toss's
 * Basic auth and virtual-account `secret`, its key-in and billing-issue card fields (`cardNumber`,
 * `cardExpirationYear/Month`, `cardPassword`, `customerIdentityNumber`); NicePay's `encData` plaintext (`cardNo`,
 * `expYear`, `expMonth`, `idNo`, `cardPw`) and billing key `bid`; KISPG's `merchantKey`, `encData`, `hashStr`,
 * billing `expireYymm`, `cardPw`, `ordAuthNo`; Apps-in-Toss login's `accessToken`, `refreshToken`, `ci`; and our
 * own option names (`tlsKey`, `privateKey`, `passphrase`).
 */
export const SENSITIVE_KEYS: ReadonlySet<string> = new Set(
  [
    // credentials and auth headers
    'authorization',
    'proxy-authorization',
    'cookie',
    'set-cookie',
    'x-api-key',
    'apiKey',
    'secretKey',
    'secret',
    'clientSecret',
    'merchantKey',
    'shopKey',
    'password',
    'passwd',
    'passphrase',
    'accessToken',
    'refreshToken',
    'idToken',
    'authToken',
    'authKey',
    'tlsKey',
    'privateKey',
    // card data (a masked number under these keys is kept, see MASK_AWARE_KEYS)
    'cardNumber',
    'cardNo',
    'cardNum',
    'pan',
    'cardPassword',
    'cardPw',
    'cvc',
    'cvv',
    'cardCvc',
    'cardCvv',
    'cardExpirationYear',
    'cardExpirationMonth',
    'cardExpiry',
    'cardExpiryDate',
    'expYear',
    'expMonth',
    'expireYymm',
    'expiry',
    'expDate',
    // billing keys
    'billingKey',
    'bid',
    // gateway hashes that embed the merchant/secret key, and encrypted card blobs
    'encData',
    'signData',
    'hashStr',
    // identity numbers (birth date / business / resident / cash-receipt numbers) and personal identifiers
    'customerIdentityNumber',
    'identityNumber',
    'registrationNumber',
    'residentNumber',
    'residentRegistrationNumber',
    'idNo',
    'ordAuthNo',
    'ci',
    // bank accounts (refund accounts; a masked number is kept, see MASK_AWARE_KEYS)
    'accountNumber',
    'bankAccountNumber',
    'refundAccountNumber',
  ].map(normalizeKey),
);

/**
 * Keys whose values gateways also return *masked* (`43301234****123*` in Toss card and billing answers,
 * `536112******1234` in a NicePay payment, `100******094` in an Apps-in-Toss payment). A masked value is what support
 * and reconciliation need, so it is kept; anything that is not clearly masked is redacted.
 */
const MASK_AWARE_KEYS: ReadonlySet<string> = new Set(
  ['cardNumber', 'cardNo', 'cardNum', 'accountNumber', 'bankAccountNumber', 'refundAccountNumber'].map(normalizeKey),
);

/** At least four mask characters and never a run of 13+ digits: enough hidden that no full number is left. */
function isMasked(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const maskChars = value.match(/[*●•]/g)?.length ?? 0;
  return maskChars >= 4 && !/\d{13,}/.test(value.replace(/[ -]/g, ''));
}

function buildKeySet(extraKeys?: Iterable<string>): ReadonlySet<string> {
  if (!extraKeys) return SENSITIVE_KEYS;
  const keys = new Set(SENSITIVE_KEYS);
  for (const key of extraKeys) keys.add(normalizeKey(key));
  return keys;
}

function luhnValid(digits: string): boolean {
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

/** Replaces every full card number inside `text` with '[CARD]'. Masked numbers (with `*`) never match. */
export function scrubCardNumbers(text: string): string {
  if (!/\d{4}/.test(text) && !/\d[ -]\d/.test(text)) return text;
  return text.replace(CARD_CANDIDATE, (candidate) => {
    const digits = candidate.replace(/[ -]/g, '');
    return plausibleCardPrefix(digits) && luhnValid(digits) ? CARD_REDACTED : candidate;
  });
}

function scrubNode(value: unknown, keys: ReadonlySet<string>, ancestors: object[], depth: number): unknown {
  if (typeof value === 'string') return scrubCardNumbers(value);
  if (value === null || typeof value !== 'object') {
    // Numbers are left alone on purpose: every gateway sends card numbers as strings, and ids such as the
    // Apps-in-Toss `userKey` (int64, 13 digits) would otherwise be turned into strings in `raw`.
    return value;
  }
  if (ancestors.includes(value)) return CIRCULAR;
  if (depth >= MAX_DEPTH) return TRUNCATED;
  if (value instanceof Date) return new Date(value.getTime());
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value))
    return `[binary ${(value as ArrayBufferView).byteLength} bytes]`;

  ancestors.push(value);
  try {
    if (Array.isArray(value)) {
      return value.map((item) => scrubNode(item, keys, ancestors, depth + 1));
    }
    if (value instanceof Map) {
      const copy: Record<string, unknown> = {};
      for (const [key, item] of value) copy[String(key)] = scrubEntry(String(key), item, keys, ancestors, depth);
      return copy;
    }
    if (value instanceof Error) {
      return { name: value.name, message: scrubText(value.message) };
    }
    // Class instances are copied as plain objects of their own enumerable properties: `raw` is JSON anyway.
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      copy[key] = scrubEntry(key, item, keys, ancestors, depth);
    }
    return copy;
  } finally {
    ancestors.pop();
  }
}

function scrubEntry(
  key: string,
  item: unknown,
  keys: ReadonlySet<string>,
  ancestors: object[],
  depth: number,
): unknown {
  const normalized = normalizeKey(key);
  if (keys.has(normalized)) {
    // null/undefined carry "not present" information and no secret.
    if (item === null || item === undefined) return item;
    if (MASK_AWARE_KEYS.has(normalized) && isMasked(item)) return item;
    return REDACTED;
  }
  return scrubNode(item, keys, ancestors, depth + 1);
}

/**
 * Deep copy of `value` with sensitive keys redacted and full card numbers in strings replaced. `extraKeys` adds
 * gateway-specific names (matched the same way: case-insensitive, `_`/`-` ignored). Cycles become '[Circular]';
 * anything nested deeper than 20 levels becomes '[Truncated]'.
 */
export function scrub<T = unknown>(value: T, extraKeys?: Iterable<string>): unknown {
  return scrubNode(value, buildKeySet(extraKeys), [], 0);
}

/**
 * The three scrubbers bound to one precompiled key set: what a long-lived caller (the HTTP client, an adapter)
 * holds, so the set is not rebuilt on every request.
 */
export class Scrubber {
  private readonly keys: ReadonlySet<string>;
  constructor(extraKeys?: Iterable<string>) {
    this.keys = buildKeySet(extraKeys);
  }
  scrub(value: unknown): unknown {
    return scrubNode(value, this.keys, [], 0);
  }
  scrubText(text: string): string {
    return scrubTextWith(text, this.keys);
  }
  scrubHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
    return scrubHeadersWith(headers, this.keys);
  }
  isSensitiveKey(key: string): boolean {
    return this.keys.has(normalizeKey(key));
  }
}

const KEY_VALUE_KEYS_PATTERN = /([A-Za-z][A-Za-z0-9_-]*)(=)([^&\s;,]*)/g;
const JSON_PAIR_PATTERN = /"([A-Za-z][A-Za-z0-9_-]*)"(\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)/g;

/**
 * Free text (error reasons, query strings, form bodies, response snippets):
 * - `Basic xxx` / `Bearer xxx` credentials,
 * - Toss secret keys (`test_sk_`, `live_sk_`, `test_gsk_`, `live_gsk_`, legacy `test_ak_`: every prefix Toss issues),
 * - `key=value` pairs (query/form strings) and `"key": value` pairs (JSON snippets) whose key is sensitive,
 * - full card numbers.
 */
export function scrubText(text: string, extraKeys?: Iterable<string>): string {
  return scrubTextWith(text, buildKeySet(extraKeys));
}

function scrubTextWith(text: string, keys: ReadonlySet<string>): string {
  if (typeof text !== 'string' || text.length === 0) return text;
  let out = text.replace(/\b(Basic|Bearer)(\s+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1$2${REDACTED}`);
  out = out.replace(/\b(?:test|live)_(?:sk|gsk|ak)_[A-Za-z0-9_-]+/g, REDACTED);
  out = out.replace(KEY_VALUE_KEYS_PATTERN, (whole, key: string, eq: string, value: string) =>
    keys.has(normalizeKey(key)) && value.length > 0 && !(MASK_AWARE_KEYS.has(normalizeKey(key)) && isMasked(value))
      ? `${key}${eq}${REDACTED}`
      : whole,
  );
  out = out.replace(JSON_PAIR_PATTERN, (whole, key: string, sep: string, value: string) => {
    const normalized = normalizeKey(key);
    if (!keys.has(normalized) || value === 'null') return whole;
    if (MASK_AWARE_KEYS.has(normalized) && isMasked(value)) return whole;
    return `"${key}"${sep}"${REDACTED}"`;
  });
  return scrubCardNumbers(out);
}

/**
 * Headers for a log line: names lower-cased, sensitive headers (Authorization, Cookie, any sensitive key name)
 * redacted, multi-valued headers joined with ', ', undefined dropped, every other value passed through `scrubText`.
 */
export function scrubHeaders(
  headers: Record<string, string | string[] | undefined>,
  extraKeys?: Iterable<string>,
): Record<string, string> {
  return scrubHeadersWith(headers, buildKeySet(extraKeys));
}

function scrubHeadersWith(
  headers: Record<string, string | string[] | undefined>,
  keys: ReadonlySet<string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    if (raw === undefined || raw === null) continue;
    const lower = name.toLowerCase();
    const value = Array.isArray(raw) ? raw.join(', ') : String(raw);
    out[lower] = keys.has(normalizeKey(lower)) ? REDACTED : scrubTextWith(value, keys);
  }
  return out;
}
