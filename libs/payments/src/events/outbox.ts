import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { PaymentsClock } from '../domain/clock';
import { PaymentEvent } from '../entities/payment-event.entity';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PAYMENTS_CLOCK, PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';
import type { PaymentEventDraft } from './payment-events';

/** The channel dispatchers LISTEN on; a NOTIFY is delivered only when the inserting transaction commits. */
export const OUTBOX_CHANNEL = 'kr_payments_outbox';

/**
 * Writes events into the outbox with the change they describe. Always called with the manager of the transaction
 * that makes the change: an event for a rolled-back change never exists, a committed change never lacks its event.
 * With `events.enabled` off it writes nothing (no cost on the money path for hosts that do not listen).
 */
@Injectable()
export class PaymentsOutbox {
  private readonly enabled: boolean;

  constructor(
    @Inject(PAYMENTS_RESOLVED_OPTIONS) options: Pick<ResolvedPaymentsOptions, 'events'>,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
  ) {
    this.enabled = options.events.enabled;
  }

  /** Returns the new events' ids in draft order (none when events are off). */
  async record(manager: EntityManager, drafts: PaymentEventDraft[]): Promise<string[]> {
    if (!this.enabled || drafts.length === 0) return [];
    const now = this.clock.now();
    const rows = drafts.map((draft) => ({
      id: randomUUID(),
      type: draft.type,
      aggregateType: draft.aggregateType,
      aggregateId: draft.aggregateId,
      payload: draft.payload as object,
      occurredAt: now,
      nextAttemptAt: now,
      attempts: 0,
    }));
    await manager.insert(PaymentEvent, rows as never);
    await manager.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, '']);
    return rows.map((row) => row.id);
  }

  /**
   * The same events as a fragment of a hand-written statement, for hot paths that write a change and its events in one
   * round trip (a single statement is its own transaction). `guard` is the condition under which the change happened
   * (e.g. `EXISTS (SELECT 1 FROM a)`); `params` receives the values and the fragment refers to them by position.
   * Null when there is nothing to write. The caller adds `notifySql(...)` to its final SELECT.
   */
  insertCte(drafts: PaymentEventDraft[], guard: string, params: unknown[]): string | null {
    if (!this.enabled || drafts.length === 0) return null;
    const now = this.clock.now();
    const at = (value: unknown): string => `$${params.push(value)}`;
    const ids = at(drafts.map(() => randomUUID()));
    const types = at(drafts.map((draft) => draft.type));
    const aggregateTypes = at(drafts.map((draft) => draft.aggregateType));
    const aggregateIds = at(drafts.map((draft) => draft.aggregateId));
    const payloads = at(drafts.map((draft) => JSON.stringify(draft.payload)));
    const occurredAt = at(now);
    return `INSERT INTO "payment_events"
              ("id", "type", "aggregate_type", "aggregate_id", "payload", "occurred_at", "next_attempt_at", "attempts")
            SELECT x."id", x."type", x."aggregate_type", x."aggregate_id", x."payload", ${occurredAt}, ${occurredAt}, 0
              FROM unnest(${ids}::uuid[], ${types}::varchar[], ${aggregateTypes}::varchar[], ${aggregateIds}::uuid[],
                          ${payloads}::jsonb[]) WITH ORDINALITY
                   AS x("id", "type", "aggregate_type", "aggregate_id", "payload", "ord")
             WHERE ${guard}
             ORDER BY x."ord"
            RETURNING "id"`;
  }

  /** The wake-up for dispatchers when the CTE named `events` wrote something; delivered on commit. */
  notifySql(events: string): string {
    return `CASE WHEN EXISTS (SELECT 1 FROM ${events}) THEN pg_notify('${OUTBOX_CHANNEL}', '') END`;
  }

  /**
   * One `reconciliation.mismatch` event per exception a run left OPEN, written set-based (a bad day can hold many)
   * in the transaction that marks the run SUCCEEDED, keyed by the run so they arrive in the items' order.
   */
  async recordOpenMismatches(manager: EntityManager, runId: string, gateway: string): Promise<void> {
    if (!this.enabled) return;
    const now = this.clock.now();
    await manager.query(
      `INSERT INTO "payment_events"
         ("id", "type", "aggregate_type", "aggregate_id", "payload", "occurred_at", "next_attempt_at", "attempts")
       SELECT gen_random_uuid(), 'reconciliation.mismatch', 'reconciliation_run', i."run_id",
              jsonb_build_object('runId', i."run_id", 'itemId', i."id", 'gateway', $2::text, 'category', i."category",
                'paymentId', i."payment_id", 'orderId', i."order_id",
                'expectedAmount', i."expected_amount", 'actualAmount', i."actual_amount"),
              $3, $3, 0
         FROM "reconciliation_items" i
        WHERE i."run_id" = $1 AND i."resolution" = 'OPEN'
        ORDER BY i."created_at", i."id"`,
      [runId, gateway, now],
    );
    await manager.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, '']);
  }
}
