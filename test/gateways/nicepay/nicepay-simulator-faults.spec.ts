import { ManualClock } from '../../../libs/testing/src/clock';
import type { NicePaySimulator } from '../../../libs/testing/src/nicepay';
import {
  approvedCard,
  call,
  encA2,
  newOrderId,
  SK,
  startSim,
  stopStartedAfterEach,
  windowFor,
} from './nicepay-simulator.fixtures';

// The NicePay simulator's faults for lost answers and lost requests (docs/gateways/nicepay.md#faults), on every
// money-moving endpoint, and its expiry of unpaid virtual accounts.
stopStartedAfterEach();

const DAY_MS = 24 * 60 * 60 * 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A client that gives up after `ms`, as a read timeout does. */
const giveUpAfter = (ms: number) => AbortSignal.timeout(ms);
const cancelPath = (tid: string) => `/v1/payments/${tid}/cancel`;
const cancelBody = (cancelAmt: number) => ({ reason: '단순변심', orderId: newOrderId(), cancelAmt });
const balanceOf = (sim: NicePaySimulator, tid: string) => (sim.getPayment(tid) as { balanceAmt: number }).balanceAmt;

async function billingKey(sim: NicePaySimulator): Promise<string> {
  const card = 'cardNo=5361123456781234&expYear=30&expMonth=12&idNo=800101&cardPw=12';
  const response = await call(sim, 'POST', '/v1/subscribe/regist', {
    body: { encData: encA2(card, SK), encMode: 'A2', orderId: newOrderId() },
  });
  return response.body.bid as string;
}

const chargeBody = (orderId: string) => ({
  orderId,
  amount: 9_900,
  goodsName: 'Pro plan',
  cardQuota: '0',
  useShopInterest: false,
});

describe('lost answers: the request is applied, the answer never arrives in time', () => {
  it('hang-after-commit on a cancel: refunded at once, answered after the client gave up', async () => {
    const sim = await startSim();
    const { form } = await approvedCard(sim, 10_000);
    sim.failNext({ method: 'POST', path: cancelPath(form.tid) }, { kind: 'hang-after-commit', ms: 400 });
    const lost = call(sim, 'POST', cancelPath(form.tid), { body: cancelBody(3_000), signal: giveUpAfter(100) });
    await expect(lost).rejects.toThrow();
    expect(sim.getPayment(form.tid)).toMatchObject({ status: 'partialCancelled', balanceAmt: 7_000 });
    const readBack = await call(sim, 'GET', `/v1/payments/${form.tid}`);
    expect(readBack.body).toMatchObject({ resultCode: '0000', balanceAmt: 7_000, cancels: [{ amount: 3_000 }] });
  });

  it('drop-after-commit on a cancel: refunded, the connection dropped without an answer', async () => {
    const sim = await startSim();
    const { form } = await approvedCard(sim, 10_000);
    sim.failNext({ method: 'POST', path: cancelPath(form.tid) }, { kind: 'drop-after-commit' });
    await expect(call(sim, 'POST', cancelPath(form.tid), { body: cancelBody(4_000) })).rejects.toThrow();
    expect(balanceOf(sim, form.tid)).toBe(6_000);
    expect(sim.requestsTo('POST', cancelPath(form.tid))).toMatchObject([{ status: 0 }]);
  });

  it('late-commit on a cancel: nothing shows during the hold, the refund appears after it', async () => {
    const sim = await startSim();
    const { form } = await approvedCard(sim, 10_000);
    sim.failNext({ method: 'POST', path: cancelPath(form.tid) }, { kind: 'late-commit', ms: 300 });
    const lost = call(sim, 'POST', cancelPath(form.tid), { body: cancelBody(2_500), signal: giveUpAfter(80) });
    await expect(lost).rejects.toThrow();
    // The read-back right after the timeout finds no cancel: "not there yet" is not "never happened".
    expect((await call(sim, 'GET', `/v1/payments/${form.tid}`)).body).toMatchObject({ status: 'paid', cancels: null });
    await sleep(400);
    expect((await call(sim, 'GET', `/v1/payments/${form.tid}`)).body).toMatchObject({
      status: 'partialCancelled',
      balanceAmt: 7_500,
      cancels: [{ amount: 2_500 }],
    });
  });

  it('late-commit on an approval: U107 during the hold, paid after it; the answer reaches a patient client', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 5_000);
    sim.failNext({ method: 'POST', path: `/v1/payments/${form.tid}` }, { kind: 'late-commit', ms: 200 });
    const answer = call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 5_000 } });
    await sleep(50);
    expect((await call(sim, 'GET', `/v1/payments/find/${form.orderId}`)).body.resultCode).toBe('U107');
    expect((await answer).body).toMatchObject({ resultCode: '0000', status: 'paid', tid: form.tid });
    expect(sim.getPayment(form.tid)).toMatchObject({ status: 'paid' });
  });
});

describe('lost requests: nothing is applied, NicePay has no record', () => {
  it('drop-before-commit on an approval, a billing charge and a cancel', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 5_000);
    sim.failNext({ method: 'POST', path: `/v1/payments/${form.tid}` }, { kind: 'drop-before-commit' });
    await expect(call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 5_000 } })).rejects.toThrow();
    expect((await call(sim, 'GET', `/v1/payments/${form.tid}`)).body.resultCode).toBe('U107');
    expect((await call(sim, 'GET', `/v1/payments/find/${form.orderId}`)).body.resultCode).toBe('U107');

    const bid = await billingKey(sim);
    const orderId = newOrderId();
    sim.failNext({ method: 'POST', path: /\/payments$/ }, { kind: 'drop-before-commit' });
    await expect(call(sim, 'POST', `/v1/subscribe/${bid}/payments`, { body: chargeBody(orderId) })).rejects.toThrow();
    expect((await call(sim, 'GET', `/v1/payments/find/${orderId}`)).body.resultCode).toBe('U107');

    const { form: paid } = await approvedCard(sim, 10_000);
    sim.failNext({ method: 'POST', path: cancelPath(paid.tid) }, { kind: 'drop-before-commit' });
    await expect(call(sim, 'POST', cancelPath(paid.tid), { body: cancelBody(1_000) })).rejects.toThrow();
    expect(sim.getPayment(paid.tid)).toMatchObject({ status: 'paid', balanceAmt: 10_000, cancels: [] });

    // Each request can still be sent again: the lost one spent nothing (not the tid, not the orderId).
    expect((await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 5_000 } })).body.resultCode).toBe(
      '0000',
    );
    const charged = await call(sim, 'POST', `/v1/subscribe/${bid}/payments`, { body: chargeBody(orderId) });
    expect(charged.body).toMatchObject({ resultCode: '0000', status: 'paid', orderId });
  });

  it('hang-before-commit holds the request past the client timeout, then drops it unapplied', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 5_000);
    sim.failNext({ method: 'POST', path: `/v1/payments/${form.tid}` }, { kind: 'hang-before-commit', ms: 250 });
    const timedOut = call(sim, 'POST', `/v1/payments/${form.tid}`, {
      body: { amount: 5_000 },
      signal: giveUpAfter(80),
    });
    await expect(timedOut).rejects.toThrow();
    await sleep(300);
    expect(sim.getPayment(form.tid)).toBeUndefined();
    expect((await call(sim, 'GET', `/v1/payments/find/${form.orderId}`)).body.resultCode).toBe('U107');

    // A patient client sees the connection dropped (no answer), and still nothing is applied.
    const { form: paid } = await approvedCard(sim, 10_000);
    sim.failNext({ method: 'POST', path: cancelPath(paid.tid) }, { kind: 'hang-before-commit', ms: 50 });
    await expect(call(sim, 'POST', cancelPath(paid.tid), { body: cancelBody(1_000) })).rejects.toThrow();
    expect(balanceOf(sim, paid.tid)).toBe(10_000);

    const bid = await billingKey(sim);
    const orderId = newOrderId();
    sim.failNext({ method: 'POST', path: /\/payments$/ }, { kind: 'hang-before-commit', ms: 50 });
    await expect(call(sim, 'POST', `/v1/subscribe/${bid}/payments`, { body: chargeBody(orderId) })).rejects.toThrow();
    expect((await call(sim, 'GET', `/v1/payments/find/${orderId}`)).body.resultCode).toBe('U107');
  });

  it('held requests are dropped unapplied by reset; a held fault needs a non-negative ms', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 5_000);
    sim.failNext({ method: 'POST', path: `/v1/payments/${form.tid}` }, { kind: 'late-commit', ms: 200 });
    const held = call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 5_000 } });
    await sleep(50);
    sim.reset();
    await expect(held).rejects.toThrow();
    await sleep(250);
    expect(sim.getPayment(form.tid)).toBeUndefined();
    for (const kind of ['late-commit', 'hang-before-commit'] as const) {
      expect(() => sim.failNext({ path: '/v1/payments/' }, { kind, ms: -1 })).toThrow(RangeError);
      expect(() => sim.failNext({ path: '/v1/payments/' }, { kind } as never)).toThrow(RangeError);
    }
  });
});

describe('virtual accounts past their deposit deadline', () => {
  async function issuedVbank(options: { vbankExpiredStatus?: 'ready' | 'expired' } = {}) {
    const clock = new ManualClock(new Date('2026-03-02T01:00:00.000Z'));
    const sim = await startSim({ clock, vbankValidMs: DAY_MS, ...options });
    const form = windowFor(sim, 30_000, { method: 'vbank', vbankHolder: '김나이스' });
    const issued = await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 30_000 } });
    expect(issued.body).toMatchObject({ status: 'ready', vbank: { vbankExpDate: '2026-03-03T10:00:00.000+0900' } });
    return { sim, clock, tid: form.tid };
  }

  it("by default the account stays 'ready' after its deadline, but takes no deposit and no cancel (2016)", async () => {
    const { sim, clock, tid } = await issuedVbank();
    clock.advance(DAY_MS);
    // Exactly at the deadline the account is still open.
    expect((await call(sim, 'GET', `/v1/payments/${tid}`)).body).toMatchObject({ status: 'ready' });
    clock.advance(1);
    const lapsed = await call(sim, 'GET', `/v1/payments/${tid}`);
    expect(lapsed.body).toMatchObject({ status: 'ready', ediDate: '2026-03-03T10:00:00.001+0900' });
    expect(() => sim.deposit(tid)).toThrow(/deadline/);
    const refused = await call(sim, 'POST', cancelPath(tid), { body: { reason: '미입금', orderId: newOrderId() } });
    expect(refused.body.resultCode).toBe('2016');
  });

  it("vbankExpiredStatus 'expired' shows the lapsed account as expired, in inquiries and getPayment", async () => {
    const { sim, clock, tid } = await issuedVbank({ vbankExpiredStatus: 'expired' });
    expect(sim.getPayment(tid)).toMatchObject({ status: 'ready' });
    clock.advance(DAY_MS + 1);
    expect((await call(sim, 'GET', `/v1/payments/${tid}`)).body).toMatchObject({
      status: 'expired',
      balanceAmt: 30_000,
    });
    expect(sim.getPayment(tid)).toMatchObject({ status: 'expired' });
    expect(() => sim.deposit(tid)).toThrow(/deadline/);
    expect(
      (await call(sim, 'POST', cancelPath(tid), { body: { reason: 'x', orderId: newOrderId() } })).body.resultCode,
    ).toBe('2016');
  });

  it('a deposit before the deadline still pays the account; a bad vbankExpiredStatus fails at start', async () => {
    const { sim, clock, tid } = await issuedVbank({ vbankExpiredStatus: 'expired' });
    clock.advance(DAY_MS - 1);
    sim.deposit(tid);
    clock.advance(DAY_MS);
    expect((await call(sim, 'GET', `/v1/payments/${tid}`)).body).toMatchObject({ status: 'paid' });
    await expect(startSim({ vbankExpiredStatus: 'gone' as never })).rejects.toThrow(/vbankExpiredStatus/);
  });
});
