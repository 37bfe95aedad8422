import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BillingService, PaymentsModule, PaymentsService } from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY } from 'nestjs-kr-payments/testing';
import { BENCH_ENCRYPTION, closeAll, openBenchDatabase } from './bench-database';

export interface BillingBenchApp {
  payments: PaymentsService;
  billing: BillingService;
  dataSource: DataSource;
  /** 'embedded PostgreSQL' or 'DATABASE_URL'. */
  database: string;
  /** True when the PostgreSQL server is ours (embedded): its CPU time can be measured. */
  embeddedDatabase: boolean;
  close(): Promise<void>;
}

export interface BillingBenchAppOptions {
  tossBaseUrl: string;
  /** billing.concurrency: charges in flight at once. */
  concurrency: number;
  /** billing.batchSize: what one runDue pass takes when it is given no limit. */
  batchSize: number;
}

/**
 * The Nest application context of support/app.ts plus the `billing` block. The sweep timer stays off
 * (`enabled: false`): the benchmark drives `runDue` itself, so the measured time starts with the first pass rather
 * than whenever a timer happens to fire. The pg pool leaves room above the charges for the engine's own sweep and
 * lease renewals, so no charge waits for a connection.
 */
export async function bootBillingBenchApp(options: BillingBenchAppOptions): Promise<BillingBenchApp> {
  const database = await openBenchDatabase();
  let app: INestApplicationContext | undefined;
  try {
    @Module({
      imports: [
        TypeOrmModule.forRoot(database.typeOrm(options.concurrency + 8)),
        PaymentsModule.forRoot({
          gateways: {
            toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: options.tossBaseUrl },
          },
          encryption: BENCH_ENCRYPTION,
          billing: { enabled: false, concurrency: options.concurrency, batchSize: options.batchSize },
        }),
      ],
    })
    class BillingBenchModule {}

    app = await NestFactory.createApplicationContext(BillingBenchModule, { logger: false, abortOnError: false });
  } catch (error) {
    await closeAll(app, database);
    throw error;
  }
  return {
    payments: app.get(PaymentsService),
    billing: app.get(BillingService),
    dataSource: app.get(DataSource),
    database: database.label,
    embeddedDatabase: database.embedded,
    close: () => closeAll(app, database),
  };
}
