import { createHmac } from 'node:crypto';
import { ManualClock } from '../../../libs/testing/src/clock';
import { TOSS_TEST_SECRET_KEY } from '../../../libs/testing/src/toss';
import { IDEMPOTENCY_TTL_MS, TossIdempotencyStore } from '../../../libs/testing/src/toss/toss-simulator.idempotency';
import {
  basicAuth,
  call,
  confirmedCardPayment,
  newOrderId,
  startSim,
  stopSimulatorsAfterEach,
} from './toss-simulator.fixtures';

/**
 * The Toss simulator's HTTP contract: authentication, Idempotency-Key, fault injection and housekeeping. Payments:
 * toss-simulator-payments.spec.ts; billing keys, cash receipts, transactions: toss-simulator-capabilities.spec.ts.
 */
stopSimulatorsAfterEach();

// ---- authentication ---------------------------------------------------------------------------------------------

describe('TossSimulator authentication (docs/gateways/toss.md#transport-and-authentication)', () => {
  it('matches the Basic-auth headers Toss documents', () => {
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

    const res2 = await call(sim, 'GET', '/v1/payments/x', {
      authorization: basicAuth('test_sk_unknownKey0000000000000'),
    });
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
    const unknown = await call(sim, 'POST', '/v1/payments/confirm', {
      body,
      headers: { 'TossPayments-Test-Code': 'NO_SUCH_CODE' },
    });
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

// ---- idempotency -------------------------------------------------------------------------------------------------

describe('TossSimulator Idempotency-Key (docs/gateways/toss.md#idempotency)', () => {
  it('replays the first response for the same key even with a different body', async () => {
    const sim = await startSim();
    const first = sim.authenticatePayment({ orderId: newOrderId(), amount: 1000, orderName: '첫 주문' });
    const second = sim.authenticatePayment({ orderId: newOrderId(), amount: 2000, orderName: '둘째 주문' });
    const headers = { 'Idempotency-Key': 'idem-confirm-1' };
    const res1 = await call(sim, 'POST', '/v1/payments/confirm', {
      headers,
      body: { paymentKey: first.paymentKey, orderId: first.orderId, amount: 1000 },
    });
    const res2 = await call(sim, 'POST', '/v1/payments/confirm', {
      headers,
      body: { paymentKey: second.paymentKey, orderId: second.orderId, amount: 2000 },
    });
    expect(res2.status).toBe(200);
    expect(res2.text).toBe(res1.text);
    expect(res2.body.paymentKey).toBe(first.paymentKey);
    expect(sim.getPayment(second.paymentKey)?.status).toBe('IN_PROGRESS'); // not processed

    // Another secret key is another scope.
    const otherKey = 'test_sk_secondMerchantKey000000000';
    const sim2 = await startSim({ secretKeys: [TOSS_TEST_SECRET_KEY, otherKey] });
    const a = sim2.authenticatePayment({ orderId: newOrderId(), amount: 1000, orderName: 'a' });
    const b = sim2.authenticatePayment({ orderId: newOrderId(), amount: 1000, orderName: 'b' });
    await call(sim2, 'POST', '/v1/payments/confirm', {
      headers,
      body: { paymentKey: a.paymentKey, orderId: a.orderId, amount: 1000 },
    });
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
    expect(concurrent.body).toEqual({
      code: 'IDEMPOTENT_REQUEST_PROCESSING',
      message: '이전 멱등 요청이 처리중입니다.',
    });
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

    const tooLong = await call(sim, 'POST', '/v1/payments/confirm', {
      headers: { 'Idempotency-Key': 'k'.repeat(301) },
      body: good,
    });
    expect([tooLong.status, tooLong.body.code]).toEqual([400, 'INVALID_IDEMPOTENCY_KEY']);
    const getWithLongKey = await call(sim, 'GET', `/v1/payments/${params.paymentKey}`, {
      headers: { 'Idempotency-Key': 'k'.repeat(301) },
    });
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
    const fresh = await call(sim, 'POST', '/v1/payments/confirm', {
      headers,
      body: { paymentKey: late.paymentKey, orderId: late.orderId, amount: 1000 },
    });
    expect(fresh.body).toMatchObject({ paymentKey: late.paymentKey, status: 'DONE' });
  });

  it("with replayErrors 'none' re-executes after a 4xx", async () => {
    const sim = await startSim({ replayErrors: 'none' });
    const params = sim.authenticatePayment({ orderId: newOrderId(), amount: 1000, orderName: '주문' });
    const headers = { 'Idempotency-Key': 'idem-none' };
    const refused = await call(sim, 'POST', '/v1/payments/confirm', { headers, body: { ...params, amount: 1 } });
    expect(refused.status).toBe(400);
    const retried = await call(sim, 'POST', '/v1/payments/confirm', {
      headers,
      body: { paymentKey: params.paymentKey, orderId: params.orderId, amount: 1000 },
    });
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
      expect([status, code, policy, store.begin(scope).kind]).toEqual([
        status,
        code,
        policy,
        stored ? 'replay' : 'new',
      ]);
    }
  });
});

// ---- faults --------------------------------------------------------------------------------------------------------

describe('TossSimulator fault injection', () => {
  it("'error' answers with the given code before auth and changes nothing", async () => {
    const sim = await startSim();
    const params = sim.authenticatePayment({ orderId: newOrderId(), amount: 1000, orderName: '주문' });
    const body = { paymentKey: params.paymentKey, orderId: params.orderId, amount: 1000 };
    sim.failNext(
      { method: 'POST', path: /^\/v1\/payments\/confirm$/ },
      { kind: 'error', status: 400, code: 'PROVIDER_ERROR' },
      2,
    );
    const first = await call(sim, 'POST', '/v1/payments/confirm', { body, authorization: basicAuth('test_sk_wrong') });
    expect([first.status, first.body.code]).toEqual([400, 'PROVIDER_ERROR']);
    expect(first.body.message).toBe('일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.');
    const second = await call(sim, 'POST', '/v1/payments/confirm', {
      body,
      headers: { 'Idempotency-Key': 'fault-key' },
    });
    expect(second.body.code).toBe('PROVIDER_ERROR');
    expect(sim.getPayment(params.paymentKey)?.status).toBe('IN_PROGRESS');
    const third = await call(sim, 'POST', '/v1/payments/confirm', {
      body,
      headers: { 'Idempotency-Key': 'fault-key' },
    });
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
      call(sim, 'POST', '/v1/payments/confirm', {
        body: { paymentKey: params.paymentKey, orderId: params.orderId, amount: 1000 },
      }),
    ).rejects.toThrow();
    expect((await call(sim, 'GET', `/v1/payments/${params.paymentKey}`)).body.status).toBe('IN_PROGRESS');
  });

  it("'hang-after-commit' commits while the client times out", async () => {
    const sim = await startSim();
    const payment = await confirmedCardPayment(sim, 10_000);
    sim.failNext(
      { method: 'POST', path: `/v1/payments/${payment.paymentKey}/cancel` },
      { kind: 'hang-after-commit', ms: 2000 },
    );
    await expect(
      call(sim, 'POST', `/v1/payments/${payment.paymentKey}/cancel`, {
        body: { cancelReason: '취소' },
        signal: AbortSignal.timeout(150),
      }),
    ).rejects.toThrow();
    expect((await call(sim, 'GET', `/v1/payments/${payment.paymentKey}`)).body).toMatchObject({
      status: 'CANCELED',
      balanceAmount: 0,
    });
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

  it('signs payout webhooks as Toss does (HMAC over "<raw body>:<transmission-time>", either slot valid)', async () => {
    const securityKey = 'a'.repeat(32) + '0123456789abcdef0123456789abcdef';
    const sim = await startSim({ payoutSecurityKey: securityKey });
    const time = '2024-09-05T12:19:21+09:00';
    const signed = sim.signPayoutWebhook({ eventType: 'payout.changed', entityBody: { status: 'COMPLETED' } }, time);
    expect(signed.headers['tosspayments-webhook-transmission-time']).toBe(time);
    const expected = createHmac('sha256', Buffer.from(securityKey, 'utf8'))
      .update(`${signed.rawBody}:${time}`)
      .digest();
    const slots = signed.headers['tosspayments-webhook-signature'].split(',').map((v) => {
      expect(v.startsWith('v1:')).toBe(true);
      return Buffer.from(v.slice(3), 'base64');
    });
    expect(slots).toHaveLength(2);
    expect(slots.map((s) => s.equals(expected))).toEqual([false, true]);
    expect(JSON.parse(signed.rawBody)).toEqual({ eventType: 'payout.changed', entityBody: { status: 'COMPLETED' } });
  });
});
