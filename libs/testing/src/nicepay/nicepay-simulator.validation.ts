import { nicepayError } from './nicepay-simulator.errors';
import { ISO_8601_WITH_OFFSET, niceByteLength, sha256Hex } from './nicepay-simulator.format';

/**
 * Request-field checks shared by every endpoint: missing required fields → `P007`, too long (EUC-KR byte count) →
 * `P009`, not a number → `P010`, not a boolean → `P011`, a malformed ediDate → `P024`, a signData that does not match
 * → `A101`.
 */
export type FieldKind = 'string' | 'integer' | 'boolean';

export interface FieldSpec {
  kind: FieldKind;
  required?: boolean;
  /** Max length in bytes (strings) or digits (integers). */
  max?: number;
}

export type Fields = Record<string, string | number | boolean | undefined>;

/** Reads and checks `specs` from a JSON body or a query string. Unlisted fields are ignored, as NicePay does. */
export function readFields(source: Record<string, unknown>, specs: Record<string, FieldSpec>): Fields {
  const out: Fields = {};
  for (const [name, spec] of Object.entries(specs)) {
    const raw = source[name];
    if (raw === undefined || raw === null || raw === '') {
      if (spec.required) throw nicepayError('P007', `필수 파라미터 ${name}가 없습니다.`);
      continue;
    }
    if (spec.kind === 'integer') {
      // The official Java/Python samples send amounts as numeric strings ("1004"), which NicePay accepts.
      const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
      if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
        throw nicepayError(
          'P010',
          `파라미터 ${name}[${typeof raw === 'string' ? raw : typeof raw}]가 숫자형식이 아닙니다.`,
        );
      }
      if (spec.max !== undefined && text.replace('-', '').length > spec.max) {
        throw nicepayError('P009', `파라미터 ${name}:${text.length} 길이가 최대길이${spec.max} 보다 큰값 입니다.`);
      }
      out[name] = Number(text);
    } else if (spec.kind === 'boolean') {
      if (raw === true || raw === 'true') out[name] = true;
      else if (raw === false || raw === 'false') out[name] = false;
      else throw nicepayError('P011', `파라미터 ${name}가 boolean형식이 아닙니다.`);
    } else {
      if (typeof raw !== 'string') throw nicepayError('U131', `파라미터 ${name}: 허용된 Data형식이 아닙니다.`);
      const bytes = niceByteLength(raw);
      if (spec.max !== undefined && bytes > spec.max) {
        throw nicepayError('P009', `파라미터 ${name}:${bytes} 길이가 최대길이${spec.max} 보다 큰값 입니다.`);
      }
      out[name] = raw;
    }
  }
  return out;
}

/** The optional `ediDate` / `signData` / `returnCharSet` trio every business API takes. */
export const SIGNED_REQUEST_FIELDS: Record<string, FieldSpec> = {
  ediDate: { kind: 'string', max: 40 },
  signData: { kind: 'string', max: 256 },
  returnCharSet: { kind: 'string', max: 10 },
};

/**
 * Checks the optional anti-forgery hash: when `signData` is present it must equal one of
 * hex(sha256(prefix + ediDate + SK)) for the given prefixes (each endpoint has its own prefix; two prefixes
 * where NicePay's docs disagree). The comparison ignores case. An ediDate that is not ISO 8601 is refused first.
 */
export function verifySignData(fields: Fields, prefixes: string[], secretKey: string): void {
  const ediDate = fields.ediDate as string | undefined;
  if (ediDate !== undefined && !ISO_8601_WITH_OFFSET.test(ediDate)) throw nicepayError('P024');
  const signData = fields.signData as string | undefined;
  if (signData === undefined) return;
  const given = signData.toLowerCase();
  if (!prefixes.some((prefix) => sha256Hex(`${prefix}${ediDate ?? ''}${secretKey}`) === given))
    throw nicepayError('A101');
}
