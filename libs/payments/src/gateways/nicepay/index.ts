export { NicePayGatewayDefinition, createNicePayGateway, validateNicePayOptions } from './nicepay.module';
export { NicePayGateway, canonicalNicePayMethod, nicePayRequestOrderId, nicePayByteLength } from './nicepay.gateway';
export type { NicePayGatewayDependencies } from './nicepay.gateway';
export { NicePayClient, NICEPAY_SENSITIVE_KEYS } from './nicepay.client';
export type { NicePayClientConfig, NicePayHttpRequest, NicePayHttpResponse, NicePayHttpTransport, NicePayResult } from './nicepay.client';
export {
  nicePayBasicAuthorization,
  nicePayBillingPlaintext,
  nicePayEdiDate,
  nicePayEncrypt,
  nicePayKstDate,
  nicePayPaymentSignature,
  nicePayReceiptSignature,
  nicePayReturnSignature,
  nicePaySha256,
  nicePaySignatureMatches,
  parseNicePayDate,
} from './nicepay.crypto';
export type { NicePayBillingCardData } from './nicepay.crypto';
export {
  classifyNicePayError,
  NICEPAY_ALREADY_APPROVED_CODES,
  NICEPAY_BILLING_KEY_GONE_CODES,
  NICEPAY_DUPLICATE_ORDER_CODES,
  NICEPAY_ERROR_TABLE,
  nicePayErrorFromResult,
} from './nicepay.errors';
export type { NicePayErrorCategory, NicePayErrorContext, NicePayResourceKind } from './nicepay.errors';
export { NICEPAY_UNVERIFIED_EVENT, nicePayWebhookReply, parseNicePayWebhook, scrubNicePayPayload } from './nicepay.webhook';
export type { NicePayWebhookContext } from './nicepay.webhook';
export * from './nicepay.types';
