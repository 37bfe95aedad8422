import { plainToInstance } from 'class-transformer';
import { isUUID, validateSync, ValidationError } from 'class-validator';
import { InvalidInputError } from './errors';

/**
 * Validates a plain object against a class-validator DTO the same way Nest's ValidationPipe does with
 * `{ whitelist: true, forbidNonWhitelisted: true, transform: true }`, and turns the first problem into an
 * `InvalidInputError` naming the field (`customer.email`, `amount` ...). Service methods call this, so direct
 * callers get the same checks as HTTP callers.
 */
export function validateDto<T extends object>(cls: new () => T, input: unknown, root = ''): T {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidInputError(root || 'input', 'must be an object');
  }
  assertDtoInput(input, root);
  const instance = plainToInstance(cls, input, { enableImplicitConversion: false });
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  const problems = flattenValidationErrors(errors, root);
  if (problems.length > 0) {
    const [first] = problems;
    throw new InvalidInputError(first.field, first.problems.join('; '));
  }
  return instance;
}

/**
 * What validateDto checks before the class transformer sees an input: text PostgreSQL can hold, nesting it can walk
 * (the transformer recurses: 10,000 levels overflow the stack), and no key it cannot carry (below). Apps that run Nest's
 * ValidationPipe over these DTOs call it first (the example shop's pipe does), so such a body is a 400, not a 500.
 */
export function assertDtoInput(input: unknown, root = ''): void {
  assertStorableInput(input, root);
  assertNoTransformerKeys(input, root);
}

/**
 * Keys the class transformer cannot carry: an own `constructor` is taken for the class of its object (a TypeError, or
 * a caller-chosen function run as a constructor), an own `__proto__` is silently dropped. No DTO field has either
 * name, and a `metadata` object keeping them would not be stored as sent, so they are refused, naming the key.
 * Runs after assertStorableInput, which bounds the depth.
 */
function assertNoTransformerKeys(value: unknown, path: string): void {
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const childPath = path ? `${path}.${key}` : key;
    if (key === 'constructor' || key === '__proto__') {
      throw new InvalidInputError(childPath, 'is not an accepted key');
    }
    assertNoTransformerKeys(child, childPath);
  }
}

export interface FieldProblem {
  field: string;
  problems: string[];
}

export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) {
      out.push({
        field,
        problems: Object.values(error.constraints).map((message) => stripProperty(message, error.property)),
      });
    }
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

/** class-validator messages start with the property name; we prefix the full path ourselves. */
function stripProperty(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}

/** Deeper than any DTO (8 levels of `metadata` inside a DTO field): refused before anything recurses into it. */
export const MAX_INPUT_DEPTH = 16;

/**
 * Checks, without recursion, what no DTO rule can see and PostgreSQL or the class transformer would choke on: U+0000
 * (text and jsonb cannot hold it), lone UTF-16 surrogates (jsonb refuses them; text would silently store U+FFFD while
 * the gateway got the original) in keys and values, and nesting deep enough to overflow the stack. The problem is an
 * `InvalidInputError` naming the field, thrown before anything is written.
 */
export function assertStorableInput(input: unknown, root = ''): void {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: input, path: root, depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop() as { value: unknown; path: string; depth: number };
    if (typeof value === 'string') {
      assertStorableText(value, path || 'input');
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH)
      throw new InvalidInputError(path || 'input', `nests deeper than ${MAX_INPUT_DEPTH} levels`);
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const childPath = path ? `${path}.${key}` : key;
      assertStorableText(key, childPath);
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
}

function assertStorableText(text: string, field: string): void {
  if (text.includes('\u0000')) throw new InvalidInputError(field, 'must not contain U+0000');
  if (!text.isWellFormed()) throw new InvalidInputError(field, 'must be well-formed text (no lone surrogates)');
}

/**
 * An id argument of a PaymentsService method (payment, billing key, cash receipt): ids are UUIDs the library made, so
 * anything else is an InvalidInputError naming the argument, never a database error about uuid syntax.
 */
export function assertUuidArgument(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || !isUUID(value)) throw new InvalidInputError(field, 'must be a UUID');
}

/** A free-text argument: a string of 1 to `maxLength` characters without control characters or lone surrogates. */
export function assertTextArgument(value: unknown, field: string, maxLength: number): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw new InvalidInputError(field, `must be a string of 1-${maxLength} characters`);
  }
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new InvalidInputError(field, 'must not contain control characters');
  assertStorableText(value, field);
}
