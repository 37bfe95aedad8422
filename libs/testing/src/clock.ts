/**
 * The time source of every simulator. Gateway rules that depend on time (Toss's 10-minute confirm window, the
 * 15-day idempotency TTL, virtual-account due dates, ledger timestamps) read this clock instead of `Date.now()`,
 * so a test can jump past a deadline without waiting for it.
 *
 * Webhook retry *delays* are deliberately not driven by this clock: they run on real (scaled) timers, because a
 * manual clock cannot wake a sleeping timer.
 */
export interface Clock {
  now(): Date;
}

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  private currentMs: number;

  constructor(start: Date = new Date()) {
    this.currentMs = start.getTime();
  }

  /** A fresh Date each call, so callers can never mutate the clock's state through it. */
  now(): Date {
    return new Date(this.currentMs);
  }

  set(date: Date): void {
    this.currentMs = date.getTime();
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`ManualClock.advance: ms must be a finite number (got ${ms})`);
    this.currentMs += ms;
  }
}

/** Real wall-clock time. */
export const systemClock: Clock = {
  now: () => new Date(),
};

/**
 * Real time plus an offset that only grows: time passes as usual and jumps forward when told. For the library's own
 * clock in end-to-end tests, where rows get real database timestamps and a rule waits for "longer than X" (the repair
 * job's stuck bounds, lost-cancel grace windows, abandoned checkouts).
 */
export class OffsetClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`OffsetClock.advance: ms must be >= 0 (got ${ms})`);
    this.offsetMs += ms;
  }

  /** Back to real time (between tests that share one app). */
  reset(): void {
    this.offsetMs = 0;
  }
}
