import { InvalidInputError } from '../../domain/errors';
import type { PaymentMethod } from '../gateway.port';

/*
 * Field rules of the KISPG payment window and of what comes back from it (docs/gateways/kispg.md#checkout). The
 * guide's limits are in BYTES; KISPG's servers count UTF-8 bytes (charset=UTF-8), so a 30-byte `ordNm` holds 10 Hangul
 * syllables, not 30 (docs/gateways/kispg.md#byte-limits).
 */

/** Every amount KISPG sends or takes: a digit string without sign, separators or decimals (up to 15 digits). */
export const KISPG_AMOUNT_PATTERN = /^[0-9]{1,15}$/;

/** tid: 30 characters of mid + method codes + KST time + sequence in KISPG's examples; 1-30 letters/digits accepted. */
export const KISPG_TID_PATTERN = /^[A-Za-z0-9]{1,30}$/;

/** UTF-8 byte length, the unit of every KISPG field limit. */
export function utf8Bytes(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/** C0/C1 control characters and DEL: never meaningful in a form field, and a header/HTML injection vector. */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
/** A UTF-16 surrogate without its partner cannot be encoded as UTF-8 (it would be sent as U+FFFD). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface TextRule {
  /** Maximum UTF-8 bytes. */
  maxBytes: number;
  /** Minimum characters (default 1). */
  minLength?: number;
  /** Extra shape check (digits only, a fixed vocabulary ...). */
  pattern?: RegExp;
  patternHint?: string;
}

/** A string within the byte limit, without control characters or unpaired surrogates → the value, else InvalidInputError naming the field. */
export function assertKispgText(value: unknown, field: string, rule: TextRule): string {
  if (typeof value !== 'string') throw new InvalidInputError(field, 'must be a string');
  if (value.length < (rule.minLength ?? 1)) throw new InvalidInputError(field, 'must not be empty');
  if (CONTROL_CHARACTERS.test(value)) throw new InvalidInputError(field, 'must not contain control characters');
  if (LONE_SURROGATE.test(value)) throw new InvalidInputError(field, 'must be valid Unicode (unpaired surrogate)');
  const bytes = utf8Bytes(value);
  if (bytes > rule.maxBytes) {
    throw new InvalidInputError(field, `must be at most ${rule.maxBytes} UTF-8 bytes (got ${bytes})`);
  }
  if (rule.pattern && !rule.pattern.test(value)) {
    throw new InvalidInputError(field, rule.patternHint ?? 'has an invalid format');
  }
  return value;
}

/** Digit-string amount fields (goodsAmt, discountAmt ...): 1-15 digits, no sign, no separators: hashed as sent. */
export const DIGITS_15: TextRule = { maxBytes: 15, pattern: /^[0-9]{1,15}$/, patternHint: 'must be 1-15 digits' };

/**
 * Optional `/v2/auth` fields the merchant may pass through `extra`, each with its byte limit. Fields the
 * adapter fills itself (mid, ordNo, goodsAmt, ediDate, encData, returnUrl, ...) are not in this list, so `extra`
 * cannot override them.
 */
export const KISPG_OPTIONAL_AUTH_FIELDS: Readonly<Record<string, TextRule>> = {
  userIp: { maxBytes: 20, pattern: /^[0-9A-Fa-f:.]+$/, patternHint: 'must be an IPv4/IPv6 address' },
  mbsUsrId: { maxBytes: 20 },
  ordGuardEmail: { maxBytes: 60, pattern: /^[^\s@]+@[^\s@]+$/, patternHint: 'must be an e-mail address' },
  rcvrAddr: { maxBytes: 100 },
  rcvrPost: { maxBytes: 6, pattern: /^[0-9]{5,6}$/, patternHint: 'must be a 5-6 digit postal code' },
  rcvrMsg: { maxBytes: 255 },
  mbsIp: { maxBytes: 20, pattern: /^[0-9A-Fa-f:.]+$/, patternHint: 'must be an IPv4/IPv6 address' },
  mbsReserved: { maxBytes: 500 },
  goodsSplAmt: DIGITS_15,
  goodsVat: DIGITS_15,
  goodsSvsAmt: DIGITS_15,
  discountAmt: DIGITS_15,
  mbsFeeAmt: DIGITS_15,
  cupDepositAmt: DIGITS_15,
  channel: {
    maxBytes: 4,
    pattern: /^(0001|0002|0004|0005)$/,
    patternHint: 'must be 0001 (WEB), 0002 (mobile), 0004 (SMS) or 0005 (URL)',
  },
  period: { maxBytes: 21 },
  billHpFlg: { maxBytes: 1, pattern: /^[01]$/, patternHint: "must be '0' or '1'" },
  appSchemeFlg: { maxBytes: 1, pattern: /^[01]$/, patternHint: "must be '0' or '1'" },
  resultScheme: { maxBytes: 256 },
  cancelScheme: { maxBytes: 256 },
  crctType: { maxBytes: 1, pattern: /^[012]$/, patternHint: "must be '0' (none), '1' (소득공제) or '2' (지출증빙)" },
  crctNo: { maxBytes: 15, pattern: /^[0-9]{1,15}$/, patternHint: 'must be 1-15 digits (phone or business number)' },
};

/** `extra` keys with a meaning of their own (not raw form fields). */
export const KISPG_EXTRA_SWITCHES = new Set(['model', 'escrow']);

/**
 * KISPG payMethod spelled the way responses spell it: uppercase, VBANK→VACNT, CELLPHONE→PHONE (integrations use both
 * labels; docs/gateways/kispg.md#payment-methods).
 */
export function normalizeKispgMethod(payMethod: unknown): string | null {
  if (typeof payMethod !== 'string' || payMethod.trim() === '') return null;
  const upper = payMethod.trim().toUpperCase();
  if (upper === 'VBANK') return 'VACNT';
  if (upper === 'CELLPHONE') return 'PHONE';
  return upper;
}

const KISPG_TO_CANONICAL: Readonly<Record<string, PaymentMethod>> = {
  CARD: 'CARD',
  BANK: 'TRANSFER',
  VACNT: 'VIRTUAL_ACCOUNT',
  PHONE: 'MOBILE_PHONE',
};

const CANONICAL_TO_KISPG: Readonly<Record<string, string>> = {
  CARD: 'CARD',
  VIRTUAL_ACCOUNT: 'VACNT',
  TRANSFER: 'BANK',
  MOBILE_PHONE: 'PHONE',
};

/** KISPG payMethod → canonical `PaymentMethod`; an unknown literal passes through (normalized) rather than being lost. */
export function canonicalKispgMethod(payMethod: unknown): PaymentMethod | null {
  const normalized = normalizeKispgMethod(payMethod);
  if (!normalized) return null;
  return KISPG_TO_CANONICAL[normalized] ?? normalized;
}

/**
 * Canonical method (or a KISPG literal, any case) → the payMethod KISPG expects on the form and on cancels. Null when
 * the method has no KISPG counterpart.
 */
export function kispgMethodOf(method: unknown): string | null {
  if (typeof method !== 'string' || method.length === 0) return null;
  const canonical = CANONICAL_TO_KISPG[method];
  if (canonical) return canonical;
  const literal = normalizeKispgMethod(method);
  return literal && KISPG_TO_CANONICAL[literal] ? literal : null;
}

/** A number or numeric string KISPG sent, as a string (every KISPG value is a string on the wire); else undefined. */
export function stringOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** KISPG amounts are digit strings; a safe integer number is tolerated. Anything else → null. */
export function readAmount(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value !== 'string' || !KISPG_AMOUNT_PATTERN.test(value)) return null;
  const amount = Number(value);
  return Number.isSafeInteger(amount) ? amount : null;
}
