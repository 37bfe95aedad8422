import { createHash, timingSafeEqual } from 'node:crypto';

/** Asia/Seoul has had no DST since 1988: always UTC+9. */
const KST_OFFSET_MS = 9 * 60 * 60 * 1000;

/**
 * `encData` of every outbound call and every message KISPG signs (docs/gateways/kispg.md#request-signing):
 * lowercase hex(SHA-256(UTF-8(mid + ediDate + amount + merchantKey))), no separators. `amount` is hashed exactly as
 * sent ("1004" and "1004.0" differ): goodsAmt for auth, approval and query, canAmt for cancel.
 */
export function kispgEncData(mid: string, ediDate: string, amount: string, merchantKey: string): string {
  return createHash('sha256').update(`${mid}${ediDate}${amount}${merchantKey}`, 'utf8').digest('hex');
}

/**
 * Constant-time comparison of a presented hex hash with the expected one. Case-insensitive (the samples emit
 * lowercase, but hex case carries no meaning). A presented value of the wrong length or with non-hex
 * characters is simply false: the length of a SHA-256 digest is no secret.
 */
export function kispgHashMatches(presented: unknown, expectedHex: string): boolean {
  if (typeof presented !== 'string' || !/^[0-9a-fA-F]+$/.test(presented)) return false;
  const given = Buffer.from(presented.toLowerCase(), 'hex');
  const expected = Buffer.from(expectedHex.toLowerCase(), 'hex');
  if (given.length !== expected.length || expected.length === 0) return false;
  return timingSafeEqual(given, expected);
}

/** Verifies `hash == sha256(mid + ediDate + amount + merchantKey)`, the formula of every message KISPG signs. */
export function verifyKispgHash(
  presented: unknown,
  parts: { mid: string; ediDate: string; amount: string; merchantKey: string },
): boolean {
  return kispgHashMatches(presented, kispgEncData(parts.mid, parts.ediDate, parts.amount, parts.merchantKey));
}

/**
 * `ediDate` = `yyyyMMddHHmmss` in Asia/Seoul (KISPG's Java samples use the JVM zone, and KISPG's servers run on
 * KST). Built from the instant alone, so the host's time zone never matters.
 */
export function formatKispgEdiDate(instant: Date): string {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) throw new RangeError('ediDate: invalid date');
  const kst = new Date(instant.getTime() + KST_OFFSET_MS).toISOString(); // yyyy-MM-ddTHH:mm:ss.sssZ in KST wall-clock
  return (
    kst.slice(0, 4) + kst.slice(5, 7) + kst.slice(8, 10) + kst.slice(11, 13) + kst.slice(14, 16) + kst.slice(17, 19)
  );
}

/**
 * KST wall-clock `yyyyMMddHHmmss` (appDtm, ediDate) or `yyyyMMdd` (midnight KST of that day) → instant. Anything else
 * (empty, wrong length, impossible date) → null.
 */
export function parseKispgDateTime(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const match = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$/.exec(value);
  if (!match) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00'] = match;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - KST_OFFSET_MS;
  const parsed = new Date(ms);
  // Date.UTC rolls 20240230 over into March: only accept values that survive the round trip.
  const back = new Date(ms + KST_OFFSET_MS);
  if (
    Number.isNaN(ms) ||
    back.getUTCFullYear() !== Number(y) ||
    back.getUTCMonth() + 1 !== Number(mo) ||
    back.getUTCDate() !== Number(d) ||
    back.getUTCHours() !== Number(h) ||
    back.getUTCMinutes() !== Number(mi) ||
    back.getUTCSeconds() !== Number(s)
  ) {
    return null;
  }
  return parsed;
}
