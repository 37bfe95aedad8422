import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { PaymentsModule, PaymentsService, type PaymentsModuleOptions } from 'nestjs-kr-payments';
import { BENCH_ENCRYPTION, closeAll, openBenchDatabase } from './bench-database';

export interface BenchHttpApp {
  app: INestApplication;
  payments: PaymentsService;
  dataSource: DataSource;
  /** `http://127.0.0.1:<port>`: the app's own HTTP server. */
  url: string;
  /** Where the data lives: 'embedded PostgreSQL' or 'DATABASE_URL'. */
  database: string;
  close(): Promise<void>;
}

export interface BenchHttpAppOptions {
  /** Size of the pg pool; give it at least the benchmark's concurrency so no request waits for a connection. */
  poolSize: number;
  /** pg's `idleTimeoutMillis` for that pool (pg's default, 10 s, when omitted); 0 keeps idle connections open. */
  idleTimeoutMillis?: number;
  /** `PaymentsModule.forRoot` options without the key ring (the benchmarks' own, BENCH_ENCRYPTION). */
  payments: Omit<PaymentsModuleOptions, 'encryption'>;
}

/**
 * A Nest *HTTP* application (the benchmarks that call PaymentsService directly use `bootBenchApp`, an application
 * context): what a shop runs when gateways must reach it. Created the way the README says — `NestFactory.create` with
 * `rawBody: true`, so signatures over the raw bytes can verify — with TypeORM on the library's entities and
 * migrations, `PaymentsModule.forRoot` (webhook controller on, `POST /payments/webhooks/<gateway>`), logger off, and
 * listening on 127.0.0.1 on a port the OS picks.
 *
 * Database: see openBenchDatabase.
 */
export async function bootBenchHttpApp(options: BenchHttpAppOptions): Promise<BenchHttpApp> {
  const database = await openBenchDatabase();
  let app: INestApplication | undefined;
  try {
    @Module({
      imports: [
        TypeOrmModule.forRoot(
          database.typeOrm(
            options.poolSize,
            options.idleTimeoutMillis === undefined ? undefined : { idleTimeoutMillis: options.idleTimeoutMillis },
          ),
        ),
        PaymentsModule.forRoot({ ...options.payments, encryption: BENCH_ENCRYPTION }),
      ],
    })
    class BenchHttpAppModule {}

    app = await NestFactory.create(BenchHttpAppModule, { rawBody: true, logger: false, abortOnError: false });
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await closeAll(app, database);
    throw error;
  }

  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    payments: app.get(PaymentsService),
    dataSource: app.get(DataSource),
    url: `http://127.0.0.1:${port}`,
    database: database.label,
    close: () => closeAll(app, database),
  };
}
