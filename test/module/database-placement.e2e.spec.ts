import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import {
  PAYMENTS_MIGRATIONS,
  PaymentsConfigurationError,
  PaymentsModule,
  PaymentsService,
  PaymentStatus,
  paymentsTypeOrmOptions,
} from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../libs/testing/src/postgres/test-database';
import { TEST_ENCRYPTION, URLS } from '../support/harness';

/** The library's tables in their own schema, next to a host that already has a `payments` table of its own. */
describe('database placement: paymentsTypeOrmOptions({ schema })', () => {
  let database: TestDatabase;
  let sim: TossSimulator;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    sim = await TossSimulator.start({ port: 0 });
    const admin = new Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(`CREATE TABLE public.payments (id serial PRIMARY KEY, sku text NOT NULL, qty int NOT NULL)`);
    await admin.query(`INSERT INTO public.payments (sku, qty) VALUES ('host-row', 3)`);
    await admin.query(`CREATE SCHEMA kr_payments`);
    await admin.end();
  });
  afterAll(async () => {
    await app?.close();
    await sim?.stop();
    await database?.drop();
  });

  it('boots beside a host table named payments and keeps every row of its own in kr_payments', async () => {
    @Module({
      imports: [
        TypeOrmModule.forRoot({ type: 'postgres', url: database.url, entities: [], retryAttempts: 0 }),
        TypeOrmModule.forRoot({
          name: 'payments',
          type: 'postgres',
          url: database.url,
          ...paymentsTypeOrmOptions({ schema: 'kr_payments' }),
          migrationsRun: true,
          retryAttempts: 0,
        }),
        PaymentsModule.forRoot({
          gateways: {
            toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: sim.url },
          },
          encryption: TEST_ENCRYPTION,
          dataSourceName: 'payments',
        }),
      ],
    })
    class HostModule {}
    app = await NestFactory.create(HostModule, { logger: false, abortOnError: false });
    await app.init();
    const payments = app.get(PaymentsService);
    const orderId = `schema-${Date.now()}`;
    const { payment } = await payments.prepare({
      gateway: 'toss',
      orderId,
      amount: 4_000,
      orderName: '스키마',
      ...URLS,
    });
    const window = sim.authenticatePayment({ orderId, amount: 4_000, orderName: '스키마' });
    await payments.confirm({ gateway: 'toss', orderId, amount: 4_000, paymentKey: window.paymentKey });
    expect((await payments.get(payment.id)).status).toBe(PaymentStatus.PAID);

    const host = app.get<DataSource>(getDataSourceToken());
    expect(await host.query(`SELECT sku, qty FROM public.payments`)).toEqual([{ sku: 'host-row', qty: 3 }]);
    const ours = await host.query(`SELECT order_id, amount FROM kr_payments.payments`);
    expect(ours).toEqual([{ order_id: orderId, amount: '4000' }]);
    const tables: Array<{ table_schema: string; table_name: string }> = await host.query(
      `SELECT table_schema, table_name FROM information_schema.tables
        WHERE table_name IN ('payments', 'payment_cancels', 'kr_payments_migrations') ORDER BY 1, 2`,
    );
    expect(tables).toEqual([
      { table_schema: 'kr_payments', table_name: 'kr_payments_migrations' },
      { table_schema: 'kr_payments', table_name: 'payment_cancels' },
      { table_schema: 'kr_payments', table_name: 'payments' },
      { table_schema: 'public', table_name: 'payments' },
    ]);
  });

  it('every migration reverts and runs again inside kr_payments, the host table untouched', async () => {
    // Runs on the app booted above: its payments DataSource is the one pointed at the schema.
    const ours = (app as INestApplication).get<DataSource>(getDataSourceToken('payments'));
    for (let left = PAYMENTS_MIGRATIONS.length; left > 0; left -= 1) await ours.undoLastMigration();
    const afterRevert: Array<{ table_name: string }> = await ours.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'kr_payments' ORDER BY 1`,
    );
    expect(afterRevert).toEqual([{ table_name: 'kr_payments_migrations' }]);
    await ours.runMigrations();
    const indexes: Array<{ indexname: string }> = await ours.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'kr_payments' AND indexname LIKE 'ix_payments_repair_%'
        ORDER BY 1`,
    );
    expect(indexes.map((row) => row.indexname)).toEqual([
      'ix_payments_repair_abandoned',
      'ix_payments_repair_approval',
      'ix_payments_repair_deposit',
    ]);
    expect(await ours.query(`SELECT sku, qty FROM public.payments`)).toEqual([{ sku: 'host-row', qty: 3 }]);
  });

  it('refuses a schema name that is not a plain identifier', () => {
    for (const schema of ['Public', 'kr-payments', 'x; DROP TABLE payments', '']) {
      expect(() => paymentsTypeOrmOptions({ schema })).toThrow(PaymentsConfigurationError);
    }
  });
});
