import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  PAYMENTS_ENTITIES,
  PAYMENTS_MIGRATIONS,
  PaymentsConfigurationError,
  PaymentsModule,
  PaymentsService,
  PaymentStatus,
  type PaymentsModuleOptions,
} from 'nestjs-kr-payments';
import { OffsetClock, TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { RepairScheduler } from '../../libs/payments/src/jobs/repair.scheduler';
import { createTestDatabase, type TestDatabase } from '../../libs/testing/src/postgres/test-database';
import { bootPaymentsApp, CapturingLogger, TEST_ENCRYPTION, URLS } from '../support/harness';

/**
 * The repair job on a timer: enabled from the module options, driven by @nestjs/schedule, one run at a time across
 * instances (a PostgreSQL advisory lock), one log line per run with its counts.
 */
describe('repair job scheduling', () => {
  let sim: TossSimulator;
  let database: TestDatabase;
  beforeAll(async () => {
    sim = await TossSimulator.start({ port: 0 });
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await sim.stop();
    await database.drop();
  });

  const options = (clock: OffsetClock, logger: CapturingLogger): PaymentsModuleOptions => ({
    gateways: { toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: sim.url } },
    encryption: TEST_ENCRYPTION,
    jobs: { repair: { enabled: true, intervalMs: 60_000 } },
    clock,
    logger,
  });

  async function bootWithSchedule(clock: OffsetClock, logger: CapturingLogger): Promise<INestApplication> {
    @Module({
      imports: [
        ScheduleModule.forRoot(),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: database.url,
          entities: [...PAYMENTS_ENTITIES],
          migrations: [...PAYMENTS_MIGRATIONS],
          migrationsRun: true,
          logging: false,
        }),
        PaymentsModule.forRoot(options(clock, logger)),
      ],
    })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
    await app.init();
    return app;
  }

  it('registers an interval, runs one rule pass per tick under the advisory lock, and logs its counts', async () => {
    const clock = new OffsetClock();
    const logger = new CapturingLogger();
    const [a, b] = [await bootWithSchedule(clock, logger), await bootWithSchedule(clock, logger)];
    try {
      expect(a.get(SchedulerRegistry).getIntervals()).toContain('kr-payments:repair');
      const payments = a.get(PaymentsService);
      const { payment } = await payments.prepare({ ...URLS, gateway: 'toss', amount: 5_000, orderName: 'left open' });
      clock.advance(25 * 60 * 60_000); // past the default 24 h: an abandoned checkout

      // While another instance holds the run (its advisory lock), a tick here skips and changes nothing.
      const holder = b.get(DataSource).createQueryRunner();
      await holder.connect();
      await holder.query("SELECT pg_advisory_lock(hashtext('kr_payments:repair'))");
      expect(await a.get(RepairScheduler).runOnce()).toBeNull();
      expect((await payments.get(payment.id)).status).toBe(PaymentStatus.READY);
      await holder.query("SELECT pg_advisory_unlock(hashtext('kr_payments:repair'))");
      await holder.release();

      const ran = await a.get(RepairScheduler).runOnce();
      expect(ran).toEqual(
        expect.arrayContaining([{ paymentId: payment.id, rule: 'abandoned', status: PaymentStatus.EXPIRED }]),
      );
      expect((await payments.get(payment.id)).status).toBe(PaymentStatus.EXPIRED);
      expect(logger.at('log').filter((line) => line.startsWith('repair: '))).toEqual([
        expect.stringMatching(/^repair: \d+ payments: .*abandoned→EXPIRED \d+.* in \d+ ms$/),
      ]);

      // The lock is free again: the next tick runs (and finds nothing left to do for that payment).
      const next = await b.get(RepairScheduler).runOnce();
      expect(next?.some((result) => result.paymentId === payment.id)).toBe(false);
      const [{ held }] = await a
        .get(DataSource)
        .query("SELECT count(*)::int AS held FROM pg_locks WHERE locktype = 'advisory' AND granted");
      expect(held).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('enabled without ScheduleModule.forRoot() fails startup with a message saying what to import', async () => {
    await expect(bootPaymentsApp(options(new OffsetClock(), new CapturingLogger()), 'forRoot')).rejects.toThrow(
      PaymentsConfigurationError,
    );
    await expect(bootPaymentsApp(options(new OffsetClock(), new CapturingLogger()), 'forRoot')).rejects.toThrow(
      /ScheduleModule\.forRoot\(\)/,
    );
  });

  it('refuses repair settings that cannot work, naming the field', async () => {
    await expect(
      bootPaymentsApp(
        { ...options(new OffsetClock(), new CapturingLogger()), jobs: { repair: { intervalMs: 10, readyTtlMs: -1 } } },
        'forRoot',
      ),
    ).rejects.toThrow(/jobs\.repair\.intervalMs.*\n?.*jobs\.repair\.readyTtlMs|jobs\.repair\.intervalMs/s);
  });
});
