export { PaymentsWebhookController } from './webhooks.controller';
export { WebhookGuard, PARSED_WEBHOOK } from './webhook.guard';
export { WebhooksService, type WebhookOutcome } from './webhooks.service';
