import {
  Inject,
  Injectable,
  type LoggerService,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
// Type only: @nestjs/event-emitter is an optional peer, needed (and loaded) only when events are used.
import type { EventEmitter2 } from '@nestjs/event-emitter';
import type { DataSource } from 'typeorm';
import type { PaymentsClock } from '../domain/clock';
import { PaymentsConfigurationError } from '../domain/errors';
import { scrubText } from '../gateways/http/scrub';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PAYMENTS_CLOCK, PAYMENTS_DATA_SOURCE, PAYMENTS_LOGGER, PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';
import type { ResolvedEventsOptions } from './events-options';
import { OutboxListener } from './outbox-listener';
import { claimDueEvents, markDispatched, markFailed, pruneDispatched, type ClaimedEvent } from './outbox-store';
import { paymentEventName, type PaymentsEvent } from './payment-events';

export interface DispatchRound {
  /** Events handed to the handlers in this call. */
  published: number;
  /** Of those, how many a handler threw on (they come back after their backoff). */
  failed: number;
}

/** Pruning of dispatched events runs at most this often per instance. */
const PRUNE_EVERY_MS = 60_000;

/**
 * Publishes outbox events to @nestjs/event-emitter: claims due rows (SKIP LOCKED, a lease, only the oldest pending
 * event of each aggregate so one payment's events arrive in commit order), awaits every handler, then marks the
 * round's delivered rows dispatched in one statement; a handler that throws gets the same event (same id) again after a doubling backoff. At-least-once:
 * a process that dies between the handler and the mark delivers again after the lease. Safe on any number of
 * instances; wakes on NOTIFY and polls as a fallback.
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly options: ResolvedEventsOptions;
  private timer: NodeJS.Timeout | null = null;
  private listener: OutboxListener | null = null;
  private draining: Promise<void> | null = null;
  private wakeAgain = false;
  private stopped = false;
  private lastPruneAt = 0;
  /** The host's EventEmitter2, looked up on first use (undefined until then, null when the app has none). */
  private emitter: EventEmitter2 | null | undefined;

  constructor(
    @Inject(PAYMENTS_RESOLVED_OPTIONS) options: ResolvedPaymentsOptions,
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
    @Inject(PAYMENTS_LOGGER) private readonly logger: LoggerService,
    private readonly moduleRef: ModuleRef,
  ) {
    this.options = options.events;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.enabled) return;
    await this.requireEmitter();
    if (!this.options.dispatch) return;
    if (this.options.listen) {
      this.listener = await OutboxListener.start(this.dataSource, () => this.wake(), this.logger);
    }
    this.timer = setInterval(() => this.wake(), this.options.pollIntervalMs);
    this.timer.unref();
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.listener?.stop();
    await this.draining;
  }

  /** One round on demand (tests, or a host that drives dispatch itself with `dispatch: false`). */
  async dispatchDue(limit = this.options.batchSize): Promise<DispatchRound> {
    const emitter = await this.requireEmitter();
    const now = this.clock.now();
    const claimed = await claimDueEvents(this.dataSource, now, limit, this.options.leaseMs);
    // At most one event per aggregate is claimed, so publishing them together keeps each aggregate's order.
    const outcomes = await Promise.all(claimed.map((event) => this.publish(emitter, event)));
    await markDispatched(
      this.dataSource,
      claimed.filter((_, index) => outcomes[index]),
      this.clock.now(),
    );
    await this.pruneIfDue(now);
    return { published: claimed.length, failed: outcomes.filter((ok) => !ok).length };
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.wakeAgain = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (this.wakeAgain && !this.stopped) {
        this.wakeAgain = false;
        this.wake();
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      // Keep going while rounds come back full: a backlog drains without waiting for the next tick.
      while (!this.stopped) {
        const round = await this.dispatchDue();
        if (round.published < this.options.batchSize) return;
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.error?.(`outbox: dispatch round failed: ${scrubText(reason)}`, undefined, 'KrPayments:events');
    }
  }

  private async publish(emitter: EventEmitter2, row: ClaimedEvent): Promise<boolean> {
    const event: PaymentsEvent = {
      id: row.id,
      name: paymentEventName(row.type),
      type: row.type,
      aggregateType: row.aggregateType,
      aggregateId: row.aggregateId,
      occurredAt: row.occurredAt.toISOString(),
      attempt: row.attempts,
      payload: row.payload,
    };
    try {
      await emitter.emitAsync(event.name, event);
    } catch (error) {
      const reason = scrubText(error instanceof Error ? error.message : String(error));
      const retryAt = new Date(this.clock.now().getTime() + this.backoffMs(row.attempts));
      await markFailed(this.dataSource, row, retryAt, reason);
      this.logger.warn?.(
        `outbox: a handler of ${event.name} (${event.id}) threw; delivered again at ${retryAt.toISOString()}: ${reason}`,
        'KrPayments:events',
      );
      return false;
    }
    return true;
  }

  private backoffMs(attempts: number): number {
    const doubled = this.options.retryBaseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 20);
    return Math.min(doubled, this.options.retryMaxMs);
  }

  private async pruneIfDue(now: Date): Promise<void> {
    if (now.getTime() - this.lastPruneAt < PRUNE_EVERY_MS) return;
    this.lastPruneAt = now.getTime();
    await pruneDispatched(this.dataSource, new Date(now.getTime() - this.options.retentionMs));
  }

  private async requireEmitter(): Promise<EventEmitter2> {
    if (this.emitter === undefined) this.emitter = await this.findEmitter();
    if (!this.emitter) {
      throw new PaymentsConfigurationError([
        'events.enabled: needs EventEmitterModule.forRoot() from @nestjs/event-emitter imported in your app',
      ]);
    }
    return this.emitter;
  }

  /** The app's EventEmitter2, or null when @nestjs/event-emitter is not installed or its module not imported. */
  private async findEmitter(): Promise<EventEmitter2 | null> {
    let token: typeof EventEmitter2;
    try {
      ({ EventEmitter2: token } = await import('@nestjs/event-emitter'));
    } catch (error) {
      // Not installed is the same answer as not imported; any other load failure is the host's to see.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') return null;
      throw error;
    }
    try {
      return this.moduleRef.get(token, { strict: false });
    } catch {
      return null;
    }
  }
}
