import { createHash, createHmac } from 'node:crypto';
import type { Clock } from '../clock';
import { WebhookDispatcher } from '../common/webhook-dispatcher';
import { formatKst, newWebhookTransmissionId } from './toss-simulator.format';

/** Up to 7 retries after the first attempt, after these minutes (docs/gateways/toss.md#replies-and-retries). */
export const WEBHOOK_RETRY_MINUTES: readonly number[] = [1, 4, 16, 64, 256, 1024, 4096];

export interface WebhookDelivery {
  id: string;
  eventType: string;
  attempt: number;
  status: number | 'timeout' | 'error';
  body: unknown;
  at: Date;
}

export interface WebhookDispatcherOptions {
  clock: Clock;
  /** Real milliseconds per simulated millisecond of the retry schedule. */
  timeScale: number;
  timeoutMs: number;
}

/** One PAYMENT_STATUS_CHANGED / DEPOSIT_CALLBACK / BILLING_DELETED event; `rawBody` is serialized once, at emission. */
export interface TossWebhookEvent {
  eventType: string;
  body: unknown;
  rawBody: string;
}

export type TossWebhookDispatcher = WebhookDispatcher<TossWebhookEvent, WebhookDelivery>;

export const tossWebhookEvent = (eventType: string, body: unknown): TossWebhookEvent => ({
  eventType,
  body,
  rawBody: JSON.stringify(body),
});

/**
 * Delivers Toss webhooks (docs/gateways/toss.md#replies-and-retries): POST JSON, success only on HTTP 200 within the
 * timeout, otherwise retry on the (scaled) schedule. The transmission id (the event id, `newWebhookTransmissionId()`)
 * stays the same across retries of one event, so a receiver can dedupe on it (Toss only says it is unique per webhook;
 * this is the one sensible reading); retried-count counts retries.
 */
export function createTossWebhookDispatcher(options: WebhookDispatcherOptions): TossWebhookDispatcher {
  return new WebhookDispatcher<TossWebhookEvent, WebhookDelivery>({
    timeoutMs: options.timeoutMs,
    timeScale: options.timeScale,
    encode: ({ id, event, attempt }) => ({
      body: event.rawBody,
      headers: {
        'content-type': 'application/json',
        'tosspayments-webhook-transmission-time': formatKst(options.clock.now()),
        'tosspayments-webhook-transmission-retried-count': String(attempt),
        'tosspayments-webhook-transmission-id': id,
      },
    }),
    settle: ({ id, event, attempt }, { status }) => ({
      delivery: { id, eventType: event.eventType, attempt, status, body: event.body, at: options.clock.now() },
      // Only HTTP 200 counts as delivered (an older Toss blog says 2xx; 200 is the stricter reading).
      delivered: status === 200,
    }),
    // After 8 attempts Toss marks the event 실패 and stops.
    retryDelayMs: ({ attempt }) => {
      const minutes = WEBHOOK_RETRY_MINUTES[attempt];
      return minutes === undefined ? undefined : minutes * 60_000;
    },
  });
}

/**
 * A payout/seller webhook signed as Toss signs it: HMAC-SHA256 over `<raw body>:<transmission-time>` with the 보안 키
 * (docs/gateways/toss.md#payout-signatures). The header carries two slots as during a key rotation: the first is
 * signed with a retired key (a value derived from the current one, which no verifier holds), the second with the
 * current key, so a verifier must accept a match in *either* slot.
 */
export function signPayoutWebhook(
  body: object,
  signing: { securityKey: string; encoding: 'utf8' | 'hex'; transmissionTime: string },
): { headers: Record<string, string>; rawBody: string } {
  const { securityKey, encoding, transmissionTime: time } = signing;
  const rawBody = JSON.stringify(body);
  const retiredKey = createHash('sha256').update(`retired:${securityKey}`).digest('hex');
  const sign = (key: string) =>
    createHmac('sha256', Buffer.from(key, encoding)).update(`${rawBody}:${time}`, 'utf8').digest('base64');
  return {
    rawBody,
    headers: {
      'content-type': 'application/json',
      'tosspayments-webhook-transmission-time': time,
      'tosspayments-webhook-transmission-retried-count': '0',
      'tosspayments-webhook-transmission-id': newWebhookTransmissionId(),
      'tosspayments-webhook-signature': `v1:${sign(retiredKey)},v1:${sign(securityKey)}`,
    },
  };
}
