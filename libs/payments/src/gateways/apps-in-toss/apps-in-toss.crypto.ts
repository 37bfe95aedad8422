import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { InvalidInputError } from '../../domain/errors';

/**
 * Loading and checking the mTLS credentials of Apps-in-Toss: the console issues a certificate file and a key file per
 * app, as PEM; the key is PKCS#8 in the official examples (docs/gateways/apps-in-toss.md#certificate-forms). Accepted
 * forms for each value:
 * - PEM text;
 * - PEM text whose newlines arrived as literal `\n` escapes (a PEM stored in a one-line env var);
 * - a path to a PEM or DER file.
 * Every problem is an `InvalidInputError` naming the field (`tlsCert`, `tlsKey`, `ca`); messages never quote the
 * value, because a misplaced value may be key material.
 */

/** The three option values that make up one credential set (as configured, before loading). */
export interface AppsInTossCertificateSet {
  tlsCert: string;
  tlsKey: string;
  /** Absent: the public CA store verifies the server (Toss's server certificate chains to a public CA). */
  ca?: string;
}

export type AppsInTossCredentialField = 'tlsCert' | 'tlsKey' | 'ca';

/** A loaded, verified credential set: normalised PEMs ready for the TLS layer, plus facts about the certificate. */
export interface AppsInTossCredentials {
  /** The certificate chain as PEM (leaf first). */
  cert: string;
  /** The private key re-exported as PKCS#8 PEM. */
  key: string;
  ca?: string;
  /** SHA-256 fingerprint of the leaf, `AB:CD:...` (the format of Node's `getPeerCertificate().fingerprint256`). */
  fingerprint256: string;
  subject: string;
  issuer: string;
  serialNumber: string;
  validFrom: Date;
  validTo: Date;
}

/** Public facts about the certificate in use (safe to log and to show on an admin page). */
export type AppsInTossCertificateInfo = Omit<AppsInTossCredentials, 'cert' | 'key' | 'ca'>;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
/** A path longer than this, or with a line break, is not a path: never stat() key material. */
const MAX_PATH_LENGTH = 4096;

/**
 * The PEM text of one option value. `\n`/`\r\n` escapes become newlines (a PEM never contains a backslash), a UTF-8
 * BOM, surrounding whitespace and one pair of surrounding quotes (left by some .env loaders) are dropped. A value
 * without `-----BEGIN` is read as a file path; a DER file is converted to PEM.
 */
export function loadPemSource(value: unknown, field: AppsInTossCredentialField): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new InvalidInputError(field, 'is required: PEM text, PEM with \\n escapes, or a file path');
  }
  const text = unquote(value.replace(/^\uFEFF/, '').trim());
  if (text.includes('-----BEGIN')) return normalizePemText(text);

  if (text.length > MAX_PATH_LENGTH || /[\r\n]/.test(text) || text.includes('\\n')) {
    throw new InvalidInputError(field, 'is neither PEM text (-----BEGIN ...) nor a file path');
  }
  let content: Buffer;
  try {
    if (!statSync(text).isFile()) throw new Error('not a file');
    content = readFileSync(text);
  } catch {
    throw new InvalidInputError(field, 'is neither PEM text (-----BEGIN ...) nor a readable file');
  }
  const asText = content.toString('utf8');
  if (asText.includes('-----BEGIN')) return normalizePemText(asText.replace(/^\uFEFF/, '').trim());
  return derToPem(content, field);
}

/**
 * Loads and checks one credential set: the certificate parses (X.509), the key parses, the key belongs to the
 * certificate (`X509Certificate.checkPrivateKey`), the certificate has not expired, and `ca` holds certificates only.
 */
export function loadAppsInTossCredentials(
  set: AppsInTossCertificateSet,
  now: Date = new Date(),
): AppsInTossCredentials {
  const certPem = loadPemSource(set?.tlsCert, 'tlsCert');
  const certBlocks = pemBlocks(certPem);
  const certificates = certBlocks.filter((block) => block.label === 'CERTIFICATE');
  if (certificates.length === 0) {
    const found = certBlocks.map((block) => block.label).join(', ') || 'no PEM block';
    throw new InvalidInputError('tlsCert', `must be a PEM certificate (found ${found})`);
  }
  const chain = certificates.map((block, index) => parseCertificate(block.pem, 'tlsCert', index));
  const leaf = chain[0];

  const keyPem = loadPemSource(set?.tlsKey, 'tlsKey');
  const keyBlocks = pemBlocks(keyPem);
  if (keyBlocks.some((block) => block.label === 'ENCRYPTED PRIVATE KEY') || /Proc-Type:\s*4,ENCRYPTED/.test(keyPem)) {
    throw new InvalidInputError(
      'tlsKey',
      'is an encrypted private key; provide the unencrypted key (stored as a secret)',
    );
  }
  const keyBlock = keyBlocks.find((block) => /PRIVATE KEY$/.test(block.label));
  if (!keyBlock) {
    const found = keyBlocks.map((block) => block.label).join(', ') || 'no PEM block';
    throw new InvalidInputError('tlsKey', `must be a PEM private key (found ${found})`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keyBlock.pem);
  } catch {
    throw new InvalidInputError('tlsKey', 'is not a readable private key');
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new InvalidInputError('tlsKey', 'does not match the certificate in tlsCert (different key pair)');
  }
  const validTo = new Date(leaf.validTo);
  if (!Number.isNaN(validTo.getTime()) && validTo.getTime() <= now.getTime()) {
    // Toss refuses an expired client certificate at the handshake: every call would fail.
    throw new InvalidInputError(
      'tlsCert',
      `expired at ${validTo.toISOString()}; re-issue it in the Apps-in-Toss console`,
    );
  }

  const ca = set?.ca !== undefined && set.ca !== null ? loadCaCertificates(set.ca) : undefined;

  return {
    cert: certificates.map((block) => block.pem).join('\n') + '\n',
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    ca,
    fingerprint256: leaf.fingerprint256,
    subject: leaf.subject,
    issuer: leaf.issuer,
    serialNumber: leaf.serialNumber,
    validFrom: new Date(leaf.validFrom),
    validTo,
  };
}

/** Extra trust anchors for the server: PEM certificates only, each readable. */
function loadCaCertificates(value: string): string {
  const caBlocks = pemBlocks(loadPemSource(value, 'ca'));
  if (caBlocks.length === 0 || caBlocks.some((block) => block.label !== 'CERTIFICATE')) {
    throw new InvalidInputError('ca', 'must contain PEM certificates only');
  }
  caBlocks.forEach((block, index) => parseCertificate(block.pem, 'ca', index));
  return caBlocks.map((block) => block.pem).join('\n') + '\n';
}

/** The same checks as `loadAppsInTossCredentials`, as boot problems (`gateways.appsInToss.<field>: <problem>`). */
export function credentialProblems(set: AppsInTossCertificateSet, prefix: string, now: Date = new Date()): string[] {
  try {
    loadAppsInTossCredentials(set, now);
    return [];
  } catch (error) {
    if (error instanceof InvalidInputError) return [`${prefix}.${error.message}`];
    return [`${prefix}: the client certificate could not be loaded`];
  }
}

export function certificateInfo(credentials: AppsInTossCredentials): AppsInTossCertificateInfo {
  const { cert: _cert, key: _key, ca: _ca, ...info } = credentials;
  return info;
}

interface PemBlock {
  label: string;
  pem: string;
}

function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(PEM_BLOCK)].map((match) => ({ label: match[1], pem: match[0] }));
}

function parseCertificate(pem: string, field: AppsInTossCredentialField, index: number): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new InvalidInputError(field, `certificate #${index + 1} is not a readable X.509 certificate`);
  }
}

function normalizePemText(text: string): string {
  return text.replace(/\\r\\n|\\n/g, '\n').replace(/\r\n/g, '\n');
}

function unquote(text: string): string {
  if (
    text.length >= 2 &&
    ((text.startsWith('"') && text.endsWith('"')) || (text.startsWith("'") && text.endsWith("'")))
  ) {
    return text.slice(1, -1).trim();
  }
  return text;
}

/** A DER file: an X.509 certificate for `tlsCert`/`ca`, a PKCS#8 / PKCS#1 / SEC1 key for `tlsKey`. */
function derToPem(content: Buffer, field: AppsInTossCredentialField): string {
  if (field === 'tlsKey') {
    for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
      try {
        return createPrivateKey({ key: content, format: 'der', type })
          .export({ type: 'pkcs8', format: 'pem' })
          .toString();
      } catch {
        // try the next DER encoding
      }
    }
    throw new InvalidInputError(field, 'file holds neither a PEM nor a DER private key');
  }
  try {
    return new X509Certificate(content).toString();
  } catch {
    throw new InvalidInputError(field, 'file holds neither a PEM nor a DER certificate');
  }
}
