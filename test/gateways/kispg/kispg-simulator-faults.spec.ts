import type { KispgSimulator } from '../../../libs/testing/src/kispg';
import {
  approvalBody,
  approved,
  authForm,
  cancelBody,
  closeSimulatorsAfterEach,
  orderBody,
  post,
  startSim,
} from './kispg-simulator.fixtures';

/**
 * The simulator faults recovery tests are built on (docs/gateways/kispg.md#simulator-faults): whether the request
 * was applied, and what the client sees. A client here gives up after `CLIENT_TIMEOUT_MS`, like an HTTP client whose
 * read timeout passed.
 */
closeSimulatorsAfterEach();

const CLIENT_TIMEOUT_MS = 150;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** POSTs JSON and reports what the client saw: an answer, its own timeout, or a connection closed without answer. */
async function send(sim: KispgSimulator, path: string, body: unknown, timeoutMs = CLIENT_TIMEOUT_MS) {
  try {
    const response = await fetch(`${sim.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { seen: 'answer' as const, body: (await response.json()) as Record<string, string> };
  } catch (error) {
    return { seen: (error as Error).name === 'TimeoutError' ? ('timeout' as const) : ('closed' as const) };
  }
}

describe('KispgSimulator faults for lost and late answers', () => {
  it('commit-late on a cancel: the client times out, a read-back shows no cancel yet, then KISPG commits it', async () => {
    const ctx = await startSim();
    const { auth } = await approved(ctx, '10000');
    ctx.sim.failNext({ method: 'POST', path: '/v2/cancel' }, { kind: 'commit-late', ms: 400 });
    const sent = await send(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '3000', '1'));
    expect(sent.seen).toBe('timeout');

    const meanwhile = await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '10000', { tid: auth.tid }));
    expect(meanwhile.body).toMatchObject({ trxStatus: '승인' });
    expect(meanwhile.body.cancelData).toBeUndefined();
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ canceledAmt: 0 });

    await sleep(450);
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ canceledAmt: 3000, balanceAmt: 7000 });
    const later = await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '10000', { tid: auth.tid }));
    expect(JSON.parse(later.body.cancelData)).toEqual([expect.objectContaining({ canAmt: '3000' })]);
  });

  it('commit-late shorter than the client waits is only a slow answer: applied, then answered', async () => {
    const ctx = await startSim();
    const { auth } = await approved(ctx, '10000');
    ctx.sim.failNext({ method: 'POST', path: '/v2/cancel' }, { kind: 'commit-late', ms: 50 });
    const sent = await send(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '1000', '1'), 2_000);
    expect(sent).toMatchObject({ seen: 'answer', body: { resultCd: '2001', amt: '1000' } });
  });

  it('hang-after-commit and drop-after-commit on a cancel: committed at once, the answer is lost', async () => {
    const ctx = await startSim();
    const { auth } = await approved(ctx, '10000');
    ctx.sim.failNext({ method: 'POST', path: '/v2/cancel' }, { kind: 'hang-after-commit', ms: 1_000 });
    expect((await send(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '2000', '1'))).seen).toBe('timeout');
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ canceledAmt: 2000 });

    ctx.sim.failNext({ method: 'POST', path: '/v2/cancelTrans.do' }, { kind: 'drop-after-commit' });
    const dropped = await send(ctx.sim, '/v2/cancelTrans.do', cancelBody(ctx.clock, auth.tid, '8000', '0'));
    expect(dropped.seen).toBe('closed');
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'CANCELED', canceledAmt: 10000 });
  });

  it('drop-before-commit on an approval and on a cancel: the connection closes, KISPG has no record of either', async () => {
    const ctx = await startSim();
    const auth = ctx.sim.authenticate(authForm(ctx.clock, { goodsAmt: '5000' }));
    ctx.sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'drop-before-commit' });
    expect((await send(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '5000'))).seen).toBe('closed');
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'AUTHENTICATED' });
    const query = await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '5000', { ordNo: auth.ordNo }));
    expect(query.body).toEqual({ resultCd: 'SIM5', resultMsg: '거래 정보 없음' });

    await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '5000'));
    ctx.sim.failNext({ method: 'POST', path: '/v2/cancel' }, { kind: 'drop-before-commit' });
    expect((await send(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '5000', '0'))).seen).toBe('closed');
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'APPROVED', canceledAmt: 0, cancels: [] });
  });

  it('hang-before-commit on an approval: the client times out (or the connection closes), nothing is ever applied', async () => {
    const ctx = await startSim();
    const auth = ctx.sim.authenticate(authForm(ctx.clock, { goodsAmt: '5000' }));
    ctx.sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'hang-before-commit', ms: 300 });
    expect((await send(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '5000'))).seen).toBe('timeout');
    await sleep(350);
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'AUTHENTICATED' });

    ctx.sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'hang-before-commit', ms: 50 });
    const patient = await send(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '5000'), 2_000);
    expect(patient.seen).toBe('closed');
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'AUTHENTICATED' });
    // Nothing happened, so the same tid can still be approved.
    const approval = await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '5000'));
    expect(approval.body).toMatchObject({ resultCd: '3001', tid: auth.tid });
  });

  it('the deferred faults need a non-negative ms, checked when armed', async () => {
    const ctx = await startSim();
    const arm = (fault: unknown) => () =>
      ctx.sim.failNext({ path: '/v2/cancel' }, fault as Parameters<KispgSimulator['failNext']>[1]);
    expect(arm({ kind: 'commit-late' })).toThrow(RangeError);
    expect(arm({ kind: 'hang-before-commit', ms: -1 })).toThrow(RangeError);
  });
});

describe('KispgSimulator virtual account deadlines', () => {
  it('after the end of lmtDay (KST) the account takes no deposit; /v2/order keeps answering 입금대기', async () => {
    const ctx = await startSim({ vacntDueDays: 3 });
    const { auth, approval } = await approved(ctx, '20000', 'VACNT');
    expect(approval).toMatchObject({ resultCd: '4100', lmtDay: '20261125' });
    const endOfLmtDay = new Date('2026-11-25T14:59:59Z');

    ctx.clock.set(endOfLmtDay);
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ vacntExpired: false });
    ctx.clock.set(new Date(endOfLmtDay.getTime() + 1_000));
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ vacntExpired: true, state: 'WAITING_DEPOSIT' });
    expect(() => ctx.sim.deposit(auth.tid)).toThrow(/deadline .* has passed/);
    const query = await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '20000', { tid: auth.tid }));
    expect(query.body).toMatchObject({ trxStatus: '입금대기', lmtDay: '20261125' });

    const paidInTime = await approved(ctx, '20000', 'VACNT');
    ctx.sim.deposit(paidInTime.auth.tid);
    expect(ctx.sim.getTransaction(paidInTime.auth.tid)).toMatchObject({ vacntExpired: false, trxStatus: '승인' });
  });
});
