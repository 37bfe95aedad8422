import { InvalidInputError } from './errors';

/**
 * Money is integer KRW, always. JavaScript numbers are exact for integers up to 2^53-1; we cap far below that
 * so that sums of a payment's cancels can never lose precision. Postgres stores these as `bigint`.
 */
export const MAX_KRW_AMOUNT = 100_000_000_000; // 1,000억 KRW: far above any single card/VA payment

export function isKrwAmount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= MAX_KRW_AMOUNT;
}

/** A positive integer KRW amount (≥ 1), or an `InvalidInputError` naming the field. */
export function assertKrwAmount(value: unknown, field = 'amount'): number {
  if (!isKrwAmount(value)) {
    throw new InvalidInputError(
      field,
      `must be a positive integer KRW amount ≤ ${MAX_KRW_AMOUNT} (got ${describe(value)})`,
    );
  }
  return value;
}

/** A non-negative integer KRW amount (0 allowed), e.g. taxFreeAmount. */
export function assertNonNegativeKrw(value: unknown, field: string): number {
  if (!(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_KRW_AMOUNT)) {
    throw new InvalidInputError(field, `must be a non-negative integer KRW amount (got ${describe(value)})`);
  }
  return value;
}

/**
 * VAT included in a taxable amount: round half-up of (amount − taxFree) / 11, as Toss computes it (10,000 with
 * 3,000 tax-free → 636; 1,000 → 91). Integer arithmetic only.
 */
export function vatOf(amount: number, taxFreeAmount = 0): number {
  const taxable = amount - taxFreeAmount;
  if (taxable <= 0) return 0;
  return Math.floor((taxable * 2 + 11) / 22);
}

/** pg returns bigint columns as strings; TypeORM maps them through this transformer. */
export const bigintTransformer = {
  to: (value: number | null | undefined): number | null | undefined => value,
  from: (value: string | number | null): number | null => {
    if (value === null || value === undefined) return null;
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isSafeInteger(n)) throw new RangeError(`bigint column value ${String(value)} is not a safe integer`);
    return n;
  },
};

function describe(value: unknown): string {
  if (typeof value === 'string') return `string "${value.slice(0, 20)}"`;
  if (typeof value === 'number') return String(value);
  return typeof value;
}
