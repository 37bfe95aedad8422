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
  rawCall,
  call,
  makeBody,
  makePayment,
  status,
  expectFail,
  until,
  transportError,
} from './apps-in-toss-simulator.fixtures';

// The simulator's transport: mTLS and the envelope and header rules every endpoint shares
// (docs/gateways/apps-in-toss.md#testing-with-the-simulator). Fault injection is in apps-in-toss-simulator-faults.spec.ts.

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
