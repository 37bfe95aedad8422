import { BadRequestException, Controller, HttpCode, Param, Post, Req, Res, UseGuards, type Type } from '@nestjs/common';
import { assertStorableInput } from '../domain/validation';
import { PATH_METADATA } from '@nestjs/common/constants';
import { requireCapability } from '../gateways/gateway-capabilities';
import { GatewayRegistry } from '../gateways/gateway-registry';
import { PARSED_WEBHOOK, WebhookGuard, type WebhookHttpRequest } from './webhook.guard';
import { WebhooksService } from './webhooks.service';

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
    try {
      // What the inbox stores must fit PostgreSQL (no U+0000, no lone surrogates, bounded nesting): a 400, never a 500.
      assertStorableInput(parsed.payload, 'body');
    } catch (error) {
      throw new BadRequestException(error instanceof Error ? error.message : 'invalid body');
    }
    const outcome = await this.webhooks.handle(gatewayName, parsed, request.ip);
    const gateway = requireCapability(this.gateways.get(gatewayName), 'webhooks', 'webhooks');
    const answer = gateway.webhookReply(outcome === 'rejected' ? 'rejected' : 'accepted');
    reply.status(answer.status);
    if (reply.type) reply.type(answer.contentType);
    else reply.header?.('content-type', answer.contentType);
    reply.send(answer.body);
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
