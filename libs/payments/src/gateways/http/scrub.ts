import {
  CARD_REDACTED,
  isCardNumberField,
  isBase64Padding,
  isEncodedToken,
  isSignedField,
  maskCardNumberField,
  maskCardNumbersInText,
  type TextRange,
} from './card-numbers';

/**
 * Scrubbing of everything the library writes somewhere a human or a log pipeline can read it: log lines, error
 * messages, and the `raw jsonb` copy of the last gateway response (kept for support, so it outlives any one call).
 * Secrets (API keys, merchant keys, Authorization headers), full card numbers, card PINs/expiry, billing keys, identity
 * numbers and gateway hashes that embed a key (KISPG `encData`, NicePay `signData`) must never survive into those
 * places.
 *
 * Two independent nets:
 * 1. by key: a value stored under a sensitive key name is replaced by '[REDACTED]' whatever it looks like;
 * 2. by value: full card numbers are replaced by '[CARD]' in card-number fields (any 13–19 digits) and in free text
 *    (Luhn-valid, plausible IIN), so a PAN pasted into `orderName` or a gateway's error message is caught too.
 * The second net never edits a signature or the fields it covers, nor a hex/base64 token (`./card-numbers.ts`):
 * a stored gateway answer must still verify.
 */

export { CARD_REDACTED };
export const REDACTED = '[REDACTED]';
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

/** Replaces every full card number inside free `text` with '[CARD]'. Masked numbers and hex/base64 tokens are kept. */
export function scrubCardNumbers(text: string): string {
  return maskCardNumbersInText(text);
}

/**
 * Where a value sits: the normalized name of the field holding it (array items inherit their array's) and of the
 * object around that field, so `card.number` is told from any other `number`.
 */
interface FieldContext {
  field?: string;
  parent?: string;
}

/** A string value by the field that holds it: signed fields kept, card fields fully masked, anything else as text. */
function scrubString(value: string, context: FieldContext): string {
  const { field, parent } = context;
  if (field !== undefined && isSignedField(field)) return value;
  if (field !== undefined && isCardNumberField(field, parent)) return maskCardNumberField(value);
  if (isEncodedToken(value)) return value;
  return maskCardNumbersInText(value);
}

/** What one `scrub` call carries down the tree: the key set and the objects on the current path (cycle check). */
interface Walk {
  keys: ReadonlySet<string>;
  ancestors: object[];
}

function scrubNode(value: unknown, walk: Walk, depth: number, context: FieldContext = {}): unknown {
  if (typeof value === 'string') return scrubString(value, context);
  if (value === null || typeof value !== 'object') {
    // Numbers are left alone on purpose: every gateway sends card numbers as strings, and ids such as the
    // Apps-in-Toss `userKey` (int64, 13 digits) would otherwise be turned into strings in `raw`.
    return value;
  }
  const { ancestors } = walk;
  if (ancestors.includes(value)) return CIRCULAR;
  if (depth >= MAX_DEPTH) return TRUNCATED;
  if (value instanceof Date) return new Date(value.getTime());
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value))
    return `[binary ${(value as ArrayBufferView).byteLength} bytes]`;

  ancestors.push(value);
  try {
    if (Array.isArray(value)) {
      return value.map((item) => scrubNode(item, walk, depth + 1, context));
    }
    if (value instanceof Error) {
      return { name: value.name, message: scrubText(value.message) };
    }
    // Maps and class instances are copied as plain objects of their own entries: `raw` is JSON anyway.
    const entries: Array<[string, unknown]> =
      value instanceof Map
        ? [...(value as Map<unknown, unknown>)].map(([key, item]): [string, unknown] => [String(key), item])
        : Object.entries(value);
    const copy: Record<string, unknown> = {};
    for (const [key, item] of entries) copy[key] = scrubEntry(key, item, walk, depth, context.field);
    return copy;
  } finally {
    ancestors.pop();
  }
}

function scrubEntry(key: string, item: unknown, walk: Walk, depth: number, parent: string | undefined): unknown {
  const normalized = normalizeKey(key);
  if (walk.keys.has(normalized)) {
    // null/undefined carry "not present" information and no secret.
    if (item === null || item === undefined) return item;
    if (MASK_AWARE_KEYS.has(normalized) && isMasked(item)) return item;
    return REDACTED;
  }
  return scrubNode(item, walk, depth + 1, { field: normalized, parent });
}

/**
 * Deep copy of `value` with sensitive keys redacted and full card numbers in strings replaced. `extraKeys` adds
 * gateway-specific names (matched the same way: case-insensitive, `_`/`-` ignored). Cycles become '[Circular]';
 * anything nested deeper than 20 levels becomes '[Truncated]'.
 */
export function scrub<T = unknown>(value: T, extraKeys?: Iterable<string>): unknown {
  return scrubNode(value, { keys: buildKeySet(extraKeys), ancestors: [] }, 0);
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
    return scrubNode(value, { keys: this.keys, ancestors: [] }, 0);
  }
  scrubText(text: string): string {
    return scrubTextWith(text, this.keys);
  }
  /**
   * The scrubbed copy of what `read` gives (text through `scrubText`), made on the first call and the same object on
   * every later one: a body that is neither logged nor stored is never copied.
   */
  onDemand(read: () => unknown): () => unknown {
    let made: { value: unknown } | undefined;
    return () => {
      if (made === undefined) {
        const body = read();
        made = { value: typeof body === 'string' ? this.scrubText(body) : this.scrub(body) };
      }
      return made.value;
    };
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
 * - full card numbers, except inside the values of signed keys and inside hex/base64 tokens.
 */
export function scrubText(text: string, extraKeys?: Iterable<string>): string {
  return scrubTextWith(text, buildKeySet(extraKeys));
}

function scrubTextWith(text: string, keys: ReadonlySet<string>): string {
  if (typeof text !== 'string' || text.length === 0) return text;
  let out = text.replace(/\b(Basic|Bearer)(\s+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1$2${REDACTED}`);
  out = out.replace(/\b(?:test|live)_(?:sk|gsk|ak)_[A-Za-z0-9_-]+/g, REDACTED);
  out = out.replace(
    KEY_VALUE_KEYS_PATTERN,
    (whole, key: string, eq: string, value: string, offset: number, all: string) => {
      const normalized = normalizeKey(key);
      if (!keys.has(normalized) || value.length === 0) return whole;
      if (MASK_AWARE_KEYS.has(normalized) && isMasked(value)) return whole;
      const paddingEnd = offset + key.length + eq.length + (value.startsWith('=') ? 1 : 0);
      return isBase64Padding(all, offset, paddingEnd) ? whole : `${key}${eq}${REDACTED}`;
    },
  );
  out = out.replace(JSON_PAIR_PATTERN, (whole, key: string, sep: string, value: string) => {
    const normalized = normalizeKey(key);
    if (!keys.has(normalized) || value === 'null') return whole;
    if (MASK_AWARE_KEYS.has(normalized) && isMasked(value)) return whole;
    return `"${key}"${sep}"${REDACTED}"`;
  });
  return maskCardNumbersInText(out, signedValueRanges(out));
}

/** Where the values of signed keys (`signature=…`, `"tid":"…"`) sit in `text`: card scanning leaves them alone. */
function signedValueRanges(text: string): TextRange[] {
  const ranges: TextRange[] = [];
  for (const pattern of [KEY_VALUE_KEYS_PATTERN, JSON_PAIR_PATTERN]) {
    for (const match of text.matchAll(pattern)) {
      const [whole, key, , value] = match;
      if (!isSignedField(normalizeKey(key))) continue;
      const end = match.index + whole.length;
      ranges.push([end - value.length, end]);
    }
  }
  return ranges;
}

/**
 * Headers for a log line: names lower-cased, sensitive headers (Authorization, Cookie, any sensitive key name)
 * redacted, multi-valued headers joined with ', ', undefined dropped, signature headers (Toss's
 * `tosspayments-webhook-signature`) kept as sent, every other value passed through `scrubText`.
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
    const normalized = normalizeKey(lower);
    if (keys.has(normalized)) out[lower] = REDACTED;
    else out[lower] = isSignedField(normalized) ? value : scrubTextWith(value, keys);
  }
  return out;
}
