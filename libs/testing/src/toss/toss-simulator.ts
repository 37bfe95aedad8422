import http from 'node:http';
import { type Clock, systemClock } from '../clock';
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
import { type Answer, errorAnswer, wireAnswer } from './toss-simulator.answers';
import { TOSS_ERRORS, TossApiError, tossError } from './toss-simulator.errors';
import { type TossFault, createTossFaultRegistry, tamperedBody } from './toss-simulator.faults';
import { formatKst, formatWebhookCreatedAt, newWebhookTransmissionId } from './toss-simulator.format';
import { IDEMPOTENCY_KEY_MAX_LENGTH, type IdempotencyTicket, TossIdempotencyStore } from './toss-simulator.idempotency';
import {
  type PaymentRef,
  type PaymentWindowInput,
  type SeededTransaction,
  TossSimulatorStore,
} from './toss-simulator.store';
import {
  type TossWebhookDispatcher,
  type WebhookDelivery,
  createTossWebhookDispatcher,
  signPayoutWebhook,
  tossWebhookEvent,
} from './toss-simulator.webhooks';
import { TOSS_WINDOW_PATH, serveTossWindow } from './toss-simulator.window-page';

/** Toss's published test keys: they work without a merchant account. */
export const TOSS_TEST_SECRET_KEY = 'test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R';
export const TOSS_TEST_CLIENT_KEY = 'test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq';

export interface TossSimulatorOptions {
  /** Default 0: the OS picks a free port. */
  port?: number;
  /** Accepted secret keys; default [TOSS_TEST_SECRET_KEY]. `live_*` keys run in live mode (test headers ignored). */
  secretKeys?: string[];
  /** Client keys the simulated windows accept; default [TOSS_TEST_CLIENT_KEY]. */
  clientKeys?: string[];
  clock?: Clock;
  /** Where PAYMENT_STATUS_CHANGED / DEPOSIT_CALLBACK / BILLING_DELETED go; unset → no webhooks. */
  webhookUrl?: string;
  /** Multiplies the retry schedule (1, 4, 16, … minutes); default 1/60000 (1 min → 1 ms). */
  webhookTimeScale?: number;
  /** Per-attempt timeout; default 10_000 (docs/gateways/toss.md#replies-and-retries). */
  webhookTimeoutMs?: number;
  /** 64-hex 보안 키 used by `signPayoutWebhook`. */
  payoutSecurityKey?: string;
  /**
   * How the 보안 키 becomes the HMAC key, which Toss does not say
   * (docs/gateways/toss.md#settings-for-unverified-behaviour): its UTF-8 bytes (default; what public implementations
   * do) or the 32 bytes it hex-decodes to.
   */
  payoutSecurityKeyEncoding?: 'utf8' | 'hex';
  /**
   * Idempotency replay of error answers, which Toss does not document
   * (docs/gateways/toss.md#settings-for-unverified-behaviour). 'business' (default): replay 2xx and 4xx except the
   * retryable codes (PROVIDER_ERROR, CARD_PROCESSING_ERROR, FORBIDDEN_CONSECUTIVE_REQUEST, 409, 429);
   * 'none': replay 2xx only. 5xx and transport faults are never stored.
   */
  replayErrors?: 'business' | 'none';
  /** Stay PARTIAL_CANCELED when partial cancels drain the balance to 0, as real answers show; default false. */
  partialCanceledAtZeroQuirk?: boolean;
  /** Added to every response; default 0. */
  latencyMs?: number;
  /** Default 'tosspayments'. */
  mid?: string;
}

export type { RecordedRequest } from '../common/simulator-http';

export interface SuccessUrlParams {
  paymentKey: string;
  orderId: string;
  amount: number;
  paymentType: 'NORMAL';
}

export type { TossFault } from './toss-simulator.faults';

/**
 * An in-process fake of the Toss Payments core API v1, on plain `node:http` so it keeps up with a benchmark. JSON
 * in/out on 127.0.0.1. What it models and which undocumented behaviours are settings: docs/gateways/toss.md#simulator.
 */
export class TossSimulator extends HttpGatewaySimulator<TossFault> {
  readonly url: string;
  /** The clickable payment window a browser opens (query: toss-simulator.window-page.ts). */
  readonly windowUrl: string;

  private readonly secretKeys: readonly string[];
  private readonly store: TossSimulatorStore;
  private readonly idempotency: TossIdempotencyStore;
  private readonly webhooks: TossWebhookDispatcher;
  private webhookUrl: string | undefined;
  private stopped = false;
  /** Timers of requests a late-commit fault is holding. */
  private readonly held = new Set<NodeJS.Timeout>();

  private constructor(
    server: http.Server,
    private readonly options: TossSimulatorOptions,
    url: string,
  ) {
    super(
      { server, clock: options.clock ?? systemClock, latencyMs: options.latencyMs ?? 0 },
      createTossFaultRegistry(),
    );
    this.url = url;
    this.windowUrl = `${url}${TOSS_WINDOW_PATH}`;
    this.secretKeys = options.secretKeys ?? [TOSS_TEST_SECRET_KEY];
    this.setWebhookUrl(options.webhookUrl);
    this.idempotency = new TossIdempotencyStore(this.clock, options.replayErrors ?? 'business');
    this.webhooks = createTossWebhookDispatcher({
      clock: this.clock,
      timeScale: options.webhookTimeScale ?? 1 / 60_000,
      timeoutMs: options.webhookTimeoutMs ?? 10_000,
    });
    this.store = new TossSimulatorStore({
      clock: this.clock,
      mid: options.mid ?? 'tosspayments',
      clientKeys: options.clientKeys ?? [TOSS_TEST_CLIENT_KEY],
      partialCanceledAtZeroQuirk: options.partialCanceledAtZeroQuirk ?? false,
      events: {
        paymentStatusChanged: (payment) =>
          this.emitWebhook('PAYMENT_STATUS_CHANGED', {
            eventType: 'PAYMENT_STATUS_CHANGED',
            createdAt: formatWebhookCreatedAt(this.clock.now()),
            data: payment,
          }),
        // DEPOSIT_CALLBACK is flat and has no eventType field.
        depositCallback: (body) =>
          this.emitWebhook('DEPOSIT_CALLBACK', {
            createdAt: formatWebhookCreatedAt(this.clock.now()),
            secret: body.secret,
            status: body.status,
            transactionKey: body.transactionKey,
            orderId: body.orderId,
          }),
        billingDeleted: (billingKey) =>
          this.emitWebhook('BILLING_DELETED', {
            eventType: 'BILLING_DELETED',
            createdAt: formatWebhookCreatedAt(this.clock.now()),
            data: { billingKey, reason: '삭제 API 요청' },
          }),
      },
    });
  }

  static async start(options: TossSimulatorOptions = {}): Promise<TossSimulator> {
    validateOptions(options);
    const server = http.createServer();
    const url = await listen(server, { host: '127.0.0.1', port: options.port ?? 0, scheme: 'http' });
    return new TossSimulator(server, options, url);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.dropHeld();
    this.webhooks.stop();
    await this.http.close();
  }

  setWebhookUrl(url: string | undefined): void {
    if (url !== undefined) assertHttpUrl(url, 'webhookUrl', 'TossSimulator');
    this.webhookUrl = url;
  }

  // ---- simulated browser windows ---------------------------------------------------------------------------

  /**
   * Simulates the payment window: creates an IN_PROGRESS payment (authenticated now) that must be confirmed
   * within 10 minutes of the clock. Returns what the browser brings back to successUrl.
   */
  authenticatePayment(input: PaymentWindowInput): SuccessUrlParams {
    const { paymentKey, orderId, amount } = this.store.authenticatePayment(input);
    return { paymentKey, orderId, amount, paymentType: 'NORMAL' };
  }

  /** Simulates the billing-auth window: returns what successUrl gets ({ customerKey, authKey }). */
  authenticateBilling(input: { customerKey: string; clientKey?: string; cardNumber?: string }): {
    customerKey: string;
    authKey: string;
  } {
    return this.store.authenticateBilling(input);
  }

  /** The buyer transfers the money: DONE, a ledger row, DEPOSIT_CALLBACK + PAYMENT_STATUS_CHANGED. */
  deposit(ref: PaymentRef): void {
    this.store.deposit(ref);
  }

  /** DONE → WAITING_FOR_DEPOSIT (+ webhooks). */
  depositError(ref: PaymentRef): void {
    this.store.depositError(ref);
  }

  /** expired = true, no webhook (docs/gateways/toss.md#server-issued-virtual-accounts). */
  expireVirtualAccount(ref: PaymentRef): void {
    this.store.expireVirtualAccount(ref);
  }

  /**
   * Bulk seed for load tests: one card payment per row with its approval in the transaction list, without HTTP or
   * webhooks (see TossPaymentBook.seedTransactions). Served like any other payment afterwards.
   */
  seedTransactions(rows: readonly SeededTransaction[]): void {
    this.store.seedTransactions(rows);
  }

  // ---- observation (failNext / clearFaults / requestsTo: HttpGatewaySimulator) -------------------------------

  get webhookDeliveries(): WebhookDelivery[] {
    return this.webhooks.deliveries;
  }

  /**
   * Resolves once no webhook attempt is on the wire and no retry is due within `withinMs` real milliseconds
   * (default 5000). With the default time scale the whole retry schedule (≈5.5 s) fits in a test.
   */
  async webhooksIdle(withinMs = 5000): Promise<void> {
    await this.webhooks.idle(withinMs);
  }

  getPayment(paymentKey: string): Record<string, unknown> | undefined {
    return this.store.peekPayment(paymentKey);
  }

  /** Forgets all payments, billing keys, receipts, ledger rows, idempotency keys, requests, faults and webhooks. */
  reset(): void {
    this.dropHeld();
    this.store.reset();
    this.idempotency.clear();
    this.faults.clear();
    this.requests.length = 0;
    this.webhooks.cancelAll();
    this.webhooks.clearHistory();
  }

  /**
   * Signs a payout/seller webhook the way Toss does (docs/gateways/toss.md#payout-signatures), with the simulator's
   * 보안 키; see `signPayoutWebhook` in toss-simulator.webhooks.ts for the two signature slots.
   */
  signPayoutWebhook(body: object, transmissionTime?: string): { headers: Record<string, string>; rawBody: string } {
    const securityKey = this.options.payoutSecurityKey;
    if (!securityKey) throw new Error('TossSimulator.signPayoutWebhook: start the simulator with payoutSecurityKey');
    return signPayoutWebhook(body, {
      securityKey,
      encoding: this.options.payoutSecurityKeyEncoding ?? 'utf8',
      transmissionTime: transmissionTime ?? formatKst(this.clock.now()),
    });
  }

  // ---- HTTP ------------------------------------------------------------------------------------------------

  private emitWebhook(eventType: string, body: unknown): void {
    if (this.webhookUrl)
      this.webhooks.send(this.webhookUrl, newWebhookTransmissionId(), tossWebhookEvent(eventType, body));
  }

  /**
   * Transport faults come from the shared kit (what each kind does: toss-simulator.faults.ts). The answer is written
   * after the latency: the idempotency key stays "in flight" until then (its ticket settles with the write), the delay
   * standing for the gateway's processing time, which is when Toss answers a duplicate with 409
   * (docs/gateways/toss.md#idempotency). A drop-after-commit settles the ticket too: Toss stored that answer under the
   * Idempotency-Key, so a retry with the same key replays it.
   */
  protected handle(exchange: Exchange<RecordedRequest>): void {
    const { method, path } = exchange.request;
    if (path === TOSS_WINDOW_PATH) {
      // The buyer's browser, not the merchant's server: no API key, and the API's faults do not apply.
      const clientKeys = this.options.clientKeys ?? [TOSS_TEST_CLIENT_KEY];
      this.http.answer(
        exchange,
        serveTossWindow(exchange.request, { clientKeys, authenticate: (input) => this.authenticatePayment(input) }),
      );
      return;
    }
    const fault = this.faults.take(method, path);
    if (fault?.kind === 'late-commit') {
      this.holdThenCommit(exchange, fault.ms);
      return;
    }
    this.http.serve(
      exchange,
      fault,
      () => this.commit(exchange.request),
      (fault) => {
        if (fault.kind === 'tamper-after-commit') {
          // Applied for real, and the true answer is what the Idempotency-Key stores; only the wire copy is altered.
          const answer = this.commit(exchange.request);
          return { ...answer, body: tamperedBody(answer.status, answer.body, fault.patch) };
        }
        // Applied before authentication: the gateway (or something in front of it) answered, nothing happened.
        const message = fault.message ?? TOSS_ERRORS[fault.code]?.message ?? '요청을 처리할 수 없습니다.';
        return wireAnswer({ status: fault.status, body: JSON.stringify({ code: fault.code, message }) });
      },
    );
  }

  /** late-commit: nothing is applied while the request is held; then it is applied, and answered if anyone listens. */
  private holdThenCommit(exchange: Exchange<RecordedRequest>, ms: number): void {
    const timer = setTimeout(() => {
      this.held.delete(timer);
      this.http.answer(exchange, this.commit(exchange.request));
    }, ms);
    this.held.add(timer);
  }

  /** Forgets held late-commit requests unapplied (reset / stop). */
  private dropHeld(): void {
    for (const timer of this.held) clearTimeout(timer);
    this.held.clear();
  }

  /** Applies the request and returns Toss's answer, with the settle step that stores it under its Idempotency-Key. */
  private commit(request: ParsedRequest): SimulatorAnswer {
    let ticket: IdempotencyTicket | undefined;
    let answer: Answer;
    try {
      ({ answer, ticket } = this.execute(request));
    } catch (error) {
      // Refused before any idempotency ticket was taken (auth, test code, key checks): nothing to store.
      answer = errorAnswer(error, request.method, request.path);
    }
    return wireAnswer(answer, ticket);
  }

  private execute(request: ParsedRequest): { answer: Answer; ticket?: IdempotencyTicket } {
    const { method, path, headers } = request;
    const secretKey = this.authenticate(headers.authorization);
    const liveMode = secretKey.startsWith('live_');

    // TossPayments-Test-Code: test keys only; ignored with live keys; an unknown code is itself an error.
    const testCode = headers['tosspayments-test-code'];
    if (testCode !== undefined && !liveMode) {
      const definition = TOSS_ERRORS[testCode];
      if (!definition) throw tossError('INVALID_TEST_CODE');
      throw new TossApiError(definition.status, testCode, definition.message);
    }

    // Idempotency-Key: accepted on every POST, ignored on GET (and the other, naturally idempotent, methods).
    let ticket: IdempotencyTicket | undefined;
    const idempotencyKey = headers['idempotency-key'];
    if (method === 'POST' && idempotencyKey) {
      if (idempotencyKey.length > IDEMPOTENCY_KEY_MAX_LENGTH) throw tossError('INVALID_IDEMPOTENCY_KEY');
      const lookup = this.idempotency.begin({ idempotencyKey, secretKey, path, method });
      if (lookup.kind === 'in-flight') throw tossError('IDEMPOTENT_REQUEST_PROCESSING');
      if (lookup.kind === 'replay') return { answer: { status: lookup.response.status, body: lookup.response.body } };
      ticket = lookup.ticket;
    }

    try {
      const result = this.route(request);
      return { answer: { status: 200, body: result === undefined ? '' : JSON.stringify(result) }, ticket };
    } catch (error) {
      return { answer: errorAnswer(error, method, path), ticket };
    }
  }

  /** `Basic base64(secretKey + ":")`; the colon is mandatory (docs/gateways/toss.md#transport-and-authentication). */
  private authenticate(authorization: string | undefined): string {
    const match = authorization ? /^Basic\s+(\S+)\s*$/i.exec(authorization) : null;
    if (!match) throw tossError('UNAUTHORIZED_KEY');
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw tossError('INCORRECT_BASIC_AUTH_FORMAT');
    const secretKey = decoded.slice(0, colon);
    // A key copied with a UTF-8 BOM (base64 starting `77u/`) does not match and is refused here.
    if (!this.secretKeys.includes(secretKey)) throw tossError('UNAUTHORIZED_KEY');
    return secretKey;
  }

  private route(request: ParsedRequest): unknown {
    const { method, path, query } = request;
    const { body, param, only } = jsonRouteReaders(request, {
      notJsonObject: () => tossError('INVALID_REQUEST', '요청 본문은 JSON 객체여야 합니다.'),
      badPathParam: () => tossError('INVALID_REQUEST', '잘못된 경로 파라미터입니다.'),
      wrongMethod: () => tossError('NOT_FOUND_HTTP_METHOD'),
    });
    let m: RegExpExecArray | null;

    if (path === '/v1/payments/confirm' && method === 'POST') return this.store.confirm(body());
    if ((m = /^\/v1\/payments\/orders\/([^/]+)$/.exec(path))) {
      only('GET');
      return this.store.getPaymentByOrderId(param(m[1]));
    }
    if ((m = /^\/v1\/payments\/([^/]+)\/cancel$/.exec(path))) {
      only('POST');
      return this.store.cancel(param(m[1]), body());
    }
    if ((m = /^\/v1\/payments\/([^/]+)$/.exec(path))) {
      only('GET');
      return this.store.getPayment(param(m[1]));
    }
    if (path === '/v1/virtual-accounts') {
      only('POST');
      return this.store.issueVirtualAccount(body());
    }
    if (path === '/v1/billing/authorizations/issue') {
      only('POST');
      return this.store.issueBillingKey(body());
    }
    if ((m = /^\/v1\/billing\/([^/]+)$/.exec(path)) && m[1] !== 'authorizations') {
      const billingKey = param(m[1]);
      if (method === 'DELETE') {
        this.store.deleteBilling(billingKey);
        return undefined; // deleting a billing key answers 200 with an empty body
      }
      only('POST');
      return this.store.chargeBilling(billingKey, body());
    }
    if (path === '/v1/cash-receipts') {
      if (method === 'GET') return this.store.listCashReceipts(query);
      only('POST');
      return this.store.issueCashReceipt(body());
    }
    if ((m = /^\/v1\/cash-receipts\/([^/]+)\/cancel$/.exec(path))) {
      only('POST');
      return this.store.cancelCashReceipt(param(m[1]), body());
    }
    if (path === '/v1/transactions') {
      only('GET');
      return this.store.listTransactions(query);
    }
    throw tossError('NOT_FOUND');
  }
}

function validateOptions(options: TossSimulatorOptions): void {
  if (options.webhookUrl !== undefined) assertHttpUrl(options.webhookUrl, 'webhookUrl', 'TossSimulator');
  if (options.payoutSecurityKey !== undefined && !/^[0-9a-fA-F]{64}$/.test(options.payoutSecurityKey)) {
    throw new Error('TossSimulator: payoutSecurityKey must be 64 hex characters');
  }
  if (options.webhookTimeScale !== undefined && !(options.webhookTimeScale >= 0)) {
    throw new Error('TossSimulator: webhookTimeScale must be a non-negative number');
  }
  if (options.latencyMs !== undefined && !(options.latencyMs >= 0)) {
    throw new Error('TossSimulator: latencyMs must be a non-negative number');
  }
  for (const key of options.secretKeys ?? []) {
    if (!/^(test|live)_/.test(key)) throw new Error('TossSimulator: secret keys must start with test_ or live_');
  }
}
