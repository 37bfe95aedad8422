import http from 'node:http';
import https from 'node:https';

/** How one attempt ended: the HTTP status, or why there was none. */
export type AttemptStatus = number | 'timeout' | 'error';

export interface AttemptOutcome {
  status: AttemptStatus;
  /** What the receiver answered (up to `responseBodyLimit` bytes); '' on timeout / error or when not captured. */
  responseBody: string;
}

/** One event on its way; `attempt` is 0 for the first try, n for the n-th retry. */
export interface OutgoingEvent<E> {
  /** Stays the same across the retries of one event. */
  id: string;
  url: string;
  event: E;
  attempt: number;
}

export interface WebhookDispatcherOptions<E, D> {
  /** Per-attempt timeout (real ms). */
  timeoutMs: number;
  /** Real milliseconds per simulated millisecond of the retry schedule (tests shrink minutes to milliseconds). */
  timeScale: number;
  /** The request of one attempt, built when it leaves (so a transmission-time header is that attempt's). */
  encode: (outgoing: OutgoingEvent<E>) => { body: string; headers: Record<string, string> };
  /** The delivery-log entry of an attempt, and whether the gateway counts it as delivered (no retry then). */
  settle: (outgoing: OutgoingEvent<E>, outcome: AttemptOutcome) => { delivery: D; delivered: boolean };
  /** Simulated ms to wait after failed attempt `attempt` before the next one; undefined: give up. */
  retryDelayMs: (outgoing: OutgoingEvent<E>) => number | undefined;
  /** Bytes of the receiver's answer to keep for `settle`; default 0 (the answer is drained unread). */
  responseBodyLimit?: number;
}

interface PendingEvent<E, D> extends OutgoingEvent<E> {
  /** The dispatcher generation the event belongs to; cancelAll() starts a new one, silencing older callbacks. */
  generation: number;
  /** Called with the first attempt's log entry only. */
  onFirstAttempt?: (delivery: D) => void;
}

/**
 * Webhook / notification delivery shared by the simulators: POST on keep-alive agents, one timeout per attempt,
 * retries on a time-scaled schedule the gateway gives, a delivery log, and idle tracking so tests can wait for the
 * schedule to run out. What counts as delivered, the schedule and the payload stay the gateway's (each simulator
 * passes its own; they are described in docs/gateways/<g>.md).
 */
export class WebhookDispatcher<E, D> {
  readonly deliveries: D[] = [];
  private readonly timers = new Map<NodeJS.Timeout, number>(); // timer → real due time (ms since epoch)
  private readonly inFlight = new Set<http.ClientRequest>();
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });
  private stopped = false;
  private generation = 0;

  constructor(private readonly options: WebhookDispatcherOptions<E, D>) {}

  /** Queues an event for delivery to `url`; the first attempt leaves on the next tick. */
  send(url: string, id: string, event: E, onFirstAttempt?: (delivery: D) => void): void {
    if (this.stopped) return;
    this.schedule({ id, url, event, attempt: 0, generation: this.generation, onFirstAttempt }, 0);
  }

  /** True while an attempt is on the wire or a retry is due within `withinMs` real milliseconds. */
  busy(withinMs: number): boolean {
    if (this.inFlight.size > 0) return true;
    const horizon = Date.now() + withinMs;
    for (const dueAt of this.timers.values()) if (dueAt <= horizon) return true;
    return false;
  }

  /** Resolves once nothing is on the wire and no retry is due within `withinMs` real ms, or the dispatcher stopped. */
  async idle(withinMs: number): Promise<void> {
    while (!this.stopped && this.busy(withinMs)) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
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

  private schedule(event: PendingEvent<E, D>, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.attempt(event);
    }, delayMs);
    this.timers.set(timer, Date.now() + delayMs);
  }

  private attempt(event: PendingEvent<E, D>): void {
    if (this.stopped || event.generation !== this.generation) return;
    const target = new URL(event.url);
    const isHttps = target.protocol === 'https:';
    const encoded = this.options.encode(event);
    const payload = Buffer.from(encoded.body, 'utf8');
    const responseBodyLimit = this.options.responseBodyLimit ?? 0;
    let settled = false;
    const request = (isHttps ? https : http).request(target, {
      method: 'POST',
      agent: isHttps ? this.httpsAgent : this.httpAgent,
      headers: { ...encoded.headers, 'content-length': String(payload.length) },
    });
    this.inFlight.add(request);
    const timeout = setTimeout(() => finish('timeout', ''), this.options.timeoutMs);

    const finish = (status: AttemptStatus, responseBody: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      this.inFlight.delete(request);
      if (status === 'timeout' || status === 'error') request.destroy();
      if (this.stopped || event.generation !== this.generation) return;
      const { delivery, delivered } = this.options.settle(event, { status, responseBody });
      this.deliveries.push(delivery);
      event.onFirstAttempt?.(delivery);
      if (delivered) return;
      const retryDelayMs = this.options.retryDelayMs(event);
      if (retryDelayMs === undefined) return;
      this.schedule(
        { ...event, attempt: event.attempt + 1, onFirstAttempt: undefined },
        retryDelayMs * this.options.timeScale,
      );
    };

    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      // Always read the answer to its end, so the keep-alive socket returns to the pool.
      response.on('data', (chunk: Buffer) => {
        if (size < responseBodyLimit) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('error', () => finish('error', ''));
      response.on('end', () =>
        finish(response.statusCode ?? 'error', Buffer.concat(chunks).toString('utf8').slice(0, responseBodyLimit)),
      );
    });
    request.on('error', () => finish('error', ''));
    request.end(payload);
  }
}
