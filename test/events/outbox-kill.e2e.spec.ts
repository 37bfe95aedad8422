import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PaymentEvent } from 'nestjs-kr-payments';
import { TossSimulator } from 'nestjs-kr-payments/testing';
import { createTestDatabase, type TestDatabase } from '../../libs/testing/src/postgres/test-database';
import { TEST_ENCRYPTION } from '../support/harness';
import { bootEventsApp, outboxDrained, type EventsApp } from './events.fixtures';
import { EVENTS_WORKER_ENV, type EventsWorkerConfig } from './support/events-worker.protocol';

const REGISTER = join(__dirname, '../../scripts/ts-register.cjs');
const ENTRY = join(__dirname, 'support/events-worker.ts');

jest.setTimeout(90_000);

/**
 * At-least-once across a real `kill -9`: an instance in its own process commits a payment (and its event) and dies
 * before publishing it, or dies while its handler holds the claimed event. A fresh instance on the same database
 * delivers the event, with the same id.
 */
describe('money events: an instance killed with SIGKILL', () => {
  let sim: TossSimulator;
  let database: TestDatabase;
  const children = new Set<ChildProcess>();
  let survivor: EventsApp | undefined;
  let seq = 0;

  beforeAll(async () => {
    sim = await TossSimulator.start({ port: 0 });
    database = await createTestDatabase();
  });
  afterEach(async () => {
    for (const child of children) child.kill('SIGKILL');
    children.clear();
    await survivor?.close();
    survivor = undefined;
  });
  afterAll(async () => {
    await sim?.stop();
    await database?.drop();
  });

  function startWorker(options: Pick<EventsWorkerConfig, 'events' | 'hangInHandler'>) {
    const config: EventsWorkerConfig = {
      databaseUrl: database.url,
      tossUrl: sim.url,
      encryption: TEST_ENCRYPTION,
      ...options,
    };
    const child = fork(ENTRY, [], {
      env: { ...process.env, [EVENTS_WORKER_ENV]: JSON.stringify(config) },
      execArgv: ['-r', REGISTER, '--disable-warning=ExperimentalWarning'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    children.add(child);
    const next = (type: string) =>
      new Promise<Record<string, string>>((resolve, reject) => {
        const onMessage = (message: Record<string, string>) => {
          if (message.type !== type) return;
          child.off('message', onMessage);
          resolve(message);
        };
        child.on('message', onMessage);
        child.once('exit', (code, signal) => reject(new Error(`worker exited (${signal ?? code}) before '${type}'`)));
      });
    return { child, next };
  }

  async function payThroughWorker(worker: ReturnType<typeof startWorker>, amount: number) {
    await worker.next('ready');
    const orderId = `evt-kill-${Date.now()}-${++seq}`;
    const prepared = worker.next('prepared');
    worker.child.send({ type: 'pay', orderId, amount });
    await prepared;
    const { paymentKey } = sim.authenticatePayment({ orderId, amount, orderName: '이벤트 상품' });
    return { orderId, paymentKey };
  }

  async function killed(child: ChildProcess): Promise<void> {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  it('committed, never dispatched (the instance only writes), killed → delivered once by the next instance', async () => {
    const worker = startWorker({ events: { enabled: true, dispatch: false }, hangInHandler: false });
    const { paymentKey } = await payThroughWorker(worker, 6_000);
    const confirmed = worker.next('confirmed');
    worker.child.send({ type: 'confirm', paymentKey });
    const { paymentId } = await confirmed;
    await killed(worker.child);

    survivor = await bootEventsApp(database.url, sim, { enabled: true, pollIntervalMs: 50 });
    await outboxDrained(survivor.dataSource);
    const heard = survivor.handlers.paid.filter((event) => event.aggregateId === paymentId);
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatchObject({ attempt: 1, payload: { paymentId, status: 'PAID', amount: 6_000 } });
  });

  it('killed while its handler held the claimed event → redelivered after the lease, same id, attempt 2', async () => {
    const worker = startWorker({ events: { enabled: true, leaseMs: 1_000, pollIntervalMs: 50 }, hangInHandler: true });
    const { paymentKey } = await payThroughWorker(worker, 7_000);
    const handling = worker.next('handling');
    worker.child.send({ type: 'confirm', paymentKey });
    const { eventId } = await handling;
    await killed(worker.child);
    const [claimed] = await (await bootlessQuery(database.url, eventId)).rows;
    expect(claimed).toMatchObject({ attempts: 1, dispatched: false });

    survivor = await bootEventsApp(database.url, sim, { enabled: true, pollIntervalMs: 50, leaseMs: 1_000 });
    await outboxDrained(survivor.dataSource);
    const redelivered = survivor.handlers.paid.filter((event) => event.id === eventId);
    expect(redelivered).toEqual([expect.objectContaining({ id: eventId, attempt: 2 })]);
    const row = await survivor.dataSource.manager.findOneByOrFail(PaymentEvent, { id: eventId });
    expect(row).toMatchObject({ attempts: 2, dispatchedAt: expect.any(Date) });
  });
});

/** Reads the event's row with a plain pg client (no app is up between the kill and the next boot). */
async function bootlessQuery(url: string, eventId: string) {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(
      `SELECT "attempts", "dispatched_at" IS NOT NULL AS dispatched FROM "payment_events" WHERE "id" = $1`,
      [eventId],
    );
  } finally {
    await client.end();
  }
}
