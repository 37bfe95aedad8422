/** Small helpers of GatewayHttpClient: option checks, request and response bodies, headers, log truncation. */
import type { GatewayHttpRequest, GatewayTlsOptions } from './gateway-http-client';
import { JsonRows } from './json-rows';

export function assertPositiveInteger(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`GatewayHttpClient: ${field} must be a positive integer (got ${String(value)})`);
  }
}

const MAX_LOGGED_BODY_CHARS = 8_000;

export function truncateForLog(text: string): string {
  return text.length > MAX_LOGGED_BODY_CHARS
    ? `${text.slice(0, MAX_LOGGED_BODY_CHARS)}…(${text.length - MAX_LOGGED_BODY_CHARS} more chars)`
    : text;
}

/**
 * An answer's body: located as `JsonRows` when the caller expects a large JSON array and it is one (no string of the
 * whole body is made, see ./json-rows.ts), else its text.
 */
export async function readBody(
  body: { text(): Promise<string>; bytes(): Promise<Uint8Array> },
  asRows: boolean,
): Promise<{ text: string; rows?: JsonRows }> {
  if (!asRows) return { text: await body.text() };
  const bytes = await body.bytes();
  const rows = JsonRows.scan(bytes);
  return rows ? { text: '', rows } : { text: new TextDecoder().decode(bytes) };
}

/** The request's payload and its content type; a GET with a body, or both a JSON and a form body, is refused. */
export function requestBody(req: GatewayHttpRequest, gateway: string): { payload?: string; contentType?: string } {
  const hasJson = req.json !== undefined;
  const hasForm = req.form !== undefined;
  if (hasJson && hasForm) {
    throw new Error(`GatewayHttpClient(${gateway}): ${req.operation} has both json and form bodies`);
  }
  if ((hasJson || hasForm) && req.method === 'GET') {
    throw new Error(`GatewayHttpClient(${gateway}): ${req.operation} is a GET with a body`);
  }
  if (hasJson) {
    return {
      payload: JSON.stringify(req.json),
      contentType: 'application/json; charset=utf-8',
    };
  }
  if (hasForm) {
    return {
      payload: new URLSearchParams(req.form).toString(),
      contentType: 'application/x-www-form-urlencoded; charset=utf-8',
    };
  }
  return {};
}

export function parseBody(text: string): unknown {
  if (text.length === 0) return null;
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON (an HTML error page from a proxy, NicePay/KISPG plain text): the adapter decides from status + text.
    return text;
  }
}

export function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function lowerCaseHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && value !== null) out[name.toLowerCase()] = String(value);
  }
  return out;
}

export function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** PEMs loaded from env vars often arrive with literal `\n` escapes instead of newlines. */
export function normalizePem(pem: string): string {
  return pem.includes('\n') ? pem : pem.replace(/\\n/g, '\n');
}

export function validateTls(tls: GatewayTlsOptions, gateway: string): void {
  // Messages name the field only: the PEM contents (a private key) never go into an error.
  if (!tls || typeof tls !== 'object') throw new Error(`GatewayHttpClient(${gateway}): tls must be { cert, key }`);
  if (typeof tls.cert !== 'string' || !tls.cert.includes('-----BEGIN')) {
    throw new Error(`GatewayHttpClient(${gateway}): tls.cert must be a PEM certificate`);
  }
  if (typeof tls.key !== 'string' || !tls.key.includes('-----BEGIN')) {
    throw new Error(`GatewayHttpClient(${gateway}): tls.key must be a PEM private key`);
  }
  if (tls.ca !== undefined && (typeof tls.ca !== 'string' || !tls.ca.includes('-----BEGIN'))) {
    throw new Error(`GatewayHttpClient(${gateway}): tls.ca must be a PEM certificate`);
  }
}
