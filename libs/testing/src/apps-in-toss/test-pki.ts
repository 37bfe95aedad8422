import 'reflect-metadata'; // @peculiar/x509 uses tsyringe, which needs the Reflect metadata API loaded first
import { webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';
import { loadOptionalPeer } from '../common/optional-peer';

/**
 * A throw-away PKI for mTLS tests (docs/gateways/apps-in-toss.md#authentication): a CA, a server certificate for
 * 127.0.0.1/localhost and client certificates, all signed by that CA. In production the client certificate comes from the
 * Apps-in-Toss console and the server chains to a public CA; in tests both ends trust only this CA, so a client
 * that forgets its certificate (or brings one from another CA) fails at the TLS layer exactly as it would at Toss.
 *
 * All values are PEM strings; private keys are PKCS#8 (`-----BEGIN PRIVATE KEY-----`), the format the console
 * hands out and Node's `tls` accepts.
 */
export interface TestPki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A further client certificate signed by the same CA (e.g. the "next" certificate of a rotation). */
  issueClientCertificate(commonName: string): Promise<{ cert: string; key: string }>;
}

// ECDSA P-256: key generation takes milliseconds, where RSA-2048 would take far longer per certificate.
const KEY_ALGORITHM: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING_ALGORITHM: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const DAY_MS = 24 * 60 * 60 * 1000;

let loaded: Promise<typeof X509> | undefined;

/**
 * @peculiar/x509 is an optional peer, loaded on the first PKI: the testing kit (and the Toss, NicePay and KISPG
 * simulators) must load without it. It takes its WebCrypto implementation from a global registry; Node's webcrypto
 * is all it needs, installed once with the module.
 */
function loadX509(): Promise<typeof X509> {
  loaded ??= loadOptionalPeer(
    '@peculiar/x509',
    '^1.14.3',
    'createTestPki (the Apps-in-Toss mTLS simulator)',
    () => import('@peculiar/x509'),
  ).then((x509) => {
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  });
  // A failed load is not cached: installing the package and calling again works in the same process.
  loaded.catch(() => (loaded = undefined));
  return loaded;
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  // extractable: the private key is exported as PKCS#8 PEM for Node's tls options.
  return await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
}

async function privateKeyPem(x509: typeof X509, key: webcrypto.CryptoKey): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

/** A random positive serial (the high bit cleared so DER never needs a sign byte). */
function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01;
  return Buffer.from(bytes).toString('hex');
}

/** Backdated by a day so a test machine with a slightly slow clock still sees the certificates as valid. */
function validity(): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - DAY_MS), notAfter: new Date(now + 365 * DAY_MS) };
}

interface Issuer {
  name: string;
  cert: X509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
}

async function issueLeaf(
  x509: typeof X509,
  issuer: Issuer,
  subject: string,
  usage: X509.ExtendedKeyUsage,
  subjectAltNames: X509.JsonGeneralName[] = [],
): Promise<{ cert: string; key: string }> {
  const keys = await generateKeys();
  const extensions: X509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
    new x509.ExtendedKeyUsageExtension([usage]),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(issuer.cert),
  ];
  if (subjectAltNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(subjectAltNames));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject,
    issuer: issuer.name,
    ...validity(),
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    extensions,
  });
  return { cert: cert.toString('pem'), key: await privateKeyPem(x509, keys.privateKey) };
}

/** Distinguished names may not carry `,`, `=`, `+` etc. unescaped; test names are kept to a safe charset. */
function commonNameDn(commonName: string): string {
  if (!/^[A-Za-z0-9 ._:@-]{1,64}$/.test(commonName)) {
    throw new Error(
      `createTestPki: commonName must be 1-64 chars of letters, digits, space and ._:@- (got ${JSON.stringify(commonName)})`,
    );
  }
  return `CN=${commonName}`;
}

/**
 * Generates a fresh CA, a server certificate (SAN IP 127.0.0.1, ::1 and DNS localhost) and one client
 * certificate (CN `apps-in-toss-test-client`). Each call makes an independent CA, so two calls give two PKIs
 * whose certificates do not trust each other (useful for "certificate from another CA" tests).
 */
export async function createTestPki(options: { caName?: string } = {}): Promise<TestPki> {
  const x509 = await loadX509();
  const caName = commonNameDn(options.caName ?? 'nestjs-kr-payments test CA');
  const caKeys = await generateKeys();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: caName,
    ...validity(),
    signingAlgorithm: SIGNING_ALGORITHM,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const issuer: Issuer = { name: caName, cert: caCert, keys: caKeys };

  const server = await issueLeaf(x509, issuer, 'CN=localhost', x509.ExtendedKeyUsage.serverAuth, [
    { type: 'ip', value: '127.0.0.1' },
    { type: 'ip', value: '::1' },
    { type: 'dns', value: 'localhost' },
  ]);
  const client = await issueLeaf(
    x509,
    issuer,
    commonNameDn('apps-in-toss-test-client'),
    x509.ExtendedKeyUsage.clientAuth,
  );

  return {
    caCert: caCert.toString('pem'),
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    issueClientCertificate: (commonName: string) =>
      issueLeaf(x509, issuer, commonNameDn(commonName), x509.ExtendedKeyUsage.clientAuth),
  };
}
