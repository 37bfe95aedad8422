import type { Clock } from '../clock';
import { RETRYABLE_4XX_CODES } from './toss-simulator.errors';

/** A key is valid for 15 days from its first use (docs/gateways/toss.md#idempotency). */
export const IDEMPOTENCY_TTL_MS = 15 * 24 * 60 * 60 * 1000;
/** Longer keys are refused with 400 INVALID_IDEMPOTENCY_KEY. */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 300;

export interface StoredResponse {
  status: number;
  /** The exact bytes first sent, so a replay is byte-identical (minus the per-response trace id). */
  body: string;
}

type Entry =
  { state: 'in-flight'; expiresAtMs: number } | { state: 'done'; expiresAtMs: number; response: StoredResponse };

export type IdempotencyLookup =
  { kind: 'new'; ticket: IdempotencyTicket } | { kind: 'in-flight' } | { kind: 'replay'; response: StoredResponse };

/** Handed to the request that owns a key; exactly one of `complete` / `abandon` must follow. */
export interface IdempotencyTicket {
  complete(response: StoredResponse, errorCode?: string): void;
  abandon(): void;
}

/**
 * The Idempotency-Key store (docs/gateways/toss.md#idempotency). Scope = (key, secret key, path, method); the body
 * is *not* part of the scope, so reusing a key with a different body replays the first response (as merchants have
 * observed). Whether error answers are replayed Toss does not say
 * (docs/gateways/toss.md#settings-for-unverified-behaviour): `replayErrors: 'business'` (default) replays 2xx and
 * final 4xx and drops transient codes (PROVIDER_ERROR, CARD_PROCESSING_ERROR, FORBIDDEN_CONSECUTIVE_REQUEST, 409,
 * 429) so a retry with the same key re-executes; `'none'` replays only 2xx. 5xx is never stored, whatever the
 * setting.
 */
export class TossIdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private completedSinceSweep = 0;

  constructor(
    private readonly clock: Clock,
    private readonly replayErrors: 'business' | 'none',
  ) {}

  begin(scope: { idempotencyKey: string; secretKey: string; path: string; method: string }): IdempotencyLookup {
    const mapKey = `${scope.secretKey}\u0000${scope.method}\u0000${scope.path}\u0000${scope.idempotencyKey}`;
    const nowMs = this.clock.now().getTime();
    const existing = this.entries.get(mapKey);
    if (existing && existing.expiresAtMs > nowMs) {
      return existing.state === 'in-flight' ? { kind: 'in-flight' } : { kind: 'replay', response: existing.response };
    }
    // The TTL runs from the first use, so an in-flight marker already carries the deadline of the stored answer.
    const expiresAtMs = nowMs + IDEMPOTENCY_TTL_MS;
    const marker: Entry = { state: 'in-flight', expiresAtMs };
    this.entries.set(mapKey, marker);
    let settled = false;
    return {
      kind: 'new',
      ticket: {
        complete: (response, errorCode) => {
          if (settled) return;
          settled = true;
          if (this.entries.get(mapKey) !== marker) return; // reset() ran meanwhile
          if (this.shouldStore(response.status, errorCode)) {
            this.entries.set(mapKey, { state: 'done', expiresAtMs, response });
            this.sweepOccasionally(nowMs);
          } else {
            this.entries.delete(mapKey);
          }
        },
        abandon: () => {
          if (settled) return;
          settled = true;
          if (this.entries.get(mapKey) === marker) this.entries.delete(mapKey);
        },
      },
    };
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private shouldStore(status: number, errorCode: string | undefined): boolean {
    if (status >= 200 && status < 300) return true;
    if (status >= 500 || status === 409 || status === 429) return false;
    if (this.replayErrors === 'none') return false;
    return !(errorCode && RETRYABLE_4XX_CODES.has(errorCode));
  }

  /** Expired entries are dropped lazily on access; a periodic sweep keeps a long benchmark from growing forever. */
  private sweepOccasionally(nowMs: number): void {
    if (++this.completedSinceSweep < 10_000) return;
    this.completedSinceSweep = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAtMs <= nowMs) this.entries.delete(key);
    }
  }
}
