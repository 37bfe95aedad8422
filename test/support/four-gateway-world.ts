import { Module, type DynamicModule, type INestApplication, type LoggerService, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  PAYMENTS_ENTITIES,
  PAYMENTS_MIGRATIONS,
  PaymentsModule,
  PaymentsService,
  type PaymentsModuleOptions,
} from 'nestjs-kr-payments';
import {
  AppsInTossSimulator,
  createTestPki,
  KISPG_TEST_MERCHANT_KEY,
  KISPG_TEST_MID,
  KispgSimulator,
  NICEPAY_TEST_CLIENT_ID,
  NICEPAY_TEST_SECRET_KEY,
  NicePaySimulator,
  TOSS_TEST_CLIENT_KEY,
  TOSS_TEST_SECRET_KEY,
  TossSimulator,
} from 'nestjs-kr-payments/testing';
import { createTestDatabase } from '../../libs/testing/src/postgres/test-database';
import { seedFourGateways, type Seeds } from './four-gateway-seeds';
import { TEST_ENCRYPTION, type ShopApp } from './harness';

export type { Seeds } from './four-gateway-seeds';

/** The 보안 키 the Toss simulator signs payout webhooks with, and the app verifies them with. */
export const PAYOUT_SECURITY_KEY = 'f0'.repeat(32);

export interface FourGatewayWorld {
  toss: TossSimulator;
  nicepay: NicePaySimulator;
  kispg: KispgSimulator;
  appsInToss: AppsInTossSimulator;
  shop: ShopApp;
  seeds: Seeds;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** Modules of the host app next to TypeORM and PaymentsModule (e.g. the example shop's REST API). */
  imports?: Array<Type<unknown> | DynamicModule>;
  logger?: LoggerService;
}

/**
 * The four shipped gateways against their simulators (Apps-in-Toss over mutual TLS), one Nest app on loopback with
 * `rawBody: true` on a fresh database, every webhook allowlist opened (deliveries come from 127.0.0.1) and the
 * rejected-delivery budget off, so every body a test posts reaches parsing. Payments in several states are seeded
 * (see four-gateway-seeds.ts). The simulators deliver no webhooks of their own: every delivery is the test's.
 */
export async function startFourGatewayWorld(options: WorldOptions = {}): Promise<FourGatewayWorld> {
  const pki = await createTestPki();
  const toss = await TossSimulator.start({ port: 0, payoutSecurityKey: PAYOUT_SECURITY_KEY });
  const nicepay = await NicePaySimulator.start({ port: 0 });
  const kispg = await KispgSimulator.start({ port: 0 });
  const appsInToss = await AppsInTossSimulator.start({ port: 0, pki });
  const paymentsOptions: PaymentsModuleOptions = {
    gateways: {
      toss: {
        secretKey: TOSS_TEST_SECRET_KEY,
        clientKey: TOSS_TEST_CLIENT_KEY,
        baseUrl: toss.url,
        webhook: { payoutSecurityKeys: [PAYOUT_SECURITY_KEY] },
      },
      nicepay: { clientId: NICEPAY_TEST_CLIENT_ID, secretKey: NICEPAY_TEST_SECRET_KEY, baseUrl: nicepay.url },
      kispg: {
        mid: KISPG_TEST_MID,
        merchantKey: KISPG_TEST_MERCHANT_KEY,
        baseUrl: kispg.url,
        // The simulator's invented codes (docs/gateways/kispg.md#simulator-inventions).
        resultCodeCategories: { SIM2: 'configuration', SIM3: 'configuration', SIM5: 'not-found' },
      },
      appsInToss: {
        tlsCert: pki.clientCert,
        tlsKey: pki.clientKey,
        ca: pki.caCert,
        payBaseUrl: appsInToss.url,
        testPayment: true,
      },
    },
    encryption: TEST_ENCRYPTION,
    webhooks: { ipAllowlist: { toss: [], nicepay: [], kispg: [] }, rejectedPerSource: false },
  };
  const shop = await bootApp(paymentsOptions, options);
  const world = {
    toss,
    nicepay,
    kispg,
    appsInToss,
    shop,
    seeds: undefined as unknown as Seeds,
    close: async () => {
      await shop.close();
      for (const sim of [toss, nicepay, kispg, appsInToss]) await sim.stop();
    },
  };
  try {
    world.seeds = await seedFourGateways(world);
  } catch (error) {
    await world.close();
    throw error;
  }
  return world;
}

async function bootApp(paymentsOptions: PaymentsModuleOptions, options: WorldOptions): Promise<ShopApp> {
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
        extra: { max: 20 },
        retryAttempts: 0,
      }),
      PaymentsModule.forRoot({ ...paymentsOptions, isGlobal: true }),
      ...(options.imports ?? []),
    ],
  })
  class FourGatewayAppModule {}

  const app: INestApplication = await NestFactory.create(FourGatewayAppModule, {
    rawBody: true,
    logger: options.logger ?? false,
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
