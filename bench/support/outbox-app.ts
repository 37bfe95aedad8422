import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import {
  OnPaymentEvent,
  OutboxDispatcher,
  PaymentsModule,
  type EventsOptions,
  type PaymentsEvent,
} from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY } from 'nestjs-kr-payments/testing';
import { PaymentsOutbox } from '../../libs/payments/src/events/outbox';
import { BENCH_ENCRYPTION, type BenchDatabase } from './bench-database';

/** What the benchmark's handler saw: when each event arrived (performance.now()) and in which order per aggregate. */
@Injectable()
export class ArrivalRecorder {
  readonly arrivedAt = new Map<string, number>();
  readonly deliveries = new Map<string, number>();
  readonly orderByAggregate = new Map<string, string[]>();

  @OnPaymentEvent('payment.paid')
  onPaid(event: PaymentsEvent<'payment.paid'>): void {
    if (!this.arrivedAt.has(event.id)) this.arrivedAt.set(event.id, performance.now());
    this.deliveries.set(event.id, (this.deliveries.get(event.id) ?? 0) + 1);
    const seen = this.orderByAggregate.get(event.aggregateId) ?? [];
    seen.push(event.id);
    this.orderByAggregate.set(event.aggregateId, seen);
  }
}

export interface OutboxBenchApp {
  dataSource: DataSource;
  outbox: PaymentsOutbox;
  dispatcher: OutboxDispatcher;
  recorder: ArrivalRecorder;
  close(): Promise<void>;
}

/** A Nest context with the library, events on as given, EventEmitterModule and the recording handler. */
export async function bootOutboxApp(
  database: BenchDatabase,
  tossBaseUrl: string,
  events: EventsOptions,
): Promise<OutboxBenchApp> {
  @Module({
    imports: [
      TypeOrmModule.forRoot(database.typeOrm(16)),
      EventEmitterModule.forRoot(),
      PaymentsModule.forRoot({
        gateways: { toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: tossBaseUrl } },
        encryption: BENCH_ENCRYPTION,
        events: { enabled: true, ...events },
      }),
    ],
    providers: [ArrivalRecorder],
  })
  class OutboxBenchModule {}

  const app: INestApplicationContext = await NestFactory.createApplicationContext(OutboxBenchModule, {
    logger: false,
    abortOnError: false,
  });
  await app.init();
  return {
    dataSource: app.get(DataSource),
    outbox: app.get(PaymentsOutbox),
    dispatcher: app.get(OutboxDispatcher),
    recorder: app.get(ArrivalRecorder),
    close: () => app.close(),
  };
}
