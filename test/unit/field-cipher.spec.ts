import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { FieldCipher, type EncryptionOptions } from '../../libs/payments/src/crypto/field-cipher';
import { EncryptionError, PaymentsConfigurationError } from '../../libs/payments/src/domain/errors';

const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');
const LOOKUP = randomBytes(48).toString('base64');
const AAD = 'billing_keys.billing_key:0b9c1e8e-1d7a-4c55-9a57-3f1a3b2f9a10';
const BILLING_KEY = 'Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=';

function tamper(ciphertext: string, byteIndex: number): string {
  const bytes = Buffer.from(ciphertext, 'base64');
  bytes[byteIndex] ^= 0x01;
  return bytes.toString('base64');
}

describe('FieldCipher', () => {
  const cipher = new FieldCipher({ keys: { k1: K1 }, activeKeyId: 'k1' });

  it('round-trips text under the active key, with base64(iv | tag | data) of the right size', () => {
    const encrypted = cipher.encrypt(BILLING_KEY, AAD);
    expect(encrypted.keyId).toBe('k1');
    expect(encrypted.ciphertext).not.toContain(BILLING_KEY);
    expect(Buffer.from(encrypted.ciphertext, 'base64').length).toBe(12 + 16 + Buffer.byteLength(BILLING_KEY));
    expect(cipher.decrypt(encrypted, AAD)).toBe(BILLING_KEY);
  });

  it('round-trips arbitrary unicode text, including the empty string (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 64 }), (plaintext) => {
        expect(cipher.decrypt(cipher.encrypt(plaintext, AAD), AAD)).toBe(plaintext);
      }),
    );
  });

  it('uses a random IV: the same plaintext encrypts differently every time', () => {
    const a = cipher.encrypt(BILLING_KEY, AAD);
    const b = cipher.encrypt(BILLING_KEY, AAD);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(Buffer.from(a.ciphertext, 'base64').subarray(0, 12)).not.toEqual(
      Buffer.from(b.ciphertext, 'base64').subarray(0, 12),
    );
    expect(cipher.decrypt(a, AAD)).toBe(cipher.decrypt(b, AAD));
  });

  it.each([
    ['iv', 0],
    ['tag', 12],
    ['data', 28],
  ])('rejects a ciphertext whose %s was changed with EncryptionError', (_part, byteIndex) => {
    const encrypted = cipher.encrypt(BILLING_KEY, AAD);
    const tampered = { ...encrypted, ciphertext: tamper(encrypted.ciphertext, byteIndex) };
    expect(() => cipher.decrypt(tampered, AAD)).toThrow(EncryptionError);
  });

  it('rejects truncated and non-base64 ciphertexts with EncryptionError', () => {
    const encrypted = cipher.encrypt(BILLING_KEY, AAD);
    const truncated = Buffer.from(encrypted.ciphertext, 'base64').subarray(0, 20).toString('base64');
    expect(() => cipher.decrypt({ keyId: 'k1', ciphertext: truncated }, AAD)).toThrow(EncryptionError);
    expect(() => cipher.decrypt({ keyId: 'k1', ciphertext: '***not base64***' }, AAD)).toThrow(EncryptionError);
  });

  it('binds the aad: a value moved to another row or column does not decrypt', () => {
    const encrypted = cipher.encrypt(BILLING_KEY, AAD);
    expect(() => cipher.decrypt(encrypted, 'billing_keys.billing_key:another-row')).toThrow(EncryptionError);
    expect(() => cipher.decrypt(encrypted, 'cash_receipts.identity_number:0b9c1e8e')).toThrow(EncryptionError);
  });

  it('rejects an unknown key id with EncryptionError naming the id, never the plaintext', () => {
    const encrypted = cipher.encrypt(BILLING_KEY, AAD);
    let caught: unknown;
    try {
      cipher.decrypt({ ...encrypted, keyId: 'k9' }, AAD);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(EncryptionError);
    expect((caught as EncryptionError).code).toBe('ENCRYPTION_ERROR');
    expect((caught as Error).message).toContain('"k9"');
    expect((caught as Error).message).not.toContain(BILLING_KEY);
  });

  it('rotates keys: old values still decrypt, needsRotation tells which rows to rewrite, pinned lookup hashes stay', () => {
    const before = new FieldCipher({ keys: { k1: K1 }, activeKeyId: 'k1', lookupKeyId: 'k1' });
    const oldValue = before.encrypt(BILLING_KEY, AAD);
    const oldHash = before.lookupHash(BILLING_KEY, 'billing_key');

    const after = new FieldCipher({ keys: { k1: K1, k2: K2 }, activeKeyId: 'k2', lookupKeyId: 'k1' });
    expect(after.decrypt(oldValue, AAD)).toBe(BILLING_KEY);
    expect(after.needsRotation(oldValue.keyId)).toBe(true);

    const rewritten = after.encrypt(after.decrypt(oldValue, AAD), AAD);
    expect(rewritten.keyId).toBe('k2');
    expect(after.needsRotation(rewritten.keyId)).toBe(false);
    expect(after.decrypt(rewritten, AAD)).toBe(BILLING_KEY);
    expect(after.lookupHash(BILLING_KEY, 'billing_key')).toBe(oldHash);

    // A ring that dropped k1 can no longer read the old row.
    const k2Only = new FieldCipher({ keys: { k2: K2 }, activeKeyId: 'k2', lookupKey: LOOKUP });
    expect(() => k2Only.decrypt(oldValue, AAD)).toThrow(EncryptionError);
  });

  it('keeps lookup hashes across rotation with an explicit lookupKey', () => {
    const before = new FieldCipher({ keys: { k1: K1 }, activeKeyId: 'k1', lookupKey: LOOKUP });
    const after = new FieldCipher({ keys: { k1: K1, k2: K2 }, activeKeyId: 'k2', lookupKey: LOOKUP });
    expect(after.lookupHash('01012345678', 'cash_receipt_identity')).toBe(
      before.lookupHash('01012345678', 'cash_receipt_identity'),
    );
  });

  it('derives the lookup key from the active key when nothing is pinned (why lookupKeyId must be pinned before rotating)', () => {
    const unpinnedBefore = new FieldCipher({ keys: { k1: K1 }, activeKeyId: 'k1' });
    const unpinnedAfter = new FieldCipher({ keys: { k1: K1, k2: K2 }, activeKeyId: 'k2' });
    expect(unpinnedAfter.lookupHash(BILLING_KEY, 'billing_key')).not.toBe(
      unpinnedBefore.lookupHash(BILLING_KEY, 'billing_key'),
    );
    // The derivation is HKDF-SHA256(keys[k1], info 'nestjs-kr-payments/lookup'), reproducible outside the library.
    const derived = Buffer.from(
      hkdfSync('sha256', Buffer.from(K1, 'base64'), Buffer.alloc(0), 'nestjs-kr-payments/lookup', 32),
    );
    expect(unpinnedBefore.lookupHash(BILLING_KEY, 'billing_key')).toBe(
      createHmac('sha256', derived).update(`billing_key\0${BILLING_KEY}`).digest('hex'),
    );
    const pinned = new FieldCipher({ keys: { k1: K1, k2: K2 }, activeKeyId: 'k2', lookupKeyId: 'k1' });
    expect(pinned.lookupHash(BILLING_KEY, 'billing_key')).toBe(unpinnedBefore.lookupHash(BILLING_KEY, 'billing_key'));
  });

  it('computes lookupHash as hex HMAC-SHA256(lookupKey, purpose NUL value), separated by purpose', () => {
    const withKey = new FieldCipher({ keys: { k1: K1 }, activeKeyId: 'k1', lookupKey: LOOKUP });
    const expected = createHmac('sha256', Buffer.from(LOOKUP, 'base64')).update('billing_key\0abc').digest('hex');
    expect(withKey.lookupHash('abc', 'billing_key')).toBe(expected);
    expect(withKey.lookupHash('abc', 'billing_key')).toMatch(/^[0-9a-f]{64}$/);
    expect(withKey.lookupHash('abc', 'identity_number')).not.toBe(expected);
    // NUL separation: ('a', 'bc') and ('ab', 'c') must not collide.
    expect(withKey.lookupHash('bc', 'a')).not.toBe(withKey.lookupHash('c', 'ab'));
  });

  it('never exposes key material through inspect or JSON', () => {
    const text = inspect(cipher, { depth: 10, showHidden: true }) + JSON.stringify(cipher);
    expect(text).not.toContain(K1);
    expect(text).not.toContain(Buffer.from(K1, 'base64').toString('hex'));
  });

  describe('key check values', () => {
    it('fingerprint the lookup key and each ring key, stable while the bytes stay the same', () => {
      const options = { keys: { k1: K1, k2: K2 }, activeKeyId: 'k2', lookupKeyId: 'k1' };
      const checks = new FieldCipher(options).keyCheckValues();
      expect(new FieldCipher(options).keyCheckValues()).toEqual(checks);
      expect(checks.lookup).toMatch(/^[0-9a-f]{64}$/);
      expect([...checks.keys.keys()]).toEqual(['k1', 'k2']);
      expect(checks.keys.get('k1')).not.toBe(checks.keys.get('k2'));
      // Rotating the active key changes neither the lookup check (pinned) nor a key's own check.
      expect(new FieldCipher({ ...options, activeKeyId: 'k1' }).keyCheckValues()).toEqual(checks);
    });

    it('change when the lookup key or the bytes behind a key id change', () => {
      const base = new FieldCipher({ keys: { k1: K1 }, activeKeyId: 'k1', lookupKey: LOOKUP }).keyCheckValues();
      const otherLookup = new FieldCipher({
        keys: { k1: K1 },
        activeKeyId: 'k1',
        lookupKey: randomBytes(32).toString('base64'),
      }).keyCheckValues();
      expect(otherLookup.lookup).not.toBe(base.lookup);
      expect(otherLookup.keys.get('k1')).toBe(base.keys.get('k1'));
      const otherBytes = new FieldCipher({ keys: { k1: K2 }, activeKeyId: 'k1', lookupKey: LOOKUP }).keyCheckValues();
      expect(otherBytes.lookup).toBe(base.lookup);
      expect(otherBytes.keys.get('k1')).not.toBe(base.keys.get('k1'));
    });

    it('are HMACs of a NUL-free label, so none equals a lookup hash, and reveal no key bytes', () => {
      const withKey = new FieldCipher({ keys: { k1: K1 }, activeKeyId: 'k1', lookupKey: LOOKUP });
      const checks = withKey.keyCheckValues();
      const expectedLookup = createHmac('sha256', Buffer.from(LOOKUP, 'base64'))
        .update('nestjs-kr-payments/key-check/lookup')
        .digest('hex');
      expect(checks.lookup).toBe(expectedLookup);
      const [purpose, value] = ['nestjs-kr-payments/key-check', 'lookup'];
      expect(withKey.lookupHash(value, purpose)).not.toBe(checks.lookup);
      const text = JSON.stringify([checks.lookup, [...checks.keys.values()]]);
      expect(text).not.toContain(Buffer.from(K1, 'base64').toString('hex'));
      expect(text).not.toContain(Buffer.from(LOOKUP, 'base64').toString('hex'));
    });
  });

  describe('options validation', () => {
    it('accepts a valid configuration', () => {
      expect(FieldCipher.validateOptions({ keys: { k1: K1, k2: K2 }, activeKeyId: 'k2', lookupKeyId: 'k1' })).toEqual(
        [],
      );
      expect(FieldCipher.validateOptions({ keys: { k1: K1 }, activeKeyId: 'k1', lookupKey: LOOKUP })).toEqual([]);
    });

    it('names every bad field', () => {
      const problems = FieldCipher.validateOptions({
        keys: {
          k1: randomBytes(16).toString('base64'),
          'bad id': K1,
          k3: 'not base64 at all!',
        },
        activeKeyId: 'k4',
        lookupKey: randomBytes(16).toString('base64'),
      });
      expect(problems).toEqual(
        expect.arrayContaining([
          'encryption.keys.k1: must be base64 of 32 bytes',
          expect.stringMatching(/^encryption\.keys\.bad id: key id must be/),
          'encryption.keys.k3: must be base64 of 32 bytes',
          'encryption.activeKeyId: "k4" is not a key id in encryption.keys',
          'encryption.lookupKey: must be base64 of at least 32 bytes',
        ]),
      );
      expect(problems).toHaveLength(5);
    });

    it.each<[string, unknown, string]>([
      ['not an object', 'k1', 'encryption: must be an object with keys and activeKeyId'],
      ['no keys', { activeKeyId: 'k1' }, 'encryption.keys: must be an object mapping key id -> base64 of 32 bytes'],
      ['empty keys', { keys: {}, activeKeyId: 'k1' }, 'encryption.keys: must contain at least one key'],
      [
        'missing activeKeyId',
        { keys: { k1: K1 } },
        'encryption.activeKeyId: must be a non-empty string naming a key in encryption.keys',
      ],
      [
        'unknown lookupKeyId',
        { keys: { k1: K1 }, activeKeyId: 'k1', lookupKeyId: 'k0' },
        'encryption.lookupKeyId: "k0" is not a key id in encryption.keys',
      ],
      [
        'both lookup sources',
        { keys: { k1: K1 }, activeKeyId: 'k1', lookupKeyId: 'k1', lookupKey: LOOKUP },
        'encryption.lookupKeyId: give either lookupKey or lookupKeyId, not both',
      ],
      [
        '33-byte key',
        { keys: { k1: randomBytes(33).toString('base64') }, activeKeyId: 'k1' },
        'encryption.keys.k1: must be base64 of 32 bytes',
      ],
    ])('%s', (_name, options, problem) => {
      expect(FieldCipher.validateOptions(options)).toContain(problem);
    });

    it('makes the constructor throw a configuration error listing the problems, without key material', () => {
      const shortKey = randomBytes(31).toString('base64');
      let caught: unknown;
      try {
        new FieldCipher({ keys: { k1: shortKey }, activeKeyId: 'k2' } as EncryptionOptions);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(PaymentsConfigurationError);
      expect((caught as PaymentsConfigurationError).problems).toEqual([
        'encryption.keys.k1: must be base64 of 32 bytes',
        'encryption.activeKeyId: "k2" is not a key id in encryption.keys',
      ]);
      expect((caught as Error).message).toContain('encryption.keys.k1');
      expect((caught as Error).message).not.toContain(shortKey);
    });
  });
});
