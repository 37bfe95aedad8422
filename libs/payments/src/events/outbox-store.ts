import type { DataSource } from 'typeorm';
import type { PaymentEventPayloads, PaymentEventType, PaymentsEvent } from './payment-events';

export interface ClaimedEvent {
  id: string;
  type: PaymentEventType;
  aggregateType: PaymentsEvent['aggregateType'];
  aggregateId: string;
  payload: PaymentEventPayloads[PaymentEventType];
  occurredAt: Date;
  /** Including this delivery: the claim is ours while the row still shows this count. */
  attempts: number;
}

interface ClaimedRow {
  id: string;
  type: PaymentEventType;
  aggregate_type: PaymentsEvent['aggregateType'];
  aggregate_id: string;
  payload: PaymentEventPayloads[PaymentEventType];
  occurred_at: Date;
  attempts: number;
}

/**
 * Claims up to `limit` due events: undispatched, not leased by a live dispatcher, and the oldest pending event of their
 * aggregate (a later event waits until the earlier one is dispatched). Rows locked by a concurrent claim are
 * skipped, so two dispatchers never take the same event while its lease runs.
 */
export async function claimDueEvents(
  dataSource: DataSource,
  now: Date,
  limit: number,
  leaseMs: number,
): Promise<ClaimedEvent[]> {
  // An UPDATE answers [rows, count] through TypeORM's query().
  const [rows]: [ClaimedRow[], number] = await dataSource.query(
    `UPDATE "payment_events" e
        SET "lease_until" = $1::timestamptz + ($3 * interval '1 millisecond'), "attempts" = e."attempts" + 1
      WHERE e."id" IN (
        SELECT c."id" FROM "payment_events" c
         WHERE c."dispatched_at" IS NULL
           AND c."next_attempt_at" <= $1
           AND (c."lease_until" IS NULL OR c."lease_until" < $1)
           AND NOT EXISTS (
             SELECT 1 FROM "payment_events" p
              WHERE p."aggregate_id" = c."aggregate_id" AND p."dispatched_at" IS NULL AND p."sequence" < c."sequence")
         ORDER BY c."sequence"
         LIMIT $2
         FOR UPDATE SKIP LOCKED)
      RETURNING e."id", e."type", e."aggregate_type", e."aggregate_id", e."payload", e."occurred_at", e."attempts",
                e."sequence"`,
    [now, limit, leaseMs],
  );
  return rows.map((row) => ({
    id: row.id,
    type: row.type,
    aggregateType: row.aggregate_type,
    aggregateId: row.aggregate_id,
    payload: row.payload,
    occurredAt: new Date(row.occurred_at),
    attempts: row.attempts,
  }));
}

/**
 * Marks our claims delivered in one statement; a claim that lapsed and was taken over (its attempt count moved on)
 * is left to its new owner.
 */
export async function markDispatched(dataSource: DataSource, events: ClaimedEvent[], now: Date): Promise<void> {
  if (events.length === 0) return;
  await dataSource.query(
    `UPDATE "payment_events" e SET "dispatched_at" = $3, "lease_until" = NULL, "last_error" = NULL
       FROM unnest($1::uuid[], $2::int[]) AS ours("id", "attempts")
      WHERE e."id" = ours."id" AND e."attempts" = ours."attempts" AND e."dispatched_at" IS NULL`,
    [events.map((event) => event.id), events.map((event) => event.attempts), now],
  );
}

export async function markFailed(dataSource: DataSource, event: ClaimedEvent, retryAt: Date, reason: string) {
  await dataSource.query(
    `UPDATE "payment_events" SET "lease_until" = NULL, "next_attempt_at" = $3, "last_error" = $4
      WHERE "id" = $1 AND "attempts" = $2 AND "dispatched_at" IS NULL`,
    [event.id, event.attempts, retryAt, reason.slice(0, 512)],
  );
}

/** Deletes dispatched events older than `before`, a bounded batch at a time. */
export async function pruneDispatched(dataSource: DataSource, before: Date, batch = 5_000): Promise<number> {
  let total = 0;
  for (;;) {
    const [, deleted]: [unknown, number] = await dataSource.query(
      `DELETE FROM "payment_events" WHERE "id" IN (
         SELECT "id" FROM "payment_events" WHERE "dispatched_at" IS NOT NULL AND "dispatched_at" < $1 LIMIT $2)`,
      [before, batch],
    );
    total += deleted;
    if (deleted < batch) return total;
  }
}
