import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  OnPaymentEvent,
  OutboxDispatcher,
  PAYMENTS_ENTITIES,
  PAYMENTS_MIGRATIONS,
  PaymentsModule,
  PaymentsService,
  type EventsOptions,
  type PaymentsEvent,
} from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../libs/testing/src/postgres/test-database';
import { CapturingLogger } from '../support/logger';
import { TEST_ENCRYPTION, URLS } from '../support/harness';

/** What one app instance's handlers heard. `failNextPaid` makes the paid handler throw that many times first. */
@Injectable()
export class RecordingHandlers {
  readonly all: PaymentsEvent[] = [];
  readonly paid: PaymentsEvent<'payment.paid'>[] = [];
  failNextPaid = 0;

  @OnEvent('payments.**', { suppressErrors: false })
  record(event: PaymentsEvent): void {
    this.all.push(event);
  }

  @OnPaymentEvent('payment.paid')
  onPaid(event: PaymentsEvent<'payment.paid'>): void {
    if (this.failNextPaid > 0) {
      this.failNextPaid -= 1;
      throw new Error('the shop handler is down');
    }
    this.paid.push(event);
  }
}

export interface EventsApp {
  app: INestApplication;
  payments: PaymentsService;
  dataSource: DataSource;
  dispatcher: OutboxDispatcher;
  handlers: RecordingHandlers;
  logger: CapturingLogger;
  url: string;
  close(): Promise<void>;
}

/** One app instance on a shared database: TypeORM, EventEmitterModule, the library with events, a recording handler. */
export async function bootEventsApp(
  databaseUrl: string,
  sim: TossSimulator,
  events: EventsOptions,
  withEventEmitter = true,
): Promise<EventsApp> {
  @Module({
    imports: [
      TypeOrmModule.forRoot({
        type: 'postgres',
        url: databaseUrl,
        entities: [...PAYMENTS_ENTITIES],
        migrations: [...PAYMENTS_MIGRATIONS],
        migrationsRun: true,
        logging: false,
        retryAttempts: 0,
      }),
      ...(withEventEmitter ? [EventEmitterModule.forRoot({ wildcard: true, delimiter: '.' })] : []),
      PaymentsModule.forRoot({
        gateways: {
          toss: {
            secretKey: TOSS_TEST_SECRET_KEY,
            clientKey: TOSS_TEST_CLIENT_KEY,
            baseUrl: sim.url,
            timeouts: { connectMs: 1_000, readMs: 1_500, slowReadMs: 2_000 },
          },
        },
        encryption: TEST_ENCRYPTION,
        // The simulator delivers webhooks from loopback.
        webhooks: { ipAllowlist: { toss: ['127.0.0.1'] } },
        events,
      }),
    ],
    providers: [RecordingHandlers],
  })
  class EventsAppModule {}

  const logger = new CapturingLogger();
  const app = await NestFactory.create(EventsAppModule, { rawBody: true, logger, abortOnError: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return {
    app,
    payments: app.get(PaymentsService),
    dataSource: app.get(DataSource),
    dispatcher: app.get(OutboxDispatcher),
    handlers: app.get(RecordingHandlers),
    logger,
    url: `http://127.0.0.1:${port}`,
    close: () => app.close(),
  };
}

/** A paid Toss payment taken through the simulator's window. */
export async function payWithToss(shop: EventsApp, sim: TossSimulator, orderId: string, amount: number) {
  const { payment } = await shop.payments.prepare({
    gateway: 'toss',
    orderId,
    amount,
    orderName: '이벤트 상품',
    ...URLS,
  });
  const { paymentKey } = sim.authenticatePayment({ orderId, amount, orderName: payment.orderName });
  return { payment, paymentKey };
}

/** Waits (on the database, not a sleep) until no event is left undispatched. */
export async function outboxDrained(dataSource: DataSource, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ pending }] = await dataSource.query(
      `SELECT count(*)::int AS pending FROM "payment_events" WHERE "dispatched_at" IS NULL`,
    );
    if (pending === 0) return;
    if (Date.now() > deadline) throw new Error(`outbox still holds ${pending} undispatched events`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** One events app for a spec file: a Toss simulator, a fresh database and the app, started before and stopped after. */
export function useEventsShop(events: EventsOptions = { enabled: true, pollIntervalMs: 50 }) {
  const world = {} as { sim: TossSimulator; database: TestDatabase; shop: EventsApp };
  beforeAll(async () => {
    world.sim = await TossSimulator.start({ port: 0 });
    world.database = await createTestDatabase();
    world.shop = await bootEventsApp(world.database.url, world.sim, events);
  });
  afterAll(async () => {
    await world.shop?.close();
    await world.sim?.stop();
    await world.database?.drop();
  });
  return world;
}
