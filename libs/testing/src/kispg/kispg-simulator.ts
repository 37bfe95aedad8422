import http from 'node:http';
import { systemClock } from '../clock';
import { HttpGatewaySimulator } from '../common/http-gateway-simulator';
import {
  type Exchange,
  type ParsedRequest,
  type RecordedRequest,
  type SimulatorAnswer,
  assertHttpUrl,
  listen,
} from '../common/simulator-http';
import { alteredAnswer, faultAnswer, HTML_TYPE, jsonAnswer } from './kispg-simulator.answers';
import { DEFAULT_FAILURE_CODES, FAILURE_MESSAGES, type KispgFailureKind, KispgRefusal } from './kispg-simulator.errors';
import {
  DeferredFaultTimers,
  type KispgFault,
  createKispgFaultRegistry,
  faultCommits,
  isDeferredFault,
} from './kispg-simulator.faults';
import { autoSubmitPage, errorPage, kstDay, kstTimeOfDay } from './kispg-simulator.format';
import {
  type KispgNotificationDispatcher,
  type KispgNotificationKind,
  type NotificationDelivery,
  createKispgNotificationDispatcher,
  newNotificationId,
} from './kispg-simulator.notifications';
import {
  type KispgMerchant,
  type KispgPayMethod,
  type KispgTransaction,
  normalizePayMethod,
  trxStatusOf,
} from './kispg-simulator.model';
import {
  KISPG_TEST_MERCHANT_KEY,
  KISPG_TEST_MID,
  type KispgSimulatorOptions,
  simulatorInventedCancelData,
  validateKispgSimulatorOptions,
} from './kispg-simulator.options';
import { KispgSimulatorStore } from './kispg-simulator.store';
import { KISPG_WINDOW_PATH, serveKispgWindow } from './kispg-simulator.window-page';

export type { KispgFault } from './kispg-simulator.faults';
export {
  KISPG_TEST_MERCHANT_KEY,
  KISPG_TEST_MID,
  type KispgRecordedRequest,
  type KispgSimulatorOptions,
  simulatorInventedCancelData,
} from './kispg-simulator.options';

type Answer = SimulatorAnswer;

const API_PATHS = new Set(['/v2/payment', '/v2/cancel', '/v2/cancelTrans.do', '/v2/order']);

/**
 * An in-process fake of KISPG's v2 API on plain `node:http` (docs/gateways/kispg.md#testing-against-the-simulator):
 * `/v2/auth` (form in, auto-submitting page out), `/v2/payment`, `/v2/cancel` and `/v2/cancelTrans.do`, `/v2/order`
 * (JSON, every value a string, HTTP 200 with `resultCd` even for refusals), result notifications with retries, and
 * transport faults.
 */
export class KispgSimulator extends HttpGatewaySimulator<KispgFault> {
  readonly url: string;
  /** The clickable payment window: the shop's /v2/auth form, POSTed here, waits for the buyer's click. */
  readonly windowUrl: string;

  private readonly store: KispgSimulatorStore;
  private readonly dispatcher: KispgNotificationDispatcher;
  private readonly failureCodes: Record<KispgFailureKind, string>;
  private readonly autoCancelTimer: NodeJS.Timeout | undefined;
  private readonly autoCancelOnRequest: boolean;
  private readonly deferredFaults = new DeferredFaultTimers();
  private notifyUrl: string | undefined;
  private autoCancelDoneForDay: string | undefined;
  private stopped = false;

  private constructor(server: http.Server, options: KispgSimulatorOptions, url: string) {
    // `/v2/auth` takes the shop's form post.
    super(
      { server, clock: options.clock ?? systemClock, latencyMs: options.latencyMs ?? 0, parseForms: true },
      createKispgFaultRegistry(),
    );
    this.url = url;
    this.windowUrl = `${url}${KISPG_WINDOW_PATH}`;
    this.autoCancelOnRequest = options.autoCancelTestMidsAt2330 === true;
    this.failureCodes = { ...DEFAULT_FAILURE_CODES, ...options.failureCodes };
    this.setNotifyUrl(options.notifyUrl);
    const merchants = new Map<string, KispgMerchant>();
    for (const merchant of options.merchants ?? [
      { mid: KISPG_TEST_MID, merchantKey: KISPG_TEST_MERCHANT_KEY, test: true },
    ]) {
      merchants.set(merchant.mid, {
        mid: merchant.mid,
        merchantKey: merchant.merchantKey,
        test: merchant.test ?? false,
      });
    }
    this.dispatcher = createKispgNotificationDispatcher({
      clock: this.clock,
      format: options.notifyFormat ?? 'form',
      retryIntervalMs: options.notifyRetryIntervalMs ?? 120_000,
      maxRetries: options.notifyMaxAttempts ?? 5,
      timeScale: options.notifyTimeScale ?? 1 / 60_000,
      timeoutMs: options.notifyTimeoutMs ?? 10_000,
    });
    this.store = new KispgSimulatorStore({
      clock: this.clock,
      merchants,
      ediDatePastMs: options.ediDatePastMs ?? 600_000,
      ediDateFutureMs: options.ediDateFutureMs ?? 60_000,
      cancelDataSerializer: options.cancelDataSerializer ?? simulatorInventedCancelData,
      tidMethodCodes: { CARD: '0101', BANK: '0201', VACNT: '0301', PHONE: '0501', ...options.tidMethodCodes },
      vacntDueDays: options.vacntDueDays ?? 7,
      queryResultCd: options.queryResultCd ?? '0000',
      notifyOnVacntIssue: options.notifyOnVacntIssue ?? false,
      notify: (kind, transaction, cancel) => this.emitNotification(kind, transaction, cancel),
    });
    if (options.autoCancelTestMidsAt2330) {
      // A manual clock cannot wake a timer; the check also runs on every request (see handle()).
      this.autoCancelTimer = setInterval(() => this.autoCancelIfDue(), 1000);
      this.autoCancelTimer.unref();
    }
  }

  static async start(options: KispgSimulatorOptions = {}): Promise<KispgSimulator> {
    validateKispgSimulatorOptions(options);
    const host = options.host ?? '127.0.0.1';
    const server = http.createServer();
    const url = await listen(server, { host, port: options.port ?? 0, scheme: 'http' });
    return new KispgSimulator(server, options, url);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.autoCancelTimer) clearInterval(this.autoCancelTimer);
    this.deferredFaults.cancelAll();
    this.dispatcher.stop();
    await this.http.close();
  }

  setNotifyUrl(url: string | undefined): void {
    if (url !== undefined) assertHttpUrl(url, 'notifyUrl', 'KispgSimulator');
    this.notifyUrl = url;
  }

  /** Forgets transactions, requests, faults (late commits not yet applied included), notifications and retries. */
  reset(): void {
    this.store.reset();
    this.faults.clear();
    this.deferredFaults.cancelAll();
    this.requests.length = 0;
    this.dispatcher.cancelAll();
    this.dispatcher.clearHistory();
    this.autoCancelDoneForDay = undefined;
  }

  // ---- simulated browser and bank ------------------------------------------------------------------------------

  /**
   * The payment window: takes the form fields exactly as the shop's page POSTs them to /v2/auth (validates mid,
   * encData, the ediDate window, byte limits, duplicate ordNo) and returns exactly what KISPG POSTs to returnUrl
   * (resultCd, resultMsg, payMethod, tid, ordNo, amt, mbsReserved, ediDate, encData; strings).
   * `outcome: 'failure'` (the buyer gave up) and refusals → only resultCd/resultMsg. Recorded as a POST /v2/auth.
   */
  authenticate(
    form: Record<string, string>,
    options: { outcome?: 'success' | 'failure'; payMethod?: 'CARD' | 'BANK' | 'VACNT' } = {},
  ): Record<string, string> {
    const fields = stringFields(form);
    this.requests.push({
      method: 'POST',
      path: '/v2/auth',
      query: {},
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fields,
      rawBody: new URLSearchParams(fields).toString(),
      at: this.clock.now(),
      status: 200,
    });
    return this.authResult(fields, options.payMethod, options.outcome ?? 'success');
  }

  /**
   * VACNT deposit: 입금대기 → paid (trxStatus 승인), notification resultCd 4110. Throws once the account's deadline
   * (the end of its lmtDay, KST) has passed on the simulator's clock: the account takes no more money.
   */
  deposit(tid: string): void {
    this.store.deposit(tid);
  }

  /** Cancels today's (clock, KST) approved test-MID payments in full, as KISPG does at 23:30; returns how many. */
  runAutoCancel(): number {
    return this.store.autoCancelTestPayments();
  }

  // ---- observation (failNext / clearFaults / requestsTo: HttpGatewaySimulator) ---------------------------------

  get notifications(): NotificationDelivery[] {
    return this.dispatcher.deliveries;
  }

  /**
   * Resolves once no notification is on the wire and no retry is due within `withinMs` real milliseconds (default
   * 5000). With the default time scale the whole schedule (5 retries × 2 ms) fits in a test.
   */
  async notificationsIdle(withinMs = 5000): Promise<void> {
    await this.dispatcher.idle(withinMs);
  }

  /**
   * A snapshot of the stored transaction (state, amounts, cancels, trxStatus once approved, `vacntExpired` for a
   * virtual account past its deadline); undefined if unknown.
   */
  getTransaction(tid: string): Record<string, unknown> | undefined {
    const transaction = this.store.get(tid);
    if (!transaction) return undefined;
    return {
      ...structuredClone(transaction),
      balanceAmt: transaction.amt - transaction.canceledAmt,
      trxStatus: transaction.state === 'AUTHENTICATED' ? undefined : trxStatusOf(transaction),
      vacntExpired: this.store.vacntExpired(transaction),
    };
  }

  /**
   * A correctly hashed notification body for a stored transaction, for tests that post it themselves
   * (e.g. from another source IP). 'approval' of a virtual account gives its issue notice (4100); 'cancel' describes
   * the latest cancel.
   */
  notificationFor(tid: string, kind: 'approval' | 'cancel' | 'deposit' = 'approval'): Record<string, string> {
    const transaction = this.store.get(tid);
    if (!transaction) throw new Error(`KispgSimulator.notificationFor: unknown tid ${tid}`);
    const effective: KispgNotificationKind = kind === 'approval' && transaction.payMethod === 'VACNT' ? 'issue' : kind;
    return this.store.notificationBody(transaction, effective);
  }

  // ---- internals -----------------------------------------------------------------------------------------------

  private authResult(
    form: Record<string, string>,
    payMethod: KispgPayMethod | undefined,
    outcome: 'success' | 'failure',
  ): Record<string, string> {
    try {
      return this.store.authenticate(form, payMethod, outcome);
    } catch (error) {
      if (error instanceof KispgRefusal) return this.refusalFields(error);
      throw error;
    }
  }

  private refusalFields(refusal: KispgRefusal): Record<string, string> {
    return { resultCd: this.failureCodes[refusal.kind], resultMsg: FAILURE_MESSAGES[refusal.kind] };
  }

  private emitNotification(
    kind: KispgNotificationKind,
    transaction: KispgTransaction,
    cancel?: KispgTransaction['cancels'][number],
  ): void {
    if (!this.notifyUrl) return;
    this.dispatcher.send(this.notifyUrl, newNotificationId(), {
      kind,
      body: this.store.notificationBody(transaction, kind, cancel),
    });
  }

  private autoCancelIfDue(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const day = kstDay(now);
    if (this.autoCancelDoneForDay === day || now < kstTimeOfDay(now, 23, 30)) return;
    this.autoCancelDoneForDay = day;
    this.store.autoCancelTestPayments();
  }

  protected handle(exchange: Exchange<RecordedRequest>): void {
    if (this.autoCancelOnRequest) this.autoCancelIfDue();
    const { request } = exchange;
    if (request.path === KISPG_WINDOW_PATH) {
      // The buyer's browser: the API's faults do not apply.
      const answer = serveKispgWindow(request, (form, outcome) => this.authResult(form, undefined, outcome));
      this.http.answer(exchange, answer);
      return;
    }
    const execute = () => this.execute(request);
    const fault = this.faults.take(request.method, request.path);
    if (fault && isDeferredFault(fault)) {
      // commit-late: applied (and answered, to whoever still listens) only after ms; hang-before-commit: never applied.
      const act =
        fault.kind === 'commit-late' ? () => this.http.answer(exchange, execute()) : () => this.http.drop(exchange);
      this.deferredFaults.after(fault.ms, act);
      return;
    }
    this.http.serve(exchange, fault, execute, (answerFault) => {
      if (answerFault.kind === 'altered-answer') return alteredAnswer(execute(), answerFault.fields);
      if (faultCommits(answerFault)) execute();
      return faultAnswer(answerFault);
    });
  }

  private execute(request: ParsedRequest): Answer {
    const { method, path, query, body } = request;
    const bodyIsJson = request.bodyFormat === 'json';
    const isForm = (request.headers['content-type'] ?? '')
      .toLowerCase()
      .startsWith('application/x-www-form-urlencoded');
    try {
      if (path === '/v2/auth' && method === 'POST') return this.authPage(query, body, isForm);
      if (API_PATHS.has(path) && method === 'POST') {
        const fields = this.apiBody(body, bodyIsJson);
        if (path === '/v2/payment') return jsonAnswer(this.store.approve(fields));
        if (path === '/v2/order') return jsonAnswer(this.store.query(fields));
        return jsonAnswer(this.store.cancel(fields)); // both cancel paths (the sources disagree on the path)
      }
      return { status: 404, contentType: HTML_TYPE, body: errorPage(404, `${method} ${path} not found`) };
    } catch (error) {
      if (error instanceof KispgRefusal) return jsonAnswer(this.refusalFields(error));
      // A simulator bug must show up in the test output; it is answered like a server error page.
      console.error('KispgSimulator: unexpected error while handling', method, path, error);
      return { status: 500, contentType: HTML_TYPE, body: errorPage(500, 'Internal Server Error') };
    }
  }

  /**
   * `/v2/auth` over HTTP: the form post opens the window; the simulated buyer completes it at once and the answer is
   * the page that auto-submits the result to returnUrl. `?simOutcome=failure` / `?simPayMethod=VACNT` stand for
   * the buyer's choices (not KISPG parameters).
   */
  private authPage(query: Record<string, string>, body: unknown, isForm: boolean): Answer {
    if (!isForm || !body || typeof body !== 'object') {
      return {
        status: 400,
        contentType: HTML_TYPE,
        body: errorPage(400, '결제 요청 형식 오류 (application/x-www-form-urlencoded)'),
      };
    }
    const form = body as Record<string, string>;
    let payMethod: KispgPayMethod | undefined;
    if (query.simPayMethod) payMethod = normalizePayMethod(query.simPayMethod);
    const outcome = query.simOutcome === 'failure' ? 'failure' : 'success';
    let result: Record<string, string>;
    try {
      result = this.authResult(form, payMethod, outcome);
    } catch (error) {
      return {
        status: 400,
        contentType: HTML_TYPE,
        body: errorPage(400, error instanceof Error ? error.message : String(error)),
      };
    }
    const returnUrl = form.returnUrl;
    if (!returnUrl || !/^https?:\/\/\S+$/.test(returnUrl)) {
      // Nowhere to send the result: the window shows the error itself.
      return { status: 200, contentType: HTML_TYPE, body: errorPage(200, `${result.resultCd} ${result.resultMsg}`) };
    }
    return { status: 200, contentType: HTML_TYPE, body: autoSubmitPage(returnUrl, result) };
  }

  /** Server APIs take a JSON object of strings; anything else is refused as an invalid field. */
  private apiBody(body: unknown, bodyIsJson: boolean): Record<string, string> {
    if (!bodyIsJson || body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new KispgRefusal('invalidField', 'the body must be a JSON object');
    }
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
      if (typeof value !== 'string') throw new KispgRefusal('invalidField', `${name} must be a string`);
      fields[name] = value;
    }
    return fields;
  }
}

/** The form as strings: a caller may pass numbers (goodsAmt: 1000) where the browser would send text. */
function stringFields(form: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(form)) {
    if (value === undefined || value === null) continue;
    fields[name] = String(value);
  }
  return fields;
}
