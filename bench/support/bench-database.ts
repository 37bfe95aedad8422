import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { PAYMENTS_ENTITIES, PAYMENTS_MIGRATIONS, type EncryptionOptions } from 'nestjs-kr-payments';
import { createDatabase, dropDatabase, startPostgres } from 'nestjs-kr-payments/testing';

/**
 * The benchmarks' key ring. Fixed, and public (derived from a label in this file), because with `DATABASE_URL` the
 * database outlives the run and the library refuses to start with keys other than the ones whose fingerprints it
 * stored there. The rows it protects are simulator test data; never point a benchmark at a database holding real ones.
 */
export const BENCH_ENCRYPTION: EncryptionOptions = {
  keys: { bench: createHash('sha256').update('nestjs-kr-payments benchmark key ring').digest('base64') },
  activeKeyId: 'bench',
};

export interface BenchDatabase {
  /** 'embedded PostgreSQL' or 'DATABASE_URL'. */
  label: string;
  /** True when the PostgreSQL server is ours (embedded): its CPU time can be measured. */
  embedded: boolean;
  /**
   * TypeORM options for the library's entities and migrations on this database. `extra` goes to pg's Pool as is
   * (e.g. `idleTimeoutMillis`), for benchmarks that compare the library's pool with one of their own.
   */
  typeOrm(poolSize: number, extra?: Record<string, unknown>): TypeOrmModuleOptions;
  /** Drops the embedded database and stops its server; a DATABASE_URL database is left as it is. */
  close(): Promise<void>;
}

/**
 * `DATABASE_URL` when set (used as is: migrations run on it and the benchmark's rows stay there, tagged by their
 * `bench_` orderIds); otherwise an embedded PostgreSQL in a temporary directory with a fresh database.
 */
export async function openBenchDatabase(): Promise<BenchDatabase> {
  const postgres = await startPostgres({ envVar: 'DATABASE_URL' });
  let url: string;
  try {
    url = postgres.embedded ? await createDatabase(postgres.adminUrl) : postgres.adminUrl;
  } catch (error) {
    if (postgres.embedded) await postgres.stop();
    throw error;
  }
  return {
    label: postgres.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL',
    embedded: postgres.embedded,
    typeOrm: (poolSize, extra) => ({
      type: 'postgres',
      url,
      entities: [...PAYMENTS_ENTITIES],
      migrations: [...PAYMENTS_MIGRATIONS],
      migrationsRun: true,
      logging: false,
      poolSize,
      retryAttempts: 0,
      ...(extra ? { extra } : {}),
    }),
    close: async () => {
      if (!postgres.embedded) return;
      try {
        await dropDatabase(postgres.adminUrl, url);
      } finally {
        await postgres.stop();
      }
    },
  };
}

/** The app first (its pool holds connections), then the database. */
export async function closeAll(app: { close(): Promise<void> } | undefined, database: BenchDatabase): Promise<void> {
  try {
    await app?.close();
  } finally {
    await database.close();
  }
}
