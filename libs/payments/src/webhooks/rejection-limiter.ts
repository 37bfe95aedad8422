import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { PaymentsClock } from '../domain/clock';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PAYMENTS_CLOCK, PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';

/**
 * Per-source budget for rejected webhook deliveries (failed authentication, a read-back that disowns them): a
 * forger's flood is answered 429 before it costs a signature check, a read-back or an inbox row. Genuine gateways are
 * rarely rejected, so their budget is never spent. A token bucket per source address, in memory (per instance): it
 * bounds cost, it does not decide correctness.
 */
export class RejectionLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedMs: number }>();

  constructor(
    /** Rejections a source may have in a burst. */
    private readonly burst: number,
    /** Rejections per minute a source earns back. */
    private readonly perMinute: number,
    private readonly nowMs: () => number = Date.now,
    /** Sources tracked at most (the oldest are forgotten first). */
    private readonly maxSources = 10_000,
  ) {}

  /** True when the source has spent its budget: answer 429 without looking at the delivery. */
  isLimited(source: string | undefined): boolean {
    if (!source) return false;
    const bucket = this.refilled(source);
    return bucket !== undefined && bucket.tokens < 1;
  }

  /** Spends one token of the source's budget for a rejected delivery. */
  recordRejection(source: string | undefined): void {
    if (!source) return;
    const bucket = this.refilled(source) ?? { tokens: this.burst, updatedMs: this.nowMs() };
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    this.buckets.delete(source);
    this.buckets.set(source, bucket); // most recent last: the map's order is the eviction order
    if (this.buckets.size > this.maxSources) this.buckets.delete(this.buckets.keys().next().value as string);
  }

  private refilled(source: string): { tokens: number; updatedMs: number } | undefined {
    const bucket = this.buckets.get(source);
    if (!bucket) return undefined;
    const now = this.nowMs();
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedMs) / 60_000) * this.perMinute);
    bucket.updatedMs = now;
    return bucket;
  }
}

/** The registration's one RejectionLimiter (guard and controller share it), sized by `webhooks.rejectedPerSource`. */
@Injectable()
export class WebhookRejectionBudget {
  private readonly limiter: RejectionLimiter | null;

  constructor(
    @Inject(PAYMENTS_RESOLVED_OPTIONS) options: ResolvedPaymentsOptions,
    @Inject(PAYMENTS_CLOCK) clock: PaymentsClock,
  ) {
    const budget = options.webhooks.rejectedPerSource;
    this.limiter = budget ? new RejectionLimiter(budget.burst, budget.perMinute, () => clock.now().getTime()) : null;
  }

  /** Throws 429 when the source has spent its budget of rejected deliveries. */
  assertWithinBudget(source: string | undefined): void {
    if (this.limiter?.isLimited(source)) {
      throw new HttpException('too many rejected webhook deliveries from this source', HttpStatus.TOO_MANY_REQUESTS);
    }
  }

  recordRejection(source: string | undefined): void {
    this.limiter?.recordRejection(source);
  }
}
