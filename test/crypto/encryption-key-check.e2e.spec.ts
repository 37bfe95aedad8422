import { randomBytes } from 'node:crypto';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  FieldCipher,
  PAYMENTS_ENTITIES,
  PAYMENTS_MIGRATIONS,
  PaymentsConfigurationError,
  PaymentsModule,
  type EncryptionOptions,
} from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY } from 'nestjs-kr-payments/testing';
import { EncryptionKeyVerifier } from '../../libs/payments/src/crypto/encryption-key-verifier';
import type { ResolvedPaymentsOptions } from '../../libs/payments/src/payments.options';
import { createTestDatabase, type TestDatabase } from '../../libs/testing/src/postgres/test-database';
import { TEST_ENCRYPTION } from '../support/harness';

const newKey = () => randomBytes(32).toString('base64');

/**
 * The stored key-check values: the first boot records a fingerprint of the lookup key and of each ring key; a later
 * boot whose lookup key (or the bytes behind a key id) changed fails startup and writes nothing.
 */
describe('encryption key check at boot', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  /** A Nest app on the shared database, as one instance of the host would start; resolves once init finished. */
  async function boot(encryption: EncryptionOptions, url = database.url): Promise<INestApplication> {
    @Module({
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url,
          entities: [...PAYMENTS_ENTITIES],
          migrations: [...PAYMENTS_MIGRATIONS],
          migrationsRun: true,
          logging: false,
          retryAttempts: 0,
        }),
        PaymentsModule.forRoot({
          gateways: { toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY } },
          encryption,
        }),
      ],
    })
    class KeyCheckAppModule {}
    const app = await NestFactory.create(KeyCheckAppModule, { logger: false, abortOnError: false });
    try {
      await app.init();
    } catch (error) {
      await app.close().catch(() => undefined);
      throw error;
    }
    return app;
  }

  async function bootError(encryption: EncryptionOptions): Promise<PaymentsConfigurationError> {
    const error = await boot(encryption).then(
      async (app) => {
        await app.close();
        return new Error('booted');
      },
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PaymentsConfigurationError);
    return error as PaymentsConfigurationError;
  }

  async function storedChecks(url = database.url): Promise<Array<{ name: string; check_value: string }>> {
    const dataSource = await new DataSource({ type: 'postgres', url }).initialize();
    try {
      return await dataSource.query('SELECT name, check_value, created_at FROM encryption_key_checks ORDER BY name');
    } finally {
      await dataSource.destroy();
    }
  }

  const explicitLookup = newKey();
  /** The host's key ring as the story goes on (the rotation test moves it forward). */
  let ring: EncryptionOptions = TEST_ENCRYPTION;

  it('stores the check values on first boot and boots again with the same keys', async () => {
    await (await boot(ring)).close();
    const first = await storedChecks();
    const { lookup, keys } = new FieldCipher(ring).keyCheckValues();
    expect(first.map(({ name, check_value }) => [name, check_value])).toEqual([
      ['key:k1', keys.get('k1')],
      ['key:k2', keys.get('k2')],
      ['lookup', lookup],
    ]);
    await (await boot(ring)).close();
    expect(await storedChecks()).toEqual(first);
  });

  it('records a key id added by a rotation, and keeps booting once the active key moved', async () => {
    const rotated = { ...ring, keys: { ...ring.keys, k3: newKey() }, activeKeyId: 'k3' };
    await (await boot(rotated)).close();
    expect((await storedChecks()).map((check) => check.name)).toEqual(['key:k1', 'key:k2', 'key:k3', 'lookup']);
    ring = rotated;
  });

  it('refuses a changed lookupKey, naming it and saying stored hashes would stop matching; writes nothing', async () => {
    const before = await storedChecks();
    const error = await bootError({
      keys: { ...ring.keys, k4: newKey() },
      activeKeyId: 'k4',
      lookupKey: explicitLookup,
    });
    expect(error.problems).toEqual([expect.stringMatching(/^encryption\.lookupKey: /)]);
    expect(error.message).toMatch(/stored lookup hashes .* would stop matching/);
    expect(error.message).not.toContain(explicitLookup);
    expect(await storedChecks()).toEqual(before); // k4 was not recorded either: the whole check rolled back
  });

  it('refuses a lookupKeyId that names another key', async () => {
    const before = await storedChecks();
    const error = await bootError({ ...ring, lookupKeyId: 'k2' });
    expect(error.problems).toEqual([expect.stringMatching(/^encryption\.lookupKeyId: .*key "k2".*stop matching/)]);
    expect(await storedChecks()).toEqual(before);
  });

  it('refuses a key id whose bytes changed, naming the key', async () => {
    const before = await storedChecks();
    const replaced = newKey();
    const error = await bootError({ ...ring, keys: { ...ring.keys, k2: replaced } });
    expect(error.problems).toEqual([expect.stringMatching(/^encryption\.keys\.k2: the bytes of key id "k2" differ/)]);
    expect(error.message).not.toContain(replaced);
    expect(await storedChecks()).toEqual(before);
  });

  it('boots with a key id removed from the ring (rows under it fail only when read)', async () => {
    const { k2: _retired, ...keys } = ring.keys;
    await (await boot({ ...ring, keys })).close();
  });

  describe('many instances booting at once on a fresh database', () => {
    let fresh: TestDatabase;
    let dataSources: DataSource[];
    beforeAll(async () => {
      fresh = await createTestDatabase();
      const migrator = new DataSource({ type: 'postgres', url: fresh.url, migrations: [...PAYMENTS_MIGRATIONS] });
      await migrator.initialize();
      await migrator.runMigrations();
      await migrator.destroy();
      dataSources = await Promise.all(
        Array.from({ length: 6 }, () => new DataSource({ type: 'postgres', url: fresh.url }).initialize()),
      );
    });
    afterAll(async () => {
      await Promise.all(dataSources.map((dataSource) => dataSource.destroy()));
      await fresh.drop();
    });

    it('says which migrations to run when the table is missing', async () => {
      const unmigrated = await createTestDatabase();
      const dataSource = await new DataSource({ type: 'postgres', url: unmigrated.url }).initialize();
      try {
        await expect(verifierOn(dataSource, TEST_ENCRYPTION).verify()).rejects.toThrow(
          /table "encryption_key_checks" is missing; run the library migrations \(PAYMENTS_MIGRATIONS\)/,
        );
      } finally {
        await dataSource.destroy();
        await unmigrated.drop();
      }
    });

    const verifierOn = (dataSource: DataSource, encryption: EncryptionOptions) =>
      new EncryptionKeyVerifier(dataSource, { encryption } as ResolvedPaymentsOptions, new FieldCipher(encryption));

    it('agree on the first fingerprints: same keys all boot, a different lookup key is refused', async () => {
      const other = { keys: { k1: newKey() }, activeKeyId: 'k1', lookupKey: explicitLookup };
      const configs = dataSources.map((_, index) => (index === 3 ? other : TEST_ENCRYPTION));
      // The odd one out may win the race; then the five others are refused instead. Either way one set is stored.
      const outcomes = await Promise.allSettled(
        dataSources.map((dataSource, index) => verifierOn(dataSource, configs[index]).verify()),
      );
      const booted = outcomes.map((outcome) => outcome.status === 'fulfilled');
      expect([
        [true, true, true, false, true, true],
        [false, false, false, true, false, false],
      ]).toContainEqual(booted);
      const winner = booted[0] ? TEST_ENCRYPTION : other;
      const { lookup } = new FieldCipher(winner).keyCheckValues();
      const stored = await storedChecks(fresh.url);
      expect(stored.find((check) => check.name === 'lookup')?.check_value).toBe(lookup);
      expect(stored.map((check) => check.name)).toEqual(
        booted[0] ? ['key:k1', 'key:k2', 'lookup'] : ['key:k1', 'lookup'],
      );
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(PaymentsConfigurationError);
      }
    });
  });
});
