/**
 * At-rest encryption of billing keys and cash-receipt identity numbers: a billing key can charge a card and an
 * identity number names a person, so a copy of the database alone must reveal neither.
 *
 * - AES-256-GCM, a fresh random 12-byte IV per value, stored as base64(iv | tag | data) next to the `key_id` that
 *   encrypted it, so keys can rotate: new writes use `activeKeyId`, old rows keep decrypting with their own key until
 *   they are rewritten (billing keys when next read, see `row-binding.ts`; anything else by a job using
 *   `needsRotation`).
 * - The AAD names table, column and row (`billing_keys.billing_key:<rowId>`, built in `row-binding.ts`), so a
 *   ciphertext copied into another column or row does not decrypt.
 * - `lookupHash` is an HMAC for equality lookups (find a billing key row by its gateway value without decrypting every
 *   row). Its key must stay the same for the life of the data, or stored hashes stop matching: give `lookupKey`
 *   explicitly, or pin `lookupKeyId` to the first key id you ever used and keep that key in `keys` forever.
 * - `keyCheckValues` fingerprints the lookup key and every ring key, so a boot with changed key bytes is caught
 *   before it writes anything (`encryption-key-verifier.ts`).
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { EncryptionError, PaymentsConfigurationError } from '../domain/errors';

export interface EncryptionOptions {
  /** keyId -> base64 of exactly 32 random bytes (`openssl rand -base64 32`). */
  keys: Record<string, string>;
  /** New writes use this key. */
  activeKeyId: string;
  /**
   * base64 of at least 32 bytes, the HMAC key of the lookup column. It must NOT rotate with `keys`. When absent, it is
   * derived with HKDF-SHA256 from `keys[lookupKeyId ?? activeKeyId]`.
   */
  lookupKey?: string;
  /**
   * The key id the lookup key is derived from when `lookupKey` is absent. Set it to your first key id before you
   * rotate `activeKeyId` for the first time, and keep that key in `keys` forever; otherwise every stored lookup hash
   * changes with the active key.
   */
  lookupKeyId?: string;
}

export interface EncryptedValue {
  keyId: string;
  /** base64(iv(12) | tag(16) | data) */
  ciphertext: string;
}

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const LOOKUP_INFO = 'nestjs-kr-payments/lookup';
/**
 * The messages key-check values are HMACs of. Neither contains a NUL, and every `lookupHash` message does, so a
 * check value can never equal a stored lookup hash.
 */
const LOOKUP_CHECK_LABEL = 'nestjs-kr-payments/key-check/lookup';
const DATA_KEY_CHECK_LABEL = 'nestjs-kr-payments/key-check/data';
/** Key ids end up in a `key_id` column and in error messages: short, printable, no secrets. */
const KEY_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

/** Decodes strict standard base64 (padding optional). Returns null for anything else. */
function decodeBase64(value: unknown): Buffer | null {
  if (typeof value !== 'string' || value.length === 0 || !BASE64_PATTERN.test(value)) return null;
  return Buffer.from(value, 'base64');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class FieldCipher {
  // ES private fields: invisible to util.inspect / JSON.stringify, so logging the cipher never prints key bytes.
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly #activeKeyId: string;
  readonly #lookupKey: Buffer;

  constructor(options: EncryptionOptions) {
    const problems = FieldCipher.validateOptions(options);
    if (problems.length > 0) throw new PaymentsConfigurationError(problems);

    const keys = new Map<string, Buffer>();
    for (const [keyId, encoded] of Object.entries(options.keys)) {
      keys.set(keyId, decodeBase64(encoded) as Buffer);
    }
    this.#keys = keys;
    this.#activeKeyId = options.activeKeyId;
    this.#lookupKey =
      options.lookupKey !== undefined
        ? (decodeBase64(options.lookupKey) as Buffer)
        : Buffer.from(
            hkdfSync(
              'sha256',
              keys.get(options.lookupKeyId ?? options.activeKeyId) as Buffer,
              Buffer.alloc(0),
              LOOKUP_INFO,
              KEY_BYTES,
            ),
          );
  }

  get activeKeyId(): string {
    return this.#activeKeyId;
  }

  /** AES-256-GCM under the active key; `aad` binds the value to its row purpose and must be given again to decrypt. */
  encrypt(plaintext: string, aad: string): EncryptedValue {
    if (typeof plaintext !== 'string') throw new EncryptionError('encrypt: plaintext must be a string');
    if (typeof aad !== 'string' || aad.length === 0)
      throw new EncryptionError('encrypt: aad must be a non-empty string');
    const key = this.#keys.get(this.#activeKeyId) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return { keyId: this.#activeKeyId, ciphertext: Buffer.concat([iv, tag, data]).toString('base64') };
  }

  /** Unknown key id, wrong aad, or any change to the ciphertext -> EncryptionError (never partial plaintext). */
  decrypt(value: EncryptedValue, aad: string): string {
    if (!isRecord(value) || typeof value.keyId !== 'string' || typeof value.ciphertext !== 'string') {
      throw new EncryptionError('decrypt: value must be { keyId, ciphertext }');
    }
    const key = this.#keys.get(value.keyId);
    if (!key) {
      // The key id is a label, not a secret; naming it tells the operator which key went missing from the ring.
      throw new EncryptionError(
        `decrypt: unknown encryption key id "${value.keyId}" (is it still in encryption.keys?)`,
      );
    }
    const packed = decodeBase64(value.ciphertext);
    if (!packed || packed.length < IV_BYTES + TAG_BYTES) {
      throw new EncryptionError(`decrypt: ciphertext under key "${value.keyId}" is malformed`);
    }
    const iv = packed.subarray(0, IV_BYTES);
    const tag = packed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const data = packed.subarray(IV_BYTES + TAG_BYTES);
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(String(aad), 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    } catch {
      throw new EncryptionError(
        `decrypt: authentication failed under key "${value.keyId}" (tampered ciphertext or wrong aad)`,
      );
    }
  }

  /**
   * hex HMAC-SHA256(lookupKey, purpose + '\0' + value). The purpose keeps equal values in different columns
   * (a billing key and an identity number) from producing equal hashes; the NUL keeps `purpose`/`value` unambiguous.
   */
  lookupHash(value: string, purpose: string): string {
    if (typeof value !== 'string') throw new EncryptionError('lookupHash: value must be a string');
    if (typeof purpose !== 'string' || purpose.length === 0) {
      throw new EncryptionError('lookupHash: purpose must be a non-empty string');
    }
    return createHmac('sha256', this.#lookupKey).update(`${purpose}\0${value}`, 'utf8').digest('hex');
  }

  /**
   * Hex HMAC-SHA256 of a fixed label under the lookup key and under each ring key: stable while the key bytes stay
   * the same, and they reveal nothing about the keys. `lookup` is the check of the lookup key, `keys` maps key id ->
   * check of that key.
   */
  keyCheckValues(): { lookup: string; keys: ReadonlyMap<string, string> } {
    const check = (key: Buffer, label: string) => createHmac('sha256', key).update(label, 'utf8').digest('hex');
    const keys = new Map<string, string>();
    for (const [keyId, key] of this.#keys) keys.set(keyId, check(key, DATA_KEY_CHECK_LABEL));
    return { lookup: check(this.#lookupKey, LOOKUP_CHECK_LABEL), keys };
  }

  /** True when a row encrypted under `keyId` should be re-encrypted under the active key. */
  needsRotation(keyId: string): boolean {
    return keyId !== this.#activeKeyId;
  }

  /** Every problem with `options`, each naming its field (`encryption.<field>`). Empty when valid. */
  static validateOptions(options: unknown): string[] {
    if (!isRecord(options)) return ['encryption: must be an object with keys and activeKeyId'];
    const problems: string[] = [];

    const { keys, activeKeyId, lookupKey, lookupKeyId } = options;
    const keyIds: string[] = [];
    if (!isRecord(keys)) {
      problems.push('encryption.keys: must be an object mapping key id -> base64 of 32 bytes');
    } else {
      for (const [keyId, encoded] of Object.entries(keys)) {
        keyIds.push(keyId);
        if (!KEY_ID_PATTERN.test(keyId)) {
          problems.push(`encryption.keys.${keyId}: key id must be 1-64 characters of A-Z a-z 0-9 _ . : -`);
        }
        const decoded = decodeBase64(encoded);
        if (!decoded || decoded.length !== KEY_BYTES) {
          problems.push(`encryption.keys.${keyId}: must be base64 of ${KEY_BYTES} bytes`);
        }
      }
      if (keyIds.length === 0) problems.push('encryption.keys: must contain at least one key');
    }

    if (typeof activeKeyId !== 'string' || activeKeyId.length === 0) {
      problems.push('encryption.activeKeyId: must be a non-empty string naming a key in encryption.keys');
    } else if (isRecord(keys) && !keyIds.includes(activeKeyId)) {
      problems.push(`encryption.activeKeyId: "${activeKeyId}" is not a key id in encryption.keys`);
    }

    if (lookupKey !== undefined) {
      const decoded = decodeBase64(lookupKey);
      if (!decoded || decoded.length < KEY_BYTES) {
        problems.push(`encryption.lookupKey: must be base64 of at least ${KEY_BYTES} bytes`);
      }
    }
    if (lookupKeyId !== undefined) {
      if (typeof lookupKeyId !== 'string' || lookupKeyId.length === 0) {
        problems.push('encryption.lookupKeyId: must be a non-empty string naming a key in encryption.keys');
      } else if (isRecord(keys) && !keyIds.includes(lookupKeyId)) {
        problems.push(`encryption.lookupKeyId: "${lookupKeyId}" is not a key id in encryption.keys`);
      }
      if (lookupKey !== undefined) {
        // Two sources for one key is a configuration mistake waiting to change every hash; refuse it.
        problems.push('encryption.lookupKeyId: give either lookupKey or lookupKeyId, not both');
      }
    }
    return problems;
  }
}
