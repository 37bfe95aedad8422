import http from 'node:http';
import https from 'node:https';
import type { Clock } from '../clock';
import { formatKst, newWebhookTransmissionId } from './toss-simulator.format';

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

interface PendingEvent {
  id: string;
  eventType: string;
  url: string;
  rawBody: string;
  body: unknown;
  attempt: number;
  /** The dispatcher generation the event belongs to; cancelAll() starts a new one, silencing older callbacks. */
  generation: number;
}

/**
 * Delivers Toss webhooks (toss.md §6.1): POST JSON, success only on HTTP 200 within the timeout, otherwise retry
 * on the (scaled) schedule. The transmission id stays the same across retries of one event, so a receiver can
 * dedupe on it ([U] in the spec, the only sensible reading of "unique per webhook"); retried-count counts retries.
 */
export class TossWebhookDispatcher {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly timers = new Map<NodeJS.Timeout, number>(); // timer → real due time (ms since epoch)
  private readonly inFlight = new Set<http.ClientRequest>();
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });
  private stopped = false;
  private generation = 0;

  constructor(private readonly options: WebhookDispatcherOptions) {}

  /** Queues an event for delivery to `url`; the first attempt leaves on the next tick. */
  send(url: string, eventType: string, body: unknown): void {
    if (this.stopped) return;
    const event: PendingEvent = {
      id: newWebhookTransmissionId(),
      eventType,
      url,
      rawBody: JSON.stringify(body),
      body,
      attempt: 0,
      generation: this.generation,
    };
    this.schedule(event, 0);
  }

  /** True while an attempt is on the wire or a retry is due within `withinMs` real milliseconds. */
  busy(withinMs: number): boolean {
    if (this.inFlight.size > 0) return true;
    const horizon = Date.now() + withinMs;
    for (const dueAt of this.timers.values()) if (dueAt <= horizon) return true;
    return false;
  }

  /** Forgets every scheduled retry and aborts attempts on the wire (reset / stop). */
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

  private schedule(event: PendingEvent, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.attempt(event);
    }, delayMs);
    this.timers.set(timer, Date.now() + delayMs);
  }

  private attempt(event: PendingEvent): void {
    if (this.stopped || event.generation !== this.generation) return;
    const target = new URL(event.url);
    const isHttps = target.protocol === 'https:';
    const payload = Buffer.from(event.rawBody, 'utf8');
    let settled = false;
    const request = (isHttps ? https : http).request(target, {
      method: 'POST',
      agent: isHttps ? this.httpsAgent : this.httpAgent,
      headers: {
        'content-type': 'application/json',
        'content-length': String(payload.length),
        'tosspayments-webhook-transmission-time': formatKst(this.options.clock.now()),
        'tosspayments-webhook-transmission-retried-count': String(event.attempt),
        'tosspayments-webhook-transmission-id': event.id,
      },
    });
    this.inFlight.add(request);
    const timeout = setTimeout(() => finish('timeout'), this.options.timeoutMs);

    const finish = (status: WebhookDelivery['status']) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      this.inFlight.delete(request);
      if (status === 'timeout' || status === 'error') request.destroy();
      if (this.stopped || event.generation !== this.generation) return;
      this.deliveries.push({
        id: event.id,
        eventType: event.eventType,
        attempt: event.attempt,
        status,
        body: event.body,
        at: this.options.clock.now(),
      });
      // toss.md §6.1: only HTTP 200 counts as delivered (an older blog says 2xx; 200 is the stricter reading).
      if (status === 200) return;
      const retryMinutes = WEBHOOK_RETRY_MINUTES[event.attempt];
      if (retryMinutes === undefined) return; // 8 attempts made: Toss marks it 실패 and stops.
      this.schedule({ ...event, attempt: event.attempt + 1 }, retryMinutes * 60_000 * this.options.timeScale);
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
