import type { DataSource, QueryRunner } from 'typeorm';
import type { BillingOptions } from 'nestjs-kr-payments';
import {
  NICEPAY_TEST_CLIENT_ID,
  NICEPAY_TEST_SECRET_KEY,
  TOSS_TEST_CLIENT_KEY,
  TOSS_TEST_SECRET_KEY,
} from 'nestjs-kr-payments/testing';
import { TEST_ENCRYPTION } from '../../support/harness';
import type { BillingShopFixture } from '../billing.fixtures';
import { BillingWorkerProcess } from './worker-process';
import type { WorkerConfig } from './worker-protocol';

/**
 * Starts a worker process on the fixture's database and simulators, with the fixture's key ring (billing keys are
 * encrypted at rest, so every instance needs the same keys). Its read timeout is long on purpose: a test that kills
 * a worker in the middle of a gateway call needs the call still waiting when the SIGKILL lands.
 */
export function startWorker(
  fixture: BillingShopFixture,
  instanceId: string,
  now: Date,
  billing: BillingOptions = {},
): Promise<BillingWorkerProcess> {
  const timeouts = { connectMs: 1_000, readMs: 15_000, slowReadMs: 15_000 };
  const config: WorkerConfig = {
    databaseUrl: fixture.shop.database.url,
    applicationName: instanceId,
    gateways: {
      toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: fixture.toss.url, timeouts },
      nicepay: {
        clientId: NICEPAY_TEST_CLIENT_ID,
        secretKey: NICEPAY_TEST_SECRET_KEY,
        baseUrl: fixture.nicepay.url,
        timeouts: { connectMs: 1_000, readMs: 15_000 },
      },
    },
    encryption: TEST_ENCRYPTION,
    billing: { ...billing, instanceId },
    now: now.toISOString(),
  };
  return BillingWorkerProcess.start(config);
}

/** Polls `check` every 25 ms until it returns true; fails naming `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface Backend {
  pid: number;
  state: string;
  waitEventType: string | null;
  /** Backends holding the lock this one waits for. */
  blockedBy: number[];
  /** The statement, cut at track_activity_query_size (1 kB by default). */
  query: string;
}

/** The PostgreSQL backends a worker has open (found by its application_name). */
export async function backendsOf(dataSource: DataSource, applicationName: string): Promise<Backend[]> {
  return dataSource.query(
    `SELECT pid, state, wait_event_type AS "waitEventType", pg_blocking_pids(pid) AS "blockedBy", query
       FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
    [applicationName],
  );
}

/**
 * A transaction held open by the test on its own connection, e.g. `SELECT … FOR UPDATE` of one row, so that a worker
 * reaching that row waits in PostgreSQL exactly there; `release()` rolls it back.
 */
export type HeldLock = Awaited<ReturnType<typeof holdLock>>;

export async function holdLock(dataSource: DataSource, sql: string, params: unknown[] = []) {
  const runner: QueryRunner = dataSource.createQueryRunner();
  await runner.connect();
  await runner.startTransaction();
  await runner.query(sql, params);
  const [{ pid }] = (await runner.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;
  return {
    /** The backend holding the lock: what a blocked worker's `blockedBy` names. */
    pid,
    release: async () => {
      if (runner.isReleased) return;
      await runner.rollbackTransaction();
      await runner.release();
    },
  };
}
