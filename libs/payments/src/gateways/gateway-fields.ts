import { InvalidInputError } from '../domain/errors';

/*
 * Field readers and input assertions every adapter needs. Gateway answers are read defensively (gateways add fields,
 * enum values and codes without notice, and answers of one endpoint do not always share one shape), and our own
 * inputs are checked before anything is sent, so a bad value is an InvalidInputError naming the field, never a
 * gateway call.
 */

/** A plain JSON object (not null, not an array). */
// `any` values on purpose: callers read gateway JSON field by field and check each value's type where they use it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function isRecord(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The value when it is a non-empty string, else undefined. */
export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** `record[key]` when it is a non-empty string, else undefined. */
export function stringField(record: Record<string, unknown>, key: string): string | undefined {
  return nonEmptyString(record[key]);
}

/** A KRW amount read from an answer: a safe integer (KRW has no minor unit), and not negative unless allowed. */
export function isKrwAmount(value: unknown, allowNegative = false): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && (allowNegative || value >= 0);
}

/** Our input `field` must be a string matching `pattern`; else InvalidInputError(field, problem). */
export function assertMatches(
  value: unknown,
  field: string,
  pattern: RegExp,
  problem: string,
): asserts value is string {
  if (typeof value !== 'string' || !pattern.test(value)) throw new InvalidInputError(field, problem);
}
