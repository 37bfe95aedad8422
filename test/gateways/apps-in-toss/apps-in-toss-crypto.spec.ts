import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { createTestPki, type TestPki } from '../../../libs/testing/src/apps-in-toss';
import { InvalidInputError, PaymentsConfigurationError } from '../../../libs/payments/src/domain/errors';
import {
  credentialProblems,
  loadAppsInTossCredentials,
  loadPemSource,
} from '../../../libs/payments/src/gateways/apps-in-toss/apps-in-toss.crypto';
import { AppsInTossGatewayModule } from '../../../libs/payments/src/gateways/apps-in-toss/apps-in-toss.module';
import { AppsInTossGatewayOptions } from '../../../libs/payments/src/gateways/apps-in-toss/apps-in-toss.types';
import { SHIPPED_GATEWAY_MODULES } from '../../../libs/payments/src/gateways/shipped-gateways';
import { resolvePaymentsOptions } from '../../../libs/payments/src/payments.options';

/** The console hands out a certificate file and a key file; deployments pass PEMs or paths (docs/gateways/apps-in-toss.md#certificate-forms). */
describe('Apps-in-Toss credential loading (apps-in-toss.crypto)', () => {
  let pki: TestPki;
  let other: { cert: string; key: string };
  let dir: string;

  beforeAll(async () => {
    pki = await createTestPki();
    other = await pki.issueClientCertificate('other-client');
    dir = mkdtempSync(join(tmpdir(), 'ait-crypto-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The body of a PEM without its armour: if any of it shows up in a message, key material leaked. */
  const keyBody = (pem: string) =>
    pem
      .replace(/-----[A-Z ]+-----/g, '')
      .replace(/\s+/g, '')
      .slice(10, 60);

  const expectInvalid = (fn: () => unknown, field: string, pattern: RegExp) => {
    let caught: unknown;
    try {
      fn();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    expect((caught as InvalidInputError).field).toBe(field);
    expect((caught as InvalidInputError).message).toMatch(pattern);
    expect((caught as InvalidInputError).message).not.toContain(keyBody(pki.clientKey));
    expect((caught as InvalidInputError).message).not.toContain(keyBody(other.key));
  };

  it('loads PEM strings: fingerprint of the leaf, key re-exported as PKCS#8, no ca unless given', () => {
    const loaded = loadAppsInTossCredentials({ tlsCert: pki.clientCert, tlsKey: pki.clientKey });
    const x509 = new X509Certificate(pki.clientCert);
    expect(loaded.fingerprint256).toBe(x509.fingerprint256);
    expect(loaded.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(loaded.subject).toContain('CN=apps-in-toss-test-client');
    expect(loaded.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(createPrivateKey(loaded.key).asymmetricKeyType).toBe('ec');
    expect(new X509Certificate(loaded.cert).fingerprint256).toBe(x509.fingerprint256);
    expect(loaded.ca).toBeUndefined();
    expect(loaded.validTo.getTime()).toBeGreaterThan(Date.now());
  });

  it('accepts `\\n`-escaped one-line env values, CRLF, a BOM and surrounding quotes', () => {
    const reference = loadAppsInTossCredentials({ tlsCert: pki.clientCert, tlsKey: pki.clientKey, ca: pki.caCert });
    const escaped = (pem: string) => pem.trim().replace(/\n/g, '\\n');
    expect(escaped(pki.clientKey)).not.toContain('\n');
    const fromEnv = loadAppsInTossCredentials({
      tlsCert: escaped(pki.clientCert),
      tlsKey: `"${escaped(pki.clientKey)}"`,
      ca: `\uFEFF${pki.caCert.replace(/\n/g, '\r\n')}`,
    });
    expect(fromEnv.fingerprint256).toBe(reference.fingerprint256);
    expect(fromEnv.key).toBe(reference.key);
    expect(fromEnv.ca).toBe(reference.ca);
    // `\r\n` escapes too (Windows-made env files)
    expect(loadPemSource(pki.clientCert.trim().replace(/\n/g, '\\r\\n'), 'tlsCert')).toBe(pki.clientCert.trim());
  });

  it('reads file paths, PEM or DER', () => {
    const certPath = join(dir, 'client_public.crt');
    const keyPath = join(dir, 'client_private.key');
    const caPath = join(dir, 'ca.pem');
    writeFileSync(certPath, pki.clientCert);
    writeFileSync(keyPath, pki.clientKey);
    writeFileSync(caPath, pki.caCert);
    const fromFiles = loadAppsInTossCredentials({ tlsCert: certPath, tlsKey: keyPath, ca: caPath });
    expect(fromFiles.fingerprint256).toBe(new X509Certificate(pki.clientCert).fingerprint256);
    expect(fromFiles.ca).toContain('-----BEGIN CERTIFICATE-----');

    const derCert = join(dir, 'client.der');
    const derKey = join(dir, 'client-key.der');
    writeFileSync(derCert, new X509Certificate(pki.clientCert).raw);
    writeFileSync(derKey, createPrivateKey(pki.clientKey).export({ type: 'pkcs8', format: 'der' }));
    const fromDer = loadAppsInTossCredentials({ tlsCert: derCert, tlsKey: derKey });
    expect(fromDer.fingerprint256).toBe(fromFiles.fingerprint256);
    expect(fromDer.key).toBe(fromFiles.key);
  });

  it('refuses garbage, naming the field and never quoting the value', () => {
    expectInvalid(() => loadAppsInTossCredentials({ tlsCert: '', tlsKey: pki.clientKey }), 'tlsCert', /is required/);
    expectInvalid(
      () => loadAppsInTossCredentials({ tlsCert: 'certificate-goes-here', tlsKey: pki.clientKey }),
      'tlsCert',
      /neither PEM text .* nor a readable file/,
    );
    expectInvalid(
      () => loadAppsInTossCredentials({ tlsCert: pki.clientCert, tlsKey: join(dir, 'missing.key') }),
      'tlsKey',
      /nor a readable file/,
    );
    // a key pasted without its armour is not treated as a path either, and not echoed
    expectInvalid(
      () => loadAppsInTossCredentials({ tlsCert: pki.clientCert, tlsKey: keyBody(pki.clientKey).repeat(200) }),
      'tlsKey',
      /neither PEM text/,
    );
    expectInvalid(
      () => loadAppsInTossCredentials({ tlsCert: pki.clientKey, tlsKey: pki.clientKey }),
      'tlsCert',
      /must be a PEM certificate \(found PRIVATE KEY\)/,
    );
    expectInvalid(
      () =>
        loadAppsInTossCredentials({
          tlsCert: '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n',
          tlsKey: pki.clientKey,
        }),
      'tlsCert',
      /not a readable X\.509 certificate/,
    );
    expectInvalid(
      () =>
        loadAppsInTossCredentials({
          tlsCert: pki.clientCert,
          tlsKey: '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n',
        }),
      'tlsKey',
      /not a readable private key/,
    );
    expectInvalid(
      () => loadAppsInTossCredentials({ tlsCert: pki.clientCert, tlsKey: pki.clientCert }),
      'tlsKey',
      /must be a PEM private key \(found CERTIFICATE\)/,
    );
    expectInvalid(
      () => loadAppsInTossCredentials({ tlsCert: pki.clientCert, tlsKey: pki.clientKey, ca: pki.clientKey }),
      'ca',
      /PEM certificates only/,
    );
  });

  it('refuses a key that does not belong to the certificate', () => {
    expectInvalid(
      () => loadAppsInTossCredentials({ tlsCert: pki.clientCert, tlsKey: other.key }),
      'tlsKey',
      /does not match the certificate in tlsCert/,
    );
  });

  it('refuses an encrypted key and an expired certificate', () => {
    const encrypted = createPrivateKey(pki.clientKey)
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' })
      .toString();
    expectInvalid(
      () => loadAppsInTossCredentials({ tlsCert: pki.clientCert, tlsKey: encrypted }),
      'tlsKey',
      /encrypted private key/,
    );
    const validTo = new X509Certificate(pki.clientCert).validTo;
    const afterExpiry = new Date(new Date(validTo).getTime() + 1_000);
    expectInvalid(
      () => loadAppsInTossCredentials({ tlsCert: pki.clientCert, tlsKey: pki.clientKey }, afterExpiry),
      'tlsCert',
      /expired at \d{4}-\d{2}-\d{2}T/,
    );
  });

  it('credentialProblems turns a failure into one `gateways.appsInToss.<field>: …` line', () => {
    expect(credentialProblems({ tlsCert: pki.clientCert, tlsKey: pki.clientKey }, 'gateways.appsInToss')).toEqual([]);
    const problems = credentialProblems({ tlsCert: pki.clientCert, tlsKey: other.key }, 'gateways.appsInToss');
    expect(problems).toEqual([
      'gateways.appsInToss.tlsKey: does not match the certificate in tlsCert (different key pair)',
    ]);
  });

  describe('boot validation (AppsInTossGatewayModule.validateOptions + the options DTO)', () => {
    const block = (extra: Record<string, unknown> = {}) => ({
      tlsCert: pki.clientCert,
      tlsKey: pki.clientKey,
      ca: pki.caCert,
      payBaseUrl: 'https://127.0.0.1:8443',
      testPayment: true,
      ...extra,
    });
    // The block as untyped configuration (env, JSON) delivers it: the boot checks must hold without the compiler.
    const boot = (gatewayBlock: Record<string, unknown>) =>
      resolvePaymentsOptions(
        {
          gateways: { appsInToss: gatewayBlock as unknown as AppsInTossGatewayOptions },
          encryption: { keys: { k1: Buffer.alloc(32, 1).toString('base64') }, activeKeyId: 'k1' },
        },
        SHIPPED_GATEWAY_MODULES,
      );
    const bootProblems = (gatewayBlock: Record<string, unknown>): string[] => {
      try {
        boot(gatewayBlock);
        return [];
      } catch (error) {
        expect(error).toBeInstanceOf(PaymentsConfigurationError);
        expect((error as Error).message).not.toContain(keyBody(pki.clientKey));
        expect((error as Error).message).not.toContain(keyBody(other.key));
        return (error as PaymentsConfigurationError).problems;
      }
    };

    it('a good block passes both layers and is registered under appsInToss', () => {
      const options = plainToInstance(AppsInTossGatewayOptions, block());
      expect(validateSync(options, { whitelist: true, forbidNonWhitelisted: true })).toEqual([]);
      expect(AppsInTossGatewayModule.validateOptions(options)).toEqual([]);
      expect(SHIPPED_GATEWAY_MODULES.find((module) => module.gatewayName === 'appsInToss')).toBe(
        AppsInTossGatewayModule,
      );
      expect(Object.keys(boot(block()).gateways)).toEqual(['appsInToss']);
    });

    it('names the field for a missing certificate, a mismatched key, a missing testPayment, http, unknown keys', () => {
      expect(bootProblems(block({ tlsCert: undefined })).join('\n')).toMatch(/gateways\.appsInToss\.tlsCert: /);
      expect(bootProblems(block({ tlsKey: other.key }))).toEqual([
        'gateways.appsInToss.tlsKey: does not match the certificate in tlsCert (different key pair)',
      ]);
      expect(bootProblems(block({ tlsKey: 'garbage' }))).toEqual([
        'gateways.appsInToss.tlsKey: is neither PEM text (-----BEGIN ...) nor a readable file',
      ]);
      expect(bootProblems(block({ testPayment: undefined })).join('\n')).toMatch(
        /gateways\.appsInToss\.testPayment: .*no default/,
      );
      expect(bootProblems(block({ testPayment: 'true' })).join('\n')).toMatch(/gateways\.appsInToss\.testPayment: /);
      expect(bootProblems(block({ payBaseUrl: 'http://127.0.0.1:8080' })).join('\n')).toMatch(
        /gateways\.appsInToss\.payBaseUrl: /,
      );
      expect(bootProblems(block({ apiKey: 'x' })).join('\n')).toMatch(/gateways\.appsInToss\.apiKey: /);
    });
  });
});
