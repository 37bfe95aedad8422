import { APPS_IN_TOSS_PAY_PATH, AppsInTossSimulator } from '../../../libs/testing/src/apps-in-toss';
import { ManualClock } from '../../../libs/testing/src/clock';
import {
  closeSimulatorsAfterEach,
  startSim,
  agent,
  type CallOptions,
  call,
  makeBody,
  makePayment,
  executedPayment,
  status,
  expectFail,
  until,
  transportError,
} from './apps-in-toss-simulator.fixtures';

// Fault injection and the clock-driven window lapse of the simulator (docs/gateways/apps-in-toss.md#faults): what Toss
// cannot be asked to do on demand but a client, and the core's recovery rules, must survive.

closeSimulatorsAfterEach();

describe('AppsInTossSimulator faults', () => {
  async function approved(sim: AppsInTossSimulator) {
    const made = await makePayment(sim);
    sim.authenticate(made.payToken);
    return made;
  }
  const execute = (sim: AppsInTossSimulator, payToken: string, options?: CallOptions) =>
    call(sim, 'execute-payment', { payToken, isTestPayment: true }, options);

  it('an HTTP_TIMEOUT envelope without commit leaves the payment approved; the retry executes', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext(
      { path: `${APPS_IN_TOSS_PAY_PATH}/execute-payment` },
      { kind: 'envelope', resultType: 'HTTP_TIMEOUT' },
    );
    const answer = await execute(sim, made.payToken);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      resultType: 'HTTP_TIMEOUT',
      error: { errorCode: 'HTTP_TIMEOUT', reason: expect.any(String) },
    });
    expect(sim.getPayment(made.payToken)?.payStatus).toBe('PAY_APPROVED');
    expect((await execute(sim, made.payToken)).body.resultType).toBe('SUCCESS');
  });

  it('a NETWORK_ERROR envelope with commit: true has executed the payment behind the failure', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext(
      { path: /execute-payment$/ },
      { kind: 'envelope', resultType: 'NETWORK_ERROR', errorCode: 'NETWORK_ERROR', status: 500, commit: true },
    );
    const answer = await execute(sim, made.payToken);
    expect(answer.status).toBe(500);
    expect(answer.body.resultType).toBe('NETWORK_ERROR');
    const truth = await status(sim, made.payToken);
    expect(truth.payStatus).toBe('PAY_COMPLETE');
    expect(truth.transactions).toHaveLength(1);
  });

  it('a fail fault answers FAIL with the given code and applies nothing', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext(
      { path: /execute-payment$/ },
      { kind: 'fail', errorCode: 'REJECT_CARD_COMPANY', reason: '카드사 거절' },
    );
    const answer = await execute(sim, made.payToken);
    expect(answer.body).toEqual({
      resultType: 'FAIL',
      error: { errorCode: 'REJECT_CARD_COMPANY', reason: '카드사 거절' },
    });
    expect(answer.status).toBe(400);
    expect(sim.getPayment(made.payToken)?.payStatus).toBe('PAY_APPROVED');
  });

  it('tamper executes for real but answers with the given success fields overwritten; a FAIL passes unchanged', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext({ path: /execute-payment$/ }, { kind: 'tamper', success: { amount: 1, orderNo: 'someone-else' } });
    const answer = await execute(sim, made.payToken);
    expect(answer.status).toBe(200);
    expect(answer.body.resultType).toBe('SUCCESS');
    expect(answer.body.success).toMatchObject({
      amount: 1,
      orderNo: 'someone-else',
      payToken: made.payToken,
      stateMsg: '결제 완료',
    });
    const truth = await status(sim, made.payToken);
    expect(truth).toMatchObject({ payStatus: 'PAY_COMPLETE', amount: made.body.amount, orderNo: made.orderNo });
    sim.failNext({ path: /execute-payment$/ }, { kind: 'tamper', success: { amount: 1 } });
    expect((await execute(sim, made.payToken)).body).toMatchObject({
      resultType: 'FAIL',
      error: { errorCode: 'EXECUTE_ALREADY_COMPLETED' },
    });
    expect(() => sim.failNext({ path: /x/ }, { kind: 'tamper' } as never)).toThrow(RangeError);
  });

  it('drop-after-commit loses the answer of an execute that happened', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext({ path: /execute-payment$/ }, 'drop-after-commit');
    const error = await transportError(execute(sim, made.payToken));
    expect(error.message).toBe('fetch failed');
    expect(sim.requestsTo(/execute-payment$/).map((r) => r.status)).toEqual([0]);
    expect((await status(sim, made.payToken)).payStatus).toBe('PAY_COMPLETE');
  });

  it('drop-after-commit on a refund: the refund happened', async () => {
    const sim = await startSim();
    const paid = await executedPayment(sim);
    sim.failNext({ path: /refund-payment$/ }, { kind: 'drop-after-commit' });
    await transportError(call(sim, 'refund-payment', { payToken: paid.payToken, reason: '취소', isTestPayment: true }));
    expect((await status(sim, paid.payToken)).payStatus).toBe('REFUND_SUCCESS');
  });

  it('drop-before-commit loses the request: still approved', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext({ path: /execute-payment$/ }, 'drop-before-commit');
    await transportError(execute(sim, made.payToken));
    expect((await status(sim, made.payToken)).payStatus).toBe('PAY_APPROVED');
  });

  it('hang-after-commit executes but does not answer before the client gives up', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext({ path: /execute-payment$/ }, { kind: 'hang-after-commit', ms: 60_000 });
    const controller = new AbortController();
    const pending = transportError(execute(sim, made.payToken, { signal: controller.signal }));
    await until(() => sim.getPayment(made.payToken)?.payStatus === 'PAY_COMPLETE');
    controller.abort();
    expect((await pending).name).toBe('AbortError');
    expect(sim.requestsTo(/execute-payment$/)[0].status).toBe(0);
  });

  it('latency answers normally, later', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext({ path: /execute-payment$/ }, { kind: 'latency', ms: 20 });
    expect((await execute(sim, made.payToken)).body.success.stateMsg).toBe('결제 완료');
  });

  it('wrong-content-type answers 200 text/html and applies nothing', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext({ path: /execute-payment$/ }, 'wrong-content-type');
    const answer = await execute(sim, made.payToken);
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('text/html; charset=utf-8');
    expect(answer.body).toBeUndefined();
    expect(answer.text).toContain('<html>');
    expect(sim.getPayment(made.payToken)?.payStatus).toBe('PAY_APPROVED');
  });

  it('faults fire `times` times on matching paths only, first armed first served; clearFaults and reset disarm', async () => {
    const sim = await startSim();
    sim.failNext({ path: `${APPS_IN_TOSS_PAY_PATH}/make-payment` }, { kind: 'fail', errorCode: 'FIRST' }, 2);
    sim.failNext({ path: APPS_IN_TOSS_PAY_PATH }, { kind: 'fail', errorCode: 'SECOND' });
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const answer = await call(sim, 'make-payment', makeBody());
      codes.push(answer.body.error?.errorCode ?? answer.body.resultType);
    }
    expect(codes).toEqual(['FIRST', 'FIRST', 'SECOND', 'SUCCESS']);

    sim.failNext({ path: APPS_IN_TOSS_PAY_PATH }, 'drop-before-commit');
    sim.clearFaults();
    expect((await call(sim, 'make-payment', makeBody())).status).toBe(200);
    expect(() => sim.failNext({ path: '/' }, 'latency', 0)).toThrow(RangeError);

    sim.failNext({ path: APPS_IN_TOSS_PAY_PATH }, 'drop-before-commit');
    sim.reset();
    expect(sim.requests).toHaveLength(0);
    expect(sim.handshakes).toEqual({ verified: 0, rejected: 0, unverified: 0 });
    const made = await makePayment(sim);
    expect(sim.requests).toHaveLength(1);
    expect(sim.getPayment(made.payToken)?.payStatus).toBe('PAY_STANDBY');
  });

  it('latencyMs delays every answer without changing it', async () => {
    const sim = await startSim({ latencyMs: 5 });
    const made = await makePayment(sim);
    expect(sim.getPayment(made.payToken)?.payStatus).toBe('PAY_STANDBY');
  });

  it('stop() answers nothing further and is idempotent', async () => {
    const sim = await startSim();
    await makePayment(sim);
    await sim.stop();
    await sim.stop();
    await transportError(call(sim, 'make-payment', makeBody(), { dispatcher: agent(sim.clientTlsOptions()) }));
  });
});

describe('AppsInTossSimulator faults that lose the request or commit late', () => {
  async function approved(sim: AppsInTossSimulator) {
    const made = await makePayment(sim);
    sim.authenticate(made.payToken);
    return made;
  }
  const execute = (sim: AppsInTossSimulator, payToken: string, options?: CallOptions) =>
    call(sim, 'execute-payment', { payToken, isTestPayment: true }, options);
  const refund = (sim: AppsInTossSimulator, payToken: string, options?: CallOptions) =>
    call(sim, 'refund-payment', { payToken, reason: '취소', isTestPayment: true }, options);

  it('hang-before-commit holds an execute, then drops it: the client sees a lost answer, nothing was applied', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext({ path: /execute-payment$/ }, { kind: 'hang-before-commit', ms: 60_000 });
    const controller = new AbortController();
    const pending = transportError(execute(sim, made.payToken, { signal: controller.signal }));
    await until(() => sim.requestsTo(/execute-payment$/).length === 1);
    // held: Toss shows the payment as never executed
    expect((await status(sim, made.payToken)).payStatus).toBe('PAY_APPROVED');
    controller.abort(); // the client's read timeout
    expect((await pending).name).toBe('AbortError');

    // with a short hold the simulator drops the connection itself; still nothing applied, and a retry executes once
    sim.failNext({ path: /execute-payment$/ }, { kind: 'hang-before-commit', ms: 20 });
    expect((await transportError(execute(sim, made.payToken))).message).toBe('fetch failed');
    expect(sim.requestsTo(/execute-payment$/).map((r) => r.status)).toEqual([0, 0]);
    expect((await status(sim, made.payToken)).transactions).toEqual([]);
    expect((await execute(sim, made.payToken)).body.resultType).toBe('SUCCESS');
    expect((await status(sim, made.payToken)).transactions).toHaveLength(1);
  });

  it('hang-before-commit and drop-before-commit on a refund: nothing is refunded; the payment stays refundable', async () => {
    const sim = await startSim();
    const paid = await executedPayment(sim);
    sim.failNext({ path: /refund-payment$/ }, 'drop-before-commit');
    await transportError(refund(sim, paid.payToken));
    sim.failNext({ path: /refund-payment$/ }, 'hang-before-commit');
    const controller = new AbortController();
    const pending = transportError(refund(sim, paid.payToken, { signal: controller.signal }));
    await until(() => sim.requestsTo(/refund-payment$/).length === 2);
    controller.abort();
    await pending;
    expect(await status(sim, paid.payToken)).toMatchObject({ payStatus: 'PAY_COMPLETE', refundableAmount: 10_000 });
    expect((await refund(sim, paid.payToken)).body.resultType).toBe('SUCCESS');
  });

  it('hang-after-commit on a refund: refunded at once, the answer never reaches the client', async () => {
    const sim = await startSim();
    const paid = await executedPayment(sim);
    sim.failNext({ path: /refund-payment$/ }, { kind: 'hang-after-commit', ms: 60_000 });
    const controller = new AbortController();
    const pending = transportError(refund(sim, paid.payToken, { signal: controller.signal }));
    await until(() => sim.getPayment(paid.payToken)?.payStatus === 'REFUND_SUCCESS');
    controller.abort();
    expect((await pending).name).toBe('AbortError');
    expect(sim.requestsTo(/refund-payment$/)[0].status).toBe(0);
  });

  it('late-commit on a refund: not refunded while held, refunded after the client gave up', async () => {
    const sim = await startSim();
    const paid = await executedPayment(sim);
    sim.failNext({ path: /refund-payment$/ }, { kind: 'late-commit', ms: 150 });
    const controller = new AbortController();
    const pending = transportError(refund(sim, paid.payToken, { signal: controller.signal }));
    await until(() => sim.requestsTo(/refund-payment$/).length === 1);
    // a read-back during the hold shows no refund yet: "not at the gateway" proves nothing before the hold ends
    expect(await status(sim, paid.payToken)).toMatchObject({ payStatus: 'PAY_COMPLETE', refundableAmount: 10_000 });
    controller.abort();
    await pending;
    await until(() => sim.getPayment(paid.payToken)?.payStatus === 'REFUND_SUCCESS');
    const refunded = await status(sim, paid.payToken);
    expect(refunded.transactions.filter((t: { stepType: string }) => t.stepType === 'REFUND')).toHaveLength(1);
    expect(sim.requestsTo(/refund-payment$/)[0].status).toBe(0);
  });

  it('late-commit on an execute answers a client that waits, once committed', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext({ path: /execute-payment$/ }, { kind: 'late-commit', ms: 30 });
    const answer = execute(sim, made.payToken);
    await until(() => sim.requestsTo(/execute-payment$/).length === 1);
    expect((await status(sim, made.payToken)).payStatus).toBe('PAY_APPROVED');
    expect((await answer).body.success).toMatchObject({ stateMsg: '결제 완료', payToken: made.payToken });
    expect((await status(sim, made.payToken)).payStatus).toBe('PAY_COMPLETE');
  });

  it('reset() drops held requests unapplied; a held fault needs a non-negative ms', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext({ path: /execute-payment$/ }, 'late-commit');
    const pending = transportError(execute(sim, made.payToken));
    await until(() => sim.requestsTo(/execute-payment$/).length === 1);
    sim.reset();
    expect((await pending).message).toBe('fetch failed');
    expect(sim.getPayment(made.payToken)).toBeUndefined();
    expect(() => sim.failNext({ path: '/' }, { kind: 'late-commit', ms: -1 })).toThrow(RangeError);
    expect(() => sim.failNext({ path: '/' }, { kind: 'hang-before-commit', ms: Number.NaN })).toThrow(RangeError);
  });
});

describe('AppsInTossSimulator windowLapsesAfterMs', () => {
  it('a payment not executed in time lapses to PAY_CANCEL on the simulator clock; an executed one never does', async () => {
    const clock = new ManualClock(new Date('2025-04-17T03:00:00Z'));
    const sim = await startSim({ clock, windowLapsesAfterMs: 10 * 60_000 });
    const abandoned = await makePayment(sim);
    const authenticated = await makePayment(sim);
    sim.authenticate(authenticated.payToken);
    const paid = await executedPayment(sim);
    clock.advance(10 * 60_000 - 1);
    expect((await status(sim, abandoned.payToken)).payStatus).toBe('PAY_STANDBY');
    clock.advance(1);
    expect((await status(sim, abandoned.payToken)).payStatus).toBe('PAY_CANCEL');
    expect(sim.getPayment(authenticated.payToken)?.payStatus).toBe('PAY_CANCEL');
    expectFail(
      await call(sim, 'execute-payment', { payToken: authenticated.payToken, isTestPayment: true }),
      400,
      'EXECUTE_PAY_NOT_APPROVED',
    );
    expect(() => sim.authenticate(abandoned.payToken)).toThrow(/PAY_CANCEL/);
    expect((await status(sim, paid.payToken)).payStatus).toBe('PAY_COMPLETE');
  });

  it('refuses a window length that is not positive', async () => {
    await expect(AppsInTossSimulator.start({ windowLapsesAfterMs: 0 })).rejects.toThrow(/windowLapsesAfterMs/);
  });
});
