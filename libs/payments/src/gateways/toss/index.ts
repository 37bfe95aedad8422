export { TossGatewayDefinition, createTossGateway, validateTossOptions } from './toss.module';
export { TossGateway, formatKstDate, formatKstDateTime, parseTossDate, pickCreatedCancel } from './toss.gateway';
export type { TossGatewayDependencies } from './toss.gateway';
export { TossClient, TOSS_SENSITIVE_KEYS } from './toss.client';
export type { TossClientConfig, TossHttpRequest, TossHttpResponse, TossHttpTransport, TossResult } from './toss.client';
export {
  computePayoutSignature,
  fingerprint,
  parsePayoutSignatureHeader,
  timingSafeEqualString,
  tossBasicAuthorization,
  verifyPayoutSignature,
} from './toss.crypto';
export type { PayoutKeyEncoding, PayoutSignatureCheck, PayoutSignatureResult } from './toss.crypto';
export { classifyTossError, TOSS_ERROR_TABLE, tossErrorFromResponse } from './toss.errors';
export type { TossErrorCategory, TossErrorContext, TossResourceKind } from './toss.errors';
export { parseTossWebhook, scrubTossPayload, TOSS_WEBHOOK_HEADERS, tossWebhookReply } from './toss.webhook';
export type { TossWebhookVerificationOptions } from './toss.webhook';
export * from './toss.types';
