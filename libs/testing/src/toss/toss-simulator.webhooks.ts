import type { Clock } from '../clock';
import { WebhookDispatcher } from '../shared/webhook-dispatcher';
import { formatKst } from './toss-simulator.format';

/** toss.md §6.1: up to 7 retries after the first attempt, at these intervals (minutes). */
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
 * Delivers Toss webhooks (toss.md §6.1): POST JSON, success only on HTTP 200 within the timeout, otherwise retry
 * on the (scaled) schedule. The transmission id (the event id, `newWebhookTransmissionId()`) stays the same across
 * retries of one event, so a receiver can dedupe on it ([U] in the spec, the only sensible reading of "unique per
 * webhook"); retried-count counts retries.
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
      // toss.md §6.1: only HTTP 200 counts as delivered (an older blog says 2xx; 200 is the stricter reading).
      delivered: status === 200,
    }),
    // After 8 attempts Toss marks the event 실패 and stops.
    retryDelayMs: ({ attempt }) => {
      const minutes = WEBHOOK_RETRY_MINUTES[attempt];
      return minutes === undefined ? undefined : minutes * 60_000;
    },
  });
}
