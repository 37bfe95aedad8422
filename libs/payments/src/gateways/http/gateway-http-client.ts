/**
 * The one HTTP client every gateway adapter sends every call through (DESIGN.md §1 `gateways/http/`).
 *
 * What it guarantees the adapters:
 * - an HTTP status is never an exception: 4xx/5xx come back as responses, the adapter maps the gateway's code;
 * - a transport failure is always a `GatewayUnavailableError` whose `requestSent` says whether the gateway may have
 *   acted on the request. That flag decides FAILED (provably nothing happened) vs UNKNOWN (read it back with `sync`),
 *   DESIGN.md §3 rule 4, so it is computed conservatively: `false` only when the request provably never left;
 * - keep-alive connection reuse per client, connect timeout = `connectMs`, headers/body timeout = `readMs`
 *   (overridable per call: Toss billing charge / transactions need 60 s, toss.md §2 "Slow endpoints");
 * - optional mTLS client certificate (Apps-in-Toss, apps-in-toss.md §1.2) with hot rotation (`updateTls`);
 * - logs and error messages that never contain Authorization headers, secrets or unscrubbed bodies.
 */
import { Logger, type LoggerService } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { Agent, request, type Dispatcher } from 'undici';
import { GatewayUnavailableError } from '../../domain/errors';
import { REDACTED, Scrubber, scrubText } from './scrub';

export interface HttpTimeouts {
  /** TCP connect + TLS handshake. */
  connectMs: number;
  /** Time to the response headers, and the longest pause between two body chunks. */
  readMs: number;
}

/** nicepay.md §1 "Timeouts": connect 5 s, read 30 s — also a sane default for the other gateways. */
export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = Object.freeze({ connectMs: 5_000, readMs: 30_000 });
export const DEFAULT_CONNECTIONS_PER_ORIGIN = 32;

/** PEM strings. */
export interface GatewayTlsOptions {
  cert: string;
  key: string;
  /** Extra trust anchor for the *server* certificate (simulators, private CAs). Absent: the public CA store. */
  ca?: string;
  passphrase?: string;
}

export interface GatewayHttpClientOptions {
  /** 'toss', 'nicepay' ... — used in log context and errors. */
  gateway: string;
  /** 'https://api.tosspayments.com' or a simulator 'http://127.0.0.1:1234'; a path prefix is kept. */
  baseUrl: string;
  timeouts?: Partial<HttpTimeouts>;
  /** mTLS client certificate (Apps-in-Toss). */
  tls?: GatewayTlsOptions;
  defaultHeaders?: Record<string, string>;
  /** Default: `new Logger('KrPayments:<gateway>')`. */
  logger?: LoggerService;
  /** Extra gateway-specific field names to scrub (e.g. 'signData'); matched case-insensitively, `_`/`-` ignored. */
  sensitiveKeys?: Iterable<string>;
  /** Pool size per origin. Default 32. */
  connections?: number;
  /**
   * Log scrubbed request/response bodies and headers at `verbose`. Default false: serialising bodies costs CPU on
   * every call, and most production log pipelines should not carry payment bodies even scrubbed.
   */
  logBodies?: boolean;
}

export interface GatewayHttpRequest {
  /** 'confirm', 'cancel' ... (logs and error messages). */
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /**
   * '/v1/payments/confirm'. May contain `{name}` placeholders filled from `pathParams`; use them for any path segment
   * that carries a secret (Toss `POST /v1/billing/{billingKey}`, NicePay `/v1/subscribe/{bid}/payments`) so the logs
   * and error messages show the placeholder instead of the value.
   */
  path: string;
  /**
   * Values for `{name}` placeholders in `path` (percent-encoded on the wire). In logs a parameter whose name is a
   * sensitive key (`billingKey`, `bid`, or one of `sensitiveKeys`) appears as '[REDACTED]'.
   */
  pathParams?: Record<string, string | number>;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  /** JSON body (Content-Type: application/json; charset=utf-8). */
  json?: unknown;
  /** x-www-form-urlencoded body (KISPG/NicePay). */
  form?: Record<string, string>;
  /** Per-call override of `readMs` (Toss billing charge / transactions need 60 s). */
  readTimeoutMs?: number;
  /** Caller-side cancellation. Aborting after the request left gives `requestSent: true`. */
  signal?: AbortSignal;
}

export interface GatewayHttpResponse<T = unknown> {
  status: number;
  /** Lower-cased names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** Raw body. */
  text: string;
  /** Parsed JSON when the text is JSON, else the text; empty body -> null. */
  body: T;
  /** scrub(body): what adapters put into `raw` and what is logged. */
  scrubbedBody: unknown;
  durationMs: number;
}

/** Records whether undici handed the request to a connected socket — the moment before its first byte is written. */
interface DispatchState {
  dispatched: boolean;
}

/**
 * undici calls `onRequestStart` (legacy `onConnect`) on a connected (and, for https, handshaken) socket immediately
 * before it writes the request line. Until then nothing of the request has left the process, whatever the error is.
 * If the inner handler aborts inside that callback (a caller signal that fired while connecting), undici does not
 * write either, so the flag is only set when the request really proceeds.
 */
function trackDispatch(state: DispatchState): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) =>
    dispatch(opts, {
      onRequestStart(controller, context) {
        handler.onRequestStart?.(controller, context);
        if (!controller.aborted) state.dispatched = true;
      },
      onRequestUpgrade(controller, statusCode, headers, socket) {
        handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
      },
      onResponseStart(controller, statusCode, headers, statusMessage) {
        handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
      },
      onResponseData(controller, chunk) {
        handler.onResponseData?.(controller, chunk);
      },
      onResponseEnd(controller, trailers) {
        handler.onResponseEnd?.(controller, trailers);
      },
      onResponseError(controller, error) {
        handler.onResponseError?.(controller, error);
      },
    });
}

/** Human-readable reasons for the transport error codes seen in practice (the code itself is kept in the reason). */
const DESCRIPTIONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'DNS lookup failed',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers before the read timeout',
  UND_ERR_BODY_TIMEOUT: 'response body stalled past the read timeout',
  UND_ERR_SOCKET: 'connection closed by the other side',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection broken while writing',
  UND_ERR_ABORTED: 'request aborted',
  ABORT_ERR: 'request aborted',
  UND_ERR_CLOSED: 'client closed',
  UND_ERR_DESTROYED: 'client destroyed',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'response shorter/longer than its content-length',
  UND_ERR_INFO: 'connection aborted',
};

/**
 * TLS alerts that a peer can only send during the handshake because it rejected a certificate. With TLS 1.3 the
 * client finishes its side of the handshake before the server has checked the client certificate, so undici may
 * already have handed the request to the socket when the server's alert arrives; the server's TLS layer never
 * passes application data on after rejecting the handshake, so the request was provably not processed. (Only reachable
 * for a client without a certificate talking to a server that demands one: with a certificate we pin TLS 1.2, see
 * createAgent, and a rejection then always fails the connect.)
 */
const HANDSHAKE_REJECTION_ALERT =
  /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(?:BAD_CERTIFICATE|CERTIFICATE_[A-Z_]+|UNKNOWN_CA|ACCESS_DENIED|UNSUPPORTED_CERTIFICATE|DECRYPT_ERROR|HANDSHAKE_FAILURE|PROTOCOL_VERSION|INSUFFICIENT_SECURITY)$/;

/** Server-certificate verification failures reported by Node's TLS client (always before any request byte). */
const TLS_VERIFY_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

interface ErrorFacts {
  code: string;
  message: string;
}

/**
 * Duck-typed on purpose: errors raised inside Node's own modules (tls, net) come from another realm under some
 * runtimes (jest's vm contexts), where `instanceof Error` is false.
 */
function errorFacts(err: unknown): ErrorFacts {
  if (typeof err !== 'object' || err === null) return { code: 'UNKNOWN', message: String(err) };
  const { code, name, message, errors } = err as { code?: unknown; name?: unknown; message?: unknown; errors?: unknown };
  if ((typeof code !== 'string' || code.length === 0) && Array.isArray(errors) && errors.length > 0) {
    // net's happy-eyeballs (AggregateError) reports one error per address; the first is representative.
    return errorFacts(errors[0]);
  }
  return {
    code: typeof code === 'string' && code.length > 0 ? code : typeof name === 'string' && name ? name : 'UNKNOWN',
    message: typeof message === 'string' ? message : String(err),
  };
}

function describeCode(code: string): string {
  if (DESCRIPTIONS[code]) return DESCRIPTIONS[code];
  if (code.startsWith('HPE_') || code === 'HTTPParserError') return 'unparsable response';
  if (TLS_VERIFY_CODES.has(code)) return 'server certificate rejected';
  if (HANDSHAKE_REJECTION_ALERT.test(code)) return 'TLS handshake rejected by the server (client certificate?)';
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return 'TLS failure';
  if (code.startsWith('EAI_')) return 'DNS lookup failed';
  return 'transport failure';
}

/**
 * `requestSent` for a transport error. `false` only when provable:
 * - undici never handed the request to a socket (connect refused, DNS, connect timeout, TLS verification/handshake
 *   failure, dispatcher closed, aborted before it left), or
 * - the server's TLS layer rejected our client certificate (see HANDSHAKE_REJECTION_ALERT).
 * Anything else after dispatch (timeouts, resets, "other side closed", aborts, parser errors) is `true`: the bytes may
 * have reached the gateway, so the payment must go UNKNOWN and be read back.
 */
function wasRequestSent(code: string, dispatched: boolean): boolean {
  if (!dispatched) return false;
  if (HANDSHAKE_REJECTION_ALERT.test(code)) return false;
  return true;
}

function assertPositiveInteger(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`GatewayHttpClient: ${field} must be a positive integer (got ${String(value)})`);
  }
}

const MAX_LOGGED_BODY_CHARS = 8_000;

function truncateForLog(text: string): string {
  return text.length > MAX_LOGGED_BODY_CHARS
    ? `${text.slice(0, MAX_LOGGED_BODY_CHARS)}…(${text.length - MAX_LOGGED_BODY_CHARS} more chars)`
    : text;
}

function parseBody(text: string): unknown {
  if (text.length === 0) return null;
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON (an HTML error page from a proxy, NicePay/KISPG plain text): the adapter decides from status + text.
    return text;
  }
}

export class GatewayHttpClient {
  readonly gateway: string;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly isHttps: boolean;
  private readonly timeouts: HttpTimeouts;
  private readonly defaultHeaders: Record<string, string>;
  private readonly logger: LoggerService;
  private readonly logContext: string;
  private readonly scrubber: Scrubber;
  private readonly logBodies: boolean;
  private readonly connections: number;
  private agent: Agent;
  /** Dispatchers replaced by `updateTls`, finishing their in-flight calls. */
  private readonly retiring = new Set<Promise<void>>();
  private closed = false;

  constructor(options: GatewayHttpClientOptions) {
    if (!options || typeof options.gateway !== 'string' || options.gateway.length === 0) {
      throw new Error('GatewayHttpClient: gateway must be a non-empty string');
    }
    this.gateway = options.gateway;

    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new Error(`GatewayHttpClient(${options.gateway}): baseUrl must be an absolute http(s) URL`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new Error(`GatewayHttpClient(${options.gateway}): baseUrl must use http or https`);
    }
    if (base.username || base.password || base.search || base.hash) {
      // Credentials in a URL end up in logs and proxies; query/fragment have no meaning for a base.
      throw new Error(`GatewayHttpClient(${options.gateway}): baseUrl must not contain credentials, a query or a hash`);
    }
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.isHttps = base.protocol === 'https:';

    this.timeouts = { ...DEFAULT_HTTP_TIMEOUTS, ...stripUndefined(options.timeouts ?? {}) };
    assertPositiveInteger(this.timeouts.connectMs, 'timeouts.connectMs');
    assertPositiveInteger(this.timeouts.readMs, 'timeouts.readMs');
    this.connections = options.connections ?? DEFAULT_CONNECTIONS_PER_ORIGIN;
    assertPositiveInteger(this.connections, 'connections');

    this.defaultHeaders = lowerCaseHeaders(options.defaultHeaders ?? {});
    this.logContext = `KrPayments:${options.gateway}`;
    this.logger = options.logger ?? new Logger(this.logContext);
    this.scrubber = new Scrubber(options.sensitiveKeys);
    this.logBodies = options.logBodies ?? false;

    if (options.tls) validateTls(options.tls, options.gateway);
    if (options.tls && !this.isHttps) {
      this.logger.warn(
        `client certificate configured but baseUrl is not https; it will not be presented`,
        this.logContext,
      );
    }
    this.agent = this.createAgent(options.tls);
  }

  /**
   * Sends one request. Resolves with any HTTP status; rejects only with `GatewayUnavailableError` for transport
   * failures (and a plain Error for programming mistakes such as a missing path parameter, before anything is sent).
   */
  async request<T = unknown>(req: GatewayHttpRequest): Promise<GatewayHttpResponse<T>> {
    const { wirePath, logPath } = this.buildPath(req);
    const body = this.buildBody(req);
    const headers = { ...this.defaultHeaders, ...lowerCaseHeaders(req.headers ?? {}) };
    if (body.contentType && headers['content-type'] === undefined) headers['content-type'] = body.contentType;
    if (headers['accept'] === undefined) headers['accept'] = 'application/json';
    const readMs = req.readTimeoutMs ?? this.timeouts.readMs;
    assertPositiveInteger(readMs, 'readTimeoutMs');

    const callLabel = `${req.method} ${logPath}`;
    const startedAt = performance.now();
    const elapsed = (): number => Math.round(performance.now() - startedAt);

    if (this.closed) {
      throw this.unavailable(req, callLabel, 'client closed', 'UND_ERR_CLOSED', false, elapsed());
    }
    if (req.signal?.aborted) {
      throw this.unavailable(req, callLabel, 'request aborted before it was sent', 'ABORT_ERR', false, elapsed());
    }

    if (this.logBodies) {
      const logged = req.json !== undefined ? req.json : req.form;
      this.logger.verbose?.(
        `${req.operation}: ${callLabel} -> headers=${JSON.stringify(this.scrubber.scrubHeaders(headers))}` +
          (logged !== undefined ? ` body=${truncateForLog(JSON.stringify(this.scrubber.scrub(logged)))}` : ''),
        this.logContext,
      );
    }

    const state: DispatchState = { dispatched: false };
    let status: number;
    let responseHeaders: Record<string, string>;
    let text: string;
    try {
      const response = await request(this.origin + wirePath, {
        dispatcher: this.agent.compose(trackDispatch(state)),
        method: req.method,
        headers,
        body: body.payload,
        headersTimeout: readMs,
        bodyTimeout: readMs,
        signal: req.signal,
      });
      status = response.statusCode;
      responseHeaders = flattenHeaders(response.headers);
      text = await response.body.text();
    } catch (err) {
      const { code, message } = errorFacts(err);
      const sent = wasRequestSent(code, state.dispatched);
      throw this.unavailable(req, callLabel, `${describeCode(code)} (${code}: ${message})`, code, sent, elapsed());
    }

    const durationMs = elapsed();
    const parsed = parseBody(text);
    const scrubbedBody =
      typeof parsed === 'string' ? this.scrubber.scrubText(parsed) : this.scrubber.scrub(parsed);

    const line = `${callLabel} -> ${status} in ${durationMs}ms (${req.operation})`;
    if (status >= 500) this.logger.warn(line, this.logContext);
    else this.logger.debug?.(line, this.logContext);
    if (this.logBodies) {
      this.logger.verbose?.(
        `${req.operation}: ${callLabel} <- ${status} body=${truncateForLog(JSON.stringify(scrubbedBody) ?? 'null')}`,
        this.logContext,
      );
    }

    return { status, headers: responseHeaders, text, body: parsed as T, scrubbedBody, durationMs };
  }

  /**
   * Certificate rotation (apps-in-toss.md §1.2: several certificates can be registered at once, so the new one is
   * valid before the old one is removed). New calls use a new dispatcher with the new credentials; the old dispatcher
   * finishes its in-flight calls and then closes its sockets.
   */
  updateTls(tls: GatewayTlsOptions): void {
    validateTls(tls, this.gateway);
    if (this.closed) throw new Error(`GatewayHttpClient(${this.gateway}): client is closed`);
    const previous = this.agent;
    this.agent = this.createAgent(tls);
    this.retire(previous);
    this.logger.log(`client certificate rotated; new connections use the new certificate`, this.logContext);
  }

  /** Stops accepting calls, lets in-flight calls finish, closes every socket. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.retire(this.agent);
    }
    await Promise.all([...this.retiring]);
  }

  private retire(agent: Agent): void {
    const closing: Promise<void> = agent
      .close()
      .catch((err: unknown) => {
        this.logger.warn(`closing a dispatcher failed: ${scrubText(errorFacts(err).message)}`, this.logContext);
      })
      .finally(() => this.retiring.delete(closing));
    this.retiring.add(closing);
  }

  private createAgent(tls: GatewayTlsOptions | undefined): Agent {
    return new Agent({
      connections: this.connections,
      headersTimeout: this.timeouts.readMs,
      bodyTimeout: this.timeouts.readMs,
      connect: {
        timeout: this.timeouts.connectMs,
        // apps-in-toss.md §1.2: one agent per credential set, TLS >= 1.2, server verified against public CAs.
        ...(tls
          ? {
              cert: normalizePem(tls.cert),
              key: normalizePem(tls.key),
              ...(tls.ca ? { ca: normalizePem(tls.ca) } : {}),
              ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
              // With a client certificate we stay on TLS 1.2 on purpose. In TLS 1.3 the client's handshake completes
              // *before* the server has checked our certificate, so the request is already written when the server
              // rejects it and tears the connection down (usually with a RST that eats its alert): indistinguishable
              // from a server that crashed mid-request, i.e. "outcome unknown". In TLS 1.2 the server verifies the
              // certificate before its Finished message, so a rejected certificate always fails the connect, before
              // any request byte — a provable `requestSent: false` (the FAILED vs UNKNOWN split, DESIGN.md §3).
              // apps-in-toss.md §1.2 only requires TLS >= 1.2.
              maxVersion: 'TLSv1.2' as const,
            }
          : {}),
        minVersion: 'TLSv1.2',
        rejectUnauthorized: true,
      },
    });
  }

  private buildPath(req: GatewayHttpRequest): { wirePath: string; logPath: string } {
    if (typeof req.path !== 'string' || !req.path.startsWith('/')) {
      throw new Error(`GatewayHttpClient(${this.gateway}): path must start with '/' (operation ${req.operation})`);
    }
    let wirePath = req.path;
    let logPath = req.path;
    if (req.pathParams) {
      const params = req.pathParams;
      const missing: string[] = [];
      const fill = (redact: boolean) => (_whole: string, name: string) => {
        if (!Object.prototype.hasOwnProperty.call(params, name)) {
          missing.push(name);
          return '';
        }
        if (redact && this.scrubber.isSensitiveKey(name)) return REDACTED;
        return encodeURIComponent(String(params[name]));
      };
      wirePath = req.path.replace(/\{([A-Za-z0-9_]+)\}/g, fill(false));
      logPath = req.path.replace(/\{([A-Za-z0-9_]+)\}/g, fill(true));
      if (missing.length > 0) {
        throw new Error(
          `GatewayHttpClient(${this.gateway}): missing path parameter(s) ${[...new Set(missing)].join(', ')} for ${req.operation}`,
        );
      }
    }
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) query.append(name, String(value));
    }
    const queryString = query.toString();
    const separator = wirePath.includes('?') ? '&' : '?';
    wirePath = this.basePath + wirePath + (queryString ? separator + queryString : '');
    // The query is logged through scrubText so `signData=...` and similar never reach a log line.
    logPath = this.scrubber.scrubText(logPath + (queryString ? separator + queryString : ''));
    return { wirePath, logPath };
  }

  private buildBody(req: GatewayHttpRequest): { payload?: string; contentType?: string } {
    const hasJson = req.json !== undefined;
    const hasForm = req.form !== undefined;
    if (hasJson && hasForm) {
      throw new Error(`GatewayHttpClient(${this.gateway}): ${req.operation} has both json and form bodies`);
    }
    if ((hasJson || hasForm) && req.method === 'GET') {
      throw new Error(`GatewayHttpClient(${this.gateway}): ${req.operation} is a GET with a body`);
    }
    if (hasJson) {
      return {
        payload: JSON.stringify(req.json),
        contentType: 'application/json; charset=utf-8',
      };
    }
    if (hasForm) {
      return {
        payload: new URLSearchParams(req.form).toString(),
        contentType: 'application/x-www-form-urlencoded; charset=utf-8',
      };
    }
    return {};
  }

  private unavailable(
    req: GatewayHttpRequest,
    callLabel: string,
    what: string,
    code: string,
    requestSent: boolean,
    durationMs: number,
  ): GatewayUnavailableError {
    const reason = this.scrubber.scrubText(`${req.operation} ${callLabel}: ${what}`);
    this.logger.warn(
      `${callLabel} failed after ${durationMs}ms (${requestSent ? 'outcome unknown' : 'not sent'}; ${code}): ${reason}`,
      this.logContext,
    );
    return new GatewayUnavailableError(this.gateway, reason, requestSent);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function lowerCaseHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && value !== null) out[name.toLowerCase()] = String(value);
  }
  return out;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** apps-in-toss.md §1.2: PEMs loaded from env vars often arrive with literal `\n` escapes instead of newlines. */
function normalizePem(pem: string): string {
  return pem.includes('\n') ? pem : pem.replace(/\\n/g, '\n');
}

function validateTls(tls: GatewayTlsOptions, gateway: string): void {
  // Messages name the field only: the PEM contents (a private key) never go into an error.
  if (!tls || typeof tls !== 'object') throw new Error(`GatewayHttpClient(${gateway}): tls must be { cert, key }`);
  if (typeof tls.cert !== 'string' || !tls.cert.includes('-----BEGIN')) {
    throw new Error(`GatewayHttpClient(${gateway}): tls.cert must be a PEM certificate`);
  }
  if (typeof tls.key !== 'string' || !tls.key.includes('-----BEGIN')) {
    throw new Error(`GatewayHttpClient(${gateway}): tls.key must be a PEM private key`);
  }
  if (tls.ca !== undefined && (typeof tls.ca !== 'string' || !tls.ca.includes('-----BEGIN'))) {
    throw new Error(`GatewayHttpClient(${gateway}): tls.ca must be a PEM certificate`);
  }
}
