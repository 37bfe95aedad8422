export { TossGatewayModule } from './toss.module';
export { TossGateway } from './toss.gateway';
export { TossGatewayOptions, TossTimeoutOptions, TossWebhookOptions } from './toss.types';
