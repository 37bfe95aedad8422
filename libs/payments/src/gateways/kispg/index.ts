export { KispgGatewayModule, createKispgGateway } from './kispg.module';
export { KispgGateway } from './kispg.gateway';
export type { KispgGatewayDependencies } from './kispg.gateway';
export { KispgClient, KISPG_SENSITIVE_KEYS } from './kispg.client';
export type { KispgCallResult, KispgHttpRequest, KispgHttpResponse, KispgHttpTransport } from './kispg.client';
export { readCancelHistory } from './kispg.cancel-data';
export type { ReadCancel } from './kispg.cancel-data';
export {
  formatKispgEdiDate,
  kispgEncData,
  kispgHashMatches,
  parseKispgDateTime,
  verifyKispgHash,
} from './kispg.crypto';
export { classifyKispgResult, kispgErrorFromResult, kispgMalformed } from './kispg.errors';
export type { KispgOperation, KispgResultContext } from './kispg.errors';
export {
  assertKispgText,
  canonicalKispgMethod,
  KISPG_OPTIONAL_AUTH_FIELDS,
  kispgMethodOf,
  normalizeKispgMethod,
  readAmount,
  utf8Bytes,
} from './kispg.fields';
export { kispgWebhookReply, parseKispgWebhook, scrubKispgPayload } from './kispg.webhook';
export type { KispgWebhookVerificationOptions } from './kispg.webhook';
export * from './kispg.types';
