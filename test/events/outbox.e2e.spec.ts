import { PaymentEvent, PaymentStatus, PaymentsConfigurationError } from 'nestjs-kr-payments';
import { TossSimulator } from 'nestjs-kr-payments/testing';
import { claimDueEvents } from '../../libs/payments/src/events/outbox-store';
import { createTestDatabase, type TestDatabase } from '../../libs/testing/src/postgres/test-database';
import { bootEventsApp, outboxDrained, payWithToss, type EventsApp } from './events.fixtures';

/**
 * The transactional outbox end to end: events are written with the change that commits them, published through
 * @nestjs/event-emitter at least once with a stable id, in order per payment, once across instances.
 */
describe('money events: transactional outbox → @nestjs/event-emitter', () => {
  let sim: TossSimulator;
  let database: TestDatabase;
  const apps: EventsApp[] = [];
  let seq = 0;
  const orderId = () => `evt-${Date.now()}-${++seq}`;

  const boot = async (events: Parameters<typeof bootEventsApp>[2], withEmitter = true) => {
    const app = await bootEventsApp(database.url, sim, { pollIntervalMs: 50, ...events }, withEmitter);
    apps.push(app);
    return app;
  };
  const eventRows = (shop: EventsApp, aggregateId: string) =>
    shop.dataSource.manager.find(PaymentEvent, { where: { aggregateId }, order: { sequence: 'ASC' } });

  beforeAll(async () => {
    sim = await TossSimulator.start({ port: 0 });
    database = await createTestDatabase();
  });
  afterEach(async () => {
    while (apps.length > 0) await apps.pop()?.close();
    sim.setWebhookUrl(undefined);
  });
  afterAll(async () => {
    await sim?.stop();
    await database?.drop();
  });

  it('confirm × duplicate webhooks × syncs × the repair job on one payment → one payment.paid, then the refunds in order', async () => {
    const shop = await boot({ enabled: true });
    sim.setWebhookUrl(`${shop.url}/payments/webhooks/toss`);
    const id = orderId();
    const { payment, paymentKey } = await payWithToss(shop, sim, id, 30_000);
    await Promise.all([
      shop.payments.confirm({ gateway: 'toss', orderId: id, amount: 30_000, paymentKey }).catch(() => null),
      ...Array.from({ length: 3 }, () => shop.payments.sync(payment.id).catch(() => null)),
      shop.payments.syncStuckPayments().catch(() => null),
    ]);
    await sim.webhooksIdle();
    // Redeliver every webhook the simulator sent for this order, twice more.
    for (const delivery of sim.webhookDeliveries.filter((d) => JSON.stringify(d.body).includes(id))) {
      for (let i = 0; i < 2; i++) {
        await fetch(`${shop.url}/payments/webhooks/toss`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(delivery.body),
        });
      }
    }
    await Promise.all([
      shop.payments.sync(payment.id),
      shop.payments.sync(payment.id),
      shop.payments.syncStuckPayments(),
    ]);
    expect((await shop.payments.get(payment.id)).status).toBe(PaymentStatus.PAID);

    await shop.payments.cancel({ paymentId: payment.id, amount: 10_000, reason: '부분 환불' });
    await shop.payments.cancel({ paymentId: payment.id, reason: '전액 환불' });
    await sim.webhooksIdle();
    await outboxDrained(shop.dataSource);

    const paid = shop.handlers.paid.filter((event) => event.aggregateId === payment.id);
    expect(paid).toHaveLength(1);
    expect(paid[0]).toMatchObject({
      name: 'payments.payment.paid',
      attempt: 1,
      payload: { paymentId: payment.id, orderId: id, status: 'PAID', amount: 30_000, balanceAmount: 30_000 },
    });
    const heard = shop.handlers.all.filter((event) => event.aggregateId === payment.id);
    expect(heard.map((event) => event.type)).toEqual([
      'payment.paid',
      'cancel.succeeded',
      'payment.partially_canceled',
      'cancel.succeeded',
      'payment.canceled',
    ]);
    expect(heard.map((event) => (event.payload as { amount: number }).amount)).toEqual([
      30_000, 10_000, 30_000, 20_000, 30_000,
    ]);
    // The stored rows are what was heard: one per change, each dispatched once.
    const rows = await eventRows(shop, payment.id);
    expect(rows.map((row) => row.type)).toEqual(heard.map((event) => event.type));
    expect(rows.every((row) => row.dispatchedAt !== null && row.attempts === 1)).toBe(true);
    // Payloads carry our view of the change, never the gateway's body or anything keyed.
    expect(Object.keys(rows[0].payload).sort()).toEqual(
      [
        'amount',
        'balanceAmount',
        'canceledAmount',
        'customerKey',
        'failureCode',
        'gateway',
        'method',
        'orderId',
        'paymentId',
        'previousStatus',
        'status',
      ].sort(),
    );
  });

  it('a handler that throws gets the same event again (same id, next attempt) after its backoff', async () => {
    const shop = await boot({ enabled: true, retryBaseMs: 100 });
    shop.handlers.failNextPaid = 2;
    const id = orderId();
    const { payment, paymentKey } = await payWithToss(shop, sim, id, 5_000);
    await shop.payments.confirm({ gateway: 'toss', orderId: id, amount: 5_000, paymentKey });
    await outboxDrained(shop.dataSource);

    const deliveries = shop.handlers.all.filter((e) => e.aggregateId === payment.id && e.type === 'payment.paid');
    expect(deliveries.map((event) => event.attempt)).toEqual([1, 2, 3]);
    expect(new Set(deliveries.map((event) => event.id)).size).toBe(1);
    expect(shop.handlers.paid.filter((event) => event.aggregateId === payment.id)).toHaveLength(1);
    const [row] = await eventRows(shop, payment.id);
    expect(row).toMatchObject({ attempts: 3, lastError: null });
    expect(shop.logger.entries.some((entry) => entry.message.includes('the shop handler is down'))).toBe(true);
  });

  it('an event committed while no instance dispatched, or claimed by one that died, is delivered after restart', async () => {
    const writer = await boot({ enabled: true, dispatch: false });
    const committed = orderId();
    const first = await payWithToss(writer, sim, committed, 7_000);
    await writer.payments.confirm({ gateway: 'toss', orderId: committed, amount: 7_000, paymentKey: first.paymentKey });
    const claimedThenDied = orderId();
    const second = await payWithToss(writer, sim, claimedThenDied, 8_000);
    await writer.payments.confirm({
      gateway: 'toss',
      orderId: claimedThenDied,
      amount: 8_000,
      paymentKey: second.paymentKey,
    });
    // A dispatcher claims the second payment's event with a 1 s lease and dies before publishing it.
    const [orphan] = (await claimDueEvents(writer.dataSource, new Date(), 10, 1_000)).filter(
      (event) => event.aggregateId === second.payment.id,
    );
    expect(orphan).toBeDefined();
    await writer.close();
    apps.pop();

    const restarted = await boot({ enabled: true });
    await outboxDrained(restarted.dataSource);
    const heard = restarted.handlers.paid.map((event) => event.aggregateId);
    expect(heard).toEqual(expect.arrayContaining([first.payment.id, second.payment.id]));
    const redelivered = restarted.handlers.paid.find((event) => event.aggregateId === second.payment.id);
    expect(redelivered).toMatchObject({ id: orphan.id, attempt: 2 });
  });

  it('two instances dispatching the same outbox: every event is handled once in all', async () => {
    const [a, b] = [await boot({ enabled: true, batchSize: 5 }), await boot({ enabled: true, batchSize: 5 })];
    const paid = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const shop = i % 2 === 0 ? a : b;
        const id = orderId();
        const { payment, paymentKey } = await payWithToss(shop, sim, id, 1_000 + i);
        await shop.payments.confirm({ gateway: 'toss', orderId: id, amount: 1_000 + i, paymentKey });
        return payment.id;
      }),
    );
    await outboxDrained(a.dataSource);
    const heard = [...a.handlers.paid, ...b.handlers.paid].filter((event) => paid.includes(event.aggregateId));
    expect(heard).toHaveLength(24);
    expect(new Set(heard.map((event) => event.id)).size).toBe(24);
    expect(new Set(heard.map((event) => event.aggregateId))).toEqual(new Set(paid));
  });

  it('events off (the default) writes no rows; on without EventEmitterModule fails boot naming the option', async () => {
    const quiet = await boot({});
    const id = orderId();
    const { payment, paymentKey } = await payWithToss(quiet, sim, id, 2_000);
    await quiet.payments.confirm({ gateway: 'toss', orderId: id, amount: 2_000, paymentKey });
    expect(await eventRows(quiet, payment.id)).toEqual([]);
    expect(quiet.handlers.all).toEqual([]);

    await expect(bootEventsApp(database.url, sim, { enabled: true }, false)).rejects.toThrow(
      PaymentsConfigurationError,
    );
    await expect(bootEventsApp(database.url, sim, { enabled: true }, false)).rejects.toThrow(
      /events\.enabled: needs EventEmitterModule\.forRoot\(\)/,
    );
  });
});
