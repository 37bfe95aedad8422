import {
  BadRequestException,
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { InvalidInputError, PaymentsError, SignatureMismatchError } from '../domain/errors';
import { supports, type ParsedWebhook } from '../gateways/gateway-capabilities';
import { GatewayRegistry } from '../gateways/gateway-registry';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';
import { normaliseIp, SourceAllowlist } from './source-allowlist';

export { normaliseIp } from './source-allowlist';

/** Where the guard leaves the parsed delivery for the controller. */
export const PARSED_WEBHOOK = Symbol('KR_PAYMENTS_PARSED_WEBHOOK');

export interface WebhookHttpRequest {
  params: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  rawBody?: Buffer;
  ip?: string;
  socket?: { remoteAddress?: string };
  [PARSED_WEBHOOK]?: ParsedWebhook;
}

/**
 * The one guard in front of every gateway's webhook route: the gateway must be configured, the source IP must be
 * on that gateway's allowlist (when one is set), and the gateway's own `parseWebhook` must accept the delivery
 * (signature / hash checks that need only the request). Checks that need our database (payment secrets,
 * read-backs) happen in WebhooksService.
 */
@Injectable()
export class WebhookGuard implements CanActivate {
  constructor(
    private readonly gateways: GatewayRegistry,
    @Inject(PAYMENTS_RESOLVED_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  private readonly compiled = new Map<string, { entries: readonly string[]; list: SourceAllowlist }>();

  private allowed(gateway: string, entries: readonly string[]): SourceAllowlist {
    const cached = this.compiled.get(gateway);
    if (cached && cached.entries === entries) return cached.list;
    const list = new SourceAllowlist(entries);
    this.compiled.set(gateway, { entries, list });
    return list;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<WebhookHttpRequest>();
    const name = request.params.gateway;
    if (!this.options.webhooks.enabled || !name || !this.gateways.has(name)) {
      throw new NotFoundException();
    }
    const gateway = this.gateways.get(name);
    if (!supports(gateway, 'webhooks')) throw new NotFoundException();

    const sourceIp = normaliseIp(request.ip ?? request.socket?.remoteAddress);
    // The module option overrides the gateway's own default list (NicePay / KISPG ship their documented sources).
    const allowlist = this.options.webhooks.ipAllowlist[name] ?? gateway.webhookAllowedSources;
    if (allowlist && allowlist.length > 0 && !this.allowed(name, allowlist).matches(sourceIp)) {
      throw new ForbiddenException(`source ${sourceIp ?? 'unknown'} is not allowed for ${name} webhooks`);
    }

    const rawBody =
      request.rawBody ??
      Buffer.from(typeof request.body === 'string' ? request.body : JSON.stringify(request.body ?? null));
    try {
      request[PARSED_WEBHOOK] = await gateway.parseWebhook({
        headers: request.headers,
        rawBody,
        body: request.body,
        sourceIp,
      });
    } catch (error) {
      if (error instanceof SignatureMismatchError) throw new UnauthorizedException(error.message);
      if (error instanceof InvalidInputError) throw new BadRequestException(error.message);
      if (error instanceof PaymentsError && error.httpStatus < 500) throw new BadRequestException(error.message);
      throw error;
    }
    return true;
  }
}
