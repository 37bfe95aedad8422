import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PaymentsModule, ReconciliationService } from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY } from 'nestjs-kr-payments/testing';
import { BENCH_ENCRYPTION, closeAll, openBenchDatabase } from './bench-database';

export interface ReconcileApp {
  reconciliation: ReconciliationService;
  dataSource: DataSource;
  /** 'embedded PostgreSQL' or 'DATABASE_URL'. */
  database: string;
  embeddedDatabase: boolean;
  close(): Promise<void>;
}

/**
 * A Nest application context as a shop would configure it for the nightly run: TypeORM with the library's entities
 * and migrations, `PaymentsModule.forRoot` with Toss pointed at the simulator and the reconciliation options left at
 * their defaults (pages of 5,000, read-backs 8 at a time), logger off. Database: see openBenchDatabase.
 */
export async function bootReconcileApp(tossBaseUrl: string, poolSize: number): Promise<ReconcileApp> {
  const database = await openBenchDatabase();
  let app: INestApplicationContext | undefined;
  try {
    @Module({
      imports: [
        TypeOrmModule.forRoot(database.typeOrm(poolSize)),
        PaymentsModule.forRoot({
          gateways: {
            toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: tossBaseUrl },
          },
          encryption: BENCH_ENCRYPTION,
          reconciliation: {},
        }),
      ],
    })
    class ReconcileBenchModule {}

    app = await NestFactory.createApplicationContext(ReconcileBenchModule, { logger: false, abortOnError: false });
  } catch (error) {
    await closeAll(app, database);
    throw error;
  }
  return {
    reconciliation: app.get(ReconciliationService),
    dataSource: app.get(DataSource),
    database: database.label,
    embeddedDatabase: database.embedded,
    close: () => closeAll(app, database),
  };
}
