import { PaymentsOutbox } from '../../libs/payments/src/events/outbox';
import { ReconciliationRuns } from '../../libs/payments/src/reconciliation/reconciliation-runs';
import { outboxDrained, useEventsShop } from './events.fixtures';

/** A finished reconciliation run tells the host of each exception it left OPEN, once, when the run is final. */
describe('money events: reconciliation', () => {
  const world = useEventsShop();

  it('one reconciliation.mismatch per OPEN item, written with the SUCCEEDED run, none for repaired items', async () => {
    const runs = new ReconciliationRuns(
      world.shop.dataSource,
      'test-instance',
      60_000,
      world.shop.app.get(PaymentsOutbox),
    );
    const key = { gateway: 'toss', merchantId: 'default', businessDate: '2030-03-01', kind: 'TRANSACTIONS' as const };
    const { run } = await runs.acquire(key, new Date());
    const item = (category: string, resolution: string, orderId: string, expected: number, actual: number) =>
      world.shop.dataSource.query(
        `INSERT INTO "reconciliation_items" ("id", "run_id", "category", "order_id", "expected_amount", "actual_amount",
           "repair_action", "resolution") VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, 'REVIEW', $6)`,
        [run.id, category, orderId, expected, actual, resolution],
      );
    await item('AMOUNT_MISMATCH', 'OPEN', 'order-a', 10_000, 12_500);
    await item('STATUS_MISMATCH', 'AUTO_FIXED', 'order-b', 5_000, 5_000);
    await item('DUPLICATE', 'OPEN', 'order-c', 9_000, 9_000);
    // Still running: nothing is published yet.
    expect(
      await world.shop.dataSource.query(`SELECT 1 FROM "payment_events" WHERE "aggregate_id" = $1`, [run.id]),
    ).toEqual([]);

    await runs.succeed(run, {}, new Date());
    await outboxDrained(world.shop.dataSource);
    const heard = world.shop.handlers.all.filter((event) => event.aggregateId === run.id);
    expect(heard.map((event) => event.type)).toEqual(['reconciliation.mismatch', 'reconciliation.mismatch']);
    expect(heard.map((event) => event.payload).sort((a, b) => String(a).localeCompare(String(b)))).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          runId: run.id,
          gateway: 'toss',
          category: 'AMOUNT_MISMATCH',
          orderId: 'order-a',
          expectedAmount: 10_000,
          actualAmount: 12_500,
        }),
        expect.objectContaining({ category: 'DUPLICATE', orderId: 'order-c' }),
      ]),
    );
  });
});
