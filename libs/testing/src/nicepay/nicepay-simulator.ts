import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { systemClock } from '../clock';
import { HttpGatewaySimulator } from '../common/http-gateway-simulator';
import {
  type Exchange,
  type ParsedRequest,
  type RecordedRequest,
  type SimulatorAnswer,
  assertHttpUrl,
  jsonRouteReaders,
  listen,
} from '../common/simulator-http';
import { NICEPAY_ERRORS, NicePayApiError, nicepayError } from './nicepay-simulator.errors';
import { type HeldFault, type NicePayFault, createNicePayFaultRegistry, isHeldFault } from './nicepay-simulator.faults';
import { formatNiceDate, kstCompact12, randomDigits, sha256Hex } from './nicepay-simulator.format';
import { type NicePaySimulatorOptions, validateOptions } from './nicepay-simulator.options';
import type { Json, NicePayKey, NicePayWindowInput } from './nicepay-simulator.state';
import { NicePaySimulatorStore } from './nicepay-simulator.store';
import {
  type NicePayWebhookDelivery,
  type NicePayWebhookDispatcher,
  createNicePayWebhookDispatcher,
  nicePayWebhookEvent,
} from './nicepay-simulator.webhooks';
import { NICEPAY_WINDOW_PATH, serveNicePayWindow } from './nicepay-simulator.window-page';

/** The sandbox Server-approval key of every official NicePay server-auth sample. */
export const NICEPAY_TEST_CLIENT_ID = 'S2_af4543a0be4d49a98122e01ec2059a56';
export const NICEPAY_TEST_SECRET_KEY = '9eb85607103646da9f9c02b128f2e5ee';

export type { NicePaySimulatorOptions } from './nicepay-simulator.options';
export type NicePayRecordedRequest = RecordedRequest;

type RouteReaders = ReturnType<typeof jsonRouteReaders>;

const MINUTE_MS = 60_000;

/**
 * An in-process fake of NicePay's Start API (`/v1`), on plain `node:http`: JSON in/out on loopback,
 * Basic and Bearer auth, the Server-approval payment window, approve / cancel / net-cancel / inquiry, billing,
 * cash receipts, and signed 결제통보 webhooks. What it models and which of its settings stand for facts NicePay does not
 * document: docs/gateways/nicepay.md#testing-against-the-simulator.
 */
export class NicePaySimulator extends HttpGatewaySimulator<NicePayFault> {
  readonly url: string;
  /** The clickable payment window a browser opens (query: nicepay-simulator.window-page.ts). */
  readonly windowUrl: string;

  private readonly keys: readonly NicePayKey[];
  private readonly webhookMaxAttempts: number;
  private readonly store: NicePaySimulatorStore;
  private readonly webhooks: NicePayWebhookDispatcher;
  private webhookUrl: string | undefined;
  /** Requests a hang-before-commit / late-commit fault is holding, with the timer that ends the hold. */
  private readonly held = new Map<NodeJS.Timeout, Exchange<RecordedRequest>>();
  private stopped = false;

  private constructor(server: http.Server, options: NicePaySimulatorOptions, url: string) {
    super(
      { server, clock: options.clock ?? systemClock, latencyMs: options.latencyMs ?? 0 },
      createNicePayFaultRegistry(),
    );
    this.url = url;
    this.windowUrl = `${url}${NICEPAY_WINDOW_PATH}`;
    this.keys = (options.keys ?? [{ clientId: NICEPAY_TEST_CLIENT_ID, secretKey: NICEPAY_TEST_SECRET_KEY }]).map(
      (key) => ({
        clientId: key.clientId,
        secretKey: key.secretKey,
        authType: key.authType ?? 'basic',
        model: key.model ?? 'server',
      }),
    );
    this.setWebhookUrl(options.webhookUrl);
    this.webhookMaxAttempts = options.webhookMaxAttempts ?? 10;
    this.webhooks = createNicePayWebhookDispatcher({
      clock: this.clock,
      intervalMs: options.webhookRetryIntervalMs ?? MINUTE_MS,
      timeScale: options.webhookTimeScale ?? 1,
      timeoutMs: options.webhookTimeoutMs ?? 15_000,
    });
    this.store = new NicePaySimulatorStore({
      clock: this.clock,
      mid: options.mid ?? 'nictest00m',
      keys: this.keys,
      sandboxRejectsPartialCancel: options.sandboxRejectsPartialCancel ?? false,
      netCancelWindowMs: options.netCancelWindowMs ?? 60 * MINUTE_MS,
      tokenTtlMs: options.tokenTtlMs ?? 30 * MINUTE_MS,
      cashReceiptIssueDelayMs: options.cashReceiptIssueDelayMs ?? 24 * 60 * MINUTE_MS,
      vbankValidMs: options.vbankValidMs ?? 7 * 24 * 60 * MINUTE_MS,
      vbankExpiredStatus: options.vbankExpiredStatus ?? 'ready',
      events: {
        paymentEvent: (body, eventType) => {
          if (this.webhookUrl) {
            this.webhooks.send(
              this.webhookUrl,
              randomUUID(),
              nicePayWebhookEvent(eventType, body, this.webhookMaxAttempts),
            );
          }
        },
      },
    });
  }

  static async start(options: NicePaySimulatorOptions = {}): Promise<NicePaySimulator> {
    validateOptions(options);
    const host = options.host ?? '127.0.0.1';
    const server = http.createServer();
    const url = await listen(server, { host, port: options.port ?? 0, scheme: 'http' });
    return new NicePaySimulator(server, options, url);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.releaseHeld();
    this.webhooks.stop();
    await this.http.close();
  }

  setWebhookUrl(url: string | undefined): void {
    if (url !== undefined) assertHttpUrl(url, 'webhookUrl', 'NicePaySimulator');
    this.webhookUrl = url;
  }

  /**
   * Forgets payments, auth records, billing keys, receipts, tokens, requests, faults and webhooks. Requests still held
   * by a hang-before-commit or late-commit fault are dropped unapplied.
   */
  reset(): void {
    this.releaseHeld();
    this.store.reset();
    this.faults.clear();
    this.requests.length = 0;
    this.webhooks.cancelAll();
    this.webhooks.clearHistory();
  }

  // ---- simulated browser window --------------------------------------------------------------------------------

  /**
   * The JS-SDK payment window (Server-approval model): what the browser POSTs to returnUrl — exactly the
   * returnUrl fields, all strings, with signature = sha256(authToken + clientId + amount + SK). Throws for an unknown or
   * Client-approval clientId, an unknown method, or requestPay params NicePay's SDK refuses.
   */
  authenticate(input: NicePayWindowInput): Record<string, string> {
    return this.store.window.authenticate(input);
  }

  /** The window failed or the buyer closed it: authResultCode ≠ 0000 (default I002), no tid, no signature. */
  authenticateFailure(input: {
    clientId: string;
    orderId: string;
    amount: number;
    code?: string;
    message?: string;
  }): Record<string, string> {
    return this.store.window.authenticateFailure(input);
  }

  /**
   * The buyer pays into an issued virtual account: ready → paid, webhook sent. Throws unless the tid is a ready vbank
   * whose deposit deadline (on the simulator's clock) has not passed: the bank refuses deposits after it.
   */
  deposit(tid: string): void {
    this.store.window.deposit(tid);
  }

  // ---- observation (failNext / clearFaults / requestsTo: HttpGatewaySimulator) ----------------------------------

  get webhookDeliveries(): NicePayWebhookDelivery[] {
    return this.webhooks.deliveries;
  }

  /** Resolves once no webhook attempt is on the wire and no retry is due within `withinMs` real ms (default 5000). */
  async webhooksIdle(withinMs = 5000): Promise<void> {
    await this.webhooks.idle(withinMs);
  }

  /**
   * The dashboard's "TEST 호출" (docs/gateways/nicepay.md#webhooks): `status`/`payMethod`/`resultMsg` empty and a
   * signature no merchant secret key verifies. One attempt, no re-sends; resolves when it was answered (or failed).
   */
  sendTestWebhook(): Promise<void> {
    const url = this.webhookUrl;
    if (!url) return Promise.reject(new Error('NicePaySimulator.sendTestWebhook: no webhookUrl set'));
    const now = this.clock.now();
    const body = {
      tid: `UTWEBHOOKm0501${kstCompact12(now)}${randomDigits(4)}`,
      orderId: `${formatNiceDate(now).replace(/\D/g, '').slice(0, 14)}${randomDigits(4)}`,
      ediDate: formatNiceDate(now),
      amount: 10000,
      // Signed with a key that is not the merchant's (the #15 behaviour): verification must fail.
      signature: sha256Hex(randomBytes(32).toString('hex')),
      resultCode: '0000',
      resultMsg: '',
      status: '',
      payMethod: '',
    };
    return new Promise<void>((resolve) =>
      this.webhooks.send(url, randomUUID(), nicePayWebhookEvent('test', body, 1), () => resolve()),
    );
  }

  /** The stored payment (tid, status, amounts, cancels, …) or undefined; a copy. */
  getPayment(tid: string): Record<string, unknown> | undefined {
    return this.store.payments.peekPayment(tid);
  }

  /** How many distinct access tokens were minted (for Bearer caching tests). */
  issuedTokens(): number {
    return this.store.auth.issuedTokens();
  }

  // ---- HTTP -----------------------------------------------------------------------------------------------------

  protected handle(exchange: Exchange<RecordedRequest>): void {
    const { method, path } = exchange.request;
    if (path === NICEPAY_WINDOW_PATH) {
      // The buyer's browser, not the merchant's server: no credentials, and the API's faults do not apply.
      this.http.answer(
        exchange,
        serveNicePayWindow(exchange.request, {
          authenticate: (input) => this.authenticate(input),
          authenticateFailure: (input) => this.authenticateFailure(input),
        }),
      );
      return;
    }
    const apply = (): SimulatorAnswer => {
      try {
        return jsonAnswer(200, JSON.stringify(this.route(exchange.request)));
      } catch (error) {
        return errorAnswer(error, method, path);
      }
    };
    const fault = this.faults.take(method, path);
    if (fault && isHeldFault(fault)) {
      this.hold(exchange, fault, apply);
      return;
    }
    this.http.serve(exchange, fault, apply, (fault) => {
      if (fault.kind === 'tamper-after-commit') {
        try {
          // Executed for real (the commit stands); only the answer is altered on its way back.
          const answer = { ...(this.route(exchange.request) as Record<string, unknown>), ...fault.patch };
          return jsonAnswer(200, JSON.stringify(answer));
        } catch (error) {
          return errorAnswer(error, method, path);
        }
      }
      // Answered before authentication: NicePay (or something in front of it) refused, nothing happened.
      const resultMsg = fault.resultMsg ?? NICEPAY_ERRORS[fault.resultCode]?.message ?? '기타오류가 발생하였습니다.';
      return jsonAnswer(fault.status ?? 200, JSON.stringify({ resultCode: fault.resultCode, resultMsg }));
    });
  }

  /**
   * Nothing is applied while the request is held. Then hang-before-commit drops the connection (never applied) and
   * late-commit applies the request and answers; a client that gave up meanwhile gets nothing, but the commit stands.
   */
  private hold(exchange: Exchange<RecordedRequest>, fault: HeldFault, apply: () => SimulatorAnswer): void {
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

  private route(request: ParsedRequest): unknown {
    const readers = jsonRouteReaders(request, {
      notJsonObject: () => nicepayError('U131', '요청 본문은 JSON 객체여야 합니다.'),
      badPathParam: () => nicepayError('U131', '잘못된 경로 파라미터입니다.'),
      wrongMethod: () => nicepayError('U308'),
    });
    if (request.path === '/v1/access-token') {
      readers.only('POST');
      return this.store.auth.issueToken(this.store.auth.tokenRequestKey(request.headers.authorization));
    }
    const key = this.store.auth.businessKey(request.headers.authorization);
    const answer = this.routePayments(request, key, readers) ?? this.routeBillingAndReceipts(request, key, readers);
    if (answer === undefined) throw nicepayError('U108');
    return answer;
  }

  /** Approve, cancel, net-cancel, inquiry, check-amount; undefined when the path is none of them. */
  private routePayments(
    request: ParsedRequest,
    key: NicePayKey,
    { body, param, only }: RouteReaders,
  ): Json | undefined {
    const { method, path, query } = request;
    let m: RegExpExecArray | null;
    if (path === '/v1/payments/netcancel') {
      only('POST');
      return this.store.payments.netCancel(key, body());
    }
    if ((m = /^\/v1\/payments\/find\/([^/]+)$/.exec(path))) {
      only('GET');
      return this.store.payments.findByOrderId(key, param(m[1]), query);
    }
    if ((m = /^\/v1\/payments\/([^/]+)\/cancel$/.exec(path))) {
      only('POST');
      return this.store.payments.cancel(key, param(m[1]), body());
    }
    if ((m = /^\/v1\/payments\/([^/]+)$/.exec(path))) {
      if (method === 'GET') return this.store.payments.getByTid(key, param(m[1]), query);
      only('POST');
      return this.store.payments.approve(key, param(m[1]), body());
    }
    if ((m = /^\/v1\/check-amount\/([^/]+)$/.exec(path))) {
      only('POST');
      return this.store.payments.checkAmount(key, param(m[1]), body());
    }
    return undefined;
  }

  /** Billing keys and cash receipts; undefined when the path is none of them. */
  private routeBillingAndReceipts(
    request: ParsedRequest,
    key: NicePayKey,
    { body, param, only }: RouteReaders,
  ): Json | undefined {
    const { path, query } = request;
    let m: RegExpExecArray | null;
    if (path === '/v1/subscribe/regist') {
      only('POST');
      return this.store.billing.registBilling(key, body());
    }
    if ((m = /^\/v1\/subscribe\/([^/]+)\/payments$/.exec(path))) {
      only('POST');
      return this.store.billing.chargeBilling(key, param(m[1]), body());
    }
    if ((m = /^\/v1\/subscribe\/([^/]+)\/expire$/.exec(path))) {
      only('POST');
      return this.store.billing.expireBilling(key, param(m[1]), body());
    }
    // The manual writes `/v1/receipt/`; both spellings are served.
    if (path === '/v1/receipt' || path === '/v1/receipt/') {
      only('POST');
      return this.store.receipts.issueReceipt(key, body());
    }
    if ((m = /^\/v1\/receipt\/([^/]+)\/cancel$/.exec(path))) {
      only('POST');
      return this.store.receipts.cancelReceipt(key, param(m[1]), body());
    }
    if ((m = /^\/v1\/receipt\/([^/]+)$/.exec(path))) {
      only('GET');
      return this.store.receipts.getReceipt(key, param(m[1]), query);
    }
    return undefined;
  }
}

function jsonAnswer(status: number, body: string): SimulatorAnswer {
  return { status, body, contentType: 'application/json;charset=utf-8' };
}

function errorAnswer(error: unknown, method: string, path: string): SimulatorAnswer {
  if (!(error instanceof NicePayApiError)) {
    // A simulator bug must show up in the test output; it is answered like a NicePay internal error.
    console.error('NicePaySimulator: unexpected error while handling', method, path, error);
  }
  const apiError = error instanceof NicePayApiError ? error : nicepayError('S999');
  return jsonAnswer(apiError.status, JSON.stringify(apiError.toBody()));
}
