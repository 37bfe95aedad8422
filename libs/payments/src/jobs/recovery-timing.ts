import { Inject, Injectable } from '@nestjs/common';
import type { PaymentGateway } from '../gateways/gateway.port';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PAYMENTS_RESOLVED_OPTIONS } from '../payments.tokens';

/** Added to a gateway's longest call before anything in flight counts as stuck (clock skew, queueing, GC pauses). */
export const DEFAULT_RECOVERY_MARGIN_MS = 30_000;
/** A READY payment nobody confirmed for this long was abandoned in the payment window. */
export const DEFAULT_READY_TTL_MS = 24 * 60 * 60_000;

/**
 * When a row in flight may be called stuck, per gateway: its longest call (`maxCallMs`, from its timeouts) plus a
 * margin. Before that, a read-back that finds nothing proves nothing: the gateway may still be processing.
 */
@Injectable()
export class RecoveryTiming {
  readonly marginMs: number;
  readonly readyTtlMs: number;

  constructor(@Inject(PAYMENTS_RESOLVED_OPTIONS) options: ResolvedPaymentsOptions) {
    this.marginMs = options.jobs.repair.marginMs;
    this.readyTtlMs = options.jobs.repair.readyTtlMs;
  }

  stuckAfterMs(gateway: PaymentGateway): number {
    return gateway.maxCallMs + this.marginMs;
  }

  /** True when `since` is longer ago than the gateway's stuck bound. */
  isStuck(gateway: PaymentGateway, since: Date, now: Date): boolean {
    return now.getTime() - since.getTime() > this.stuckAfterMs(gateway);
  }
}
