import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PaymentsModule, PaymentsService } from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY } from 'nestjs-kr-payments/testing';
import { BENCH_ENCRYPTION, closeAll, openBenchDatabase } from './bench-database';

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
  /** pg's `idleTimeoutMillis` for that pool (pg's default, 10 s, when omitted); 0 keeps idle connections open. */
  idleTimeoutMillis?: number;
}

/**
 * A Nest application context (no HTTP listener: the benchmarks call PaymentsService directly) configured the way
 * a user would: TypeORM with the library's entities and migrations, `PaymentsModule.forRoot` with the Toss block
 * pointed at the simulator, logger off.
 *
 * Database: see openBenchDatabase.
 */
export async function bootBenchApp(options: BenchAppOptions): Promise<BenchApp> {
  const database = await openBenchDatabase();
  let app: INestApplicationContext | undefined;
  try {
    @Module({
      imports: [
        TypeOrmModule.forRoot(
          database.typeOrm(
            options.poolSize,
            options.idleTimeoutMillis === undefined ? undefined : { idleTimeoutMillis: options.idleTimeoutMillis },
          ),
        ),
        PaymentsModule.forRoot({
          gateways: {
            toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: options.tossBaseUrl },
          },
          encryption: BENCH_ENCRYPTION,
        }),
      ],
    })
    class BenchAppModule {}

    app = await NestFactory.createApplicationContext(BenchAppModule, { logger: false, abortOnError: false });
  } catch (error) {
    await closeAll(app, database);
    throw error;
  }

  return {
    payments: app.get(PaymentsService),
    dataSource: app.get(DataSource),
    database: database.label,
    embeddedDatabase: database.embedded,
    close: () => closeAll(app, database),
  };
}
