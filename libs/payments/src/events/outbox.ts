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
}
