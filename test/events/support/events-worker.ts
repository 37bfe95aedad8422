/**
 * An app instance in its own OS process for the outbox kill tests. It boots the library with events on, takes one
 * Toss payment when told (the parent opens the simulator's window), and, with `hangInHandler`, never returns from
 * its `payment.paid` handler: the dispatcher has claimed the event and is killed holding it.
 * Protocol (fork IPC): child → { type: 'ready' } · parent → { type: 'pay', orderId, amount } · child → { type:
 * 'prepared' } · parent → { type: 'confirm', paymentKey } · child → { type: 'confirmed', paymentId } and, with
 * `hangInHandler`, → { type: 'handling', eventId }.
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  OnPaymentEvent,
  PAYMENTS_ENTITIES,
  PAYMENTS_MIGRATIONS,
  PaymentsModule,
  PaymentsService,
  type PaymentsEvent,
} from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY } from 'nestjs-kr-payments/testing';
import { EVENTS_WORKER_ENV, type EventsWorkerConfig } from './events-worker.protocol';

const config = JSON.parse(process.env[EVENTS_WORKER_ENV] ?? '{}') as EventsWorkerConfig;
const send = (message: object) => process.send?.(message);

@Injectable()
class HangingHandler {
  @OnPaymentEvent('payment.paid')
  async onPaid(event: PaymentsEvent<'payment.paid'>): Promise<void> {
    if (!config.hangInHandler) return;
    send({ type: 'handling', eventId: event.id });
    await new Promise(() => undefined); // never settles: the process is killed while the event is claimed
  }
}

@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'postgres',
      url: config.databaseUrl,
      entities: [...PAYMENTS_ENTITIES],
      migrations: [...PAYMENTS_MIGRATIONS],
      migrationsRun: true,
      retryAttempts: 0,
    }),
    EventEmitterModule.forRoot(),
    PaymentsModule.forRoot({
      gateways: { toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: config.tossUrl } },
      encryption: config.encryption,
      events: config.events,
    }),
  ],
  providers: [HangingHandler],
})
class EventsWorkerModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(EventsWorkerModule, { logger: false });
  const payments = app.get(PaymentsService);
  let order: { orderId: string; amount: number } | undefined;
  process.on('message', (message: { type: string; orderId?: string; amount?: number; paymentKey?: string }) => {
    void (async () => {
      if (message.type === 'pay' && message.orderId && message.amount) {
        order = { orderId: message.orderId, amount: message.amount };
        await payments.prepare({
          gateway: 'toss',
          ...order,
          orderName: '이벤트 상품',
          returnUrl: 'https://shop.example/pay/success',
          failUrl: 'https://shop.example/pay/fail',
        });
        send({ type: 'prepared' });
      } else if (message.type === 'confirm' && order && message.paymentKey) {
        const paid = await payments.confirm({ gateway: 'toss', ...order, paymentKey: message.paymentKey });
        send({ type: 'confirmed', paymentId: paid.id });
      }
    })();
  });
  // The parent's death ends the worker too (no orphan holds database connections).
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

void main();
