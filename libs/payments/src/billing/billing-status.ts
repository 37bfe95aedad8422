/** Where a subscription stands (docs/architecture.md#recurring-billing). */
export enum SubscriptionStatus {
  /** Before its first paid cycle, inside a free trial. */
  TRIALING = 'TRIALING',
  ACTIVE = 'ACTIVE',
  /** A cycle is unpaid and being retried (SOFT) or waits for a new payment method (HARD). No new cycles meanwhile. */
  PAST_DUE = 'PAST_DUE',
  /** Dunning ran out (dunning.finalAction 'UNPAID'): no more cycles until resumed. */
  UNPAID = 'UNPAID',
  PAUSED = 'PAUSED',
  CANCELED = 'CANCELED',
}

export enum BillingCycleStatus {
  /** Created, due at `next_attempt_at`. */
  SCHEDULED = 'SCHEDULED',
  /** An attempt is open (claimed, being charged, or waiting for a short retry). */
  PROCESSING = 'PROCESSING',
  PAID = 'PAID',
  /** The last attempt was declined; the next one is due at `next_attempt_at` (null: waits for retryNow). */
  RETRY_SCHEDULED = 'RETRY_SCHEDULED',
  /** The open attempt's answer was lost; it is read back until the gateway's truth settles it. */
  UNKNOWN = 'UNKNOWN',
  /** Dunning ran out, or the subscription ended with the cycle unpaid. Nothing more is tried. */
  UNCOLLECTIBLE = 'UNCOLLECTIBLE',
}

export enum BillingAttemptStatus {
  /** Created by the sweep (or released for a short retry), not claimed yet. */
  PENDING = 'PENDING',
  /** Claimed by a worker whose lease runs until `lease_until`. */
  PROCESSING = 'PROCESSING',
  /** The charge's answer was lost: read back (same orderId) until settled; never FAILED without the gateway's word. */
  UNKNOWN = 'UNKNOWN',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}

/** The attempt statuses that count as "in flight" (at most one per cycle, a partial unique index). */
export const OPEN_ATTEMPT_STATUSES = [
  BillingAttemptStatus.PENDING,
  BillingAttemptStatus.PROCESSING,
  BillingAttemptStatus.UNKNOWN,
] as const;
