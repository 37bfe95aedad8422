import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../../libs/testing/src/clock';
import {
  TOSS_TEST_CLIENT_KEY,
  TOSS_TEST_SECRET_KEY,
  TossSimulator,
  type TossSimulatorOptions,
} from '../../libs/testing/src/toss';
import { IDEMPOTENCY_TTL_MS, TossIdempotencyStore } from '../../libs/testing/src/toss/toss-simulator.idempotency';

// ---- helpers --------------------------------------------------------------------------------------------------

/** Built here independently of the simulator: base64(secretKey + ':') (toss.md §1.2). */
const basicAuth = (secretKey: string): string => `Basic ${Buffer.from(`${secretKey}:`, 'utf8').toString('base64')}`;

interface CallResult {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

interface CallOptions {
  body?: unknown;
  authorization?: string | null;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

async function call(sim: TossSimulator, method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.authorization !== null) headers.authorization = options.authorization ?? basicAuth(TOSS_TEST_SECRET_KEY);
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, text, headers: response.headers };
}

interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** A merchant webhook endpoint; `reply(n)` decides the status of the n-th (0-based) request, or 'hang'. */
async function startReceiver(reply: (n: number) => number | 'hang' = () => 200) {
  const received: ReceivedWebhook[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = received.length;
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const status = reply(n);
      if (status === 'hang') return;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/toss`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const simulators: TossSimulator[] = [];
const receivers: Array<{ close(): Promise<void> }> = [];

async function startSim(options: TossSimulatorOptions = {}): Promise<TossSimulator> {
  const sim = await TossSimulator.start(options);
  simulators.push(sim);
  return sim;
}

async function receiver(reply?: (n: number) => number | 'hang') {
  const r = await startReceiver(reply);
  receivers.push(r);
  return r;
}

afterEach(async () => {
  await Promise.all(simulators.splice(0).map((s) => s.stop()));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

let orderSeq = 0;
const newOrderId = () => `order_${Date.now()}_${++orderSeq}`;

async function confirmedCardPayment(sim: TossSimulator, amount: number, extra: { taxFreeAmount?: number } = {}) {
  const params = sim.authenticatePayment({ orderId: newOrderId(), amount, orderName: '토스 티셔츠 외 2건', ...extra });
  const confirmed = await call(sim, 'POST', '/v1/payments/confirm', {
    body: { paymentKey: params.paymentKey, orderId: params.orderId, amount: params.amount },
  });
  expect(confirmed.status).toBe(200);
  return confirmed.body;
}

const KST_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00$/;

// ---- authentication ---------------------------------------------------------------------------------------------

describe('TossSimulator authentication (toss.md §1.2, §9.1)', () => {
  it('matches the §9.1 Basic-auth known answers', () => {
    expect(basicAuth('test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R')).toBe(
      'Basic dGVzdF9za196WExrS0V5cE5BcldtbzUwblgzbG1lYXhZRzVSOg==',
    );
    expect(basicAuth('test_gsk_docs_OaPz8L5KdmQXkzRz3y47BMw6')).toBe(
      'Basic dGVzdF9nc2tfZG9jc19PYVB6OEw1S2RtUVhrelJ6M3k0N0JNdzY6',
    );
    expect(basicAuth('test_ak_ZORzdMaqN3wQd5k6ygr5AkYXQGwy')).toBe(
      'Basic dGVzdF9ha19aT1J6ZE1hcU4zd1FkNWs2eWdyNUFrWVhRR3d5Og==',
    );
  });

  it('accepts the literal docs headers for configured keys and returns a trace id', async () => {
    const sim = await startSim({ secretKeys: [TOSS_TEST_SECRET_KEY, 'test_gsk_docs_OaPz8L5KdmQXkzRz3y47BMw6'] });
    for (const authorization of [
      'Basic dGVzdF9za196WExrS0V5cE5BcldtbzUwblgzbG1lYXhZRzVSOg==',
      'Basic dGVzdF9nc2tfZG9jc19PYVB6OEw1S2RtUVhrelJ6M3k0N0JNdzY6',
    ]) {
      const res = await call(sim, 'GET', '/v1/payments/unknown-payment-key', { authorization });
      // Authenticated: the answer is about the payment, not the key.
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND_PAYMENT');
      expect(res.headers.get('x-tosspayments-trace-id')).toMatch(/^[0-9a-f]{32}$/);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    }
  });

  it('refuses a missing colon with 403 INCORRECT_BASIC_AUTH_FORMAT and unknown keys with 401 UNAUTHORIZED_KEY', async () => {
    const sim = await startSim();
    const noColon = `Basic ${Buffer.from(TOSS_TEST_SECRET_KEY).toString('base64')}`;
    const res1 = await call(sim, 'GET', '/v1/payments/x', { authorization: noColon });
    expect(res1.status).toBe(403);
    expect(res1.body).toEqual({ code: 'INCORRECT_BASIC_AUTH_FORMAT', message: expect.stringContaining("':'") });

    const res2 = await call(sim, 'GET', '/v1/payments/x', { authorization: basicAuth('test_sk_unknownKey0000000000000') });
    expect(res2.status).toBe(401);
    expect(res2.body.code).toBe('UNAUTHORIZED_KEY');

    const res3 = await call(sim, 'GET', '/v1/payments/x', { authorization: null });
    expect(res3.status).toBe(401);
    expect(res3.body.code).toBe('UNAUTHORIZED_KEY');

    // The doc bug "test_sk_… + :" and a key copied with a UTF-8 BOM (base64 starting 77u/) are both unknown keys.
    const docBug = 'Basic dGVzdF9za196WExrS0V5cE5BcldtbzUwblgzbG1lYXhZRzVSICsgOg==';
    expect((await call(sim, 'GET', '/v1/payments/x', { authorization: docBug })).status).toBe(401);
    const bom = `Basic ${Buffer.from(`\uFEFF${TOSS_TEST_SECRET_KEY}:`, 'utf8').toString('base64')}`;
    expect(bom.startsWith('Basic 77u/')).toBe(true);
    expect((await call(sim, 'GET', '/v1/payments/x', { authorization: bom })).status).toBe(401);
  });

  it('honours TossPayments-Test-Code with test keys only; unknown codes are 400 INVALID_TEST_CODE', async () => {
    const liveKey = 'live_sk_sim-only-key';
    const sim = await startSim({ secretKeys: [TOSS_TEST_SECRET_KEY, liveKey] });
    const params = sim.authenticatePayment({ orderId: newOrderId(), amount: 15_000, orderName: '테스트' });
    const body = { paymentKey: params.paymentKey, orderId: params.orderId, amount: 15_000 };

    const forced = await call(sim, 'POST', '/v1/payments/confirm', {
      body,
      headers: { 'TossPayments-Test-Code': 'REJECT_CARD_PAYMENT' },
    });
    expect(forced.status).toBe(403);
    expect(forced.body.code).toBe('REJECT_CARD_PAYMENT');
    const forced500 = await call(sim, 'POST', '/v1/payments/confirm', {
      body,
      headers: { 'TossPayments-Test-Code': 'FAILED_INTERNAL_SYSTEM_PROCESSING' },
    });
    expect(forced500.status).toBe(500);
    const unknown = await call(sim, 'POST', '/v1/payments/confirm', { body, headers: { 'TossPayments-Test-Code': 'NO_SUCH_CODE' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('INVALID_TEST_CODE');
    expect(sim.getPayment(params.paymentKey)?.status).toBe('IN_PROGRESS');

    const live = await call(sim, 'POST', '/v1/payments/confirm', {
      body,
      authorization: basicAuth(liveKey),
      headers: { 'TossPayments-Test-Code': 'REJECT_CARD_PAYMENT', 'TossPayments-API-Version': '2022-11-16' },
    });
    expect(live.status).toBe(200);
    expect(live.body.status).toBe('DONE');
  });
});

// ---- confirm -----------------------------------------------------------------------------------------------------

describe('TossSimulator confirm (toss.md §3.1, §3.2)', () => {
  it('confirms an authenticated card payment with a §9.2-shaped Payment, readable by paymentKey and orderId', async () => {
    const sim = await startSim();
    const params = sim.authenticatePayment({
      orderId: 'a4CWyWY5m89PNh7xJwhk1',
      amount: 1000,
      orderName: '토스 티셔츠 외 2건',
      clientKey: TOSS_TEST_CLIENT_KEY,
    });
    expect(params).toEqual({ paymentKey: expect.stringMatching(/^tviva\d{14}[A-Za-z0-9]{5}$/), orderId: 'a4CWyWY5m89PNh7xJwhk1', amount: 1000, paymentType: 'NORMAL' });
    expect(sim.getPayment(params.paymentKey)?.status).toBe('IN_PROGRESS');

    const res = await call(sim, 'POST', '/v1/payments/confirm', {
      body: { paymentKey: params.paymentKey, orderId: params.orderId, amount: 1000 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      mId: 'tosspayments',
      paymentKey: params.paymentKey,
      orderId: 'a4CWyWY5m89PNh7xJwhk1',
      orderName: '토스 티셔츠 외 2건',
      status: 'DONE',
      type: 'NORMAL',
      method: '카드',
      version: '2022-11-16',
      currency: 'KRW',
      country: 'KR',
      totalAmount: 1000,
      balanceAmount: 1000,
      suppliedAmount: 909,
      vat: 91,
      taxFreeAmount: 0,
      taxExemptionAmount: 0,
      cancels: null,
      secret: null,
      failure: null,
      isPartialCancelable: true,
      card: { issuerCode: '61', acquirerCode: '31', number: '43301234****123*', amount: 1000, acquireStatus: 'READY' },
    });
    expect(res.body.lastTransactionKey).toMatch(/^[0-9A-F]{32}$/);
    expect(res.body.requestedAt).toMatch(KST_DATE_TIME);
    expect(res.body.approvedAt).toMatch(KST_DATE_TIME);
    expect(res.text).not.toContain('4330123412341234');

    const byKey = await call(sim, 'GET', `/v1/payments/${params.paymentKey}`);
    const byOrder = await call(sim, 'GET', `/v1/payments/orders/${params.orderId}`);
    expect(byKey.body).toEqual(res.body);
    expect(byOrder.body).toEqual(res.body);
    const recorded = sim.requestsTo('POST', '/v1/payments/confirm');
    expect(recorded).toHaveLength(1);
    expect(recorded[0].body).toEqual({ paymentKey: params.paymentKey, orderId: params.orderId, amount: 1000 });
    expect(recorded[0].headers.authorization).toBe('Basic dGVzdF9za196WExrS0V5cE5BcldtbzUwblgzbG1lYXhZRzVSOg==');
    expect(recorded[0].status).toBe(200);
  });

  it('answers every confirm error of the checklist', async () => {
    const clock = new ManualClock(new Date('2024-02-13T03:17:57Z'));
    const sim = await startSim({ clock });

    const unknown = await call(sim, 'POST', '/v1/payments/confirm', { body: { paymentKey: 'nope', orderId: 'order-1', amount: 1000 } });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'NOT_FOUND_PAYMENT']);

    const params = sim.authenticatePayment({ orderId: newOrderId(), amount: 5000, orderName: '주문' });
    const wrongAmount = await call(sim, 'POST', '/v1/payments/confirm', { body: { ...params, amount: 4999 } });
    expect([wrongAmount.status, wrongAmount.body.code]).toEqual([400, 'INVALID_REQUEST']);
    const wrongOrder = await call(sim, 'POST', '/v1/payments/confirm', { body: { ...params, orderId: 'other-order-1' } });
    expect([wrongOrder.status, wrongOrder.body.code]).toEqual([400, 'INVALID_REQUEST']);
    const missing = await call(sim, 'POST', '/v1/payments/confirm', { body: { paymentKey: params.paymentKey } });
    expect([missing.status, missing.body.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(sim.getPayment(params.paymentKey)?.status).toBe('IN_PROGRESS'); // refusals change nothing

    const ok = await call(sim, 'POST', '/v1/payments/confirm', { body: { paymentKey: params.paymentKey, orderId: params.orderId, amount: 5000 } });
    expect(ok.status).toBe(200);
    const again = await call(sim, 'POST', '/v1/payments/confirm', { body: { paymentKey: params.paymentKey, orderId: params.orderId, amount: 5000 } });
    expect([again.status, again.body.code]).toEqual([400, 'ALREADY_PROCESSED_PAYMENT']);

    // 10 minutes after authentication the session is gone and the payment EXPIRED.
    const late = sim.authenticatePayment({ orderId: newOrderId(), amount: 5000, orderName: '주문' });
    clock.advance(10 * 60 * 1000 + 1000);
    const expired = await call(sim, 'POST', '/v1/payments/confirm', { body: { paymentKey: late.paymentKey, orderId: late.orderId, amount: 5000 } });
    expect([expired.status, expired.body.code]).toEqual([404, 'NOT_FOUND_PAYMENT_SESSION']);
    expect((await call(sim, 'GET', `/v1/payments/${late.paymentKey}`)).body.status).toBe('EXPIRED');

    // Just inside the window still works.
    const inTime = sim.authenticatePayment({ orderId: newOrderId(), amount: 5000, orderName: '주문' });
    clock.advance(9 * 60 * 1000 + 59_000);
    const inTimeRes = await call(sim, 'POST', '/v1/payments/confirm', { body: { paymentKey: inTime.paymentKey, orderId: inTime.orderId, amount: 5000 } });
    expect(inTimeRes.body.status).toBe('DONE');

    const tiny = sim.authenticatePayment({ orderId: newOrderId(), amount: 99, orderName: '주문' });
    const below = await call(sim, 'POST', '/v1/payments/confirm', { body: { paymentKey: tiny.paymentKey, orderId: tiny.orderId, amount: 99 } });
    expect([below.status, below.body.code]).toEqual([400, 'BELOW_MINIMUM_AMOUNT']);
    const aborted = await call(sim, 'GET', `/v1/payments/${tiny.paymentKey}`);
    expect(aborted.body.status).toBe('ABORTED');
    expect(aborted.body.failure.code).toBe('BELOW_MINIMUM_AMOUNT');
  });

  it('refuses a new window for an orderId that was already paid', async () => {
    const sim = await startSim();
    const payment = await confirmedCardPayment(sim, 1000);
    expect(() => sim.authenticatePayment({ orderId: payment.orderId, amount: 1000, orderName: 'x' })).toThrow(/DUPLICATED_ORDER_ID/);
    expect(() => sim.authenticatePayment({ orderId: newOrderId(), amount: 1000, orderName: 'x', clientKey: 'test_ck_unknown' })).toThrow(
      /unknown client key/,
    );
  });

  it('confirms easy-pay and transfer payments with their Korean method names', async () => {
    const sim = await startSim();
    for (const [method, name] of [['EASY_PAY', '간편결제'], ['TRANSFER', '계좌이체']] as const) {
      const params = sim.authenticatePayment({ orderId: newOrderId(), amount: 3000, orderName: '주문', method });
      const res = await call(sim, 'POST', '/v1/payments/confirm', { body: { paymentKey: params.paymentKey, orderId: params.orderId, amount: 3000 } });
      expect(res.body).toMatchObject({ status: 'DONE', method: name, card: null });
    }
  });
});

// ---- idempotency -------------------------------------------------------------------------------------------------

describe('TossSimulator Idempotency-Key (toss.md §1.4)', () => {
  it('replays the first response for the same key even with a different body', async () => {
    const sim = await startSim();
    const first = sim.authenticatePayment({ orderId: newOrderId(), amount: 1000, orderName: '첫 주문' });
    const second = sim.authenticatePayment({ orderId: newOrderId(), amount: 2000, orderName: '둘째 주문' });
    const headers = { 'Idempotency-Key': 'idem-confirm-1' };
    const res1 = await call(sim, 'POST', '/v1/payments/confirm', { headers, body: { paymentKey: first.paymentKey, orderId: first.orderId, amount: 1000 } });
    const res2 = await call(sim, 'POST', '/v1/payments/confirm', { headers, body: { paymentKey: second.paymentKey, orderId: second.orderId, amount: 2000 } });
    expect(res2.status).toBe(200);
    expect(res2.text).toBe(res1.text);
    expect(res2.body.paymentKey).toBe(first.paymentKey);
    expect(sim.getPayment(second.paymentKey)?.status).toBe('IN_PROGRESS'); // not processed

    // Another secret key is another scope.
    const otherKey = 'test_sk_secondMerchantKey000000000';
    const sim2 = await startSim({ secretKeys: [TOSS_TEST_SECRET_KEY, otherKey] });
    const a = sim2.authenticatePayment({ orderId: newOrderId(), amount: 1000, orderName: 'a' });
    const b = sim2.authenticatePayment({ orderId: newOrderId(), amount: 1000, orderName: 'b' });
    await call(sim2, 'POST', '/v1/payments/confirm', { headers, body: { paymentKey: a.paymentKey, orderId: a.orderId, amount: 1000 } });
    const other = await call(sim2, 'POST', '/v1/payments/confirm', {
      headers,
      authorization: basicAuth(otherKey),
      body: { paymentKey: b.paymentKey, orderId: b.orderId, amount: 1000 },
    });
    expect(other.body.paymentKey).toBe(b.paymentKey);
  });

  it('answers 409 IDEMPOTENT_REQUEST_PROCESSING while the first request is in flight, then replays it', async () => {
    const sim = await startSim();
    const params = sim.authenticatePayment({ orderId: newOrderId(), amount: 1000, orderName: '주문' });
    const body = { paymentKey: params.paymentKey, orderId: params.orderId, amount: 1000 };
    const headers = { 'Idempotency-Key': 'idem-in-flight' };
    sim.failNext({ method: 'POST', path: '/v1/payments/confirm' }, { kind: 'latency', ms: 400 });
    const firstPromise = call(sim, 'POST', '/v1/payments/confirm', { headers, body });
    while (sim.requestsTo('POST', '/v1/payments/confirm').length === 0) await new Promise((r) => setTimeout(r, 2));
    const concurrent = await call(sim, 'POST', '/v1/payments/confirm', { headers, body });
    expect(concurrent.status).toBe(409);
    expect(concurrent.body).toEqual({ code: 'IDEMPOTENT_REQUEST_PROCESSING', message: '이전 멱등 요청이 처리중입니다.' });
    const first = await firstPromise;
    expect(first.status).toBe(200);
    const replay = await call(sim, 'POST', '/v1/payments/confirm', { headers, body });
    expect(replay.status).toBe(200);
    expect(replay.text).toBe(first.text);
  });

  it('validates key length, ignores keys on GET, expires keys after 15 days and replays business 4xx', async () => {
    const clock = new ManualClock();
    const sim = await startSim({ clock });
    const params = sim.authenticatePayment({ orderId: newOrderId(), amount: 1000, orderName: '주문' });
    const good = { paymentKey: params.paymentKey, orderId: params.orderId, amount: 1000 };

    const tooLong = await call(sim, 'POST', '/v1/payments/confirm', { headers: { 'Idempotency-Key': 'k'.repeat(301) }, body: good });
    expect([tooLong.status, tooLong.body.code]).toEqual([400, 'INVALID_IDEMPOTENCY_KEY']);
    const getWithLongKey = await call(sim, 'GET', `/v1/payments/${params.paymentKey}`, { headers: { 'Idempotency-Key': 'k'.repeat(301) } });
    expect(getWithLongKey.status).toBe(200);

    // A business refusal is stored under the key (default replayErrors 'business') ...
    const headers = { 'Idempotency-Key': 'k'.repeat(300) };
    const refused = await call(sim, 'POST', '/v1/payments/confirm', { headers, body: { ...good, amount: 999 } });
    expect(refused.body.code).toBe('INVALID_REQUEST');
    const replayedRefusal = await call(sim, 'POST', '/v1/payments/confirm', { headers, body: good });
    expect(replayedRefusal.body.code).toBe('INVALID_REQUEST');
    expect(sim.getPayment(params.paymentKey)?.status).toBe('IN_PROGRESS');
    // ... until the key's 15 days are over; then the same key executes afresh.
    clock.advance(IDEMPOTENCY_TTL_MS + 1);
    const late = sim.authenticatePayment({ orderId: newOrderId(), amount: 1000, orderName: '주문' });
    const fresh = await call(sim, 'POST', '/v1/payments/confirm', { headers, body: { paymentKey: late.paymentKey, orderId: late.orderId, amount: 1000 } });
    expect(fresh.body).toMatchObject({ paymentKey: late.paymentKey, status: 'DONE' });
  });

  it("with replayErrors 'none' re-executes after a 4xx", async () => {
    const sim = await startSim({ replayErrors: 'none' });
    const params = sim.authenticatePayment({ orderId: newOrderId(), amount: 1000, orderName: '주문' });
    const headers = { 'Idempotency-Key': 'idem-none' };
    const refused = await call(sim, 'POST', '/v1/payments/confirm', { headers, body: { ...params, amount: 1 } });
    expect(refused.status).toBe(400);
    const retried = await call(sim, 'POST', '/v1/payments/confirm', { headers, body: { paymentKey: params.paymentKey, orderId: params.orderId, amount: 1000 } });
    expect(retried.body.status).toBe('DONE');
  });

  it('stores only completed answers: never 5xx, 409, 429 or transient 4xx codes', () => {
    const clock = new ManualClock();
    const cases: Array<[number, string | undefined, 'business' | 'none', boolean]> = [
      [200, undefined, 'business', true],
      [200, undefined, 'none', true],
      [400, 'INVALID_REQUEST', 'business', true],
      [400, 'INVALID_REQUEST', 'none', false],
      [403, 'NOT_CANCELABLE_AMOUNT', 'business', true],
      [400, 'PROVIDER_ERROR', 'business', false],
      [400, 'CARD_PROCESSING_ERROR', 'business', false],
      [403, 'FORBIDDEN_CONSECUTIVE_REQUEST', 'business', false],
      [409, 'IDEMPOTENT_REQUEST_PROCESSING', 'business', false],
      [429, 'TOO_MANY_REQUESTS', 'business', false],
      [500, 'FAILED_INTERNAL_SYSTEM_PROCESSING', 'business', false],
    ];
    for (const [status, code, policy, stored] of cases) {
      const store = new TossIdempotencyStore(clock, policy);
      const scope = { idempotencyKey: 'k', secretKey: 's', path: '/v1/payments/confirm', method: 'POST' };
      const first = store.begin(scope);
      if (first.kind !== 'new') throw new Error('expected a new key');
      first.ticket.complete({ status, body: '{}' }, code);
      expect([status, code, policy, store.begin(scope).kind]).toEqual([status, code, policy, stored ? 'replay' : 'new']);
    }
  });
});

// ---- cancel ------------------------------------------------------------------------------------------------------

describe('TossSimulator cancel (toss.md §3.3, §9.3)', () => {
  it('does the partial-cancel arithmetic of §9.3 and refuses over-cancels', async () => {
    const sim = await startSim();
    const payment = await confirmedCardPayment(sim, 10_000);
    const path = `/v1/payments/${payment.paymentKey}/cancel`;

    const first = await call(sim, 'POST', path, { body: { cancelReason: '고객이 취소를 원함', cancelAmount: 1000 } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'PARTIAL_CANCELED', totalAmount: 10_000, balanceAmount: 9000, suppliedAmount: 8182, vat: 818 });
    expect(first.body.cancels).toHaveLength(1);
    expect(first.body.cancels[0]).toMatchObject({ cancelAmount: 1000, refundableAmount: 9000, cancelStatus: 'DONE', cancelReason: '고객이 취소를 원함', taxFreeAmount: 0, cancelRequestId: null });
    expect(first.body.cancels[0].transactionKey).toMatch(/^[0-9A-F]{32}$/);
    expect(first.body.lastTransactionKey).toBe(first.body.cancels[0].transactionKey);
    expect(first.body.cancels[0].canceledAt).toMatch(KST_DATE_TIME);

    const second = await call(sim, 'POST', path, { body: { cancelReason: '고객이 취소를 원함', cancelAmount: 1000, refundableAmount: 9000 } });
    expect(second.body).toMatchObject({ status: 'PARTIAL_CANCELED', balanceAmount: 8000, suppliedAmount: 7273, vat: 727 });
    expect(second.body.cancels.map((c: any) => c.refundableAmount)).toEqual([9000, 8000]);
    expect(second.body.cancels[1].transactionKey).not.toBe(second.body.cancels[0].transactionKey);
    expect(second.body.lastTransactionKey).toBe(second.body.cancels[1].transactionKey);

    const over = await call(sim, 'POST', path, { body: { cancelReason: '초과', cancelAmount: 8001 } });
    expect([over.status, over.body.code]).toEqual([403, 'NOT_CANCELABLE_AMOUNT']);
    const lock = await call(sim, 'POST', path, { body: { cancelReason: '잠금', cancelAmount: 100, refundableAmount: 9000 } });
    expect([lock.status, lock.body.code]).toEqual([400, 'NOT_MATCHES_REFUNDABLE_AMOUNT']);
    const noReason = await call(sim, 'POST', path, { body: { cancelAmount: 100 } });
    expect([noReason.status, noReason.body.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(sim.getPayment(payment.paymentKey)?.balanceAmount).toBe(8000); // refusals moved nothing

    const rest = await call(sim, 'POST', path, { body: { cancelReason: '전액' } });
    expect(rest.body).toMatchObject({ status: 'CANCELED', balanceAmount: 0, suppliedAmount: 0, vat: 0 });
    expect(rest.body.cancels[2]).toMatchObject({ cancelAmount: 8000, refundableAmount: 0 });
    expect(rest.body.card.acquireStatus).toBe('CANCELED');
    const again = await call(sim, 'POST', path, { body: { cancelReason: '또' } });
    expect([again.status, again.body.code]).toEqual([400, 'ALREADY_CANCELED_PAYMENT']);
    const unknown = await call(sim, 'POST', '/v1/payments/nope/cancel', { body: { cancelReason: 'x' } });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'NOT_FOUND_PAYMENT']);
  });

  it('splits VAT with a tax-free part (10,000 with 3,000 tax-free → 636) and cancels the tax-free part', async () => {
    const sim = await startSim();
    const payment = await confirmedCardPayment(sim, 10_000, { taxFreeAmount: 3000 });
    expect(payment).toMatchObject({ vat: 636, suppliedAmount: 6364, taxFreeAmount: 3000 });
    const partial = await call(sim, 'POST', `/v1/payments/${payment.paymentKey}/cancel`, {
      body: { cancelReason: '부분', cancelAmount: 4000, taxFreeAmount: 1000 },
    });
    // Left: 6,000 of which 2,000 tax-free → vat round((6000-2000)/11) = 364, supplied 3,636.
    expect(partial.body).toMatchObject({ balanceAmount: 6000, taxFreeAmount: 2000, vat: 364, suppliedAmount: 3636 });
    expect(partial.body.cancels[0].taxFreeAmount).toBe(1000);
    const full = await call(sim, 'POST', `/v1/payments/${payment.paymentKey}/cancel`, { body: { cancelReason: '전액' } });
    expect(full.body).toMatchObject({ status: 'CANCELED', balanceAmount: 0, taxFreeAmount: 0, vat: 0, suppliedAmount: 0 });
    expect(full.body.cancels[1]).toMatchObject({ cancelAmount: 6000, taxFreeAmount: 2000 });
  });

  it('ends at CANCELED when partial cancels drain the balance, or PARTIAL_CANCELED with the quirk enabled', async () => {
    const cases = [
      [false, 'CANCELED', 400, 'ALREADY_CANCELED_PAYMENT'],
      [true, 'PARTIAL_CANCELED', 403, 'NOT_CANCELABLE_AMOUNT'],
    ] as const;
    for (const [quirk, expected, refusedStatus, refusedCode] of cases) {
      const sim = await startSim({ partialCanceledAtZeroQuirk: quirk });
      const payment = await confirmedCardPayment(sim, 10_000);
      const path = `/v1/payments/${payment.paymentKey}/cancel`;
      await call(sim, 'POST', path, { body: { cancelReason: 'a', cancelAmount: 4000 } });
      const last = await call(sim, 'POST', path, { body: { cancelReason: 'b', cancelAmount: 6000 } });
      expect(last.body).toMatchObject({ status: expected, balanceAmount: 0, vat: 0, suppliedAmount: 0 });
      const more = await call(sim, 'POST', path, { body: { cancelReason: 'c', cancelAmount: 1 } });
      expect([more.status, more.body.code]).toEqual([refusedStatus, refusedCode]);
    }
  });

  it('refuses to cancel a payment that was never approved', async () => {
    const sim = await startSim();
    const params = sim.authenticatePayment({ orderId: newOrderId(), amount: 1000, orderName: '주문' });
    const res = await call(sim, 'POST', `/v1/payments/${params.paymentKey}/cancel`, { body: { cancelReason: 'x' } });
    expect([res.status, res.body.code]).toEqual([403, 'NOT_CANCELABLE_PAYMENT']);
  });
});

// ---- virtual accounts + webhooks ----------------------------------------------------------------------------------

describe('TossSimulator virtual accounts and webhooks (toss.md §3.5, §4.5, §6)', () => {
  it('issues a virtual account, delivers DEPOSIT_CALLBACK with the secret on deposit, and refunds to an account', async () => {
    const hook = await receiver();
    const sim = await startSim({ webhookUrl: hook.url });
    const orderId = newOrderId();
    const issued = await call(sim, 'POST', '/v1/virtual-accounts', {
      body: { amount: 15_000, orderId, orderName: '토스 티셔츠', customerName: '김토스', bank: '20', validHours: 24 },
    });
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({
      status: 'WAITING_FOR_DEPOSIT',
      method: '가상계좌',
      approvedAt: null,
      totalAmount: 15_000,
      suppliedAmount: 13_636,
      vat: 1364,
      virtualAccount: { accountType: '일반', bankCode: '20', customerName: '김토스', expired: false, refundStatus: 'NONE' },
    });
    expect(issued.body.secret).toMatch(/^ps_[A-Za-z0-9]{27}$/);
    expect(issued.body.virtualAccount.dueDate).toMatch(KST_DATE_TIME);
    const secret = issued.body.secret as string;

    const partial = await call(sim, 'POST', `/v1/payments/${issued.body.paymentKey}/cancel`, { body: { cancelReason: 'x', cancelAmount: 1000 } });
    expect([partial.status, partial.body.code]).toEqual([403, 'NOT_ALLOWED_PARTIAL_REFUND_WAITING_DEPOSIT']);

    sim.deposit({ orderId });
    expect((await call(sim, 'GET', `/v1/payments/${issued.body.paymentKey}`)).body.status).toBe('DONE');
    await sim.webhooksIdle();

    const callbacks = hook.received.filter((w) => w.body.eventType === undefined);
    expect(callbacks.map((w) => w.body.status)).toEqual(['WAITING_FOR_DEPOSIT', 'DONE']);
    const depositCallback = callbacks[1];
    expect(depositCallback.body).toEqual({
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/),
      secret,
      status: 'DONE',
      transactionKey: expect.stringMatching(/^[0-9A-F]{32}$/),
      orderId,
    });
    expect(depositCallback.headers['tosspayments-webhook-transmission-id']).toMatch(/^whtrans_[0-9a-z]{26}$/);
    expect(depositCallback.headers['tosspayments-webhook-transmission-retried-count']).toBe('0');
    expect(depositCallback.headers['tosspayments-webhook-transmission-time']).toMatch(KST_DATE_TIME);
    expect(depositCallback.headers['content-type']).toBe('application/json');
    const statusEvents = hook.received.filter((w) => w.body.eventType === 'PAYMENT_STATUS_CHANGED');
    expect(statusEvents.map((w) => w.body.data.status)).toEqual(['WAITING_FOR_DEPOSIT', 'DONE']);
    expect(statusEvents[1].body.data.secret).toBe(secret);

    const cancelPath = `/v1/payments/${issued.body.paymentKey}/cancel`;
    const noAccount = await call(sim, 'POST', cancelPath, { body: { cancelReason: '환불' } });
    expect([noAccount.status, noAccount.body.code]).toEqual([400, 'INVALID_REFUND_ACCOUNT_INFO']);
    const badBank = await call(sim, 'POST', cancelPath, {
      body: { cancelReason: '환불', refundReceiveAccount: { bank: '99', accountNumber: '12345678901', holderName: '김토스' } },
    });
    expect(badBank.body.code).toBe('INVALID_BANK');
    const refunded = await call(sim, 'POST', cancelPath, {
      body: { cancelReason: '환불', refundReceiveAccount: { bank: '88', accountNumber: '12345678901', holderName: '김토스' } },
    });
    expect(refunded.body).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
    expect(JSON.stringify(refunded.body)).not.toContain('12345678901');
  });

  it('confirms a window virtual account to WAITING_FOR_DEPOSIT; deposit error and expiry behave per §4.5', async () => {
    const hook = await receiver();
    const sim = await startSim({ webhookUrl: hook.url });
    const params = sim.authenticatePayment({ orderId: newOrderId(), amount: 30_000, orderName: '주문', method: 'VIRTUAL_ACCOUNT', virtualAccountBank: '88' });
    const res = await call(sim, 'POST', '/v1/payments/confirm', { body: { paymentKey: params.paymentKey, orderId: params.orderId, amount: 30_000 } });
    expect(res.body).toMatchObject({ status: 'WAITING_FOR_DEPOSIT', method: '가상계좌', virtualAccount: { bankCode: '88' }, vat: 2727, suppliedAmount: 27_273 });
    expect(res.body.secret).toMatch(/^ps_/);

    sim.deposit({ paymentKey: params.paymentKey });
    sim.depositError({ paymentKey: params.paymentKey });
    expect(sim.getPayment(params.paymentKey)?.status).toBe('WAITING_FOR_DEPOSIT');
    await sim.webhooksIdle();
    const countBefore = hook.received.length;
    expect(hook.received.filter((w) => w.body.eventType === undefined).map((w) => w.body.status)).toEqual([
      'WAITING_FOR_DEPOSIT',
      'DONE',
      'WAITING_FOR_DEPOSIT',
    ]);

    sim.expireVirtualAccount({ paymentKey: params.paymentKey });
    await sim.webhooksIdle();
    expect(hook.received).toHaveLength(countBefore); // expiry sends nothing
    expect((sim.getPayment(params.paymentKey)?.virtualAccount as any).expired).toBe(true);
    expect(() => sim.deposit({ paymentKey: params.paymentKey })).toThrow(/expired/);
  });

  it('retries a webhook on the scaled schedule until it gets 200, with one transmission id', async () => {
    const hook = await receiver((n) => (n < 2 ? 500 : 200));
    const sim = await startSim({ webhookUrl: hook.url });
    await confirmedCardPayment(sim, 1000);
    await sim.webhooksIdle();
    expect(hook.received).toHaveLength(3);
    expect(hook.received.map((w) => w.headers['tosspayments-webhook-transmission-retried-count'])).toEqual(['0', '1', '2']);
    const ids = new Set(hook.received.map((w) => w.headers['tosspayments-webhook-transmission-id']));
    expect(ids.size).toBe(1);
    expect(hook.received.every((w) => w.body.eventType === 'PAYMENT_STATUS_CHANGED' && w.body.data.status === 'DONE')).toBe(true);
    expect(sim.webhookDeliveries.map((d) => [d.attempt, d.status])).toEqual([[0, 500], [1, 500], [2, 200]]);
  });

  it('counts a receiver that does not answer within the timeout as failed and retries', async () => {
    const hook = await receiver((n) => (n === 0 ? 'hang' : 200));
    const sim = await startSim({ webhookUrl: hook.url, webhookTimeoutMs: 100 });
    await confirmedCardPayment(sim, 1000);
    await sim.webhooksIdle();
    expect(sim.webhookDeliveries.map((d) => [d.attempt, d.status])).toEqual([[0, 'timeout'], [1, 200]]);
  });

  it('gives up after the 7 retries of the schedule', async () => {
    const hook = await receiver(() => 503);
    const sim = await startSim({ webhookUrl: hook.url, webhookTimeScale: 1 / 600_000 });
    await confirmedCardPayment(sim, 1000);
    await sim.webhooksIdle();
    expect(sim.webhookDeliveries.map((d) => d.attempt)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('does not wait for retries scheduled beyond the idle horizon, and stop() cancels them', async () => {
    const hook = await receiver(() => 500);
    const sim = await startSim({ webhookUrl: hook.url, webhookTimeScale: 1 }); // first retry in a real minute
    await confirmedCardPayment(sim, 1000);
    await sim.webhooksIdle();
    expect(sim.webhookDeliveries.map((d) => [d.attempt, d.status])).toEqual([[0, 500]]);
    // afterEach stops the simulator; a pending 60 s timer would keep jest from exiting.
  });
});

// ---- billing -----------------------------------------------------------------------------------------------------

describe('TossSimulator billing (toss.md §3.6, §9.4)', () => {
  it('issues a billing key from an authKey, charges it, binds the customerKey and deletes it', async () => {
    const hook = await receiver();
    const sim = await startSim({ webhookUrl: hook.url });
    const customerKey = 'customer-6f1d2c34-1b9a';
    const auth = sim.authenticateBilling({ customerKey, clientKey: TOSS_TEST_CLIENT_KEY });
    expect(auth.customerKey).toBe(customerKey);

    const mismatch = await call(sim, 'POST', '/v1/billing/authorizations/issue', { body: { authKey: auth.authKey, customerKey: 'someone-else' } });
    expect([mismatch.status, mismatch.body.code]).toEqual([400, 'NOT_MATCHES_CUSTOMER_KEY']);
    const issued = await call(sim, 'POST', '/v1/billing/authorizations/issue', { body: { authKey: auth.authKey, customerKey } });
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({
      mId: 'tosspayments',
      customerKey,
      method: '카드',
      card: { issuerCode: '61', acquirerCode: '31', number: '43301234****123*', cardType: '신용', ownerType: '개인' },
      cardCompany: '현대',
      cardNumber: '43301234****123*',
    });
    expect(issued.body.authenticatedAt).toMatch(KST_DATE_TIME);
    const billingKey = issued.body.billingKey as string;
    const reused = await call(sim, 'POST', '/v1/billing/authorizations/issue', { body: { authKey: auth.authKey, customerKey } });
    expect([reused.status, reused.body.code]).toEqual([400, 'INVALID_BILLING_AUTH']);

    const chargePath = `/v1/billing/${encodeURIComponent(billingKey)}`;
    const orderId = newOrderId();
    const charged = await call(sim, 'POST', chargePath, { body: { customerKey, amount: 4900, orderId, orderName: '토스 프라임 구독' } });
    expect(charged.status).toBe(200);
    // §9.4 shows vat 455 for 4,900, which does not add up; round((4900)/11) = 445 (toss.md §2).
    expect(charged.body).toMatchObject({ type: 'BILLING', status: 'DONE', method: '카드', totalAmount: 4900, balanceAmount: 4900, suppliedAmount: 4455, vat: 445, secret: null });
    expect(charged.body.card.amount).toBe(4900);

    const wrongCustomer = await call(sim, 'POST', chargePath, { body: { customerKey: 'intruder-key', amount: 4900, orderId: newOrderId(), orderName: '구독' } });
    expect(wrongCustomer.status).toBe(400);
    expect(wrongCustomer.body).toEqual({ code: 'NOT_MATCHES_CUSTOMER_KEY', message: '빌링 인증 고객키와 결제 요청 고객키가 일치하지 않습니다.' });
    const duplicate = await call(sim, 'POST', chargePath, { body: { customerKey, amount: 4900, orderId, orderName: '구독' } });
    expect([duplicate.status, duplicate.body.code]).toEqual([400, 'DUPLICATED_ORDER_ID']);
    const unknown = await call(sim, 'POST', '/v1/billing/unknownBillingKey', { body: { customerKey, amount: 4900, orderId: newOrderId(), orderName: '구독' } });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'NOT_FOUND_BILLING']);

    await sim.webhooksIdle();
    expect(hook.received).toHaveLength(0); // billing approvals send no PAYMENT_STATUS_CHANGED

    const deleted = await call(sim, 'DELETE', chargePath);
    expect(deleted.status).toBe(200);
    expect(deleted.text).toBe('');
    const afterDelete = await call(sim, 'POST', chargePath, { body: { customerKey, amount: 4900, orderId: newOrderId(), orderName: '구독' } });
    expect([afterDelete.status, afterDelete.body.code]).toEqual([400, 'ALREADY_REMOVED_BILLING_KEY']);
    const deleteAgain = await call(sim, 'DELETE', chargePath);
    expect([deleteAgain.status, deleteAgain.body.code]).toEqual([400, 'ALREADY_REMOVED_BILLING_KEY']);

    await sim.webhooksIdle();
    expect(hook.received.map((w) => w.body)).toEqual([
      { eventType: 'BILLING_DELETED', createdAt: expect.any(String), data: { billingKey, reason: '삭제 API 요청' } },
    ]);
  });
});

// ---- cash receipts -------------------------------------------------------------------------------------------------

describe('TossSimulator cash receipts (toss.md §3.7)', () => {
  it('issues, cancels (c_ receiptKey) and pages the list with hasNext/lastCursor', async () => {
    const clock = new ManualClock(new Date('2024-03-05T01:00:00Z')); // 10:00 KST
    const sim = await startSim({ clock });
    const receipts: any[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await call(sim, 'POST', '/v1/cash-receipts', {
        body: { amount: 1000 * (i + 1), orderId: `cash-order-${i}`, orderName: '현금 주문', type: '소득공제', customerIdentityNumber: '01012345678' },
      });
      expect(res.status).toBe(200);
      receipts.push(res.body);
    }
    expect(receipts[0]).toMatchObject({ transactionType: 'CONFIRM', issueStatus: 'IN_PROGRESS', amount: 1000, type: '소득공제', orderId: 'cash-order-0' });
    const duplicate = await call(sim, 'POST', '/v1/cash-receipts', {
      body: { amount: 1000, orderId: 'cash-order-0', orderName: '현금 주문', type: '소득공제', customerIdentityNumber: '01012345678' },
    });
    expect([duplicate.status, duplicate.body.code]).toEqual([400, 'DUPLICATED_CASH_RECEIPT']);
    const badType = await call(sim, 'POST', '/v1/cash-receipts', {
      body: { amount: 1000, orderId: 'cash-order-x', orderName: '현금 주문', type: '미발행', customerIdentityNumber: '01012345678' },
    });
    expect(badType.body.code).toBe('INVALID_CASH_RECEIPT_INFO');

    const canceled = await call(sim, 'POST', `/v1/cash-receipts/${receipts[1].receiptKey}/cancel`, { body: {} });
    expect(canceled.body).toMatchObject({ receiptKey: `c_${receipts[1].receiptKey}`, transactionType: 'CANCEL', amount: 2000, orderId: 'cash-order-1' });
    const cancelAgain = await call(sim, 'POST', `/v1/cash-receipts/${receipts[1].receiptKey}/cancel`, { body: {} });
    expect(cancelAgain.status).toBe(400);
    const cancelUnknown = await call(sim, 'POST', '/v1/cash-receipts/nope/cancel', { body: {} });
    expect([cancelUnknown.status, cancelUnknown.body.code]).toEqual([404, 'NOT_FOUND']);

    const seen: string[] = [];
    let cursor: number | undefined;
    let pages = 0;
    for (;;) {
      const query = `requestDate=2024-03-05&limit=2${cursor === undefined ? '' : `&cursor=${cursor}`}`;
      const page = await call(sim, 'GET', `/v1/cash-receipts?${query}`);
      expect(page.status).toBe(200);
      pages += 1;
      seen.push(...page.body.data.map((r: any) => r.receiptKey));
      if (!page.body.hasNext) break;
      cursor = page.body.lastCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([...receipts.map((r) => r.receiptKey), `c_${receipts[1].receiptKey}`]);

    const otherDay = await call(sim, 'GET', '/v1/cash-receipts?requestDate=2024-03-06');
    expect(otherDay.body).toEqual({ hasNext: false, lastCursor: 0, data: [] });
    const badDate = await call(sim, 'GET', '/v1/cash-receipts?requestDate=2024-3-5');
    expect(badDate.status).toBe(400);

    clock.advance(24 * 60 * 60 * 1000);
    const later = await call(sim, 'GET', '/v1/cash-receipts?requestDate=2024-03-05&limit=1');
    expect(later.body.data[0].issueStatus).toBe('COMPLETED');
  });
});

// ---- transactions --------------------------------------------------------------------------------------------------

describe('TossSimulator transactions (toss.md §3.8)', () => {
  it('lists one row per approval and per cancel, pages with startingAfter and filters by transactionAt', async () => {
    const clock = new ManualClock(new Date('2024-01-03T03:00:00Z')); // 12:00 KST
    const sim = await startSim({ clock });
    const a = await confirmedCardPayment(sim, 10_000);
    clock.advance(1000);
    const b = await confirmedCardPayment(sim, 20_000);
    clock.advance(1000);
    await call(sim, 'POST', `/v1/payments/${a.paymentKey}/cancel`, { body: { cancelReason: '부분', cancelAmount: 3000 } });
    clock.advance(1000);
    const c = await confirmedCardPayment(sim, 5000);
    clock.set(new Date('2024-01-04T03:00:00Z')); // next KST day
    await confirmedCardPayment(sim, 7000);

    const day = 'startDate=2024-01-03T00:00:00&endDate=2024-01-03T23:59:59';
    const all = await call(sim, 'GET', `/v1/transactions?${day}`);
    expect(Array.isArray(all.body)).toBe(true);
    expect(all.body.map((t: any) => [t.paymentKey, t.status, t.amount])).toEqual([
      [a.paymentKey, 'DONE', 10_000],
      [b.paymentKey, 'DONE', 20_000],
      [a.paymentKey, 'PARTIAL_CANCELED', 3000],
      [c.paymentKey, 'DONE', 5000],
    ]);
    expect(all.body[0]).toMatchObject({ mId: 'tosspayments', method: '카드', currency: 'KRW', useEscrow: false, transactionKey: a.lastTransactionKey, orderId: a.orderId });
    expect(all.body[0].transactionAt).toBe('2024-01-03T12:00:00+09:00');

    const page1 = await call(sim, 'GET', `/v1/transactions?${day}&limit=2`);
    expect(page1.body).toHaveLength(2);
    const page2 = await call(sim, 'GET', `/v1/transactions?${day}&limit=2&startingAfter=${page1.body[1].transactionKey}`);
    expect(page2.body).toHaveLength(2);
    const page3 = await call(sim, 'GET', `/v1/transactions?${day}&limit=2&startingAfter=${page2.body[1].transactionKey}`);
    expect(page3.body).toEqual([]);
    expect([...page1.body, ...page2.body].map((t: any) => t.transactionKey)).toEqual(all.body.map((t: any) => t.transactionKey));

    const badCursor = await call(sim, 'GET', `/v1/transactions?${day}&startingAfter=NOPE`);
    expect([badCursor.status, badCursor.body.code]).toEqual([400, 'INVALID_PAGING_KEY']);
    const tooMany = await call(sim, 'GET', `/v1/transactions?${day}&limit=5001`);
    expect(tooMany.status).toBe(400);
    const max = await call(sim, 'GET', `/v1/transactions?${day}&limit=5000`);
    expect(max.body).toHaveLength(4);
    const missingDates = await call(sim, 'GET', '/v1/transactions');
    expect([missingDates.status, missingDates.body.code]).toEqual([400, 'INVALID_REQUEST']);
    const twoDays = await call(sim, 'GET', '/v1/transactions?startDate=2024-01-03&endDate=2024-01-04T23:59:59');
    expect(twoDays.body).toHaveLength(5);
  });
});

// ---- faults --------------------------------------------------------------------------------------------------------

describe('TossSimulator fault injection', () => {
  it("'error' answers with the given code before auth and changes nothing", async () => {
    const sim = await startSim();
    const params = sim.authenticatePayment({ orderId: newOrderId(), amount: 1000, orderName: '주문' });
    const body = { paymentKey: params.paymentKey, orderId: params.orderId, amount: 1000 };
    sim.failNext({ method: 'POST', path: /^\/v1\/payments\/confirm$/ }, { kind: 'error', status: 400, code: 'PROVIDER_ERROR' }, 2);
    const first = await call(sim, 'POST', '/v1/payments/confirm', { body, authorization: basicAuth('test_sk_wrong') });
    expect([first.status, first.body.code]).toEqual([400, 'PROVIDER_ERROR']);
    expect(first.body.message).toBe('일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.');
    const second = await call(sim, 'POST', '/v1/payments/confirm', { body, headers: { 'Idempotency-Key': 'fault-key' } });
    expect(second.body.code).toBe('PROVIDER_ERROR');
    expect(sim.getPayment(params.paymentKey)?.status).toBe('IN_PROGRESS');
    const third = await call(sim, 'POST', '/v1/payments/confirm', { body, headers: { 'Idempotency-Key': 'fault-key' } });
    expect(third.body.status).toBe('DONE');
  });

  it("'drop-after-commit' loses the answer but the payment is DONE, and a same-key retry replays it", async () => {
    const sim = await startSim();
    const params = sim.authenticatePayment({ orderId: newOrderId(), amount: 1000, orderName: '주문' });
    const body = { paymentKey: params.paymentKey, orderId: params.orderId, amount: 1000 };
    const headers = { 'Idempotency-Key': 'confirm:payment-1' };
    sim.failNext({ path: '/v1/payments/confirm' }, { kind: 'drop-after-commit' });
    await expect(call(sim, 'POST', '/v1/payments/confirm', { body, headers })).rejects.toThrow();
    const after = await call(sim, 'GET', `/v1/payments/orders/${params.orderId}`);
    expect(after.body.status).toBe('DONE');
    const retry = await call(sim, 'POST', '/v1/payments/confirm', { body, headers });
    expect(retry.status).toBe(200);
    expect(retry.body.lastTransactionKey).toBe(after.body.lastTransactionKey);
    expect(sim.requestsTo('POST', '/v1/payments/confirm').map((r) => r.status)).toEqual([0, 200]);
  });

  it("'drop-before-commit' loses the request: nothing happens", async () => {
    const sim = await startSim();
    const params = sim.authenticatePayment({ orderId: newOrderId(), amount: 1000, orderName: '주문' });
    sim.failNext({ method: 'POST', path: '/v1/payments/' }, { kind: 'drop-before-commit' });
    await expect(
      call(sim, 'POST', '/v1/payments/confirm', { body: { paymentKey: params.paymentKey, orderId: params.orderId, amount: 1000 } }),
    ).rejects.toThrow();
    expect((await call(sim, 'GET', `/v1/payments/${params.paymentKey}`)).body.status).toBe('IN_PROGRESS');
  });

  it("'hang-after-commit' commits while the client times out", async () => {
    const sim = await startSim();
    const payment = await confirmedCardPayment(sim, 10_000);
    sim.failNext({ method: 'POST', path: `/v1/payments/${payment.paymentKey}/cancel` }, { kind: 'hang-after-commit', ms: 2000 });
    await expect(
      call(sim, 'POST', `/v1/payments/${payment.paymentKey}/cancel`, { body: { cancelReason: '취소' }, signal: AbortSignal.timeout(150) }),
    ).rejects.toThrow();
    expect((await call(sim, 'GET', `/v1/payments/${payment.paymentKey}`)).body).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
  });

  it("'latency' answers normally, late; clearFaults disarms pending faults", async () => {
    const sim = await startSim();
    sim.failNext({ method: 'GET', path: '/v1/payments/' }, { kind: 'latency', ms: 50 });
    const slow = await call(sim, 'GET', '/v1/payments/nope');
    expect([slow.status, slow.body.code]).toEqual([404, 'NOT_FOUND_PAYMENT']);
    sim.failNext({ path: '/v1/' }, { kind: 'error', status: 500, code: 'FAILED_INTERNAL_SYSTEM_PROCESSING' });
    sim.clearFaults();
    expect((await call(sim, 'GET', '/v1/payments/nope')).status).toBe(404);
  });
});

// ---- misc ----------------------------------------------------------------------------------------------------------

describe('TossSimulator housekeeping', () => {
  it('reset() forgets payments, requests and idempotency keys', async () => {
    const sim = await startSim();
    const payment = await confirmedCardPayment(sim, 1000);
    sim.reset();
    expect(sim.requests).toHaveLength(0);
    expect(sim.getPayment(payment.paymentKey)).toBeUndefined();
    expect((await call(sim, 'GET', `/v1/payments/${payment.paymentKey}`)).status).toBe(404);
  });

  it('answers unknown routes with 404 NOT_FOUND and non-JSON bodies with 400 INVALID_REQUEST', async () => {
    const sim = await startSim();
    expect((await call(sim, 'GET', '/v1/nothing-here')).body.code).toBe('NOT_FOUND');
    const response = await fetch(`${sim.url}/v1/payments/confirm`, {
      method: 'POST',
      headers: { authorization: basicAuth(TOSS_TEST_SECRET_KEY), 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).code).toBe('INVALID_REQUEST');
  });

  it('signs payout webhooks per §6.3 (HMAC over "<raw body>:<transmission-time>", either slot valid)', async () => {
    const securityKey = 'a'.repeat(32) + '0123456789abcdef0123456789abcdef';
    const sim = await startSim({ payoutSecurityKey: securityKey });
    const time = '2024-09-05T12:19:21+09:00';
    const signed = sim.signPayoutWebhook({ eventType: 'payout.changed', entityBody: { status: 'COMPLETED' } }, time);
    expect(signed.headers['tosspayments-webhook-transmission-time']).toBe(time);
    const expected = createHmac('sha256', Buffer.from(securityKey, 'utf8')).update(`${signed.rawBody}:${time}`).digest();
    const slots = signed.headers['tosspayments-webhook-signature'].split(',').map((v) => {
      expect(v.startsWith('v1:')).toBe(true);
      return Buffer.from(v.slice(3), 'base64');
    });
    expect(slots).toHaveLength(2);
    expect(slots.map((s) => s.equals(expected))).toEqual([false, true]);
    expect(JSON.parse(signed.rawBody)).toEqual({ eventType: 'payout.changed', entityBody: { status: 'COMPLETED' } });
  });
});
