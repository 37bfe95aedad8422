import { X509Certificate } from 'node:crypto';
import { AppsInTossSimulator, createTestPki, type TestPki } from '../../../libs/testing/src/apps-in-toss';
import { GatewayUnavailableError, InvalidInputError } from '../../../libs/payments/src/domain/errors';
import type { AppsInTossGateway } from '../../../libs/payments/src/gateways/apps-in-toss/apps-in-toss.gateway';
import { GatewayHttpClient } from '../../../libs/payments/src/gateways/http/gateway-http-client';
import { adapterAgainstSimulator, PAY, USER_KEY } from './apps-in-toss-adapter.fixtures';

/**
 * The adapter's client certificate against the simulator (docs/gateways/apps-in-toss.md#authentication): the
 * simulator refuses anything but a certificate from its CA at the TLS layer, the certificate can be rotated without a
 * restart, and the private key never leaks.
 */
describe('AppsInTossGateway client certificate against the simulator (mTLS)', () => {
  let pki: TestPki;
  let sim: AppsInTossSimulator;
  let gateway: AppsInTossGateway;
  const adapter = adapterAgainstSimulator();
  const { logger, createGateway, nextOrderId, preparedAndAuthenticated } = adapter;

  beforeAll(async () => {
    ({ pki, sim, gateway } = await adapter.start());
  });

  afterAll(() => adapter.stop());

  it('a client without the certificate, or with one from another CA, fails at TLS and reaches no endpoint', async () => {
    const before = { ...sim.handshakes, requests: sim.requests.length };
    const bare = new GatewayHttpClient({
      gateway: 'appsInToss',
      baseUrl: sim.url,
      logger,
      timeouts: { connectMs: 2_000, readMs: 2_000 },
    });
    const noCertError = await bare
      .request({
        operation: 'make-payment',
        method: 'POST',
        path: `${PAY}/make-payment`,
        headers: { 'x-toss-user-key': USER_KEY },
        json: {},
      })
      .catch((e: unknown) => e);
    await bare.close();
    // (without `ca` the server certificate is rejected first; with it, the server rejects the missing client cert)
    expect(noCertError).toBeInstanceOf(GatewayUnavailableError);

    const foreign = await (await createTestPki({ caName: 'another CA' })).issueClientCertificate('intruder');
    const foreignGateway = createGateway(sim.url, foreign);
    const foreignError = await foreignGateway
      .prepare({
        paymentId: 'p',
        orderId: nextOrderId(),
        amount: 1_000,
        taxFreeAmount: 0,
        orderName: 'x',
        customer: { customerKey: USER_KEY },
      })
      .catch((e: unknown) => e);
    await foreignGateway.close();
    expect(foreignError).toBeInstanceOf(GatewayUnavailableError);
    // TLS 1.2 with a certificate: the refusal happens in the handshake, so provably nothing was sent
    expect((foreignError as GatewayUnavailableError).requestSent).toBe(false);
    expect(sim.handshakes.rejected).toBeGreaterThan(before.rejected);
    expect(sim.requests.length).toBe(before.requests);

    const withCa = new GatewayHttpClient({
      gateway: 'appsInToss',
      baseUrl: sim.url,
      logger,
      timeouts: { connectMs: 2_000, readMs: 2_000 },
      tls: { cert: foreign.cert, key: foreign.key, ca: pki.caCert },
    });
    await expect(
      withCa.request({ operation: 'x', method: 'POST', path: `${PAY}/get-payment-status`, json: {} }),
    ).rejects.toBeInstanceOf(GatewayUnavailableError);
    await withCa.close();
    expect(sim.requests.length).toBe(before.requests);
  });

  it('rotateCertificate swaps the certificate without a restart; a bad set throws and keeps the old one', async () => {
    const rotating = createGateway(sim.url, { cert: pki.clientCert, key: pki.clientKey });
    const next = await pki.issueClientCertificate('apps-in-toss-next');
    const other = await pki.issueClientCertificate('apps-in-toss-other');
    const oldFingerprint = new X509Certificate(pki.clientCert).fingerprint256;
    const newFingerprint = new X509Certificate(next.cert).fingerprint256;
    const rejectedBefore = sim.handshakes.rejected;
    const lookupFor = async () => {
      const orderId = nextOrderId();
      await rotating.prepare({
        paymentId: 'p',
        orderId,
        amount: 1_000,
        taxFreeAmount: 0,
        orderName: 'rotation',
        customer: { customerKey: USER_KEY },
      });
      return sim.requestsTo(`${PAY}/make-payment`).at(-1)!;
    };
    try {
      expect((await lookupFor()).clientCertificate?.fingerprint256).toBe(oldFingerprint);

      // a mismatched pair is refused before anything changes
      expect(() => rotating.rotateCertificate({ tlsCert: next.cert, tlsKey: other.key })).toThrow(InvalidInputError);
      expect(() => rotating.rotateCertificate({ tlsCert: 'garbage', tlsKey: next.key })).toThrow(
        expect.objectContaining({ field: 'tlsCert' }),
      );
      expect(rotating.certificate().fingerprint256).toBe(oldFingerprint);
      expect((await lookupFor()).clientCertificate?.fingerprint256).toBe(oldFingerprint);

      // escaped env form, ca kept from the boot options
      const info = rotating.rotateCertificate({
        tlsCert: next.cert.replace(/\n/g, '\\n'),
        tlsKey: next.key.replace(/\n/g, '\\n'),
      });
      expect(info).toMatchObject({ fingerprint256: newFingerprint });
      expect(info.subject).toContain('apps-in-toss-next');
      const after = await lookupFor();
      expect(after.clientCertificate).toMatchObject({
        fingerprint256: newFingerprint,
        subjectCN: 'apps-in-toss-next',
        authorized: true,
      });
      expect(sim.handshakes.rejected).toBe(rejectedBefore);
    } finally {
      await rotating.close();
    }
  });

  it('the private key never reaches a log line (bodies logged) or raw', async () => {
    const keyBody = pki.clientKey.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    const { orderId, prepared: stored } = await preparedAndAuthenticated(2_000);
    const truth = await gateway.approve({ prepared: stored, input: { orderId, amount: 2_000 }, idempotencyKey: 'k' });
    const logs = logger.lines.join('\n');
    expect(logs).toContain('execute-payment'); // bodies were logged
    for (const chunk of [keyBody.slice(0, 40), keyBody.slice(40, 80), 'PRIVATE KEY']) {
      expect(logs).not.toContain(chunk);
      expect(JSON.stringify(truth.raw)).not.toContain(chunk);
    }
  });
});
