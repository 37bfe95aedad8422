import { createParamDecorator, type ExecutionContext, type Type } from '@nestjs/common';
import { ApiBody, ApiParam, OmitType } from '@nestjs/swagger';
import { InvalidInputError } from 'nestjs-kr-payments';

export interface BodyWithPathOptions {
  /** Route params copied into the body (e.g. `paymentId` of `/orders/:paymentId/cancel`). */
  fromPath: string[];
  /** Other body fields that would name a different resource than the URL (refused, never silently ignored). */
  refused?: string[];
}

/**
 * The JSON body with the given route params merged in, so a route like `POST /billing/keys/:billingKeyId/charge`
 * validates against the library's own DTO (ChargeBillingKeyDto, with its `billingKeyId`) instead of a copy of it.
 * The global ValidationPipe validates the merged object (`validateCustomDecorators`). A body that carries one of
 * these ids itself is refused: the URL names the resource.
 */
const bodyWithPath = createParamDecorator(
  (options: BodyWithPathOptions, context: ExecutionContext): Record<string, unknown> => {
    const request = context.switchToHttp().getRequest<{ body?: unknown; params: Record<string, string> }>();
    const body = request.body ?? {};
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new InvalidInputError('body', 'must be a JSON object');
    for (const field of [...options.fromPath, ...(options.refused ?? [])]) {
      if (field in body) throw new InvalidInputError(field, 'the URL names the resource; leave it out of the body');
    }
    const fromPath = Object.fromEntries(options.fromPath.map((name) => [name, request.params[name]]));
    return { ...(body as Record<string, unknown>), ...fromPath };
  },
);

/**
 * `bodyWithPath` plus its OpenAPI description, so the document cannot drift from what the route accepts: the body is
 * the parameter's DTO without the route ids and the refused fields (`ChargeBillingKeyDtoBody`), and each route id
 * is a path parameter. Swagger cannot see a custom parameter decorator's type on its own.
 */
export function BodyWithPath(options: BodyWithPathOptions): ParameterDecorator {
  return (target, key, index) => {
    bodyWithPath(options)(target, key, index);
    if (key === undefined) return;
    const dto = (Reflect.getMetadata('design:paramtypes', target, key) as Type[])[index];
    const descriptor = Object.getOwnPropertyDescriptor(target, key) as PropertyDescriptor;
    ApiBody({ type: bodyType(dto, [...options.fromPath, ...(options.refused ?? [])]) })(target, key, descriptor);
    for (const name of options.fromPath) ApiParam({ name, type: String, format: 'uuid' })(target, key, descriptor);
  };
}

const bodyTypes = new Map<string, Type>();

/** One class per DTO and left-out fields: routes sharing a body (pause, resume) share its schema. */
function bodyType(dto: Type, leftOut: string[]): Type {
  const cacheKey = `${dto.name}:${leftOut.join(',')}`;
  let body = bodyTypes.get(cacheKey);
  if (!body) {
    const clash = [...bodyTypes.keys()].find((known) => known.startsWith(`${dto.name}:`));
    if (clash) throw new Error(`${dto.name}Body would name two different bodies (${clash} and ${cacheKey})`);
    body = OmitType(dto, leftOut as never) as Type;
    // The schema's name in components.schemas is the class name.
    Object.defineProperty(body, 'name', { value: `${dto.name}Body` });
    bodyTypes.set(cacheKey, body);
  }
  return body;
}
