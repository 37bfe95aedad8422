import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PAYMENTS_ENTITIES, PAYMENTS_MIGRATIONS, PaymentsModule, type PaymentsModuleOptions } from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, type TossSimulator } from 'nestjs-kr-payments/testing';
import { createTestDatabase, type TestDatabase } from '../../libs/testing/src/postgres/test-database';
import { ShopModule } from '../../src/shop/shop.module';
import { TEST_ENCRYPTION } from './harness';

export interface ShopHttpApp {
  app: INestApplication;
  /** http://127.0.0.1:<port> */
  url: string;
  database: TestDatabase;
  close(): Promise<void>;
}

/**
 * The example shop's REST API (ShopModule) over the library on a fresh test database, Toss pointed at the simulator:
 * what `npm start` serves, without the demo's wiring.
 */
export async function bootShopApp(
  toss: TossSimulator,
  options: Partial<PaymentsModuleOptions> = {},
): Promise<ShopHttpApp> {
  const database = await createTestDatabase();
  @Module({
    imports: [
      TypeOrmModule.forRoot({
        type: 'postgres',
        url: database.url,
        entities: [...PAYMENTS_ENTITIES],
        migrations: [...PAYMENTS_MIGRATIONS],
        migrationsRun: true,
        logging: false,
        // A failed connection fails the test at once instead of retrying after it ended.
        retryAttempts: 0,
      }),
      PaymentsModule.forRoot({
        gateways: { toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: toss.url } },
        encryption: TEST_ENCRYPTION,
        isGlobal: true,
        ...options,
      }),
      ShopModule,
    ],
  })
  class ShopAppModule {}
  const app = await NestFactory.create(ShopAppModule, { logger: false, abortOnError: false });
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  return {
    app,
    url,
    database,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
