import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
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
export const BodyWithPath = createParamDecorator(
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
