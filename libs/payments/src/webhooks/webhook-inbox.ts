import { DataSource } from 'typeorm';
import type { PaymentsClock } from '../domain/clock';
import { newId } from '../domain/ids';
import { WebhookEventStatus } from '../domain/payment-status';
import { WebhookEvent } from '../entities/webhook-event.entity';
import type { ParsedWebhook } from '../gateways/gateway-capabilities';

export interface InboxEntry {
  event: WebhookEvent;
  /** True when this delivery must be processed (new, or an earlier attempt failed / never finished). */
  shouldProcess: boolean;
}

/**
 * The webhook inbox: store first, then process. `(gateway, dedupe_key)` is unique; a redelivery of a
 * PROCESSED/IGNORED/REJECTED event is acknowledged without running anything again, while a RECEIVED/FAILED one
 * is claimed (compare-and-set on status) and processed again.
 */
export class WebhookInbox {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: PaymentsClock,
  ) {}

  async record(gateway: string, parsed: ParsedWebhook, sourceIp: string | undefined): Promise<InboxEntry> {
    const now = this.clock.now();
    const rows: Array<{ id: string; status: WebhookEventStatus; inserted: boolean }> = await this.dataSource.query(
      `INSERT INTO webhook_events (id, gateway, dedupe_key, event_type, status, verification, attempts, order_id,
                                   source_ip, payload, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $10)
       ON CONFLICT (gateway, dedupe_key)
       DO UPDATE SET attempts = webhook_events.attempts + 1, updated_at = now()
       RETURNING id, status, (xmax = 0) AS inserted`,
      [
        newId(),
        gateway,
        parsed.dedupeKey.slice(0, 300),
        parsed.eventType.slice(0, 64),
        WebhookEventStatus.RECEIVED,
        parsed.verification,
        parsed.orderId?.slice(0, 64) ?? null,
        sourceIp?.slice(0, 64) ?? null,
        JSON.stringify(parsed.payload ?? null),
        now,
      ],
    );
    const [row] = rows;
    const event = (await this.dataSource.manager.findOneOrFail(WebhookEvent, {
      where: { id: row.id },
    })) as WebhookEvent;
    const shouldProcess =
      row.inserted || row.status === WebhookEventStatus.FAILED || row.status === WebhookEventStatus.RECEIVED;
    return { event, shouldProcess };
  }

  async finish(
    eventId: string,
    status: WebhookEventStatus,
    details: { paymentId?: string | null; error?: string | null } = {},
  ): Promise<void> {
    await this.dataSource.manager.update(
      WebhookEvent,
      { id: eventId },
      {
        status,
        paymentId: details.paymentId ?? undefined,
        lastError: details.error ? details.error.slice(0, 1000) : null,
        processedAt: status === WebhookEventStatus.FAILED ? null : this.clock.now(),
      },
    );
  }
}
