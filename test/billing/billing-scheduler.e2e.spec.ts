import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  BillingCycle,
  BillingCycleStatus,
  BillingService,
  PAYMENTS_ENTITIES,
  PAYMENTS_MIGRATIONS,
  PaymentsConfigurationError,
  PaymentsModule,
  PaymentsService,
  type PaymentsModuleOptions,
} from 'nestjs-kr-payments';
import { ManualClock, TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { BillingScheduler } from '../../libs/payments/src/billing/billing.scheduler';
import { createTestDatabase, type TestDatabase } from '../../libs/testing/src/postgres/test-database';
import { bootPaymentsApp, CapturingLogger, TEST_ENCRYPTION } from '../support/harness';
import { CHARGE_PATHS } from './billing.fixtures';

/** Boots the library the way an app enabling the sweep would: ScheduleModule, TypeORM, PaymentsModule. */
async function bootWithSchedule(databaseUrl: string, options: PaymentsModuleOptions): Promise<INestApplication> {
  @Module({
    imports: [
      ScheduleModule.forRoot(),
      TypeOrmModule.forRoot({
        type: 'postgres',
        url: databaseUrl,
        entities: [...PAYMENTS_ENTITIES],
        migrations: [...PAYMENTS_MIGRATIONS],
        migrationsRun: true,
        logging: false,
        // A failed connection fails the test at once instead of retrying after it ended.
        retryAttempts: 0,
      }),
      PaymentsModule.forRoot(options),
    ],
  })
  class AppModule {}
  const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
  await app.init();
  return app;
}

/** Polls until `check` holds (the cron fires on its own schedule), failing after `ms`. */
async function eventually(check: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `billing.enabled`: the sweep on a timer on every instance (no advisory lock), one log line per pass. */
describe('billing scheduler', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  const options = (logger: CapturingLogger): PaymentsModuleOptions => ({
    // No charge is due in these tests: the gateway is never called.
    gateways: {
      toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: 'http://127.0.0.1:9' },
    },
    encryption: TEST_ENCRYPTION,
    billing: { enabled: true, sweepIntervalMs: 60_000 },
    logger,
  });

  it('registers its interval and runs a pass while another instance holds every advisory lock', async () => {
    const logger = new CapturingLogger();
    const app = await bootWithSchedule(database.url, options(logger));
    try {
      expect(app.get(SchedulerRegistry).getIntervals()).toContain('kr-payments:billing');
      expect(app.get(SchedulerRegistry).getCronJobs().has('kr-payments:billing')).toBe(false);
      // The advisory lock other jobs take does not apply: every instance sweeps at once.
      const holder = app.get(DataSource).createQueryRunner();
      await holder.connect();
      await holder.query("SELECT pg_advisory_lock(hashtext('kr_payments:billing'))");
      const result = await app.get(BillingScheduler).runOnce();
      await holder.query("SELECT pg_advisory_unlock(hashtext('kr_payments:billing'))");
      await holder.release();
      expect(result).toMatchObject({ cyclesCreated: 0, attempts: [], haltedGateways: [] });
      expect(logger.at('log').filter((line) => line.startsWith('billing: '))).toEqual([
        expect.stringMatching(/^billing: 0 cycles, 0 attempts in \d+ ms$/),
      ]);
    } finally {
      await app.close();
    }
  });

  it('sweepCron: a cron job in billing.timeZone instead of the interval, whose tick charges what is due', async () => {
    const cronDatabase = await createTestDatabase();
    const toss = await TossSimulator.start({ port: 0 });
    const clock = new ManualClock(new Date('2027-01-01T00:00:00Z'));
    const logger = new CapturingLogger();
    const app = await bootWithSchedule(cronDatabase.url, {
      gateways: { toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: toss.url } },
      encryption: TEST_ENCRYPTION,
      clock,
      // Every second, so the test sees a tick soon; Tokyo (also UTC+9) shows the cron follows billing.timeZone.
      billing: { enabled: true, sweepCron: '* * * * * *', timeZone: 'Asia/Tokyo' },
      logger,
    });
    try {
      const registry = app.get(SchedulerRegistry);
      expect(registry.getIntervals()).not.toContain('kr-payments:billing');
      const job = registry.getCronJob('kr-payments:billing');
      expect(job.isActive).toBe(true);
      expect(job.cronTime.timeZone).toBe('Asia/Tokyo');

      const customerKey = 'cust_cron_1';
      const { authKey } = toss.authenticateBilling({ customerKey });
      const key = await app.get(PaymentsService).issueBillingKey({ gateway: 'toss', customerKey, authKey });
      const subscription = await app.get(BillingService).createSubscription({
        gateway: 'toss',
        customerKey,
        billingKeyId: key.id,
        amount: 4_900,
        orderName: 'Cron plan',
        interval: { unit: 'MONTH' },
        startDate: '2027-01-02',
      });
      clock.set(new Date('2027-01-02T01:00:00Z')); // 10:00 in Tokyo on the first charge date

      const cycles = () => app.get(DataSource).manager.findBy(BillingCycle, { subscriptionId: subscription.id });
      await eventually(async () => (await cycles()).some((c) => c.status === BillingCycleStatus.PAID), 5_000);
      expect(await cycles()).toEqual([expect.objectContaining({ cycleNo: 1, amount: 4_900 })]);
      expect(toss.requestsTo('POST', CHARGE_PATHS.toss)).toHaveLength(1);
      // The pass logs once it returns, a moment after the settlement committed.
      const passLine = /^billing: 1 cycles, 1 attempts: PAID 1 in \d+ ms$/;
      await eventually(async () => logger.at('log').some((line) => passLine.test(line)), 5_000);
    } finally {
      await app.close();
      await toss.stop();
      await cronDatabase.drop();
    }
    // Shutdown stopped the job: no tick runs against the closed app.
    expect(app.get(SchedulerRegistry).getCronJobs().has('kr-payments:billing')).toBe(false);
  });

  it('enabled without ScheduleModule.forRoot() fails startup saying what to import', async () => {
    await expect(bootPaymentsApp(options(new CapturingLogger()), 'forRoot')).rejects.toThrow(
      PaymentsConfigurationError,
    );
    const cron = { ...options(new CapturingLogger()), billing: { enabled: true, sweepCron: '* * * * *' } };
    await expect(bootPaymentsApp(cron, 'forRoot')).rejects.toThrow(/ScheduleModule\.forRoot\(\)/);
  });

  it('refuses billing settings that cannot work, naming the field', async () => {
    const bad = { ...options(new CapturingLogger()), billing: { concurrency: 0, timeZone: 'Nowhere/City' } };
    await expect(bootPaymentsApp(bad, 'forRoot')).rejects.toThrow(/billing\.concurrency/);
  });

  it.each([
    [{ sweepCron: '61 * * * *' }, "billing.sweepCron: must be a cron expression like '* * * * *' (every minute)"],
    [{ sweepCron: 42 as never }, "billing.sweepCron: must be a cron expression like '* * * * *' (every minute)"],
    [
      { sweepCron: '* * * * *', sweepIntervalMs: 30_000 },
      'billing.sweepCron: set either sweepCron or sweepIntervalMs, not both',
    ],
  ])('refuses sweepCron %j naming the field', async (billing, problem) => {
    const bad = { ...options(new CapturingLogger()), billing: { enabled: true, ...billing } };
    const refusal = bootPaymentsApp(bad, 'forRoot');
    await expect(refusal).rejects.toThrow(PaymentsConfigurationError);
    await expect(refusal).rejects.toThrow(problem);
  });
});
