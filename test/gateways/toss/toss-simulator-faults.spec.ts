import { ManualClock } from '../../../libs/testing/src/clock';
import {
  call,
  confirmedCardPayment,
  newOrderId,
  receiver,
  startSim,
  stopSimulatorsAfterEach,
} from './toss-simulator.fixtures';

/**
 * The simulator faults the recovery tests lean on (docs/gateways/toss.md#simulator), over raw HTTP: what each one
 * commits, what the client sees, and what a read-back and a retry under the same Idempotency-Key then find. Also the
 * virtual account that expires on the simulator's clock.
 */
stopSimulatorsAfterEach();

const CONFIRM = '/v1/payments/confirm';
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cancelsOf = (payment: Record<string, unknown> | undefined) => (payment?.cancels as unknown[] | null) ?? [];

describe('TossSimulator tamper-after-commit', () => {
  it('commits, alters only the answer on the wire, and stores the true answer under the Idempotency-Key', async () => {
    const sim = await startSim();
    const params = sim.authenticatePayment({ orderId: newOrderId(), amount: 7_000, orderName: '변조 응답' });
    const body = { paymentKey: params.paymentKey, orderId: params.orderId, amount: 7_000 };
    const headers = { 'Idempotency-Key': `confirm:${params.orderId}` };
    sim.failNext({ method: 'POST', path: CONFIRM }, { kind: 'tamper-after-commit', patch: { totalAmount: 70_000 } });

    const tampered = await call(sim, 'POST', CONFIRM, { body, headers });
    expect(tampered.status).toBe(200);
    expect(tampered.body).toMatchObject({ status: 'DONE', totalAmount: 70_000, orderId: params.orderId });
    expect(sim.getPayment(params.paymentKey)).toMatchObject({ status: 'DONE', totalAmount: 7_000 });

    const replay = await call(sim, 'POST', CONFIRM, { body, headers });
    expect(replay.body).toMatchObject({ status: 'DONE', totalAmount: 7_000 });
    expect(replay.body.lastTransactionKey).toBe(tampered.body.lastTransactionKey);
    expect(sim.requestsTo('POST', CONFIRM).map((r) => r.status)).toEqual([200, 200]);
  });

  it('removes a key patched to undefined, sends an error answer unaltered, and refuses a missing patch', async () => {
    const sim = await startSim();
    const params = sim.authenticatePayment({ orderId: newOrderId(), amount: 2_000, orderName: '변조 응답' });
    const body = { paymentKey: params.paymentKey, orderId: params.orderId, amount: 2_000 };
    sim.failNext({ path: CONFIRM }, { kind: 'tamper-after-commit', patch: { orderId: undefined } });
    const withoutOrder = await call(sim, 'POST', CONFIRM, { body });
    expect(withoutOrder.body.status).toBe('DONE');
    expect(withoutOrder.body).not.toHaveProperty('orderId');

    sim.failNext({ path: CONFIRM }, { kind: 'tamper-after-commit', patch: { totalAmount: 1 } });
    const refused = await call(sim, 'POST', CONFIRM, { body }); // a second confirm: ALREADY_PROCESSED_PAYMENT
    expect([refused.status, refused.body]).toEqual([
      400,
      expect.objectContaining({ code: 'ALREADY_PROCESSED_PAYMENT' }),
    ]);
    expect(refused.body).not.toHaveProperty('totalAmount');

    expect(() => sim.failNext({ path: CONFIRM }, { kind: 'tamper-after-commit', patch: null as never })).toThrow(
      /needs a patch object/,
    );
  });
});

describe('TossSimulator drop-before-commit: Toss has no record of the request', () => {
  it('a billing charge: the orderId reads back 404 NOT_FOUND_PAYMENT; the same key then charges once', async () => {
    const sim = await startSim();
    const customerKey = `cust-${newOrderId()}`;
    const { authKey } = sim.authenticateBilling({ customerKey });
    const issued = await call(sim, 'POST', '/v1/billing/authorizations/issue', { body: { authKey, customerKey } });
    const chargePath = `/v1/billing/${encodeURIComponent(issued.body.billingKey as string)}`;
    const orderId = newOrderId();
    const charge = { customerKey, amount: 9_900, orderId, orderName: '정기 구독' };
    const headers = { 'Idempotency-Key': `charge:${orderId}` };

    sim.failNext({ method: 'POST', path: chargePath }, { kind: 'drop-before-commit' });
    await expect(call(sim, 'POST', chargePath, { body: charge, headers })).rejects.toThrow();
    const none = await call(sim, 'GET', `/v1/payments/orders/${orderId}`);
    expect([none.status, none.body.code]).toEqual([404, 'NOT_FOUND_PAYMENT']);

    const charged = await call(sim, 'POST', chargePath, { body: charge, headers });
    expect(charged.body).toMatchObject({ status: 'DONE', orderId, totalAmount: 9_900, type: 'BILLING' });
    expect((await call(sim, 'GET', `/v1/payments/orders/${orderId}`)).body.paymentKey).toBe(charged.body.paymentKey);
    expect(sim.requestsTo('POST', chargePath).map((r) => r.status)).toEqual([0, 200]);
  });

  it('a cancel: nothing is canceled; the same key then cancels once', async () => {
    const sim = await startSim();
    const payment = await confirmedCardPayment(sim, 10_000);
    const path = `/v1/payments/${payment.paymentKey}/cancel`;
    const body = { cancelReason: '취소', cancelAmount: 3_000, refundableAmount: 10_000 };
    const headers = { 'Idempotency-Key': 'cancel:dropped' };

    sim.failNext({ method: 'POST', path }, { kind: 'drop-before-commit' });
    await expect(call(sim, 'POST', path, { body, headers })).rejects.toThrow();
    expect(sim.getPayment(payment.paymentKey)).toMatchObject({ status: 'DONE', balanceAmount: 10_000 });

    const canceled = await call(sim, 'POST', path, { body, headers });
    expect(canceled.body).toMatchObject({ status: 'PARTIAL_CANCELED', balanceAmount: 7_000 });
    expect(cancelsOf(sim.getPayment(payment.paymentKey))).toHaveLength(1);
  });
});

describe('TossSimulator cancels committed before the answer is lost', () => {
  it('hang-after-commit: the cancel shows at once; the same key gets 409 until the late answer, then its replay', async () => {
    const sim = await startSim();
    const payment = await confirmedCardPayment(sim, 10_000);
    const path = `/v1/payments/${payment.paymentKey}/cancel`;
    const body = { cancelReason: '취소', cancelAmount: 4_000, refundableAmount: 10_000 };
    const headers = { 'Idempotency-Key': 'cancel:late' };
    sim.failNext({ method: 'POST', path }, { kind: 'hang-after-commit', ms: 600 });

    const first = call(sim, 'POST', path, { body, headers, signal: AbortSignal.timeout(100) });
    await expect(first).rejects.toThrow();
    expect(sim.getPayment(payment.paymentKey)).toMatchObject({ status: 'PARTIAL_CANCELED', balanceAmount: 6_000 });
    const inFlight = await call(sim, 'POST', path, { body, headers });
    expect([inFlight.status, inFlight.body.code]).toEqual([409, 'IDEMPOTENT_REQUEST_PROCESSING']);

    await wait(700);
    const replay = await call(sim, 'POST', path, { body, headers });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ balanceAmount: 6_000, lastTransactionKey: expect.any(String) });
    const cancels = cancelsOf(sim.getPayment(payment.paymentKey)) as Array<{ transactionKey: string }>;
    expect(cancels).toHaveLength(1);
    expect(replay.body.lastTransactionKey).toBe(cancels[0].transactionKey);
  });

  it('drop-after-commit: the client sees a reset; the read-back shows the cancel and the same key replays it', async () => {
    const sim = await startSim();
    const payment = await confirmedCardPayment(sim, 10_000);
    const path = `/v1/payments/${payment.paymentKey}/cancel`;
    const body = { cancelReason: '취소', refundableAmount: 10_000 };
    const headers = { 'Idempotency-Key': 'cancel:reset' };
    sim.failNext({ method: 'POST', path }, { kind: 'drop-after-commit' });

    await expect(call(sim, 'POST', path, { body, headers })).rejects.toThrow();
    const readBack = await call(sim, 'GET', `/v1/payments/${payment.paymentKey}`);
    expect(readBack.body).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
    const replay = await call(sim, 'POST', path, { body, headers });
    expect(replay.body.lastTransactionKey).toBe(readBack.body.lastTransactionKey);
    expect(cancelsOf(sim.getPayment(payment.paymentKey))).toHaveLength(1);
  });
});

describe('TossSimulator virtual accounts expire on its clock', () => {
  it('past the due date: still WAITING_FOR_DEPOSIT with expired: true, no webhook, no deposit possible', async () => {
    const hook = await receiver();
    const clock = new ManualClock(new Date('2026-03-02T01:00:00Z'));
    const sim = await startSim({ clock, webhookUrl: hook.url });
    const orderId = newOrderId();
    const issued = await call(sim, 'POST', '/v1/virtual-accounts', {
      body: { amount: 20_000, orderId, orderName: '만료 계좌', customerName: '김토스', bank: '20', validHours: 2 },
    });
    expect(issued.body).toMatchObject({ status: 'WAITING_FOR_DEPOSIT', virtualAccount: { expired: false } });
    await sim.webhooksIdle();
    const webhooksBefore = hook.received.length;

    clock.advance(2 * 3_600_000 - 1_000);
    expect((await call(sim, 'GET', `/v1/payments/orders/${orderId}`)).body.virtualAccount.expired).toBe(false);
    clock.advance(2_000);
    const expired = await call(sim, 'GET', `/v1/payments/${issued.body.paymentKey}`);
    expect(expired.body).toMatchObject({ status: 'WAITING_FOR_DEPOSIT', virtualAccount: { expired: true } });
    expect(() => sim.deposit({ orderId })).toThrow(/expired/);
    await sim.webhooksIdle();
    expect(hook.received).toHaveLength(webhooksBefore);
  });
});
