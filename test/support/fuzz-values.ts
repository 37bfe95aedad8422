import fc from 'fast-check';

/*
 * Hostile values shared by the fuzz specs (test/webhooks/webhook-fuzz.e2e.spec.ts, test/module/dto-fuzz.e2e.spec.ts):
 * what a careless client or an attacker puts where a well-typed field belongs.
 */

/** The seed every fuzz spec runs with; FUZZ_SEED overrides it to replay a run. fast-check prints it on failure. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_261_111);

/** `{ seed, numRuns }` for fc.assert: a fixed seed, and the runs asked for (FUZZ_SCALE scales them, e.g. 0.1). */
export function fuzzParameters(numRuns: number): { seed: number; numRuns: number; endOnFailure: boolean } {
  const scale = Number(process.env.FUZZ_SCALE ?? 1);
  return { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(numRuns * scale)), endOnFailure: true };
}

type Shape = 'array' | 'object' | 'mixed';

/** A value nested `depth` levels deep: arrays, objects, or both alternating. */
export function nested(depth: number, shape: Shape, leaf: unknown = 1): unknown {
  let value: unknown = leaf;
  for (let level = 0; level < depth; level++) {
    const asArray = shape === 'array' || (shape === 'mixed' && level % 2 === 0);
    value = asArray ? [value] : { a: value };
  }
  return value;
}

/** The JSON text of `nested(depth, shape)`, built without recursion. */
export function nestedText(depth: number, shape: Shape): string {
  let open = '';
  let close = '';
  for (let level = depth - 1; level >= 0; level--) {
    const asArray = shape === 'array' || (shape === 'mixed' && level % 2 === 0);
    open += asArray ? '[' : '{"a":';
    close = (asArray ? ']' : '}') + close;
  }
  return `${open}1${close}`;
}

/**
 * Nesting too deep for JSON.stringify (a recursive walk overflows the stack long before 10,000 levels): generated as
 * this marker, written out by `toJsonText` and built by `materialize`.
 */
export class DeepValue {
  constructor(
    readonly depth: number,
    readonly shape: Shape,
  ) {}
}

/** JSON text of a generated value: DeepValue markers written out as their nesting, BigInts as bare numbers. */
export function toJsonText(value: unknown): string {
  const raw: string[] = [];
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (item instanceof DeepValue) return `\u0001raw${raw.push(nestedText(item.depth, item.shape)) - 1}\u0001`;
    // A BigInt is written as the JSON number it is (past what a double holds exactly).
    if (typeof item === 'bigint') return `\u0001raw${raw.push(item.toString()) - 1}\u0001`;
    return item;
  });
  if (text === undefined) return 'undefined';
  return text.replace(/"\\u0001raw(\d+)\\u0001"/g, (_m, i: string) => raw[Number(i)]);
}

/** The generated value with DeepValue markers built as real nested arrays / objects (own `__proto__` keys kept). */
export function materialize(value: unknown): unknown {
  if (value instanceof DeepValue) return nested(value.depth, value.shape);
  if (Array.isArray(value)) return value.map(materialize);
  if (value === null || typeof value !== 'object') return value;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const copy = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, materialize(v)]));
  return proto === null ? Object.assign(Object.create(null) as object, copy) : copy;
}

/** An object whose own keys include the ones prototype pollution rides on (`__proto__` as an own property). */
export function pollutingObject(inner: unknown): Record<string, unknown> {
  return Object.fromEntries([
    ['__proto__', { polluted: inner, isAdmin: true }],
    ['constructor', { prototype: { polluted: inner } }],
    ['prototype', inner],
  ]);
}

export const LONE_SURROGATES = ['\uD800', '\uDBFF', '\uDC00', 'a\uDFFFb', '\uDC00\uD800'];
export const CONTROL_TEXT = ['\u0000', 'a\u0000b', '\u0000\u0000', '\u0007', '\r\n', '\u001b[2J', '\u007f'];

/** Text with the characters PostgreSQL, HTTP and regexes trip on. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...LONE_SURROGATES, ...CONTROL_TEXT),
  fc.constantFrom('', ' ', '\t', '\uFEFF', '\u202E', '%00', '%zz', '%ff%fe', '../../etc/passwd', '${jndi:x}'),
  fc.constantFrom("'; DROP TABLE payments; --", '<script>alert(1)</script>', '\\', '"', '{}', '[]', 'null', 'NaN'),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'),
  fc.constantFrom('\uD83D\uDE00', '가나다라마바사', 'ｆｕｌｌｗｉｄｔｈ', 'e\u0301', '\u0130'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\uD800', '\uDC00', 'a', '가', '\n'), maxLength: 12 }),
  fc.string({ maxLength: 30 }).map((s) => `${s}\u0000${s}`),
  fc.string({ maxLength: 30 }).map((s) => `${s}\uD800`),
);

/** Long text: a few KB up to past the 100 KB JSON body limit. */
export const hugeText: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('x', '가', '0', '\uD83D\uDE00', 'ab\u0000'), fc.constantFrom(300, 5_000, 40_000, 120_000))
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)));

/** Numbers and number-like strings a money or count field should refuse (or take, when they happen to be fine). */
export const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 0.5, -1000, 1e21, 1e308, -1e308, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 2 ** 64),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.EPSILON, 1_000_000_000_000),
  fc.constantFrom('1000', '-1000', '1e3', '0x10', '1_000', '１０００', ' 1000 ', '1000.0', '99999999999999999999'),
  fc.constantFrom('12345678901234567890123456789012345678901234567890', 'Infinity', '-Infinity', '+1', '00100'),
  fc.integer(),
  fc.integer({ min: -1, max: 1_000_000 }),
  fc.double(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((n) => n.toString()),
);

/** Anything JSON can carry, hostile corners first. `depth` bounds the generated nesting. */
export function hostileJson(depth = 3): fc.Arbitrary<unknown> {
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true, maxDepth: depth },
      hostileText,
      hostileNumber.filter((n) => typeof n !== 'number' || Number.isFinite(n)),
      fc.constantFrom(null, true, false, [], {}),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), hostileText), tie('value'), { maxKeys: 4 }),
      fc
        .tuple(fc.constantFrom(3, 17, 200), fc.constantFrom<Shape>('array', 'object', 'mixed'))
        .map(([levels, shape]) => nested(levels, shape)),
      fc
        .tuple(fc.constantFrom(1_000, 10_000), fc.constantFrom<Shape>('array', 'object', 'mixed'))
        .map(([levels, shape]) => new DeepValue(levels, shape)),
      tie('value').map(pollutingObject),
    ),
  }));
  return value;
}

/** What a DTO field gets instead of its type: hostile JSON, plus what only a direct (non-HTTP) caller can pass. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileJson(2) },
  { weight: 1, arbitrary: hugeText },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      undefined,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      10n,
      Symbol('fuzz'),
      () => 1,
      new Date(Number.NaN),
      new Date(0),
      Buffer.from('buffer'),
      new Map([['a', 1]]),
      new Set([1]),
      Object.create(null) as object,
      [, 1] as unknown[], // eslint-disable-line no-sparse-arrays
      new String('boxed'),
      /regex/,
    ),
  },
);
