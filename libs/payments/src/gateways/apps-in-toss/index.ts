export { AppsInTossGatewayDefinition, createAppsInTossGateway, validateAppsInTossOptions } from './apps-in-toss.module';
export {
  AppsInTossGateway,
  APPS_IN_TOSS_MAX_AMOUNT,
  APPS_IN_TOSS_MAX_PAY_TOKEN,
  APPS_IN_TOSS_MAX_PRODUCT_DESC,
  APPS_IN_TOSS_MAX_REFUND_REASON,
  APPS_IN_TOSS_METHOD,
  APPS_IN_TOSS_ORDER_NO_PATTERN,
  APPS_IN_TOSS_REFUND_REASON_PATTERN,
  APPS_IN_TOSS_WINDOW_CANCELED,
  parseKstTime,
  refundTransactionKey,
  requireUserKey,
} from './apps-in-toss.gateway';
export type { AppsInTossGatewayDependencies } from './apps-in-toss.gateway';
export { AppsInTossClient, APPS_IN_TOSS_USER_KEY_HEADER } from './apps-in-toss.client';
export type { AppsInTossHttpRequest, AppsInTossHttpResponse, AppsInTossHttpTransport, AppsInTossResult } from './apps-in-toss.client';
export { certificateInfo, credentialProblems, loadAppsInTossCredentials, loadPemSource } from './apps-in-toss.crypto';
export type {
  AppsInTossCertificateInfo,
  AppsInTossCertificateSet,
  AppsInTossCredentialField,
  AppsInTossCredentials,
} from './apps-in-toss.crypto';
export {
  APPS_IN_TOSS_ERROR_TABLE,
  APPS_IN_TOSS_GATEWAY,
  appsInTossErrorFromResponse,
  classifyAppsInTossFailure,
  readFailure,
  UNKNOWN_OUTCOME_RESULT_TYPES,
} from './apps-in-toss.errors';
export type { AppsInTossErrorCategory, AppsInTossErrorContext, AppsInTossFailure } from './apps-in-toss.errors';
export { appsInTossWebhookReply, parseAppsInTossWebhook } from './apps-in-toss.webhook';
export * from './apps-in-toss.types';
