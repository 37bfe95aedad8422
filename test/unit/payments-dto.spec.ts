import { ConfirmDto, InvalidInputError, PrepareDto, validateDto } from 'nestjs-kr-payments';

/** Free text and stored JSON that PostgreSQL would refuse (a 500) are refused here first (a 400 naming the field). */
describe('payments DTOs: text and JSON the database cannot store', () => {
  const base = { gateway: 'toss', amount: 1_000, orderName: 'Socks' };
  const refusal = (run: () => unknown): InvalidInputError => {
    try {
      run();
    } catch (error) {
      if (error instanceof InvalidInputError) return error;
      throw error;
    }
    throw new Error('expected an InvalidInputError');
  };

  it('refuses control characters in free text, naming the field', () => {
    expect(refusal(() => validateDto(PrepareDto, { ...base, orderName: 'So\u0000cks' })).field).toBe('orderName');
    expect(refusal(() => validateDto(PrepareDto, { ...base, orderName: 'line\nbreak' })).field).toBe('orderName');
    expect(refusal(() => validateDto(PrepareDto, { ...base, customer: { name: 'Kim\u0007' } })).field).toBe(
      'customer.name',
    );
    expect(validateDto(PrepareDto, { ...base, orderName: '기계식 키보드 (87키)' }).orderName).toBe(
      '기계식 키보드 (87키)',
    );
  });

  it('refuses metadata / extra / authResult that jsonb cannot hold or that is unreasonably large or deep', () => {
    // The field is named down to the key that holds U+0000.
    expect(refusal(() => validateDto(PrepareDto, { ...base, metadata: { note: 'a\u0000b' } })).field).toBe(
      'metadata.note',
    );
    expect(refusal(() => validateDto(PrepareDto, { ...base, metadata: { ['k\u0000']: 1 } })).field).toBe(
      'metadata.k\u0000',
    );
    expect(refusal(() => validateDto(PrepareDto, { ...base, extra: { blob: 'x'.repeat(20_000) } })).field).toBe(
      'extra',
    );
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 9; i += 1) deep = { deep };
    expect(refusal(() => validateDto(PrepareDto, { ...base, metadata: deep })).field).toBe('metadata');
    expect(
      refusal(() =>
        validateDto(ConfirmDto, {
          gateway: 'nicepay',
          orderId: 'order_123',
          amount: 1_000,
          authResult: { tid: '\u0000' },
        }),
      ).field,
    ).toBe('authResult.tid');
    expect(
      validateDto(PrepareDto, { ...base, metadata: { cart: [{ sku: 'A-1', qty: 2 }], 메모: '선물 포장' } }).metadata,
    ).toEqual({ cart: [{ sku: 'A-1', qty: 2 }], 메모: '선물 포장' });
  });
});
