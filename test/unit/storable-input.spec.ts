import fc from 'fast-check';
import { InvalidInputError, PrepareDto } from 'nestjs-kr-payments';
import { assertStorableInput, MAX_INPUT_DEPTH, validateDto } from '../../libs/payments/src/domain/validation';

/**
 * Input that PostgreSQL or the class transformer would choke on is refused up front with a 400 naming the field:
 * U+0000, lone UTF-16 surrogates (in keys and values), and nesting deep enough to overflow the stack.
 */
describe('storable input', () => {
  const prepare = (extra: Record<string, unknown>) => ({ gateway: 'toss', amount: 1_000, orderName: 'ok', ...extra });
  const problemOf = (input: unknown): InvalidInputError => {
    try {
      validateDto(PrepareDto, input);
    } catch (error) {
      if (error instanceof InvalidInputError) return error;
      throw error;
    }
    throw new Error('accepted');
  };

  it('names the field holding U+0000 or a lone surrogate, in values and in keys', () => {
    expect(problemOf(prepare({ orderName: 'a\u0000b' }))).toMatchObject({ field: 'orderName', httpStatus: 400 });
    expect(problemOf(prepare({ orderName: 'half \ud83d pair' }))).toMatchObject({
      field: 'orderName',
      message: expect.stringContaining('lone surrogates'),
    });
    expect(problemOf(prepare({ metadata: { note: 'x\udc00' } }))).toMatchObject({ field: 'metadata.note' });
    expect(problemOf(prepare({ metadata: { ['k\ud800']: 1 } }))).toMatchObject({ field: 'metadata.k\ud800' });
    // A well-formed pair is fine.
    expect(() => validateDto(PrepareDto, prepare({ orderName: '이모지 😀 주문' }))).not.toThrow();
  });

  it('refuses nesting 10,000 deep with INVALID_INPUT, not a stack overflow', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i += 1) deep = { d: deep };
    const problem = problemOf(prepare({ metadata: deep }));
    expect(problem.code).toBe('INVALID_INPUT');
    expect(problem.message).toContain(`deeper than ${MAX_INPUT_DEPTH}`);
  });

  it('never throws anything but InvalidInputError for arbitrary JSON, whatever it holds', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.string({ unit: 'binary' }), (value, text) => {
        for (const input of [{ metadata: value }, { orderName: text }, { [text]: value }]) {
          try {
            assertStorableInput(input);
          } catch (error) {
            if (!(error instanceof InvalidInputError)) throw error;
          }
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
