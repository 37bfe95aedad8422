import { createHash, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { PaymentsClock } from '../domain/clock';
import { newId } from '../domain/ids';
import { WebhookEventStatus } from '../domain/payment-status';
import type { ParsedWebhook } from '../gateways/gateway-capabilities';

/** Longest processing of one delivery before another delivery of the same event may take over its claim. */
export const WEBHOOK_CLAIM_LEASE_MS = 5 * 60_000;
/**
 * Stored bodies are capped: a delivery's fields are what the gateway sent, unauthenticated until read back, and a
 * forger must not be able to grow the inbox without bound. Larger bodies keep a digest and their size instead.
 */
export const MAX_STORED_PAYLOAD_BYTES = 8_192;

/** A stored event this delivery may take: not finished, and its claim free or expired. */
const CLAIMABLE = `webhook_events.status IN ('RECEIVED', 'FAILED')
              AND (webhook_events.claimed_until IS NULL OR webhook_events.claimed_until < $10)`;

export interface InboxEntry {
  eventId: string;
  /** True when this delivery won the claim and must be processed; false for a duplicate (done, or in flight). */
  shouldProcess: boolean;
  /** The event is finished (PROCESSED, IGNORED or REJECTED): a duplicate of it can be acknowledged as it is. */
  settled: boolean;
}

/** Statuses nothing moves an event out of: a redelivery of one of these has nothing left to do. */
const SETTLED_STATUSES: readonly string[] = [
  WebhookEventStatus.PROCESSED,
  WebhookEventStatus.IGNORED,
  WebhookEventStatus.REJECTED,
];

/**
 * The webhook inbox: store first, then process. `(gateway, dedupe_key)` is unique. One insert-or-count statement
 * records the delivery and claims it in the same round trip: a new event, or a RECEIVED/FAILED one whose claim is free
 * or expired, is claimed (`claimed_until`, and `claim_token`: this delivery's own id, the only proof of winning) and
 * processed. A delivery that does not win says whether the event is settled (PROCESSED/IGNORED/REJECTED: nothing to
 * run again) or still held by another claim (in flight, or its holder died before its lease ran out).
 */
export class WebhookInbox {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: PaymentsClock,
  ) {}

  async record(gateway: string, parsed: ParsedWebhook, sourceIp: string | undefined): Promise<InboxEntry> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + WEBHOOK_CLAIM_LEASE_MS);
    const rows: Array<{ id: string; claimed: boolean; status: string }> = await this.dataSource.query(
      `WITH upsert AS (
         INSERT INTO webhook_events (id, gateway, dedupe_key, event_type, status, verification, attempts, order_id,
                                     source_ip, payload, received_at, claimed_until, claim_token)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (gateway, dedupe_key) DO UPDATE SET
           attempts = webhook_events.attempts + 1,
           updated_at = now(),
           claimed_until = CASE WHEN ${CLAIMABLE} THEN $11 ELSE webhook_events.claimed_until END,
           claim_token = CASE WHEN ${CLAIMABLE} THEN $12 ELSE webhook_events.claim_token END
         RETURNING id, claim_token, status)
       SELECT id, (claim_token = $12) AS claimed, status FROM upsert`,
      [
        newId(),
        gateway,
        storedDedupeKey(parsed.dedupeKey),
        parsed.eventType.slice(0, 64),
        WebhookEventStatus.RECEIVED,
        parsed.verification,
        parsed.orderId?.slice(0, 64) ?? null,
        sourceIp?.slice(0, 64) ?? null,
        storedPayload(parsed.payload, parsed.verification === 'failed'),
        now,
        leaseUntil,
        randomUUID(),
      ],
    );
    const [row] = rows;
    return { eventId: row.id, shouldProcess: row.claimed, settled: SETTLED_STATUSES.includes(row.status) };
  }

  async finish(
    eventId: string,
    status: WebhookEventStatus,
    details: { paymentId?: string | null; error?: string | null } = {},
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_events SET status = $2, payment_id = COALESCE($3, payment_id), last_error = $4,
              processed_at = $5, claimed_until = NULL, claim_token = NULL, updated_at = now()
        WHERE id = $1`,
      [
        eventId,
        status,
        details.paymentId ?? null,
        details.error ? details.error.slice(0, 1000) : null,
        status === WebhookEventStatus.FAILED ? null : this.clock.now(),
      ],
    );
  }
}

/** Longest dedupe key the column holds. */
const MAX_DEDUPE_KEY_LENGTH = 300;

/**
 * The dedupe key as stored. A longer one (fields a sender chose, e.g. a long transaction key) keeps its start and ends
 * with the SHA-256 of the whole key: cutting it would drop the body digest adapters end their keys with, and two
 * different deliveries would then count as one.
 */
function storedDedupeKey(key: string): string {
  if (key.length <= MAX_DEDUPE_KEY_LENGTH) return key;
  const digest = createHash('sha256').update(key).digest('hex');
  return `${key.slice(0, MAX_DEDUPE_KEY_LENGTH - digest.length - 1)}:${digest}`;
}

/**
 * The body as stored: itself when small, otherwise its size and SHA-256 (enough to match it to an audit trail). A
 * body whose signature failed keeps only its digest, whatever its size: a forger's words are not worth the bytes.
 */
function storedPayload(payload: unknown, unauthenticated: boolean): string {
  const json = JSON.stringify(payload ?? null);
  const bytes = Buffer.byteLength(json);
  if (bytes <= MAX_STORED_PAYLOAD_BYTES && !unauthenticated) return json;
  const sha256 = createHash('sha256').update(json).digest('hex');
  return JSON.stringify(
    unauthenticated ? { unauthenticated: true, bytes, sha256 } : { truncated: true, bytes, sha256 },
  );
}
