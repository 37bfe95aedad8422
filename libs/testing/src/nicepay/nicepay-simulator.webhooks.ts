import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Clock } from '../clock';

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
  /** HTTP 200 and a body of exactly `OK` after trimming (nicepay.md §6). */
  accepted: boolean;
  body: unknown;
  at: Date;
}

export interface NicePayWebhookDispatcherOptions {
  clock: Clock;
  /** Nominal gap between attempts; the real timer waits intervalMs × timeScale. */
  intervalMs: number;
  timeScale: number;
  /** Attempts in all, the first included. */
  maxAttempts: number;
  timeoutMs: number;
}

interface PendingEvent {
  id: string;
  eventType: string;
  url: string;
  rawBody: string;
  body: unknown;
  attempt: number;
  maxAttempts: number;
  generation: number;
  onSettled?: (delivery: NicePayWebhookDelivery) => void;
}

const RESPONSE_BODY_LIMIT = 1024;

/**
 * Delivers NicePay 결제통보 (nicepay.md §6): POST of the payment object as JSON. An attempt succeeds only on HTTP 200
 * with a body that is `OK` once trimmed (the manual: "Response body에 "OK" 문자열이 없는 경우 실패"; lower-case `ok`
 * fails, [U] on strictness). Otherwise the event is re-sent every `intervalMs` (1 minute in production) until
 * `maxAttempts` attempts were made.
 */
export class NicePayWebhookDispatcher {
  readonly deliveries: NicePayWebhookDelivery[] = [];
  private readonly timers = new Map<NodeJS.Timeout, number>(); // timer → real due time (ms since epoch)
  private readonly inFlight = new Set<http.ClientRequest>();
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });
  private stopped = false;
  private generation = 0;

  constructor(private readonly options: NicePayWebhookDispatcherOptions) {}

  /** Queues an event; the first attempt leaves on the next tick. `maxAttempts` overrides the default (TEST payloads: 1). */
  send(
    url: string,
    eventType: string,
    body: unknown,
    options: { maxAttempts?: number; onSettled?: (delivery: NicePayWebhookDelivery) => void } = {},
  ): void {
    if (this.stopped) return;
    this.schedule(
      {
        id: randomUUID(),
        eventType,
        url,
        rawBody: JSON.stringify(body),
        body,
        attempt: 0,
        maxAttempts: options.maxAttempts ?? this.options.maxAttempts,
        generation: this.generation,
        onSettled: options.onSettled,
      },
      0,
    );
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
      headers: { 'content-type': 'application/json;charset=utf-8', 'content-length': String(payload.length) },
    });
    this.inFlight.add(request);
    const timeout = setTimeout(() => finish('timeout', ''), this.options.timeoutMs);

    const finish = (status: NicePayWebhookDelivery['status'], responseBody: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      this.inFlight.delete(request);
      if (status === 'timeout' || status === 'error') request.destroy();
      if (this.stopped || event.generation !== this.generation) return;
      const delivery: NicePayWebhookDelivery = {
        id: event.id,
        eventType: event.eventType,
        attempt: event.attempt,
        status,
        responseBody,
        accepted: status === 200 && responseBody.trim() === 'OK',
        body: event.body,
        at: this.options.clock.now(),
      };
      this.deliveries.push(delivery);
      event.onSettled?.(delivery);
      if (delivery.accepted || event.attempt + 1 >= event.maxAttempts) return;
      this.schedule({ ...event, attempt: event.attempt + 1, onSettled: undefined }, this.options.intervalMs * this.options.timeScale);
    };

    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < RESPONSE_BODY_LIMIT) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('error', () => finish('error', ''));
      response.on('end', () =>
        finish(response.statusCode ?? 'error', Buffer.concat(chunks).toString('utf8').slice(0, RESPONSE_BODY_LIMIT)),
      );
    });
    request.on('error', () => finish('error', ''));
    request.end(payload);
  }
}
