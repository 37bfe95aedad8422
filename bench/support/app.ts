import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PAYMENTS_ENTITIES, PAYMENTS_MIGRATIONS, PaymentsModule, PaymentsService } from 'nestjs-kr-payments';
import {
  createDatabase,
  dropDatabase,
  startPostgres,
  TOSS_TEST_CLIENT_KEY,
  TOSS_TEST_SECRET_KEY,
} from 'nestjs-kr-payments/testing';

export interface BenchApp {
  payments: PaymentsService;
  dataSource: DataSource;
  /** Where the data lives: 'embedded PostgreSQL' or 'DATABASE_URL'. */
  database: string;
  /** True when the PostgreSQL server is ours (embedded): its CPU time can be measured. */
  embeddedDatabase: boolean;
  close(): Promise<void>;
}

export interface BenchAppOptions {
  /** The Toss simulator's URL. */
  tossBaseUrl: string;
  /** Size of the pg pool; give it at least the benchmark's concurrency so no call waits for a connection. */
  poolSize: number;
}

/**
 * A Nest application context (no HTTP listener: the benchmarks call PaymentsService directly) configured the way
 * a user would: TypeORM with the library's entities and migrations, `PaymentsModule.forRoot` with the Toss block
 * pointed at the simulator, logger off.
 *
 * Database: `DATABASE_URL` when set (used as is: migrations run on it and the benchmark's rows stay there, tagged by
 * their `bench_` orderIds); otherwise an embedded PostgreSQL in a temporary directory with a fresh database,
 * removed again by `close()`.
 */
export async function bootBenchApp(options: BenchAppOptions): Promise<BenchApp> {
  const postgres = await startPostgres({ envVar: 'DATABASE_URL' });
  let databaseUrl: string | undefined;
  let app: INestApplicationContext | undefined;
  const cleanUp = async (): Promise<void> => {
    try {
      await app?.close();
    } finally {
      if (postgres.embedded) {
        if (databaseUrl) await dropDatabase(postgres.adminUrl, databaseUrl);
        await postgres.stop();
      }
    }
  };

  try {
    databaseUrl = postgres.embedded ? await createDatabase(postgres.adminUrl) : postgres.adminUrl;

    @Module({
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: databaseUrl,
          entities: [...PAYMENTS_ENTITIES],
          migrations: [...PAYMENTS_MIGRATIONS],
          migrationsRun: true,
          logging: false,
          poolSize: options.poolSize,
        }),
        PaymentsModule.forRoot({
          gateways: {
            toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: options.tossBaseUrl },
          },
          // A key ring that lives only for this run: the benchmark stores nothing that must decrypt later.
          encryption: { keys: { bench: randomBytes(32).toString('base64') }, activeKeyId: 'bench' },
        }),
      ],
    })
    class BenchAppModule {}

    app = await NestFactory.createApplicationContext(BenchAppModule, { logger: false, abortOnError: false });
  } catch (error) {
    await cleanUp();
    throw error;
  }

  return {
    payments: app.get(PaymentsService),
    dataSource: app.get(DataSource),
    database: postgres.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL',
    embeddedDatabase: postgres.embedded,
    close: cleanUp,
  };
}
