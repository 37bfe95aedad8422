import 'reflect-metadata';
import { Module, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BillingService, PAYMENTS_ENTITIES, PaymentsModule, type RunDueResult } from 'nestjs-kr-payments';
import { ManualClock } from '../../../libs/testing/src/clock';
import {
  WORKER_CONFIG_ENV,
  type WorkerAttempt,
  type WorkerCommand,
  type WorkerConfig,
  type WorkerMessage,
} from './worker-protocol';

/**
 * A second (third …) instance of an app using the library, as a real OS process: its own Nest application context,
 * its own TypeORM pool on the test's database, PaymentsModule with billing, talking to the test's simulators over
 * loopback HTTP. It runs BillingService.runDue() when the test asks (over the fork IPC channel) and reports what
 * each pass did. Started by worker-process.ts through ts-register.cjs.
 */
const config = JSON.parse(process.env[WORKER_CONFIG_ENV] ?? 'null') as WorkerConfig | null;
if (!config) throw new Error(`billing worker: ${WORKER_CONFIG_ENV} is not set`);

/** The library's warnings and errors go to stderr, which the test keeps for its failure messages. */
const stderrLogger: LoggerService = {
  log: () => undefined,
  warn: (message: unknown) => process.stderr.write(`warn ${String(message)}\n`),
  error: (message: unknown) => process.stderr.write(`error ${String(message)}\n`),
};

// The test process went away (crashed, killed), even while this one was still booting: never outlive it.
process.on('disconnect', () => process.exit(0));

const clock = new ManualClock(new Date(config.now));

@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'postgres',
      url: config.databaseUrl,
      applicationName: config.applicationName,
      entities: [...PAYMENTS_ENTITIES],
      migrationsRun: false, // the test's app migrated the database before any worker started
      logging: false,
      retryAttempts: 0,
    }),
    PaymentsModule.forRoot({
      gateways: config.gateways,
      encryption: config.encryption,
      billing: config.billing,
      clock,
      logger: stderrLogger,
    }),
  ],
})
class WorkerModule {}

const send = (message: WorkerMessage): void => {
  process.send?.(message);
};

const attemptsOf = (result: RunDueResult): WorkerAttempt[] =>
  result.attempts.map(({ orderId, cycleId, verdict }) => ({ orderId, cycleId, verdict }));

/** A pass did something when it created a cycle or an attempt, or ran one; `drain` stops at the first that did not. */
const didWork = (result: RunDueResult): boolean =>
  result.cyclesCreated + result.attemptsCreated + result.attempts.length > 0;

async function run(billing: BillingService, command: WorkerCommand): Promise<WorkerMessage> {
  clock.set(new Date(command.now));
  const attempts: WorkerAttempt[] = [];
  let passes = 0;
  for (;;) {
    const result = await billing.runDue();
    passes += 1;
    attempts.push(...attemptsOf(result));
    if (command.cmd === 'pass' || !didWork(result)) return { type: 'done', id: command.id, passes, attempts };
  }
}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(WorkerModule, { logger: false, abortOnError: false });
  const billing = app.get(BillingService);
  process.on('message', (command: WorkerCommand) => {
    run(billing, command).then(send, (error: unknown) =>
      send({ type: 'failed', id: command.id, message: error instanceof Error ? error.message : String(error) }),
    );
  });
  send({ type: 'ready' });
}

main().catch((error: unknown) => {
  process.stderr.write(`billing worker failed to boot: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
