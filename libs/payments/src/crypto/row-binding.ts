/**
 * Binding every ciphertext to the row that holds it. The additional authenticated data of an encrypted column is
 * `<table>.<column>:<rowId>`, so a ciphertext copied into another row (or another column) fails authentication and
 * the operation that needed it stops before it does anything.
 *
 * Rows written before the binding used the column name alone (`<table>.<column>`). A migration cannot rewrite them
 * (it has no keys), so they are rewritten lazily: `openRowValue` tries the row-bound AAD first and then the legacy one,
 * and asks its caller to store the value again under the row-bound AAD (a compare-and-set on the old ciphertext). A
 * legacy value is accepted only when its plaintext matches the row's own lookup hash: the hash is unique per row for
 * billing keys and unknown to anyone without the lookup key, so a legacy ciphertext copied into another row is refused
 * as well. Values under an old ring key are rewritten under the active key by the same path.
 */
import { EncryptionError } from '../domain/errors';
import type { EncryptedValue, FieldCipher } from './field-cipher';

/** An encrypted column: its name is the legacy AAD and the HMAC purpose of its lookup hashes (both unchanged). */
export interface EncryptedField {
  /** `<table>.<column>`, e.g. `billing_keys.billing_key`. */
  readonly name: string;
}

export const BILLING_KEY_FIELD: EncryptedField = { name: 'billing_keys.billing_key' };
export const IDENTITY_NUMBER_FIELD: EncryptedField = { name: 'cash_receipts.identity_number' };

/** The AAD of `field` in row `rowId`. */
export function rowAad(field: EncryptedField, rowId: string): string {
  if (typeof rowId !== 'string' || rowId.length === 0) {
    throw new EncryptionError(`${field.name}: a row id is required to bind the ciphertext to its row`);
  }
  return `${field.name}:${rowId}`;
}

/** The value of `field` as stored in one row. */
export interface StoredField {
  rowId: string;
  value: EncryptedValue;
  /** The row's lookup hash of the plaintext (`lookupHash(plaintext, field.name)`). */
  lookupHash: string;
}

export interface OpenedField {
  plaintext: string;
  /**
   * Set when the stored value should be replaced (legacy AAD or an old ring key): the same plaintext under the
   * row-bound AAD and the active key. Store it only where the row still holds the value that was read.
   */
  rewrite: EncryptedValue | null;
}

/** Encrypts `plaintext` for `field` in row `rowId`. */
export function sealRowValue(cipher: FieldCipher, field: EncryptedField, rowId: string, plaintext: string) {
  return cipher.encrypt(plaintext, rowAad(field, rowId));
}

/**
 * Decrypts the value a row holds. A value that does not authenticate as this row's (copied from another row,
 * tampered with, or under a key missing from the ring) throws EncryptionError, naming the row but no secret.
 */
export function openRowValue(cipher: FieldCipher, field: EncryptedField, stored: StoredField): OpenedField {
  const aad = rowAad(field, stored.rowId);
  let rowBoundError: unknown;
  try {
    const plaintext = cipher.decrypt(stored.value, aad);
    const rewrite = cipher.needsRotation(stored.value.keyId) ? cipher.encrypt(plaintext, aad) : null;
    return { plaintext, rewrite };
  } catch (error) {
    if (!(error instanceof EncryptionError)) throw error;
    rowBoundError = error;
  }
  const plaintext = openLegacy(cipher, field, stored);
  if (plaintext === null) {
    throw new EncryptionError(
      `${field.name} of row ${stored.rowId} is not this row's value (copied from another row, altered, or under a ` +
        `key missing from encryption.keys): ${(rowBoundError as Error).message}`,
    );
  }
  return { plaintext, rewrite: cipher.encrypt(plaintext, aad) };
}

/** The plaintext of a value written before row binding, or null unless it is this row's own value. */
function openLegacy(cipher: FieldCipher, field: EncryptedField, stored: StoredField): string | null {
  let plaintext: string;
  try {
    plaintext = cipher.decrypt(stored.value, field.name);
  } catch (error) {
    if (error instanceof EncryptionError) return null;
    throw error;
  }
  return cipher.lookupHash(plaintext, field.name) === stored.lookupHash ? plaintext : null;
}
