import type { Clock } from '../clock';
import { WebhookDispatcher } from '../common/webhook-dispatcher';

export interface NicePayWebhookDelivery {
  /** One id per event, kept across its retries. */
  id: string;
  /** The payment status the event reports (`paid`, `ready`, `cancelled`, `partialCancelled`), or `test`. */
  eventType: string;
  /** 0 for the first attempt, n for the n-th re-send. */
  attempt: number;
  status: number | 'timeout' | 'error';
  /** What the merchant answered (the first 1 KiB); '' on timeout / error. */
  responseBody: string;
  /** HTTP 200 and a body of exactly `OK` after trimming. */
  accepted: boolean;
  body: unknown;
  at: Date;
}

export interface NicePayWebhookDispatcherOptions {
  clock: Clock;
  /** Nominal gap between attempts; the real timer waits intervalMs × timeScale. */
  intervalMs: number;
  timeScale: number;
  timeoutMs: number;
}

/** One 결제통보; `maxAttempts` counts the first attempt (the dashboard's TEST payload gets 1). */
export interface NicePayWebhookEvent {
  eventType: string;
  body: unknown;
  rawBody: string;
  maxAttempts: number;
}

export type NicePayWebhookDispatcher = WebhookDispatcher<NicePayWebhookEvent, NicePayWebhookDelivery>;

export const nicePayWebhookEvent = (eventType: string, body: unknown, maxAttempts: number): NicePayWebhookEvent => ({
  eventType,
  body,
  rawBody: JSON.stringify(body),
  maxAttempts,
});

const RESPONSE_BODY_LIMIT = 1024;

/**
 * Delivers NicePay 결제통보 (docs/gateways/nicepay.md#webhooks): POST of the payment object as JSON. An attempt succeeds only on HTTP 200
 * with a body that is `OK` once trimmed (the manual: "Response body에 "OK" 문자열이 없는 경우 실패"; lower-case `ok`
 * fails here, since how strictly NicePay compares is not documented). Otherwise the event is re-sent every `intervalMs` (1 minute in production) until
 * `maxAttempts` attempts were made.
 */
export function createNicePayWebhookDispatcher(options: NicePayWebhookDispatcherOptions): NicePayWebhookDispatcher {
  return new WebhookDispatcher<NicePayWebhookEvent, NicePayWebhookDelivery>({
    timeoutMs: options.timeoutMs,
    timeScale: options.timeScale,
    responseBodyLimit: RESPONSE_BODY_LIMIT,
    encode: ({ event }) => ({ body: event.rawBody, headers: { 'content-type': 'application/json;charset=utf-8' } }),
    settle: ({ id, event, attempt }, { status, responseBody }) => {
      const accepted = status === 200 && responseBody.trim() === 'OK';
      return {
        delivery: {
          id,
          eventType: event.eventType,
          attempt,
          status,
          responseBody,
          accepted,
          body: event.body,
          at: options.clock.now(),
        },
        delivered: accepted,
      };
    },
    retryDelayMs: ({ event, attempt }) => (attempt + 1 >= event.maxAttempts ? undefined : options.intervalMs),
  });
}
