import type { Clock } from '../clock';
import { WebhookDispatcher } from '../common/webhook-dispatcher';

/** What a notification reports: approval 3001/4000/A000, VACNT issue 4100, deposit 4110, cancel 2001/2211. */
export type KispgNotificationKind = 'approval' | 'issue' | 'deposit' | 'cancel';

export interface NotificationDelivery {
  /** Stays the same across the retries of one notification. */
  id: string;
  kind: KispgNotificationKind;
  tid: string;
  resultCd: string;
  /** 0 = first try, 1.. = retries. */
  attempt: number;
  /** HTTP status the merchant answered, or why there was none. */
  status: number | 'timeout' | 'error';
  body: Record<string, string>;
  at: Date;
}

export interface NotificationDispatcherOptions {
  clock: Clock;
  format: 'form' | 'json';
  retryIntervalMs: number;
  /** Retries after the first try. */
  maxRetries: number;
  /** Real milliseconds per simulated millisecond of the retry interval. */
  timeScale: number;
  timeoutMs: number;
}

/** One notification; its body is re-encoded per attempt in the configured format. */
export interface KispgNotification {
  kind: KispgNotificationKind;
  body: Record<string, string>;
}

export type KispgNotificationDispatcher = WebhookDispatcher<KispgNotification, NotificationDelivery>;

let notificationSequence = 0;

/** Unique within the process; KISPG sends no id of its own, this one only ties retries together. */
export function newNotificationId(): string {
  notificationSequence += 1;
  return `noti_${Date.now().toString(36)}_${notificationSequence}`;
}

/**
 * Delivers "결제 결과 수신" notifications the way KISPG's sister platform documents them
 * (docs/gateways/kispg.md#notifications): POST `application/x-www-form-urlencoded` (or JSON by option), received ⇔
 * HTTP status, retried at a fixed interval (2 minutes, 5 times) until it gets one. KISPG's guide says nothing about
 * the reply; any 2xx counts.
 */
export function createKispgNotificationDispatcher(options: NotificationDispatcherOptions): KispgNotificationDispatcher {
  const json = options.format === 'json';
  return new WebhookDispatcher<KispgNotification, NotificationDelivery>({
    timeoutMs: options.timeoutMs,
    timeScale: options.timeScale,
    encode: ({ event }) => ({
      body: json ? JSON.stringify(event.body) : new URLSearchParams(event.body).toString(),
      headers: {
        'content-type': json ? 'application/json; charset=utf-8' : 'application/x-www-form-urlencoded; charset=utf-8',
      },
    }),
    settle: ({ id, event, attempt }, { status }) => ({
      delivery: {
        id,
        kind: event.kind,
        tid: event.body.tid,
        resultCd: event.body.resultCd,
        attempt,
        status,
        body: event.body,
        at: options.clock.now(),
      },
      delivered: typeof status === 'number' && status >= 200 && status < 300,
    }),
    // Given up after maxRetries retries, as the sister platform does after 5.
    retryDelayMs: ({ attempt }) => (attempt >= options.maxRetries ? undefined : options.retryIntervalMs),
  });
}
