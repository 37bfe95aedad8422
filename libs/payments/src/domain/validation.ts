import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
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
