import { ManualClock } from '../../../libs/testing/src/clock';
import {
  approvedCard,
  basicAuth,
  call,
  CLIENT_ID,
  expectSigned,
  SK,
  sha256,
  startSim,
  stopStartedAfterEach,
  tidPattern,
  windowFor,
} from './nicepay-simulator.fixtures';

// The NicePay simulator's endpoints that read or reverse an approval: net-cancel, inquiry and check-amount.
stopStartedAfterEach();

// ---- net cancel -------------------------------------------------------------------------------------------------

describe('net cancel POST /v1/payments/netcancel', () => {
  it('cancels an approval whose answer was lost, found by orderId', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 8_000);
    sim.failNext({ method: 'POST', path: `/v1/payments/${form.tid}` }, { kind: 'hang-after-commit', ms: 10_000 });
    // The client gives up only once the simulator has committed the approval (not after a fixed time, which a busy
    // machine can outrun): the answer is lost, the money moved.
    const giveUp = new AbortController();
    const approval = call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 8_000 }, signal: giveUp.signal });
    while ((sim.getPayment(form.tid) as { status?: string } | undefined)?.status !== 'paid') {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    giveUp.abort();
    await expect(approval).rejects.toThrow();
    const ediDate = '2026-11-22T12:00:00.000+0900';
    const net = await call(sim, 'POST', '/v1/payments/netcancel', {
      body: { orderId: form.orderId, ediDate, signData: sha256(`${form.orderId}${ediDate}${SK}`) },
    });
    expect(net.body).toMatchObject({
      resultCode: '0000',
      tid: form.tid,
      status: 'cancelled',
      balanceAmt: 0,
      amount: 8_000,
    });
    expect(net.body.cancelledTid).toMatch(tidPattern('01'));
    expectSigned(net.body);
    expect(
      (await call(sim, 'POST', '/v1/payments/netcancel', { body: { orderId: form.orderId } })).body.resultCode,
    ).toBe('2013');
  });

  it('answers 2020 after the window, U126 for unknown or never-approved orderIds', async () => {
    const clock = new ManualClock(new Date('2026-11-22T03:00:00.000Z'));
    const sim = await startSim({ clock });
    const { form } = await approvedCard(sim, 1_000);
    clock.advance(60 * 60_000 + 1);
    expect(
      (await call(sim, 'POST', '/v1/payments/netcancel', { body: { orderId: form.orderId } })).body.resultCode,
    ).toBe('2020');
    expect(sim.getPayment(form.tid)).toMatchObject({ status: 'paid' });
    expect(
      (await call(sim, 'POST', '/v1/payments/netcancel', { body: { orderId: 'never-seen' } })).body.resultCode,
    ).toBe('U126');
    const onlyAuthenticated = windowFor(sim, 1_000);
    expect(
      (await call(sim, 'POST', '/v1/payments/netcancel', { body: { orderId: onlyAuthenticated.orderId } })).body
        .resultCode,
    ).toBe('U126');
    expect((await call(sim, 'POST', '/v1/payments/netcancel', { body: {} })).body.resultCode).toBe('P007');
  });
});

// ---- inquiry ----------------------------------------------------------------------------------------------------

describe('inquiry', () => {
  it('by tid and by orderId: a fresh ediDate and signature each time', async () => {
    const clock = new ManualClock(new Date('2026-11-22T03:00:00.000Z'));
    const sim = await startSim({ clock });
    const { form, payment } = await approvedCard(sim, 2_000);
    clock.advance(5_000);
    const byTid = await call(sim, 'GET', `/v1/payments/${form.tid}`);
    expect(byTid.body).toMatchObject({
      resultCode: '0000',
      tid: form.tid,
      status: 'paid',
      ediDate: '2026-11-22T12:00:05.000+0900',
    });
    expect(byTid.body.ediDate).not.toBe(payment.ediDate);
    expectSigned(byTid.body);
    const ediDate = '2026-11-22T12:00:05.000+0900';
    // Either signData formula of the disputed find-by-orderId, orderDate optional; `+` sent as %2B.
    for (const prefix of [form.tid, form.orderId]) {
      const found = await call(sim, 'GET', `/v1/payments/find/${form.orderId}`, {
        query: { ediDate, signData: sha256(`${prefix}${ediDate}${SK}`), orderDate: '20261122' },
      });
      expect(found.body).toMatchObject({ resultCode: '0000', tid: form.tid });
      expectSigned(found.body);
    }
    expect(sim.requestsTo('GET', '/v1/payments/find/').at(-1)!.query.ediDate).toBe(ediDate);
    expect((await call(sim, 'GET', `/v1/payments/find/${form.orderId}`)).body.resultCode).toBe('0000');
    const badSign = await call(sim, 'GET', `/v1/payments/${form.tid}`, {
      query: { ediDate, signData: sha256(`x${ediDate}${SK}`) },
    });
    expect(badSign.body.resultCode).toBe('A101');
    const missing = await call(sim, 'GET', '/v1/payments/find/no-such-order');
    expect([missing.status, missing.body.resultCode]).toEqual([404, 'U107']);
  });

  it("does not show another merchant's payment", async () => {
    const other = { clientId: 'S2_other', secretKey: 'ffffffffffffffffffffffffffffffff' };
    const sim = await startSim({ keys: [{ clientId: CLIENT_ID, secretKey: SK }, other] });
    const { form } = await approvedCard(sim, 1_000);
    const response = await call(sim, 'GET', `/v1/payments/${form.tid}`, {
      authorization: basicAuth(other.clientId, other.secretKey),
    });
    expect([response.status, response.body.resultCode]).toEqual([404, 'U107']);
  });

  it('check-amount: isValid and signature = tid+ediDate+SK', async () => {
    const sim = await startSim();
    const { form } = await approvedCard(sim, 3_000);
    for (const [amount, valid] of [
      [3_000, true],
      [300, false],
    ] as const) {
      const response = await call(sim, 'POST', `/v1/check-amount/${form.tid}`, { body: { amount } });
      expect(response.body).toMatchObject({ resultCode: '0000', tid: form.tid, isValid: valid });
      expect(response.body.signature).toBe(sha256(`${form.tid}${response.body.ediDate}${SK}`));
    }
  });
});
