import { Injectable, ValidationPipe, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { assertDtoInput, flattenValidationErrors, InvalidInputError } from 'nestjs-kr-payments';

/**
 * The shop's body validation: unknown fields are refused (not silently dropped), and the first problem becomes an
 * `InvalidInputError` naming the field (`customer.email`, `amount` ...), which the library's PaymentsExceptionFilter
 * answers with 400 and the same body as the library's own input errors.
 */
export function createShopValidationPipe(): ValidationPipe {
  return new ShopValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // BodyWithPath hands over body + route ids: validate that against the library DTO too.
    validateCustomDecorators: true,
    exceptionFactory: (errors) => {
      const [first] = flattenValidationErrors(errors);
      return first
        ? new InvalidInputError(first.field, first.problems.join('; '))
        : new InvalidInputError('body', 'is invalid');
    },
  });
}

/**
 * Nest's ValidationPipe, after the library's own pre-check of bodies (`assertDtoInput`): the class transformer it runs
 * recurses into every nested value, so a body nested 10,000 deep, or with a `constructor` key, would be a 500 instead
 * of a 400 naming the field.
 */
class ShopValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'custom') assertDtoInput(value);
    return super.transform(value, metadata);
  }
}

/**
 * Route ids are uuids; anything else is a 400 naming the parameter, never a database error about uuid syntax.
 */
@Injectable()
export class UuidParamPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (!isUUID(value)) throw new InvalidInputError(metadata.data ?? 'id', 'must be a UUID');
    return value;
  }
}

/** Gateway names in routes (`toss`, `nicepay`, `kispg`, `appsInToss`): letters only, so nothing odd reaches a log line. */
@Injectable()
export class GatewayParamPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (!/^[A-Za-z]{2,32}$/.test(value))
      throw new InvalidInputError(metadata.data ?? 'gateway', 'must be a gateway name');
    return value;
  }
}
