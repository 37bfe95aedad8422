import { X509Certificate } from 'node:crypto';
import {
  APPS_IN_TOSS_PAY_PATH,
  AppsInTossSimulator,
  type TestPki,
  createTestPki,
} from '../../../libs/testing/src/apps-in-toss';
import {
  closeSimulatorsAfterEach,
  testPki,
  track,
  startSim,
  agent,
  type CallOptions,
  rawCall,
  call,
  makeBody,
  makePayment,
  executedPayment,
  status,
  expectFail,
  until,
  transportError,
} from './apps-in-toss-simulator.fixtures';

// The simulator's transport: mTLS, the envelope and header rules every endpoint shares, and fault injection
// (docs/gateways/apps-in-toss.md#testing-with-the-simulator).

closeSimulatorsAfterEach();

let pki: TestPki;
let foreignPki: TestPki;

beforeAll(async () => {
  [pki, foreignPki] = await Promise.all([testPki(), createTestPki({ caName: 'some other CA' })]);
});

describe('AppsInTossSimulator mTLS', () => {
  it('refuses a client without a certificate at the TLS layer; nothing reaches HTTP', async () => {
    const sim = await startSim();
    const error = await transportError(
      call(sim, 'make-payment', makeBody(), { dispatcher: agent({ ca: pki.caCert }) }),
    );
    expect(error.message).toBe('fetch failed');
    expect(error.cause?.code).toMatch(/^(UND_ERR_SOCKET|ECONNRESET|ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED|EPIPE)$/);
    await until(() => sim.handshakes.rejected === 1);
    expect(sim.handshakes).toEqual({ verified: 0, rejected: 1, unverified: 0 });
    expect(sim.requests).toHaveLength(0);
  });

  it('refuses a client certificate signed by another CA', async () => {
    const sim = await startSim();
    const error = await transportError(
      call(sim, 'make-payment', makeBody(), {
        dispatcher: agent({ ca: pki.caCert, cert: foreignPki.clientCert, key: foreignPki.clientKey }),
      }),
    );
    expect(error.message).toBe('fetch failed');
    await until(() => sim.handshakes.rejected === 1);
    expect(sim.handshakes.verified).toBe(0);
    expect(sim.requests).toHaveLength(0);
  });

  it('accepts the CA-signed client certificate and records it on every request', async () => {
    const sim = await startSim();
    const made = await makePayment(sim);
    await status(sim, made.payToken);
    expect(sim.handshakes.verified).toBeGreaterThanOrEqual(1);
    expect(sim.handshakes.rejected).toBe(0);
    const expectedFingerprint = new X509Certificate(pki.clientCert).fingerprint256;
    expect(sim.requests.map((r) => r.clientCertificate)).toEqual([
      { subjectCN: 'apps-in-toss-test-client', fingerprint256: expectedFingerprint, authorized: true },
      { subjectCN: 'apps-in-toss-test-client', fingerprint256: expectedFingerprint, authorized: true },
    ]);
  });

  it('accepts a second certificate from the same CA (rotation) and tells them apart', async () => {
    const sim = await startSim();
    const rotated = await pki.issueClientCertificate('rotated-client-2026');
    await makePayment(sim, {}, { dispatcher: agent({ ca: pki.caCert, cert: rotated.cert, key: rotated.key }) });
    expect(sim.requests[0].clientCertificate).toEqual({
      subjectCN: 'rotated-client-2026',
      fingerprint256: new X509Certificate(rotated.cert).fingerprint256,
      authorized: true,
    });
    expect(rotated.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('generates its own PKI when none is given; the server certificate names 127.0.0.1 and localhost', async () => {
    const sim = await AppsInTossSimulator.start();
    track(sim);
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.pki.caCert).not.toBe(pki.caCert);
    const server = new X509Certificate(sim.pki.serverCert);
    expect(server.checkIssued(new X509Certificate(sim.pki.caCert))).toBe(true);
    expect(server.subjectAltName).toBe('IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost');
    await makePayment(sim);
    expect(sim.handshakes.verified).toBe(1);
  });

  it('with requireClientCertificate: false lets an anonymous client through and records no certificate', async () => {
    const sim = await startSim({ requireClientCertificate: false });
    await makePayment(sim, {}, { dispatcher: agent({ ca: pki.caCert }) });
    expect(sim.requests[0].clientCertificate).toBeNull();
    expect(sim.handshakes).toEqual({ verified: 0, rejected: 0, unverified: 1 });
  });

  it('a client that does not trust the test CA refuses the server', async () => {
    const sim = await startSim();
    const error = await transportError(
      call(sim, 'make-payment', makeBody(), { dispatcher: agent({ cert: pki.clientCert, key: pki.clientKey }) }),
    );
    expect(error.cause?.code).toMatch(
      /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/,
    );
    expect(sim.requests).toHaveLength(0);
  });
});

// ---- envelope and common rules ----------------------------------------------------------------------------------

// ---- envelope and common rules ----------------------------------------------------------------------------------

describe('AppsInTossSimulator envelope and headers', () => {
  it.each(['make-payment', 'execute-payment', 'refund-payment', 'get-payment-status'] as const)(
    '%s without x-toss-user-key → 400 FAIL INVALID_PARAMETER',
    async (endpoint) => {
      const sim = await startSim();
      const result = await call(sim, endpoint, makeBody(), { userKey: null });
      expectFail(result, 400, 'INVALID_PARAMETER');
      expect(result.body.error.reason).toContain('x-toss-user-key');
      expect(result.contentType).toBe('application/json; charset=utf-8');
    },
  );

  it('reads the header case-insensitively (X-Toss-User-Key as in the reference cURL) and records it', async () => {
    const sim = await startSim();
    const made = await call(sim, 'make-payment', makeBody(), {
      userKey: null,
      headers: { 'X-Toss-User-Key': '4200000000001' },
    });
    expect(made.status).toBe(200);
    expect(sim.requests[0].headers['x-toss-user-key']).toBe('4200000000001');
    expect(sim.getPayment(made.body.success.payToken)?.userKey).toBe('4200000000001');
  });

  it('a blank user key counts as missing', async () => {
    const sim = await startSim();
    expectFail(await call(sim, 'make-payment', makeBody(), { userKey: '   ' }), 400, 'INVALID_PARAMETER');
  });

  it('non-JSON and non-object bodies → 400 INVALID_PARAMETER', async () => {
    const sim = await startSim();
    expectFail(await call(sim, 'make-payment', undefined, { rawBody: 'orderNo=1' }), 400, 'INVALID_PARAMETER');
    expectFail(await call(sim, 'make-payment', [makeBody()]), 400, 'INVALID_PARAMETER');
    expect(sim.requests[0].body).toBe('orderNo=1');
  });

  it('a JSON body without Content-Type: application/json → 400 INVALID_PARAMETER, nothing created', async () => {
    const sim = await startSim();
    const body = makeBody();
    expectFail(
      await call(sim, 'make-payment', body, { headers: { 'content-type': 'text/plain' } }),
      400,
      'INVALID_PARAMETER',
    );
    expect(
      (await call(sim, 'make-payment', body, { headers: { 'content-type': 'application/json; charset=utf-8' } }))
        .status,
    ).toBe(200);
  });

  it('unknown paths and other methods → 404 FAIL NOT_FOUND', async () => {
    const sim = await startSim();
    expectFail(await rawCall(sim, `${APPS_IN_TOSS_PAY_PATH}/cancel-payment`, {}), 404, 'NOT_FOUND');
    expectFail(await rawCall(sim, '/v1/payments/confirm', {}), 404, 'NOT_FOUND');
    expectFail(
      await rawCall(sim, `${APPS_IN_TOSS_PAY_PATH}/make-payment`, undefined, { method: 'GET' }),
      404,
      'NOT_FOUND',
    );
  });

  it('merchantKeyConfigured: false → every pay call answers 400 FAIL COMMON_INVALID_API_KEY', async () => {
    const sim = await startSim({ merchantKeyConfigured: false });
    expectFail(await call(sim, 'make-payment', makeBody()), 400, 'COMMON_INVALID_API_KEY');
    expectFail(
      await call(sim, 'execute-payment', { payToken: 'x', isTestPayment: true }),
      400,
      'COMMON_INVALID_API_KEY',
    );
    expectFail(
      await call(sim, 'refund-payment', { payToken: 'x', reason: '취소', isTestPayment: true }),
      400,
      'COMMON_INVALID_API_KEY',
    );
    expectFail(
      await call(sim, 'get-payment-status', { payToken: 'x', isTestPayment: true }),
      400,
      'COMMON_INVALID_API_KEY',
    );
  });
});

// ---- make-payment -------------------------------------------------------------------------------------------------

// ---- faults -----------------------------------------------------------------------------------------------------

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
