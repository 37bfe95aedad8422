import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  PAYMENTS_ENTITIES,
  PAYMENTS_MIGRATIONS,
  PaymentOutcomeUnknownError,
  PaymentsModule,
  PaymentsService,
  ReconciliationService,
} from 'nestjs-kr-payments';
import { ManualClock, TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';

/** The KST day the demo's payments are made on, and when its reconciliation runs (04:00 the next morning). */
export const DEMO_DATE = '2026-12-01';
const RUN_AT = new Date('2026-12-02T04:00:00+09:00');
const URLS = { returnUrl: 'https://shop.example/pay/success', failUrl: 'https://shop.example/pay/fail' };

export interface DemoWorld {
  app: INestApplicationContext;
  sim: TossSimulator;
  clock: ManualClock;
  payments: PaymentsService;
  reconciliation: ReconciliationService;
  dataSource: DataSource;
  close(): Promise<void>;
}

/** The library against `databaseUrl` and a Toss simulator sharing one manual clock, so a whole day can be played. */
export async function startDemoWorld(databaseUrl: string): Promise<DemoWorld> {
  const clock = new ManualClock(new Date(`${DEMO_DATE}T09:00:00+09:00`));
  const sim = await TossSimulator.start({ port: 0, clock });
  @Module({
    imports: [
      TypeOrmModule.forRoot({
        type: 'postgres',
        url: databaseUrl,
        entities: [...PAYMENTS_ENTITIES],
        migrations: [...PAYMENTS_MIGRATIONS],
        migrationsRun: true,
        logging: false,
      }),
      PaymentsModule.forRoot({
        gateways: { toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: sim.url } },
        encryption: { keys: { k1: Buffer.alloc(32, 3).toString('base64') }, activeKeyId: 'k1' },
        clock,
        reconciliation: { pageSize: 20 },
      }),
    ],
  })
  class DemoModule {}
  const app = await NestFactory.createApplicationContext(DemoModule, { logger: false });
  return {
    app,
    sim,
    clock,
    payments: app.get(PaymentsService),
    reconciliation: app.get(ReconciliationService),
    dataSource: app.get(DataSource),
    close: async () => {
      await app.close();
      await sim.stop();
    },
  };
}

/**
 * A shop's day at Toss from 09:00 to 23:00 KST: ordinary card payments every hour, and one of each difference the
 * reconciliation exists for, made the way each happens in production. Then the night's run. Returns its id.
 */
export async function playDemoDay(world: DemoWorld): Promise<string> {
  const amounts = [12_900, 39_000, 8_500, 54_000, 23_400, 16_800, 72_000, 9_900, 31_500, 45_000, 27_300, 18_000];
  let seq = 0;
  const at = (hour: number, minute: number) =>
    world.clock.set(new Date(`${DEMO_DATE}T${pad(hour)}:${pad(minute)}:00+09:00`));
  const orderId = () => `order_${DEMO_DATE.replace(/-/g, '')}_${String(++seq).padStart(4, '0')}`;
  const paid = async (amount: number) => {
    const id = orderId();
    await world.payments.prepare({ ...URLS, gateway: 'toss', orderId: id, amount, orderName: '데모 상품' });
    const { paymentKey } = world.sim.authenticatePayment({ orderId: id, amount, orderName: '데모 상품' });
    return world.payments.confirm({ gateway: 'toss', orderId: id, amount, paymentKey });
  };
  for (let hour = 9; hour <= 22; hour++) {
    for (let i = 0; i < 1 + (hour % 3); i++) {
      at(hour, 5 + i * 17);
      await paid(amounts[(hour * 3 + i) % amounts.length]);
    }
  }

  at(10, 41); // the confirm's answer is lost after Toss approved it: UNKNOWN here, repaired by sync
  const lost = await world.payments.prepare({
    ...URLS,
    gateway: 'toss',
    orderId: orderId(),
    amount: 15_000,
    orderName: '데모 상품',
  });
  const lostWindow = world.sim.authenticatePayment({
    orderId: lost.payment.orderId,
    amount: 15_000,
    orderName: '데모 상품',
  });
  world.sim.failNext({ method: 'POST', path: '/v1/payments/confirm' }, { kind: 'drop-after-commit' });
  await world.payments
    .confirm({ gateway: 'toss', orderId: lost.payment.orderId, amount: 15_000, paymentKey: lostWindow.paymentKey })
    .catch((error: unknown) => {
      if (!(error instanceof PaymentOutcomeUnknownError)) throw error;
    });

  at(13, 12); // a partial cancel made on the Toss dashboard: imported through sync
  const canceled = await paid(60_000);
  at(14, 30);
  await tossApi(world, 'POST', `/v1/payments/${canceled.gatewayPaymentKey}/cancel`, {
    cancelReason: '대시보드 부분취소',
    cancelAmount: 20_000,
  });

  at(15, 48); // an approval for an order this shop never prepared
  await approveAtGateway(world, orderId(), 33_000);

  at(17, 20); // an amount changed in our database after the approval
  const altered = await paid(25_000);
  await world.dataSource.query(`UPDATE "payments" SET "amount" = 52_000, "balance_amount" = 52_000 WHERE "id" = $1`, [
    altered.id,
  ]);

  at(19, 2); // two payment windows of one order, the second confirmed straight at Toss: charged twice
  const twice = orderId();
  await world.payments.prepare({ ...URLS, gateway: 'toss', orderId: twice, amount: 41_000, orderName: '데모 상품' });
  const [first, second] = [1, 2].map(
    () => world.sim.authenticatePayment({ orderId: twice, amount: 41_000, orderName: '데모 상품' }).paymentKey,
  );
  await world.payments.confirm({ gateway: 'toss', orderId: twice, amount: 41_000, paymentKey: first });
  await tossApi(world, 'POST', '/v1/payments/confirm', { paymentKey: second, orderId: twice, amount: 41_000 });

  at(21, 37); // a PAID row Toss never saw
  await world.dataSource.query(
    `INSERT INTO "payments" ("id", "gateway", "order_id", "gateway_payment_key", "type", "status", "currency",
       "amount", "balance_amount", "canceled_amount", "pending_cancel_amount", "tax_free_amount", "order_name",
       "approved_at", "version")
     VALUES ($1, 'toss', $2, 'tgen_never_at_toss', 'NORMAL', 'PAID', 'KRW', 18_000, 18_000, 0, 0, 0, '데모 상품', $3, 1)`,
    [randomUUID(), orderId(), world.clock.now()],
  );

  world.clock.set(RUN_AT);
  const { run } = await world.reconciliation.run({ gateway: 'toss', date: DEMO_DATE });
  return run.id;
}

async function approveAtGateway(world: DemoWorld, orderId: string, amount: number): Promise<void> {
  const { paymentKey } = world.sim.authenticatePayment({ orderId, amount, orderName: '데모 상품' });
  await tossApi(world, 'POST', '/v1/payments/confirm', { paymentKey, orderId, amount });
}

/** A call straight to the simulator, as the Toss dashboard or another system would make it. */
async function tossApi(world: DemoWorld, method: string, path: string, body: object): Promise<void> {
  const response = await fetch(`${world.sim.url}${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${TOSS_TEST_SECRET_KEY}:`).toString('base64')}`,
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
