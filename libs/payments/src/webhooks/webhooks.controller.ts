import {
  BadRequestException,
  Controller,
  HttpCode,
  Param,
  Post,
  Req,
  Res,
  ServiceUnavailableException,
  UseGuards,
  type Type,
} from '@nestjs/common';
import { assertStorableInput } from '../domain/validation';
import { PATH_METADATA } from '@nestjs/common/constants';
import { requireCapability } from '../gateways/gateway-capabilities';
import { GatewayRegistry } from '../gateways/gateway-registry';
import type { ParsedWebhook } from '../gateways/gateway-capabilities';
import { WebhookRejectionBudget } from './rejection-limiter';
import { PARSED_WEBHOOK, WEBHOOK_SOURCE_ADDRESS, WebhookGuard, type WebhookHttpRequest } from './webhook.guard';
import { WebhookInFlightError, WebhookNotReadyError, WebhooksService } from './webhooks.service';

interface ReplyLike {
  status(code: number): ReplyLike;
  type?(contentType: string): ReplyLike;
  header?(name: string, value: string): ReplyLike;
  send(body: string): unknown;
}

/**
 * `POST /<pathPrefix>/<gateway>`. The path prefix comes from the module options (golevelup's Stripe module does
 * the same): each PaymentsModule registration gets its own subclass, whose path is set once the options resolve —
 * before Nest maps routes — so two apps in one process can use different prefixes.
 */
@Controller()
export class PaymentsWebhookController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly gateways: GatewayRegistry,
    private readonly rejections: WebhookRejectionBudget,
  ) {}

  @Post(':gateway')
  @HttpCode(200)
  @UseGuards(WebhookGuard)
  async receive(
    @Param('gateway') gatewayName: string,
    @Req() request: WebhookHttpRequest,
    @Res() reply: ReplyLike,
  ): Promise<void> {
    const parsed = request[PARSED_WEBHOOK];
    if (!parsed) throw new Error('WebhookGuard did not run');
    // The address the guard decided on (TCP peer, or X-Forwarded-For behind a trusted proxy), never Express's req.ip.
    const source = request[WEBHOOK_SOURCE_ADDRESS];
    try {
      // What the inbox stores must fit PostgreSQL (no U+0000, no lone surrogates, bounded nesting): a 400, never a 500.
      assertStorableInput(parsed.payload, 'body');
    } catch (error) {
      this.rejections.recordRejection(source);
      throw new BadRequestException(error instanceof Error ? error.message : 'invalid body');
    }
    const outcome = await this.handle(gatewayName, parsed, source);
    if (outcome === 'rejected') this.rejections.recordRejection(source);
    const gateway = requireCapability(this.gateways.get(gatewayName), 'webhooks', 'webhooks');
    const answer = gateway.webhookReply(outcome === 'rejected' ? 'rejected' : 'accepted');
    reply.status(answer.status);
    if (reply.type) reply.type(answer.contentType);
    else reply.header?.('content-type', answer.contentType);
    reply.send(answer.body);
  }

  /**
   * A delivery that came before the state it names, or while another process holds its event, is a 503: the gateway's
   * retry brings it back once that is over.
   */
  private async handle(gatewayName: string, parsed: ParsedWebhook, source: string | undefined) {
    try {
      return await this.webhooks.handle(gatewayName, parsed, source);
    } catch (error) {
      if (error instanceof WebhookNotReadyError || error instanceof WebhookInFlightError) {
        throw new ServiceUnavailableException(error.message);
      }
      throw error;
    }
  }
}

export function createWebhookControllerClass(): Type<PaymentsWebhookController> {
  class RegisteredPaymentsWebhookController extends PaymentsWebhookController {}
  Reflect.defineMetadata(PATH_METADATA, 'payments/webhooks', RegisteredPaymentsWebhookController);
  return RegisteredPaymentsWebhookController;
}

export function setWebhookControllerPath(controller: Type<unknown>, pathPrefix: string): void {
  Reflect.defineMetadata(PATH_METADATA, pathPrefix, controller);
}
