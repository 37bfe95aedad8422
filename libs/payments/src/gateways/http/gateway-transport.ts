/*
 * The slice of GatewayHttpClient an adapter's wire client uses, declared structurally so each client depends on the
 * request/response contract only and tests can hand in the real client or a recorder. Each gateway narrows `method`
 * (and whatever else it never sends) and names the result after itself (`TossHttpRequest`, `KispgHttpRequest` ...).
 */

export interface GatewayTransportRequest<Method extends string = 'GET' | 'POST'> {
  /** 'confirm', 'cancel' ... (logs and error messages). */
  operation: string;
  method: Method;
  /**
   * May hold `{name}` placeholders filled from `pathParams`: a parameter with a sensitive name (`billingKey`, `bid`)
   * is logged redacted, so a secret path segment never reaches a log line or an error message.
   */
  path: string;
  pathParams?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  json?: unknown;
  /** Per-call override of the configured read timeout (Toss's billing charge and lists can take up to 60 s). */
  readTimeoutMs?: number;
  /** A 2xx JSON array answer comes back as `JsonRows`, each element parsed when read (GatewayHttpRequest.jsonRows). */
  jsonRows?: boolean;
}

export interface GatewayTransportResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: T;
  /** The body with sensitive keys and card numbers scrubbed: what adapters keep in `raw`. */
  scrubbedBody: unknown;
  durationMs: number;
}

export interface GatewayTransport<Request> {
  request<T>(request: Request): Promise<GatewayTransportResponse<T>>;
}

/** A successful call: the typed wire object and the same body scrubbed of secrets and card data (for `raw` columns). */
export interface GatewayCallResult<T> {
  body: T;
  scrubbed: unknown;
}

/** 2xx: the only statuses whose body a gateway presents as an answer to the request. */
export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status < 300;
}
