import { Injectable, Module, type INestApplication, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  PAYMENTS_ENTITIES,
  PAYMENTS_MIGRATIONS,
  PaymentsModule,
  PaymentsService,
  type PaymentsModuleExtras,
  type PaymentsModuleOptions,
} from 'nestjs-kr-payments';
import { createTestDatabase, type TestDatabase } from '../../libs/testing/src/postgres/test-database';

/** The shop's checkout return URLs (Toss successUrl / failUrl). */
export const URLS = { returnUrl: 'https://shop.example/pay/success', failUrl: 'https://shop.example/pay/fail' };

/** A fixed test key ring (never use outside tests). */
export const TEST_ENCRYPTION = {
  keys: { k1: Buffer.alloc(32, 7).toString('base64'), k2: Buffer.alloc(32, 9).toString('base64') },
  activeKeyId: 'k1',
  lookupKeyId: 'k1',
};

export { CapturingLogger } from './logger';

export type RegistrationStyle = 'forRoot' | 'useFactory' | 'useClass' | 'useExisting';

export interface ShopApp {
  app: INestApplication;
  payments: PaymentsService;
  dataSource: DataSource;
  /** http://127.0.0.1:<port> */
  url: string;
  database: TestDatabase;
  close(): Promise<void>;
}

/**
 * Boots a Nest app the way a user would: TypeORM on a fresh test database with the library's entities and
 * migrations, PaymentsModule registered in the given style, listening on loopback (webhooks reach it).
 */
export async function bootPaymentsApp(
  options: PaymentsModuleOptions,
  style: RegistrationStyle = 'useFactory',
  logger?: LoggerService,
  extras: PaymentsModuleExtras = {},
): Promise<ShopApp> {
  const database = await createTestDatabase();

  @Injectable()
  class PaymentsOptionsFactory {
    createPaymentsOptions(): PaymentsModuleOptions {
      return options;
    }
  }
  @Module({ providers: [PaymentsOptionsFactory], exports: [PaymentsOptionsFactory] })
  class OptionsModule {}

  const paymentsImport =
    style === 'forRoot'
      ? PaymentsModule.forRoot({ ...options, ...extras })
      : style === 'useFactory'
        ? PaymentsModule.forRootAsync({ useFactory: async () => options, ...extras })
        : style === 'useClass'
          ? PaymentsModule.forRootAsync({ useClass: PaymentsOptionsFactory, ...extras })
          : PaymentsModule.forRootAsync({ imports: [OptionsModule], useExisting: PaymentsOptionsFactory, ...extras });

  @Module({
    imports: [
      TypeOrmModule.forRoot({
        type: 'postgres',
        url: database.url,
        entities: [...PAYMENTS_ENTITIES],
        migrations: [...PAYMENTS_MIGRATIONS],
        migrationsRun: true,
        logging: false,
        extra: { max: 40 },
        retryAttempts: 0,
      }),
      paymentsImport,
    ],
  })
  class TestAppModule {}

  // A boot failure leaves the database to the server teardown: TypeORM may still be running migrations on it when a
  // PaymentsModule option fails validation, and dropping it under its feet only adds noise.
  const app: INestApplication = await NestFactory.create(TestAppModule, {
    rawBody: true,
    logger: logger ?? false,
    abortOnError: false,
  });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    payments: app.get(PaymentsService),
    dataSource: app.get(DataSource),
    url: `http://127.0.0.1:${address.port}`,
    database,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
