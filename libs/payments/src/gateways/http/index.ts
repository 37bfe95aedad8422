export { GatewayHttpClient, DEFAULT_HTTP_TIMEOUTS, DEFAULT_CONNECTIONS_PER_ORIGIN } from './gateway-http-client';
export type {
  HttpTimeouts,
  GatewayTlsOptions,
  GatewayHttpClientOptions,
  GatewayHttpRequest,
  GatewayHttpResponse,
} from './gateway-http-client';
export {
  SENSITIVE_KEYS,
  REDACTED,
  CARD_REDACTED,
  scrub,
  scrubText,
  scrubHeaders,
  scrubCardNumbers,
  normalizeKey,
} from './scrub';
export { JsonRows } from './json-rows';
export { isSuccessStatus } from './gateway-transport';
export type {
  GatewayCallResult,
  GatewayTransport,
  GatewayTransportRequest,
  GatewayTransportResponse,
} from './gateway-transport';
