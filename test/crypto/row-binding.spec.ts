import { randomBytes, randomUUID } from 'node:crypto';
import { FieldCipher } from '../../libs/payments/src/crypto/field-cipher';
import {
  BILLING_KEY_FIELD,
  IDENTITY_NUMBER_FIELD,
  openRowValue,
  rowAad,
  sealRowValue,
  type StoredField,
} from '../../libs/payments/src/crypto/row-binding';
import { EncryptionError } from '../../libs/payments/src/domain/errors';

const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');
const RING = { keys: { k1: K1, k2: K2 }, lookupKeyId: 'k1' };
const BILLING_KEY = 'Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=';

describe('row-bound field encryption', () => {
  const cipher = new FieldCipher({ ...RING, activeKeyId: 'k2' });
  /** The ring as it was before k2 became active: writes old rows under k1. */
  const olderCipher = new FieldCipher({ ...RING, activeKeyId: 'k1' });
  const hashOf = (plaintext: string) => cipher.lookupHash(plaintext, BILLING_KEY_FIELD.name);

  function storedRow(rowId: string, plaintext: string, sealWith = cipher): StoredField {
    return { rowId, value: sealRowValue(sealWith, BILLING_KEY_FIELD, rowId, plaintext), lookupHash: hashOf(plaintext) };
  }

  it('binds the AAD to table, column and row id', () => {
    const rowId = randomUUID();
    expect(rowAad(BILLING_KEY_FIELD, rowId)).toBe(`billing_keys.billing_key:${rowId}`);
    expect(rowAad(IDENTITY_NUMBER_FIELD, rowId)).toBe(`cash_receipts.identity_number:${rowId}`);
    const sealed = sealRowValue(cipher, BILLING_KEY_FIELD, rowId, BILLING_KEY);
    expect(cipher.decrypt(sealed, `billing_keys.billing_key:${rowId}`)).toBe(BILLING_KEY);
    expect(() => cipher.decrypt(sealed, 'billing_keys.billing_key')).toThrow(EncryptionError);
    expect(() => sealRowValue(cipher, BILLING_KEY_FIELD, '', BILLING_KEY)).toThrow(EncryptionError);
  });

  it("opens a row's own value under the active key without asking for a rewrite", () => {
    const row = storedRow(randomUUID(), BILLING_KEY);
    expect(openRowValue(cipher, BILLING_KEY_FIELD, row)).toEqual({ plaintext: BILLING_KEY, rewrite: null });
  });

  it('refuses a row-bound value copied into another row, naming the row and no secret', () => {
    const source = storedRow(randomUUID(), BILLING_KEY);
    const target = { ...storedRow(randomUUID(), 'another-customers-key'), value: source.value };
    let caught: unknown;
    try {
      openRowValue(cipher, BILLING_KEY_FIELD, target);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EncryptionError);
    expect(caught).toMatchObject({ code: 'ENCRYPTION_ERROR' });
    expect((caught as Error).message).toContain(`billing_keys.billing_key of row ${target.rowId}`);
    expect((caught as Error).message).not.toContain(BILLING_KEY);
    // The same copy carrying the source row's hash along is refused too: the AAD names the row.
    expect(() => openRowValue(cipher, BILLING_KEY_FIELD, { ...target, lookupHash: source.lookupHash })).toThrow(
      EncryptionError,
    );
  });

  it('refuses a value copied into another column of the same row', () => {
    const rowId = randomUUID();
    const identity = sealRowValue(cipher, IDENTITY_NUMBER_FIELD, rowId, BILLING_KEY);
    expect(() =>
      openRowValue(cipher, BILLING_KEY_FIELD, { rowId, value: identity, lookupHash: hashOf(BILLING_KEY) }),
    ).toThrow(EncryptionError);
  });

  it('opens a legacy (column-only AAD) value under an old key and asks for a row-bound rewrite under the active key', () => {
    const rowId = randomUUID();
    const legacy = olderCipher.encrypt(BILLING_KEY, 'billing_keys.billing_key');
    const opened = openRowValue(cipher, BILLING_KEY_FIELD, { rowId, value: legacy, lookupHash: hashOf(BILLING_KEY) });
    expect(opened.plaintext).toBe(BILLING_KEY);
    expect(opened.rewrite?.keyId).toBe('k2');
    expect(cipher.decrypt(opened.rewrite!, `billing_keys.billing_key:${rowId}`)).toBe(BILLING_KEY);
    // The rewritten value is row-bound: read again, it needs no further rewrite.
    const again = openRowValue(cipher, BILLING_KEY_FIELD, {
      rowId,
      value: opened.rewrite!,
      lookupHash: hashOf(BILLING_KEY),
    });
    expect(again).toEqual({ plaintext: BILLING_KEY, rewrite: null });
  });

  it("refuses a legacy value whose plaintext is not the row's own (a legacy ciphertext copied into another row)", () => {
    const legacy = cipher.encrypt(BILLING_KEY, 'billing_keys.billing_key');
    const otherRow = { rowId: randomUUID(), value: legacy, lookupHash: hashOf('another-customers-key') };
    expect(() => openRowValue(cipher, BILLING_KEY_FIELD, otherRow)).toThrow(EncryptionError);
  });

  it('rewrites a row-bound value under an old ring key to the active key', () => {
    const row = storedRow(randomUUID(), BILLING_KEY, olderCipher);
    expect(row.value.keyId).toBe('k1');
    const opened = openRowValue(cipher, BILLING_KEY_FIELD, row);
    expect(opened.plaintext).toBe(BILLING_KEY);
    expect(opened.rewrite?.keyId).toBe('k2');
    expect(cipher.decrypt(opened.rewrite!, rowAad(BILLING_KEY_FIELD, row.rowId))).toBe(BILLING_KEY);
  });

  it('refuses a value under a key missing from the ring, saying so', () => {
    const k3Only = new FieldCipher({ keys: { k3: randomBytes(32).toString('base64') }, activeKeyId: 'k3' });
    const row = storedRow(randomUUID(), BILLING_KEY, k3Only);
    expect(() => openRowValue(cipher, BILLING_KEY_FIELD, row)).toThrow(/unknown encryption key id "k3"/);
  });
});
