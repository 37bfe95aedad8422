import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  PAYMENTS_ENTITIES,
  PAYMENTS_MIGRATIONS,
  PaymentsConfigurationError,
  PaymentsModule,
  type PaymentsModuleOptions,
  type ReconciliationOptions,
} from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { ReconciliationScheduler } from '../../libs/payments/src/reconciliation/reconciliation.scheduler';
import { createTestDatabase, type TestDatabase } from '../../libs/testing/src/postgres/test-database';
import { bootPaymentsApp, CapturingLogger, TEST_ENCRYPTION } from '../support/harness';
import { ScenarioClock } from './reconciliation.fixtures';

/** The nightly trigger: cron in Asia/Seoul (or an interval) on the jobs base, options validated at boot. */
describe('reconciliation scheduling and options', () => {
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

  const options = (reconciliation: ReconciliationOptions, logger = new CapturingLogger()): PaymentsModuleOptions => ({
    gateways: { toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: sim.url } },
    encryption: TEST_ENCRYPTION,
    reconciliation,
    logger,
    // "Yesterday" is the library's clock's: pinned to noon of BUSINESS_DATE, the day the scheduler picks is known
    // whenever the suite runs.
    clock: new ScenarioClock(),
  });

  async function boot(reconciliation: ReconciliationOptions, logger: CapturingLogger): Promise<INestApplication> {
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
        PaymentsModule.forRoot(options(reconciliation, logger)),
      ],
    })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
    await app.init();
    return app;
  }

  it('registers a cron job in Asia/Seoul by default and reconciles yesterday (KST) per gateway', async () => {
    const logger = new CapturingLogger();
    const app = await boot({ enabled: true }, logger);
    try {
      const registry = app.get(SchedulerRegistry);
      const job = registry.getCronJob('kr-payments:reconciliation');
      expect(job.cronTime.source).toBe('0 4 * * *');
      expect(job.cronTime.timeZone).toBe('Asia/Seoul');
      expect(registry.getIntervals()).not.toContain('kr-payments:reconciliation');

      const results = await app.get(ReconciliationScheduler).runOnce();
      // The KST day before BUSINESS_DATE (2026-03-17), written out rather than computed by the code under test.
      const yesterday = '2026-03-16';
      expect(results).toEqual([expect.objectContaining({ gateway: 'toss', date: yesterday, outcome: 'SUCCEEDED' })]);
      expect(sim.requestsTo('GET', '/v1/transactions').at(-1)?.query).toMatchObject({
        startDate: `${yesterday}T00:00:00`,
        endDate: `${yesterday}T23:59:59`,
        limit: '5000',
      });
      expect(logger.at('log').some((line) => line.startsWith(`reconciliation: toss ${yesterday} SUCCEEDED`))).toBe(
        true,
      );
    } finally {
      await app.close();
    }
  });

  it('intervalMs replaces the cron', async () => {
    const app = await boot({ enabled: true, intervalMs: 3_600_000 }, new CapturingLogger());
    try {
      const registry = app.get(SchedulerRegistry);
      expect(registry.getIntervals()).toContain('kr-payments:reconciliation');
      expect(registry.doesExist('cron', 'kr-payments:reconciliation')).toBe(false);
    } finally {
      await app.close();
    }
  });

  it('enabled without ScheduleModule.forRoot() fails startup saying what to import', async () => {
    await expect(bootPaymentsApp(options({ enabled: true }), 'forRoot')).rejects.toThrow(/ScheduleModule\.forRoot\(\)/);
  });

  it('refuses settings that cannot work, naming every field', async () => {
    const error = await bootPaymentsApp(
      options({ enabled: 'yes' as unknown as boolean, cron: 'every night', pageSize: 6_000, gateways: ['kispg'] }),
      'forRoot',
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentsConfigurationError);
    const message = (error as Error).message;
    expect(message).toContain('reconciliation.enabled: must be a boolean');
    expect(message).toContain('reconciliation.cron: must be a cron expression');
    expect(message).toContain('reconciliation.pageSize: must be an integer between 1 and 5000');
    expect(message).toContain('reconciliation.gateways: kispg is not a configured gateway');
  });
});
