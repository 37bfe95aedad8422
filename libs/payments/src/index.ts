/**
 * nestjs-kr-payments — public API. Import only from here ('nestjs-kr-payments').
 */
export { PaymentsModule, PAYMENTS_MODULE_OPTIONS, type PaymentsModuleExtras } from './payments.module';
export {
  DEFAULT_WEBHOOK_PATH_PREFIX,
  type PaymentsModuleOptions,
  type ResolvedPaymentsOptions,
  type WebhooksOptions,
} from './payments.options';
export { PaymentsService, type PrepareResult } from './payments.service';
export * from './payments.dto';
export { PAYMENTS_RESOLVED_OPTIONS, PAYMENTS_DATA_SOURCE } from './payments.tokens';

export * from './domain';
export * from './entities';
export { PAYMENTS_MIGRATIONS } from './migrations';

export { FieldCipher, type EncryptionOptions, type EncryptedValue } from './crypto/field-cipher';
export type * from './gateways/gateway.port';
export type { GatewayDefinition, GatewayContext, GatewayClock } from './gateways/gateway.definition';
export { GatewayRegistry } from './gateways/gateway-registry';
export { GATEWAY_DEFINITIONS } from './gateways/gateway.definitions';
export { GatewayHttpClient, type GatewayHttpClientOptions, type HttpTimeouts } from './gateways/http/gateway-http-client';
export { scrub, scrubText } from './gateways/http/scrub';
export { TossGatewayOptions } from './gateways/toss/toss.types';
export { NicePayGatewayOptions } from './gateways/nicepay/nicepay.types';
export { KispgGatewayOptions } from './gateways/kispg/kispg.types';
export { AppsInTossGateway, AppsInTossGatewayOptions, type AppsInTossCertificateSet, type AppsInTossCertificateInfo } from './gateways/apps-in-toss';

export { PaymentsWebhookController, WebhookGuard, WebhooksService, type WebhookOutcome } from './webhooks';
