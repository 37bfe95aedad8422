import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * Fingerprints of the encryption keys this database's data was written with (crypto/encryption-key-verifier.ts):
 * `lookup` for the HMAC key of the lookup hashes, `key:<keyId>` for each ring key. Written once per name, compared at
 * every boot, so a changed key fails startup instead of silently breaking lookups or decryption.
 */
@Entity({ name: 'encryption_key_checks' })
export class EncryptionKeyCheck {
  /** `lookup` or `key:<keyId>` (key ids are at most 64 characters). */
  @PrimaryColumn({ type: 'varchar', length: 80 })
  name: string;

  /** Hex HMAC-SHA256 of a fixed label under the key (FieldCipher.keyCheckValues). */
  @Column({ name: 'check_value', type: 'varchar', length: 64 })
  checkValue: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
