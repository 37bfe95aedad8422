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
