import fc from 'fast-check';
import { DeepValue, hostileJson, hostileText, hugeText, toJsonText } from '../support/fuzz-values';

/*
 * What the webhook fuzz posts (webhook-fuzz.e2e.spec.ts) whatever the route: arbitrary JSON, forms, raw bytes,
 * invalid UTF-8, deep nesting and huge bodies, under varied content types and headers. The gateway-shaped events are
 * in webhook-fuzz.gateways.ts.
 */

export interface Delivery {
  /** What kind of body this is (failure messages and per-class counts). */
  kind: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** A delivery that fast-check prints as a short summary (a counterexample batch would otherwise print every byte). */
export function delivery(kind: string, headers: Record<string, string>, body: Buffer): Delivery {
  return {
    kind,
    headers,
    body,
    [fc.toStringMethod]: () =>
      `${kind} ${JSON.stringify(headers)} ${body.length} bytes ${JSON.stringify(body.subarray(0, 300).toString())}`,
  } as Delivery;
}

export const text = (value: unknown) => Buffer.from(typeof value === 'string' ? value : toJsonText(value), 'utf8');
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,60}$/);

export const JSON_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/json; charset=latin1',
  'application/json; charset=utf-16le',
  'application/json; charset=bogus-8',
  'application/vnd.toss+json',
];
export const OTHER_TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=euc-kr',
  'text/plain',
  'text/html',
  'application/octet-stream',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  '',
  'garbage',
  '*/*',
];
const contentType = (preferred: string[]) =>
  fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...preferred) }, fc.constantFrom(...JSON_TYPES, ...OTHER_TYPES));

/** Rarely there: `arb` once in `oneIn` deliveries. */
const rarely = <T>(arb: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

/** Headers every gateway may see: content type, sometimes an encoding, a forwarded-for, Toss's webhook headers. */
export function headers(preferred: string[]): fc.Arbitrary<Record<string, string>> {
  return fc
    .record({
      'content-type': contentType(preferred),
      'content-encoding': rarely(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'zstd', 'x-bogus'), 25),
      'x-forwarded-for': rarely(
        fc.oneof(fc.constantFrom('13.124.18.147', '::1', 'unknown', '1.1.1.1, 2.2.2.2'), headerValue),
        4,
      ),
      'tosspayments-webhook-signature': rarely(
        fc.oneof(fc.constantFrom('v1:', 'v1:AAAA', `v1:${'A'.repeat(43)}=`, 'v2:x', 'v1:,v1:'), headerValue),
        3,
      ),
      'tosspayments-webhook-transmission-time': rarely(
        fc.oneof(
          fc.constant(new Date().toISOString()),
          fc.constantFrom('', '0', '9999-99-99', '2026-13-45T99:99:99+09:00', '-1e308'),
          headerValue,
        ),
        3,
      ),
      'tosspayments-webhook-transmission-id': rarely(headerValue, 3),
      'tosspayments-webhook-transmission-retried-count': rarely(
        fc.oneof(headerValue, fc.constantFrom('-1', '1e400')),
        4,
      ),
    })
    .map(
      (h) =>
        Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined && v !== '')) as Record<string, string>,
    );
}

/** Arbitrary JSON of any shape (top level included), under a JSON-ish content type most of the time. */
export const anyJson: fc.Arbitrary<Delivery> = fc
  .tuple(hostileJson(4), headers(JSON_TYPES))
  .map(([value, h]) => delivery('json', h, text(toJsonText(value))));

/** Arbitrary forms (and broken percent-encoding), mostly as application/x-www-form-urlencoded. */
export const anyForm: fc.Arbitrary<Delivery> = fc
  .tuple(
    fc.oneof(
      fc
        .dictionary(fc.oneof(fc.string({ maxLength: 10 }), hostileText), fc.oneof(fc.string(), hostileText))
        .map((fields) => new URLSearchParams(fields as Record<string, string>).toString()),
      fc
        .array(fc.constantFrom('a=1', '&', '=', '%', '%zz', '%ff%fe', '%ED%A0%80', 'tid=', '+', '&&&', 'x=%00'), {
          maxLength: 30,
        })
        .map((parts) => parts.join('')),
    ),
    headers(['application/x-www-form-urlencoded']),
  )
  .map(([form, h]) => delivery('form', h, text(form)));

/** Random bytes under any content type. */
export const anyBytes: fc.Arbitrary<Delivery> = fc
  .tuple(fc.uint8Array({ maxLength: 3_000 }), headers([...JSON_TYPES, ...OTHER_TYPES]))
  .map(([bytes, h]) => delivery('bytes', h, Buffer.from(bytes)));

/** JSON or a form with bytes that are not UTF-8 inside a value (or a key). */
export function invalidUtf8(shaped: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Delivery> {
  const badBytes = fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => Buffer.from(b.map((x) => 0x80 | x)));
  return fc.tuple(shaped, badBytes, fc.boolean(), headers(JSON_TYPES)).map(([body, bytes, asForm, h]) => {
    const source = asForm
      ? new URLSearchParams(
          Object.entries(body).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : toJsonText(v)]),
        ).toString()
      : toJsonText(body);
    const at = source.lastIndexOf(asForm ? '=' : '"', Math.max(1, source.length - 2)) + 1;
    return delivery(
      'invalid-utf8',
      asForm ? { ...h, 'content-type': 'application/x-www-form-urlencoded' } : h,
      Buffer.concat([Buffer.from(source.slice(0, at)), bytes, Buffer.from(source.slice(at))]),
    );
  });
}

/** A shaped body nested far too deep, or made huge. */
export function deepOrHuge(shaped: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Delivery> {
  const deep = fc
    .tuple(fc.constantFrom(17, 40, 1_000, 10_000), fc.constantFrom('array', 'object', 'mixed'))
    .map(([depth, shape]) => new DeepValue(depth, shape as 'array'));
  return fc
    .tuple(shaped, fc.oneof(deep, hugeText), fc.constantFrom('inside', 'top'), headers(JSON_TYPES))
    .map(([body, filler, where, h]) =>
      delivery(
        typeof filler === 'string' ? 'huge' : 'deep',
        h,
        text(where === 'top' && typeof filler !== 'string' ? filler : { ...body, filler }),
      ),
    );
}
