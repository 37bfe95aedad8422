import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { PaymentsConfigurationError } from '../domain/errors';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PAYMENTS_DATA_SOURCE, PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';
import { FieldCipher } from './field-cipher';

const LOOKUP_CHECK = 'lookup';
const keyCheckName = (keyId: string) => `key:${keyId}`;
/** PostgreSQL's "undefined_table". */
const UNDEFINED_TABLE = '42P01';

interface StoredCheck {
  name: string;
  check_value: string;
}

/**
 * At boot, compares the configured keys with the fingerprints stored in `encryption_key_checks` (FieldCipher
 * keyCheckValues). The first boot stores them; later boots fail with PaymentsConfigurationError when the lookup key
 * changed (every stored lookup hash would stop matching: BILLING_DELETED and deposit webhooks would no longer find
 * their rows) or when a key id now names other bytes (its rows would no longer decrypt). A key id new to the ring is
 * recorded; one that left it is ignored (rows under it fail only when read).
 *
 * One transaction: insert the missing fingerprints (ON CONFLICT DO NOTHING, so instances booting at once agree on
 * the first), read them back, compare, and roll back on any mismatch, so a refused boot writes nothing.
 */
@Injectable()
export class EncryptionKeyVerifier implements OnModuleInit {
  constructor(
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(PAYMENTS_RESOLVED_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly cipher: FieldCipher,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.verify();
  }

  async verify(): Promise<void> {
    const expected = this.expectedChecks();
    try {
      await this.dataSource.transaction(async (manager) => {
        const stored = await this.storeMissingAndRead(manager, expected);
        const problems = this.mismatches(expected, stored);
        if (problems.length > 0) throw new PaymentsConfigurationError(problems);
      });
    } catch (error) {
      if ((error as { code?: unknown }).code === UNDEFINED_TABLE) {
        throw new Error(
          'PaymentsModule: table "encryption_key_checks" is missing; run the library migrations (PAYMENTS_MIGRATIONS) ' +
            'before the module starts',
          { cause: error },
        );
      }
      throw error;
    }
  }

  private expectedChecks(): Map<string, string> {
    const { lookup, keys } = this.cipher.keyCheckValues();
    const expected = new Map<string, string>([[LOOKUP_CHECK, lookup]]);
    for (const [keyId, value] of keys) expected.set(keyCheckName(keyId), value);
    return expected;
  }

  private async storeMissingAndRead(manager: EntityManager, expected: Map<string, string>): Promise<StoredCheck[]> {
    const names = [...expected.keys()];
    await manager.query(
      `INSERT INTO encryption_key_checks (name, check_value)
       SELECT * FROM unnest($1::varchar[], $2::varchar[])
       ON CONFLICT (name) DO NOTHING`,
      [names, [...expected.values()]],
    );
    return manager.query(`SELECT name, check_value FROM encryption_key_checks WHERE name = ANY($1::varchar[])`, [
      names,
    ]);
  }

  private mismatches(expected: Map<string, string>, stored: StoredCheck[]): string[] {
    const problems: string[] = [];
    for (const { name, check_value: storedValue } of stored) {
      if (expected.get(name) === storedValue) continue;
      problems.push(name === LOOKUP_CHECK ? this.lookupProblem() : keyProblem(name.slice(keyCheckName('').length)));
    }
    return problems;
  }

  /** Names the option the lookup key comes from, since that is the one to restore. */
  private lookupProblem(): string {
    const { lookupKey, lookupKeyId, activeKeyId } = this.options.encryption;
    const consequence =
      'differs from the lookup key this database was written with; the stored lookup hashes (billing_key_hash, ' +
      'identity_number_hash, webhook secrets) would stop matching, so lookups and deposit webhooks would fail.';
    if (lookupKey !== undefined) return `encryption.lookupKey: ${consequence} Restore the original lookupKey.`;
    const keyId = lookupKeyId ?? activeKeyId;
    const source = lookupKeyId !== undefined ? `"${keyId}"` : `"${keyId}" (unset, so it follows activeKeyId)`;
    return (
      `encryption.lookupKeyId: the lookup key derived from key ${source} ${consequence} ` +
      `Set lookupKeyId to the key id used first (and keep that key in encryption.keys) or restore its bytes.`
    );
  }
}

function keyProblem(keyId: string): string {
  return (
    `encryption.keys.${keyId}: the bytes of key id "${keyId}" differ from the key first stored under that id; rows ` +
    `encrypted under "${keyId}" would no longer decrypt. Restore the original key, or give a new key a new id.`
  );
}
