import http from 'node:http';
import https from 'node:https';
import type { Clock } from '../clock';

/** What a notification reports (kispg.md §9 events): approval 3001/4000/A000, VACNT issue 4100, deposit 4110, cancel 2001/2211. */
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

interface PendingNotification {
  id: string;
  kind: KispgNotificationKind;
  url: string;
  body: Record<string, string>;
  attempt: number;
  generation: number;
}

let notificationSequence = 0;

/**
 * Delivers "결제 결과 수신" notifications the way the sibling platform documents it (kispg.md §9 [K]): POST
 * `application/x-www-form-urlencoded` (or JSON by option), received ⇔ HTTP status, retried at a fixed interval
 * (2 minutes, 5 times) until it gets one. The guide says nothing about the reply; any 2xx counts ([U], §9 point 5).
 */
export class KispgNotificationDispatcher {
  readonly deliveries: NotificationDelivery[] = [];
  private readonly timers = new Map<NodeJS.Timeout, number>(); // timer → real due time (ms since epoch)
  private readonly inFlight = new Set<http.ClientRequest>();
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });
  private stopped = false;
  private generation = 0;

  constructor(private readonly options: NotificationDispatcherOptions) {}

  /** Queues a notification; the first try leaves on the next tick. */
  send(url: string, kind: KispgNotificationKind, body: Record<string, string>): void {
    if (this.stopped) return;
    notificationSequence += 1;
    const id = `noti_${Date.now().toString(36)}_${notificationSequence}`;
    this.schedule({ id, kind, url, body, attempt: 0, generation: this.generation }, 0);
  }

  /** True while an attempt is on the wire or a retry is due within `withinMs` real milliseconds. */
  busy(withinMs: number): boolean {
    if (this.inFlight.size > 0) return true;
    const horizon = Date.now() + withinMs;
    for (const dueAt of this.timers.values()) if (dueAt <= horizon) return true;
    return false;
  }

  cancelAll(): void {
    this.generation += 1;
    for (const timer of this.timers.keys()) clearTimeout(timer);
    this.timers.clear();
    for (const request of this.inFlight) request.destroy();
    this.inFlight.clear();
  }

  clearHistory(): void {
    this.deliveries.length = 0;
  }

  stop(): void {
    this.stopped = true;
    this.cancelAll();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private schedule(notification: PendingNotification, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.attempt(notification);
    }, delayMs);
    this.timers.set(timer, Date.now() + delayMs);
  }

  private attempt(notification: PendingNotification): void {
    if (this.stopped || notification.generation !== this.generation) return;
    const target = new URL(notification.url);
    const isHttps = target.protocol === 'https:';
    const payload =
      this.options.format === 'json'
        ? Buffer.from(JSON.stringify(notification.body), 'utf8')
        : Buffer.from(new URLSearchParams(notification.body).toString(), 'utf8');
    let settled = false;
    const request = (isHttps ? https : http).request(target, {
      method: 'POST',
      agent: isHttps ? this.httpsAgent : this.httpAgent,
      headers: {
        'content-type':
          this.options.format === 'json' ? 'application/json; charset=utf-8' : 'application/x-www-form-urlencoded; charset=utf-8',
        'content-length': String(payload.length),
      },
    });
    this.inFlight.add(request);
    const timeout = setTimeout(() => finish('timeout'), this.options.timeoutMs);

    const finish = (status: NotificationDelivery['status']) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      this.inFlight.delete(request);
      if (status === 'timeout' || status === 'error') request.destroy();
      if (this.stopped || notification.generation !== this.generation) return;
      this.deliveries.push({
        id: notification.id,
        kind: notification.kind,
        tid: notification.body.tid,
        resultCd: notification.body.resultCd,
        attempt: notification.attempt,
        status,
        body: notification.body,
        at: this.options.clock.now(),
      });
      if (typeof status === 'number' && status >= 200 && status < 300) return;
      if (notification.attempt >= this.options.maxRetries) return; // given up, as the sibling does after 5 retries
      this.schedule({ ...notification, attempt: notification.attempt + 1 }, this.options.retryIntervalMs * this.options.timeScale);
    };

    request.on('response', (response) => {
      response.on('error', () => finish('error'));
      response.resume(); // drain so the keep-alive socket returns to the pool
      response.on('end', () => finish(response.statusCode ?? 'error'));
    });
    request.on('error', () => finish('error'));
    request.end(payload);
  }
}
