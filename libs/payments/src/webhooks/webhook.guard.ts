import {
  BadRequestException,
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  Inject,
  Injectable,
  NotFoundException,
  UnauthorizedException,
  type LoggerService,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InvalidInputError, PaymentsError, SignatureMismatchError } from '../domain/errors';
import { supports, type GatewayWith, type ParsedWebhook } from '../gateways/gateway-capabilities';
import { GatewayRegistry } from '../gateways/gateway-registry';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PAYMENTS_LOGGER, PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';
import { PaymentsMetrics } from '../operations/payments-metrics';
import { WebhookRejectionBudget } from './rejection-limiter';
import { SourceAddressResolver } from './source-address';
import { SourceAllowlist } from './source-allowlist';

export { normaliseIp } from './source-allowlist';

/** Where the guard leaves the parsed delivery for the controller. */
export const PARSED_WEBHOOK = Symbol('KR_PAYMENTS_PARSED_WEBHOOK');
/** Where the guard leaves the source address it decided on (see SourceAddressResolver), for the inbox row. */
export const WEBHOOK_SOURCE_ADDRESS = Symbol('KR_PAYMENTS_WEBHOOK_SOURCE_ADDRESS');

export interface WebhookHttpRequest {
  params: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  rawBody?: Buffer;
  /** Express's `req.ip`: follows `trust proxy`, so the guard never reads it. */
  ip?: string;
  socket?: { remoteAddress?: string };
  [PARSED_WEBHOOK]?: ParsedWebhook;
  [WEBHOOK_SOURCE_ADDRESS]?: string;
}

/** A gateway's effective source allowlist: null when any source is accepted. */
type CompiledAllowlist = SourceAllowlist | null;

/**
 * Registrations whose boot warnings were given. Nest may build more than one guard per registration (the provider and
 * the controller's guard instance both see the bootstrap hook); the options object is one per registration.
 */
const WARNED_AT_BOOT = new WeakSet<ResolvedPaymentsOptions>();
/** Registrations that said the raw body is missing (once each). */
const WARNED_NO_RAW_BODY = new WeakSet<ResolvedPaymentsOptions>();

/**
 * The one guard in front of every gateway's webhook route: the gateway must be configured, the delivery's source
 * address (the TCP peer, or X-Forwarded-For behind `webhooks.trustedProxies` only) must be on that gateway's allowlist,
 * and the gateway's own `parseWebhook` must accept the delivery (signature / hash checks that need only the request).
 * Checks that need our database (payment secrets, read-backs) happen in WebhooksService.
 */
@Injectable()
export class WebhookGuard implements CanActivate, OnApplicationBootstrap {
  private readonly sources: SourceAddressResolver;
  private readonly allowlists = new Map<string, CompiledAllowlist>();

  constructor(
    private readonly gateways: GatewayRegistry,
    @Inject(PAYMENTS_RESOLVED_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    @Inject(PAYMENTS_LOGGER) private readonly logger: LoggerService,
    private readonly rejections: WebhookRejectionBudget,
    private readonly metrics: PaymentsMetrics,
  ) {
    this.sources = new SourceAddressResolver(options.webhooks.trustedProxies);
  }

  /** Says once per gateway, at boot, when its webhooks are accepted from any address. */
  onApplicationBootstrap(): void {
    if (!this.options.webhooks.enabled || WARNED_AT_BOOT.has(this.options)) return;
    WARNED_AT_BOOT.add(this.options);
    for (const gateway of this.gateways.all()) {
      if (!supports(gateway, 'webhooks')) continue;
      const entries = this.configuredSources(gateway);
      if (entries !== undefined && entries.length > 0) continue;
      this.logger.warn?.(
        entries === undefined
          ? `${gateway.name} webhooks are accepted from any source address: the gateway publishes none; set ` +
              `webhooks.ipAllowlist.${gateway.name} if you know them`
          : `${gateway.name} webhooks are accepted from any source address: its allowlist is set to [] ` +
              `(webhooks.ipAllowlist.${gateway.name} or gateways.${gateway.name}.webhookAllowedSources)`,
        'WebhookGuard',
      );
    }
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<WebhookHttpRequest>();
    const name = request.params.gateway;
    if (!this.options.webhooks.enabled || !name || !this.gateways.has(name)) {
      throw new NotFoundException();
    }
    const gateway = this.gateways.get(name);
    if (!supports(gateway, 'webhooks')) throw new NotFoundException();

    const sourceIp = this.sources.resolve(request);
    request[WEBHOOK_SOURCE_ADDRESS] = sourceIp;
    // A source that keeps sending what we reject is answered 429 before it costs a parse or a signature check.
    this.rejections.assertWithinBudget(sourceIp);
    try {
      const allowlist = this.allowlistOf(gateway);
      if (allowlist && !allowlist.matches(sourceIp)) {
        throw new ForbiddenException(`source ${sourceIp ?? 'unknown'} is not allowed for ${name} webhooks`);
      }
      request[PARSED_WEBHOOK] = await this.parse(gateway, request, sourceIp);
      return true;
    } catch (error) {
      if (error instanceof HttpException && error.getStatus() < 500) {
        this.rejections.recordRejection(sourceIp);
        this.metrics.webhooks.inc({ gateway: name, outcome: 'refused_at_guard' });
      }
      throw error;
    }
  }

  private async parse(
    gateway: GatewayWith<'webhooks'>,
    request: WebhookHttpRequest,
    sourceIp: string | undefined,
  ): Promise<ParsedWebhook> {
    try {
      return await gateway.parseWebhook({
        headers: request.headers,
        rawBody: this.rawBodyOf(request),
        body: request.body,
        sourceIp,
      });
    } catch (error) {
      if (error instanceof SignatureMismatchError) throw new UnauthorizedException(error.message);
      if (error instanceof InvalidInputError) throw new BadRequestException(error.message);
      if (error instanceof PaymentsError && error.httpStatus < 500) throw new BadRequestException(error.message);
      throw error;
    }
  }

  /**
   * The bytes the gateway sent. Without `rawBody: true` on the app they are gone, and a re-serialised body cannot
   * verify an HMAC over the original bytes (Toss payout events): that is said once, on the first delivery, because
   * Nest does not tell a module how the app was created.
   */
  private rawBodyOf(request: WebhookHttpRequest): Buffer {
    if (request.rawBody) return request.rawBody;
    if (!WARNED_NO_RAW_BODY.has(this.options) && nestParsesRawBodyOf(request)) {
      WARNED_NO_RAW_BODY.add(this.options);
      this.logger.warn?.(
        'webhook requests carry no raw body: create the app with NestFactory.create(AppModule, { rawBody: true }), ' +
          'or signatures over the raw bytes cannot verify',
        'WebhookGuard',
      );
    }
    return Buffer.from(typeof request.body === 'string' ? request.body : JSON.stringify(request.body ?? null));
  }

  /** The module option overrides the gateway's own list (each shipped gateway with webhooks ships its sources). */
  private configuredSources(gateway: GatewayWith<'webhooks'>): readonly string[] | undefined {
    return this.options.webhooks.ipAllowlist[gateway.name] ?? gateway.webhookAllowedSources;
  }

  private allowlistOf(gateway: GatewayWith<'webhooks'>): CompiledAllowlist {
    const cached = this.allowlists.get(gateway.name);
    if (cached !== undefined) return cached;
    const entries = this.configuredSources(gateway);
    const compiled = entries && entries.length > 0 ? new SourceAllowlist(entries) : null;
    this.allowlists.set(gateway.name, compiled);
    return compiled;
  }
}

/** A non-empty JSON or form body: the kind Nest keeps the raw bytes of when the app has `rawBody: true`. */
function nestParsesRawBodyOf(request: WebhookHttpRequest): boolean {
  const header = (name: string): string => {
    const value = request.headers[name];
    return (Array.isArray(value) ? value.join(',') : value) ?? '';
  };
  const hasBody = Number(header('content-length')) > 0 || header('transfer-encoding') !== '';
  return hasBody && /json|x-www-form-urlencoded/i.test(header('content-type'));
}
