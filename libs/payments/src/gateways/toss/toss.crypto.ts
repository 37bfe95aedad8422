import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `Authorization` header for the core API (docs/gateways/toss.md#transport-and-authentication): the secret key is the
 * user name, the password is empty and the trailing colon is mandatory (without it Toss answers 403
 * INCORRECT_BASIC_AUTH_FORMAT). A key pasted with a UTF-8 BOM would encode to `77u/...`, which Toss rejects, so the
 * BOM and surrounding whitespace are
 * dropped first.
 */
export function tossBasicAuthorization(secretKey: string): string {
  const cleanKey = secretKey.replace(/^\uFEFF/, '').trim();
  return `Basic ${Buffer.from(`${cleanKey}:`, 'utf8').toString('base64')}`;
}

/**
 * Constant-time string equality (DEPOSIT_CALLBACK secret, docs/gateways/toss.md#trust-rules). Both sides are hashed
 * first so neither the content nor the length of the expected value leaks through timing.
 */
export function timingSafeEqualString(actual: string, expected: string): boolean {
  const actualDigest = createHash('sha256').update(actual, 'utf8').digest();
  const expectedDigest = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(actualDigest, expectedDigest);
}

export type PayoutKeyEncoding = 'utf8' | 'hex';

/**
 * HMAC-SHA256 of a payout/seller webhook (docs/gateways/toss.md#payout-signatures): message = raw body bytes + ':' +
 * transmission-time header, keyed with the 보안 키. How the key string becomes bytes Toss does not say; 'utf8' (the public
 * implementations' reading) is the default, 'hex' decodes the 64-hex string.
 */
export function computePayoutSignature(
  rawBody: Buffer,
  transmissionTime: string,
  securityKey: string,
  keyEncoding: PayoutKeyEncoding = 'utf8',
): Buffer {
  const keyBytes = keyEncoding === 'hex' ? Buffer.from(securityKey, 'hex') : Buffer.from(securityKey, 'utf8');
  return createHmac('sha256', keyBytes).update(rawBody).update(':', 'utf8').update(transmissionTime, 'utf8').digest();
}

/** `v1:A,v1:B` -> decoded signatures; entries without the `v1:` scheme are ignored (unknown future schemes). */
export function parsePayoutSignatureHeader(headerValue: string): Buffer[] {
  const signatures: Buffer[] = [];
  for (const part of headerValue.split(',')) {
    const trimmed = part.trim();
    if (!trimmed.startsWith('v1:')) continue;
    const encoded = trimmed.slice(3);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) continue;
    const decoded = Buffer.from(encoded, 'base64');
    if (decoded.length === 32) signatures.push(decoded);
  }
  return signatures;
}

export interface PayoutSignatureCheck {
  rawBody: Buffer;
  signatureHeader: string | undefined;
  transmissionTime: string | undefined;
  securityKeys: readonly string[];
  keyEncoding: PayoutKeyEncoding;
  toleranceSec: number;
  now: Date;
}

export type PayoutSignatureResult =
  { valid: true } | { valid: false; reason: 'no-keys' | 'missing-header' | 'bad-time' | 'stale' | 'mismatch' };

/**
 * Verifies a payout.changed / seller.changed delivery (docs/gateways/toss.md#payout-signatures): valid when the HMAC
 * under either configured key (rotation slots) equals either header value (Toss's own rotation), and
 * transmission-time is within the tolerance.
 * Every candidate pair is compared in constant time and all pairs are always compared.
 */
export function verifyPayoutSignature(check: PayoutSignatureCheck): PayoutSignatureResult {
  if (check.securityKeys.length === 0) return { valid: false, reason: 'no-keys' };
  if (!check.signatureHeader || !check.transmissionTime) return { valid: false, reason: 'missing-header' };
  const sentAtMs = Date.parse(check.transmissionTime);
  if (Number.isNaN(sentAtMs)) return { valid: false, reason: 'bad-time' };
  if (Math.abs(check.now.getTime() - sentAtMs) > check.toleranceSec * 1000) return { valid: false, reason: 'stale' };

  const presented = parsePayoutSignatureHeader(check.signatureHeader);
  let matched = false;
  for (const key of check.securityKeys) {
    const expected = computePayoutSignature(check.rawBody, check.transmissionTime, key, check.keyEncoding);
    for (const candidate of presented) {
      if (timingSafeEqual(expected, candidate)) matched = true;
    }
  }
  return matched ? { valid: true } : { valid: false, reason: 'mismatch' };
}

/** Stable, non-reversible token for values that must not be stored in clear (billing keys in dedupe keys). */
export function fingerprint(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 32);
}
