import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { type Clock, systemClock } from '../clock';
import {
  type Exchange,
  type ParsedRequest,
  type SimulatorAnswer,
  SimulatorHttp,
  listen,
} from '../common/simulator-http';
import {
  type AppsInTossFault,
  type AppsInTossFaultMatch,
  type HeldFault,
  createAppsInTossFaultRegistry,
  isHeldFault,
  normalizeFault,
} from './apps-in-toss-simulator.faults';
import { APPS_IN_TOSS_ERROR_CODES, AppsInTossApiError, type PayMethod } from './apps-in-toss-simulator.model';
import { type AppsInTossSimulatorOptions, validateOptions } from './apps-in-toss-simulator.options';
import { AppsInTossSimulatorStore } from './apps-in-toss-simulator.store';
import { APPS_IN_TOSS_WINDOW_PATH, serveAppsInTossWindow } from './apps-in-toss-simulator.window-page';
import { type TestPki, createTestPki } from './test-pki';

/** The documented sample userKey (an int64, `443731104`), as the header string. */
export const APPS_IN_TOSS_TEST_USER_KEY = '443731104';

/** The pay partner API's path prefix. */
export const APPS_IN_TOSS_PAY_PATH = '/api-partner/v1/apps-in-toss/pay';

export interface PresentedClientCertificate {
  subjectCN: string | null;
  /** `AB:CD:…` SHA-256 fingerprint of the certificate the client presented. */
  fingerprint256: string;
  /** Whether it chained to the simulator's CA (always true when requireClientCertificate is on). */
  authorized: boolean;
}

export interface AppsInTossRecordedRequest {
  method: string;
  path: string;
  /** Lower-cased header names, including `x-toss-user-key` when sent. */
  headers: Record<string, string>;
  /** Parsed JSON body; the raw text when it was not JSON; undefined when empty. */
  body: unknown;
  rawBody: string;
  /** The certificate presented in the TLS handshake of this request's connection, or null. */
  clientCertificate: PresentedClientCertificate | null;
  at: Date;
  /** HTTP status answered; 0 while unanswered or when the connection was dropped by a fault. */
  status: number;
}

export type { AppsInTossFault, AppsInTossFaultMatch } from './apps-in-toss-simulator.faults';
export type { AppsInTossSimulatorOptions } from './apps-in-toss-simulator.options';

type Answer = SimulatorAnswer;

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const ENDPOINTS = ['make-payment', 'execute-payment', 'refund-payment', 'get-payment-status'] as const;
type Endpoint = (typeof ENDPOINTS)[number];

/**
 * An in-process fake of the Apps-in-Toss TossPay partner API (docs/gateways/apps-in-toss.md#testing-with-the-simulator)
 * behind real mTLS: an `https` server that demands a client certificate from its test CA, so a client that forgets to
 * present one fails at the TLS layer exactly as at `pay-apps-in-toss-api.toss.im`. JSON envelopes on 127.0.0.1.
 */
export class AppsInTossSimulator {
  readonly url: string;
  /**
   * The buyer's approval page (apps-in-toss-simulator.window-page.ts), on a plain-HTTP listener of its own: a browser
   * cannot present the client certificate the pay API demands.
   */
  readonly windowUrl: string;
  readonly pki: TestPki;
  readonly clock: Clock;
  readonly requests: AppsInTossRecordedRequest[];
  private readonly handshakeCounts = { verified: 0, rejected: 0, unverified: 0 };

  private readonly http: SimulatorHttp<AppsInTossRecordedRequest>;
  private readonly windowHttp: SimulatorHttp<{ method: string; path: string; status: number }>;
  private readonly store: AppsInTossSimulatorStore;
  private readonly faults = createAppsInTossFaultRegistry();
  /** Requests a hang-before-commit / late-commit fault is holding, with the timer that ends the hold. */
  private readonly held = new Map<NodeJS.Timeout, Exchange<AppsInTossRecordedRequest>>();
  private stopped = false;

  private constructor(
    server: https.Server,
    options: AppsInTossSimulatorOptions,
    pki: TestPki,
    url: string,
    window: { server: http.Server; url: string },
  ) {
    this.pki = pki;
    this.url = url;
    this.windowUrl = `${window.url}${APPS_IN_TOSS_WINDOW_PATH}`;
    this.clock = options.clock ?? systemClock;
    this.http = new SimulatorHttp<AppsInTossRecordedRequest>({
      server,
      clock: this.clock,
      latencyMs: options.latencyMs ?? 0,
      record: ({ method, path, headers, body, rawBody }, req, at) => ({
        method,
        path,
        headers,
        body,
        rawBody,
        clientCertificate: presentedCertificate(req.socket as TLSSocket),
        at,
        status: 0,
      }),
      handle: (exchange) => this.process(exchange),
    });
    this.requests = this.http.requests;
    // Window requests are not pay API calls: they stay out of `requests`.
    this.windowHttp = new SimulatorHttp({
      server: window.server,
      clock: this.clock,
      latencyMs: 0,
      record: ({ method, path }) => ({ method, path, status: 0 }),
      handle: (exchange) => this.windowHttp.answer(exchange, this.serveWindow(exchange.request)),
    });
    this.store = new AppsInTossSimulatorStore({
      clock: this.clock,
      merchantKeyConfigured: options.merchantKeyConfigured ?? true,
      allowTildeInOrderNo: options.allowTildeInOrderNo ?? false,
      sandboxRejectsExecute: options.sandboxRejectsExecute ?? false,
      sandboxRejectCode: options.sandboxRejectCode ?? APPS_IN_TOSS_ERROR_CODES.EXECUTE_PAY_NOT_APPROVED,
      refundReasonRequired: options.refundReasonRequired ?? true,
      refundReasonAllowsSpace: options.refundReasonAllowsSpace ?? false,
      executeTwice: options.executeTwice ?? 'fail',
      windowLapsesAfterMs: options.windowLapsesAfterMs ?? null,
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      if (socket.authorized) this.handshakeCounts.verified += 1;
      else this.handshakeCounts.unverified += 1;
    });
    // Refused at the TLS layer: no certificate, or one that does not chain to the CA (requireClientCertificate).
    server.on('tlsClientError', () => {
      this.handshakeCounts.rejected += 1;
    });
  }

  static async start(options: AppsInTossSimulatorOptions = {}): Promise<AppsInTossSimulator> {
    validateOptions(options);
    const pki = options.pki ?? (await createTestPki());
    const host = options.host ?? '127.0.0.1';
    const server = https.createServer({
      key: pki.serverKey,
      cert: pki.serverCert,
      ca: pki.caCert,
      requestCert: true,
      rejectUnauthorized: options.requireClientCertificate ?? true,
      minVersion: 'TLSv1.2',
    });
    const url = await listen(server, { host, port: options.port ?? 0, scheme: 'https' });
    const windowServer = http.createServer();
    const windowUrl = await listen(windowServer, { host, port: 0, scheme: 'http' });
    return new AppsInTossSimulator(server, options, pki, url, { server: windowServer, url: windowUrl });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.releaseHeld();
    await this.windowHttp.close();
    await this.http.close();
  }

  /**
   * Forgets payments, requests, faults, handshake counts and the bank-maintenance switch. Requests still held by a
   * hang-before-commit or late-commit fault are dropped unapplied.
   */
  reset(): void {
    this.releaseHeld();
    this.store.reset();
    this.faults.clear();
    this.requests.length = 0;
    this.handshakeCounts.verified = 0;
    this.handshakeCounts.rejected = 0;
    this.handshakeCounts.unverified = 0;
  }

  /**
   * TLS handshakes so far: `verified` completed with a CA-signed client certificate, `rejected` refused at the TLS
   * layer, `unverified` completed without a verified certificate (only with requireClientCertificate: false).
   */
  get handshakes(): { verified: number; rejected: number; unverified: number } {
    return { ...this.handshakeCounts };
  }

  /** What a client needs to reach this simulator over mTLS (undici `connect` / https.Agent options). */
  clientTlsOptions(): { ca: string; cert: string; key: string } {
    return { ca: this.pki.caCert, cert: this.pki.clientCert, key: this.pki.clientKey };
  }

  // ---- buyer / back-office hooks ---------------------------------------------------------------------------------

  /** The buyer completes checkoutPayment in the Toss app: PAY_STANDBY → PAY_APPROVED. */
  authenticate(payToken: string, options?: { payMethod?: PayMethod; discountedAmount?: number }): void {
    this.store.authenticate(payToken, options);
  }

  /** The buyer closed the window (or it lapsed): PAY_STANDBY / PAY_APPROVED → PAY_CANCEL. */
  cancelWindow(payToken: string): void {
    this.store.cancelWindow(payToken);
  }

  /** PAY_COMPLETE → SETTLEMENT_COMPLETE; REFUND_SUCCESS → SETTLEMENT_REFUND_COMPLETE. */
  settle(payToken: string): void {
    this.store.settle(payToken);
  }

  /** While on, TOSS_MONEY make (TOSS_MONEY only), execute and refund answer FAIL COMMON_BREAK_TIME_OF_BANK. */
  setBankMaintenance(on: boolean): void {
    this.store.bankMaintenance = on;
  }

  getPayment(payToken: string): Record<string, unknown> | undefined {
    return this.store.peek(payToken);
  }

  // ---- fault injection ------------------------------------------------------------------------------------------

  /** The next `times` requests whose path starts with `match.path` (or matches the RegExp) get the fault. */
  failNext(match: AppsInTossFaultMatch, fault: AppsInTossFault, times = 1): void {
    // Apps-in-Toss faults match on the path alone: every pay call is a POST.
    this.faults.add({ path: match.path }, normalizeFault(fault), times);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  // ---- observation ----------------------------------------------------------------------------------------------

  /** Requests whose path starts with `path` (or matches the RegExp), in arrival order. */
  requestsTo(path: string | RegExp): AppsInTossRecordedRequest[] {
    return this.http.requestsTo(undefined, path);
  }

  // ---- HTTP -----------------------------------------------------------------------------------------------------

  private serveWindow(request: ParsedRequest): Answer {
    if (request.path !== APPS_IN_TOSS_WINDOW_PATH) return { status: 404, body: 'Not Found', contentType: 'text/plain' };
    return serveAppsInTossWindow(request, {
      peek: (payToken) => this.getPayment(payToken),
      authenticate: (payToken) => this.authenticate(payToken),
      cancelWindow: (payToken) => this.cancelWindow(payToken),
    });
  }

  private process(exchange: Exchange<AppsInTossRecordedRequest>): void {
    const { request } = exchange;
    const apply = () => this.handle(request);
    const fault = this.faults.take(request.method, request.path);
    if (fault && isHeldFault(fault)) {
      this.hold(exchange, fault, apply);
      return;
    }
    this.http.serve(exchange, fault, apply, (fault) => {
      switch (fault.kind) {
        case 'fail':
          return jsonAnswer(fault.status ?? 400, failEnvelope(fault.errorCode, fault.reason ?? '요청에 실패했습니다.'));
        case 'envelope': {
          if (fault.commit) apply();
          const errorCode = fault.errorCode ?? fault.resultType;
          return jsonAnswer(fault.status ?? 200, {
            resultType: fault.resultType,
            error: { errorCode, reason: fault.reason ?? '요청 처리 중 오류가 발생했습니다.' },
          });
        }
        case 'tamper': {
          const answer = apply();
          const envelope = JSON.parse(answer.body) as { resultType?: string; success?: Record<string, unknown> };
          if (envelope.resultType !== 'SUCCESS' || !envelope.success) return answer;
          return jsonAnswer(answer.status, { ...envelope, success: { ...envelope.success, ...fault.success } });
        }
        case 'wrong-content-type':
          return {
            status: 200,
            contentType: 'text/html; charset=utf-8',
            body: '<!DOCTYPE html><html><head><title>Service Temporarily Unavailable</title></head><body><h1>503</h1></body></html>',
          };
      }
    });
  }

  /**
   * Nothing is applied while the request is held. Then hang-before-commit drops the connection (never applied) and
   * late-commit applies the request and answers; a client that gave up meanwhile gets nothing, but the commit stands.
   */
  private hold(exchange: Exchange<AppsInTossRecordedRequest>, fault: HeldFault, apply: () => Answer): void {
    const timer = setTimeout(() => {
      this.held.delete(timer);
      if (fault.kind === 'hang-before-commit') this.http.drop(exchange);
      else this.http.answer(exchange, apply());
    }, fault.ms);
    this.held.set(timer, exchange);
  }

  private releaseHeld(): void {
    for (const [timer, exchange] of this.held) {
      clearTimeout(timer);
      this.http.drop(exchange);
    }
    this.held.clear();
  }

  private handle(request: ParsedRequest): Answer {
    const { method, path, headers, body } = request;
    const bodyIsJson = request.bodyFormat !== 'text';
    try {
      const endpoint = endpointOf(path);
      if (!endpoint || method !== 'POST')
        throw new AppsInTossApiError(404, APPS_IN_TOSS_ERROR_CODES.NOT_FOUND, '존재하지 않는 API 입니다.');
      // Every pay call names the buyer; header names are case-insensitive (Node lower-cases them).
      const userKey = (headers['x-toss-user-key'] ?? '').trim();
      if (userKey.length === 0) {
        throw new AppsInTossApiError(
          400,
          APPS_IN_TOSS_ERROR_CODES.INVALID_PARAMETER,
          'x-toss-user-key 헤더가 필요합니다.',
        );
      }
      // Every pay call is `Content-Type: application/json`; a JSON body under another type is refused rather than
      // guessed at, so an adapter that forgets the header fails here, not at Toss. What Toss answers is undocumented.
      const contentType = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (contentType !== 'application/json') {
        throw new AppsInTossApiError(
          400,
          APPS_IN_TOSS_ERROR_CODES.INVALID_PARAMETER,
          'Content-Type은 application/json이어야 합니다.',
        );
      }
      if (!bodyIsJson || body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new AppsInTossApiError(
          400,
          APPS_IN_TOSS_ERROR_CODES.INVALID_PARAMETER,
          '요청 본문은 JSON 객체여야 합니다.',
        );
      }
      const fields = body as Record<string, unknown>;
      const success = this.dispatch(endpoint, userKey, fields);
      return jsonAnswer(200, { resultType: 'SUCCESS', success });
    } catch (error) {
      if (error instanceof AppsInTossApiError) return jsonAnswer(error.status, error.toBody());
      // A simulator bug must show up in the test output; it is answered like a gateway internal error.
      console.error('AppsInTossSimulator: unexpected error while handling', method, path, error);
      return jsonAnswer(500, {
        resultType: 'INTERNAL_ERROR',
        error: { errorCode: 'INTERNAL_ERROR', reason: '내부 오류입니다.' },
      });
    }
  }

  private dispatch(endpoint: Endpoint, userKey: string, body: Record<string, unknown>): Record<string, unknown> {
    switch (endpoint) {
      case 'make-payment':
        return this.store.makePayment(userKey, body);
      case 'execute-payment':
        return this.store.executePayment(userKey, body);
      case 'refund-payment':
        return this.store.refundPayment(userKey, body);
      case 'get-payment-status':
        return this.store.getPaymentStatus(userKey, body);
    }
  }
}

function endpointOf(path: string): Endpoint | undefined {
  if (!path.startsWith(`${APPS_IN_TOSS_PAY_PATH}/`)) return undefined;
  const name = path.slice(APPS_IN_TOSS_PAY_PATH.length + 1);
  return (ENDPOINTS as readonly string[]).includes(name) ? (name as Endpoint) : undefined;
}

function jsonAnswer(status: number, body: unknown): Answer {
  return { status, body: JSON.stringify(body), contentType: JSON_CONTENT_TYPE };
}

function failEnvelope(errorCode: string, reason: string) {
  return { resultType: 'FAIL', error: { errorCode, reason } };
}

function presentedCertificate(socket: TLSSocket): PresentedClientCertificate | null {
  if (typeof socket.getPeerCertificate !== 'function') return null;
  const certificate = socket.getPeerCertificate();
  if (!certificate || Object.keys(certificate).length === 0 || !certificate.fingerprint256) return null;
  const commonName = certificate.subject?.CN;
  return {
    subjectCN: Array.isArray(commonName) ? commonName.join(',') : (commonName ?? null),
    fingerprint256: certificate.fingerprint256,
    authorized: socket.authorized,
  };
}
