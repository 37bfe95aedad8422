import type http from 'node:http';
import type https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../clock';
import { type TransportFault, isTransportFault, pathMatches } from './fault-registry';

/** The request log entry of the plain-HTTP simulators (Toss, NicePay, KISPG). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Parsed JSON body; the raw text when it was not JSON; undefined when empty. */
  body: unknown;
  rawBody: string;
  at: Date;
  /** HTTP status answered; 0 while unanswered or when the connection was dropped by a fault. */
  status: number;
}

/** What every simulator parses out of a request before its own rules look at it. */
export interface ParsedRequest {
  /** Upper case. */
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-cased names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  rawBody: string;
  /** Parsed JSON; the form fields (bodyFormat 'form'); the raw text ('text'); undefined when empty. */
  body: unknown;
  bodyFormat: 'empty' | 'json' | 'form' | 'text';
}

export interface SimulatorAnswer {
  status: number;
  /** '' for an empty body. */
  body: string;
  /** Sent as content-type when set. */
  contentType?: string;
  /** Gateway headers (e.g. a trace id), sent before content-length. */
  headers?: Record<string, string>;
  /**
   * Runs once when the answer leaves, or is lost to a drop-after-commit, even if the client already gave up: the
   * point at which the gateway's work is done (Toss stores the answer it replays for an Idempotency-Key then).
   */
  settle?: () => void;
}

/** One received request: the parsed fields, its log entry, and the raw node objects to answer on. */
export interface Exchange<R extends { status: number }> {
  request: ParsedRequest;
  record: R;
  req: http.IncomingMessage;
  res: http.ServerResponse;
}

export interface SimulatorHttpOptions<R extends { status: number }> {
  server: http.Server | https.Server;
  clock: Clock;
  /** Added to every answer. */
  latencyMs: number;
  /** Parse `application/x-www-form-urlencoded` bodies into fields (KISPG's /v2/auth); default false: JSON or text. */
  parseForms?: boolean;
  /** The log entry of a request (status 0); pushed to `requests` before any fault or rule applies. */
  record: (request: ParsedRequest, req: http.IncomingMessage, at: Date) => R;
  /** The gateway's rules. */
  handle: (exchange: Exchange<R>) => void;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** Listens on `host:port` (port 0: the OS picks) and returns the base URL, IPv6 hosts bracketed. */
export async function listen(
  server: http.Server | https.Server,
  options: { host: string; port: number; scheme: 'http' | 'https' },
): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return `${options.scheme}://${host}:${port}`;
}

export function assertHttpUrl(value: string, field: string, owner: string): void {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new Error(`${owner}: ${field} is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`${owner}: ${field} must be an http(s) URL`);
  }
}

/**
 * The plumbing every simulator shares: body receiving (1 MiB cap: a larger body drops the connection), parsing,
 * the request log, delayed answers (latency), transport-fault application and shutdown. The simulator keeps its
 * gateway's rules: authentication, routing, answer bodies and its own fault kinds.
 */
export class SimulatorHttp<R extends { status: number; method: string; path: string }> {
  readonly requests: R[] = [];
  private readonly delayedAnswers = new Set<NodeJS.Timeout>();
  private readonly server: http.Server | https.Server;

  constructor(private readonly options: SimulatorHttpOptions<R>) {
    this.server = options.server;
    this.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.receive(req, res));
  }

  /** Requests whose method matches (any method when undefined) and whose path starts with `path` or matches it. */
  requestsTo(method: string | undefined, path: string | RegExp): R[] {
    const wanted = method?.toUpperCase();
    return this.requests.filter((r) => (wanted === undefined || r.method === wanted) && pathMatches(path, r.path));
  }

  /** Drops pending delayed answers and closes the server, cutting keep-alive connections. */
  async close(): Promise<void> {
    for (const timer of this.delayedAnswers) clearTimeout(timer);
    this.delayedAnswers.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /**
   * Applies `fault` around `execute` (which applies the request and returns the gateway's answer):
   * drop-before-commit destroys the socket untouched; drop-after-commit executes, settles, then destroys;
   * hang-after-commit and latency answer `ms` late; no fault answers normally. Any other kind is the gateway's:
   * `gatewayFault` returns the answer to send (executing first when that kind commits).
   */
  serve<F extends { kind: string }>(
    exchange: Exchange<R>,
    fault: F | undefined,
    execute: () => SimulatorAnswer,
    gatewayFault: (fault: Exclude<F, TransportFault>) => SimulatorAnswer,
  ): void {
    if (fault === undefined) {
      this.answer(exchange, execute());
      return;
    }
    if (!isTransportFault(fault)) {
      this.answer(exchange, gatewayFault(fault as Exclude<F, TransportFault>));
      return;
    }
    switch (fault.kind) {
      case 'drop-before-commit':
        this.drop(exchange);
        return;
      case 'drop-after-commit': {
        // Applied (the money moved); only the wire lost the answer.
        const answer = execute();
        answer.settle?.();
        this.drop(exchange);
        return;
      }
      case 'hang-after-commit':
      case 'latency':
        this.answer(exchange, execute(), fault.ms);
        return;
    }
  }

  /** Destroys the connection without an answer; the log entry keeps status 0. */
  drop(exchange: Exchange<R>): void {
    exchange.req.socket.destroy();
  }

  /**
   * Writes `answer` after latencyMs + extraDelayMs. Until then the work counts as in progress (settle has not
   * run); a client that gave up meanwhile gets nothing, but the commit stands.
   */
  answer(exchange: Exchange<R>, answer: SimulatorAnswer, extraDelayMs = 0): void {
    const { req, res, record } = exchange;
    const write = () => {
      answer.settle?.();
      if (res.destroyed || req.socket.destroyed) return; // the client gave up (timeout); the commit stands
      record.status = answer.status;
      const headers: Record<string, string | number> = {
        ...answer.headers,
        'content-length': Buffer.byteLength(answer.body),
      };
      if (answer.contentType !== undefined) headers['content-type'] = answer.contentType;
      res.writeHead(answer.status, headers);
      res.end(answer.body);
    };
    const delayMs = this.options.latencyMs + extraDelayMs;
    if (delayMs <= 0) {
      write();
      return;
    }
    const timer = setTimeout(() => {
      this.delayedAnswers.delete(timer);
      write();
    }, delayMs);
    this.delayedAnswers.add(timer);
  }

  private receive(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.socket.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return;
      const request = this.parse(req, Buffer.concat(chunks).toString('utf8'));
      const record = this.options.record(request, req, this.options.clock.now());
      this.requests.push(record);
      this.options.handle({ request, record, req, res });
    });
  }

  private parse(req: http.IncomingMessage, rawBody: string): ParsedRequest {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) query[name] = value;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const request: ParsedRequest = {
      method,
      path: url.pathname,
      query,
      headers,
      rawBody,
      body: undefined,
      bodyFormat: 'empty',
    };
    if (rawBody.length === 0) return request;
    const isForm = (headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
    if (this.options.parseForms && isForm) {
      request.body = Object.fromEntries(new URLSearchParams(rawBody));
      request.bodyFormat = 'form';
      return request;
    }
    try {
      request.body = JSON.parse(rawBody);
      request.bodyFormat = 'json';
    } catch {
      request.body = rawBody;
      request.bodyFormat = 'text';
    }
    return request;
  }
}

/**
 * The readers a JSON router needs, each refusal the gateway's own error: `body()` is the JSON object sent ({} when
 * empty), `param()` a decoded path segment, `only()` refuses any other method.
 */
export function jsonRouteReaders(
  request: ParsedRequest,
  refuse: { notJsonObject: () => Error; badPathParam: () => Error; wrongMethod: () => Error },
): { body: () => Record<string, unknown>; param: (value: string) => string; only: (method: string) => void } {
  return {
    body: () => {
      const { body } = request;
      if (body === undefined) return {};
      if (request.bodyFormat === 'text' || body === null || typeof body !== 'object' || Array.isArray(body))
        throw refuse.notJsonObject();
      return body as Record<string, unknown>;
    },
    param: (value) => {
      try {
        return decodeURIComponent(value);
      } catch {
        throw refuse.badPathParam();
      }
    },
    only: (allowed) => {
      if (request.method !== allowed) throw refuse.wrongMethod();
    },
  };
}
