/**
 * The one HTTP client every gateway adapter sends every call through (`gateways/http/` in
 * docs/architecture.md#the-folders).
 *
 * What it guarantees the adapters:
 * - an HTTP status is never an exception: 4xx/5xx come back as responses, the adapter maps the gateway's code;
 * - a transport failure is always a `GatewayUnavailableError` whose `requestSent` says whether the gateway may have
 *   acted on the request. That flag decides FAILED (provably nothing happened) vs UNKNOWN (read it back with `sync`),
 *   rule 4 of docs/architecture.md#rules-that-keep-money-exact, so it is computed conservatively: `false` only when
 *   the request provably never left;
 * - keep-alive connection reuse per client, connect timeout = `connectMs`, headers/body timeout = `readMs`
 *   (overridable per call: Toss's billing charge and transaction list can take up to 60 s);
 * - optional mTLS client certificate (Apps-in-Toss, docs/gateways/apps-in-toss.md) with hot rotation (`updateTls`);
 * - logs and error messages that never contain Authorization headers, secrets or unscrubbed bodies.
 */
import { Logger, type LoggerService } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { GatewayUnavailableError } from '../../domain/errors';
import {
  assertPositiveInteger,
  flattenHeaders,
  lowerCaseHeaders,
  normalizePem,
  parseBody,
  readBody,
  requestBody,
  stripUndefined,
  truncateForLog,
  validateTls,
} from './http-helpers';
import type { JsonRows } from './json-rows';
import { REDACTED, Scrubber, scrubText } from './scrub';
import { describeCode, errorFacts, trackDispatch, wasRequestSent, type DispatchState } from './transport-errors';

export interface HttpTimeouts {
  /** TCP connect + TLS handshake. */
  connectMs: number;
  /** Time to the response headers, and the longest pause between two body chunks. */
  readMs: number;
}

/** NicePay's documented timeouts (connect 5 s, read 30 s), also a sane default for the other gateways. */
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
  /** Told of every call once it ends (answered or not): health and metrics. Must not throw. */
  onCall?: (call: GatewayCallObservation) => void;
}

/** What `onCall` is told: never a body, a header or a path parameter. */
export interface GatewayCallObservation {
  gateway: string;
  operation: string;
  /** HTTP status, or null when no answer came (timeout, reset, refused connection). */
  status: number | null;
  durationMs: number;
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
  /** A large JSON array expected (Toss's transaction list): a 2xx one comes back as `JsonRows`, `text` ''. */
  jsonRows?: boolean;
}

export interface GatewayHttpResponse<T = unknown> {
  status: number;
  /** Lower-cased names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** Raw body ('' when parsed as `jsonRows`). */
  text: string;
  /** Parsed JSON when the text is JSON, else the text; empty body -> null. */
  body: T;
  /** scrub(body): what adapters put into `raw` and what is logged; made when first read (a list page never is). */
  readonly scrubbedBody: unknown;
  durationMs: number;
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
  private readonly onCall: ((call: GatewayCallObservation) => void) | undefined;
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
    this.onCall = options.onCall;

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
    const body = requestBody(req, this.gateway);
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
    let rows: JsonRows | undefined;
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
      ({ text, rows } = await readBody(response.body, req.jsonRows === true && status >= 200 && status < 300));
    } catch (err) {
      const { code, message } = errorFacts(err);
      const sent = wasRequestSent(code, state.dispatched);
      this.observe(req.operation, null, elapsed());
      throw this.unavailable(req, callLabel, `${describeCode(code)} (${code}: ${message})`, code, sent, elapsed());
    }

    const durationMs = elapsed();
    this.observe(req.operation, status, durationMs);
    const parsed = rows ?? parseBody(text);
    const scrubbed = this.scrubber.onDemand(() => (rows ? rows.toArray() : parsed));

    const line = `${callLabel} -> ${status} in ${durationMs}ms (${req.operation})`;
    if (status >= 500) this.logger.warn(line, this.logContext);
    else this.logger.debug?.(line, this.logContext);
    if (this.logBodies) {
      this.logger.verbose?.(
        `${req.operation}: ${callLabel} <- ${status} body=${truncateForLog(JSON.stringify(scrubbed()) ?? 'null')}`,
        this.logContext,
      );
    }

    // An own enumerable getter: spreading, JSON and toEqual see `scrubbedBody` as the plain property it was.
    const answer = { status, headers: responseHeaders, text, body: parsed as T, durationMs };
    return Object.defineProperty(answer, 'scrubbedBody', { get: scrubbed, enumerable: true }) as GatewayHttpResponse<T>;
  }

  private observe(operation: string, status: number | null, durationMs: number): void {
    try {
      this.onCall?.({ gateway: this.gateway, operation, status, durationMs });
    } catch {
      // An observer's fault must never turn a gateway answer into an error (the money already moved).
    }
  }

  /**
   * Certificate rotation (Apps-in-Toss accepts several registered certificates at once, so the new one is valid
   * before the old one is removed). New calls use a new dispatcher with the new credentials; the old dispatcher
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
        // One agent per credential set, TLS >= 1.2, the server verified against public CAs (Apps-in-Toss's server
        // certificate chains to a public CA, so no custom `ca` is needed).
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
              // any request byte — a provable `requestSent: false` (the FAILED vs UNKNOWN split, rule 4 of
              // docs/architecture.md#rules-that-keep-money-exact). Apps-in-Toss only requires TLS >= 1.2.
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
