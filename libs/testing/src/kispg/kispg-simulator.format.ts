import { createHash } from 'node:crypto';
import { KST_OFFSET_MS, kstCompact, kstInstant, kstParts } from '../common/kst';

/** `yyyyMMddHHmmss` in KST: ediDate, appDtm, canDtm. */
export const kstTimestamp = (date: Date): string => kstCompact(date);

/** `yyyyMMdd` of the KST calendar day: lmtDay and the 23:30 auto-cancel day. */
export function kstDay(date: Date): string {
  return kstTimestamp(date).slice(0, 8);
}

/** The instant of `HH:mm` KST on the KST day of `date`. */
export function kstTimeOfDay(date: Date, hour: number, minute: number): Date {
  const p = kstParts(date);
  return new Date(Date.UTC(p.year, p.month - 1, p.day, hour, minute, 0) - KST_OFFSET_MS);
}

/**
 * Parses `yyyyMMddHHmmss` as KST wall-clock time. Undefined for anything else, including dates that do not exist
 * (20240230…), so a malformed ediDate is refused like one outside the window (SIM3).
 */
export function parseKstTimestamp(text: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  return kstInstant({ year, month, day, hour, minute, second });
}

/**
 * `lowercase hex(SHA-256(UTF-8(mid + ediDate + amount + merchantKey)))`: encData and the notification hashStr
 * (docs/gateways/kispg.md#request-signing). The amount is concatenated exactly as sent: "1004" and "1004.0" differ.
 */
export function kispgHash(mid: string, ediDate: string, amount: string, merchantKey: string): string {
  return createHash('sha256').update(`${mid}${ediDate}${amount}${merchantKey}`, 'utf8').digest('hex');
}

/**
 * Byte length as KISPG's "최대크기 (Byte)" columns count it: UTF-8 bytes (한글 = 3) for the default
 * charset, 2 bytes per non-ASCII character when the form says EUC-KR.
 */
export function byteLength(value: string, charset: string | undefined): number {
  if (charset && charset.toUpperCase().replace('-', '') === 'EUCKR') {
    let bytes = 0;
    for (const char of value) bytes += char.charCodeAt(0) < 0x80 ? 1 : 2;
    return bytes;
  }
  return Buffer.byteLength(value, 'utf8');
}

/** Digits only ("숫자만 입력"): no sign, no separators, no decimals, no leading zero. */
export const KRW_AMOUNT = /^[1-9][0-9]{0,14}$/;

export { randomDigits } from '../common/random-id';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** KISPG's window answers the browser with a page that auto-submits the auth result to returnUrl. */
export function autoSubmitPage(actionUrl: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n    ');
  return `<!DOCTYPE html>
<html lang="ko">
<head><meta charset="utf-8"><title>KISPG 결제</title></head>
<body onload="document.forms[0].submit()">
  <form method="POST" action="${escapeHtml(actionUrl)}" accept-charset="utf-8">
    ${inputs}
    <noscript><button type="submit">계속</button></noscript>
  </form>
</body>
</html>`;
}

export function errorPage(status: number, message: string): string {
  return `<!DOCTYPE html>
<html lang="ko">
<head><meta charset="utf-8"><title>${status} 오류</title></head>
<body><h1>${status}</h1><p>${escapeHtml(message)}</p></body>
</html>`;
}
