import { InvalidTransitionError } from './errors';

/**
 * Our canonical payment statuses. Gateways map their own vocabularies onto these in their `<g>.gateway.ts`; nothing
 * outside a gateway folder ever sees a gateway's status string.
 */
export enum PaymentStatus {
  /** Prepared: a row exists, the buyer may be in the payment window. */
  READY = 'READY',
  /** Approval request is (about to be) on the wire. Exactly one caller gets here (compare-and-set). */
  IN_PROGRESS = 'IN_PROGRESS',
  /** Virtual account issued, waiting for the buyer's transfer. */
  WAITING_FOR_DEPOSIT = 'WAITING_FOR_DEPOSIT',
  PAID = 'PAID',
  PARTIALLY_CANCELED = 'PARTIALLY_CANCELED',
  CANCELED = 'CANCELED',
  /** The gateway said no (a definitive decline). Terminal. */
  FAILED = 'FAILED',
  /** The approval left but its answer was lost (timeout, reset, 5xx). `sync` resolves it. Never treated as FAILED. */
  UNKNOWN = 'UNKNOWN',
  /** Window, confirm deadline or virtual-account due date passed without payment. Terminal. */
  EXPIRED = 'EXPIRED',
}

/**
 * The single transition table. Every status write in the library goes through `assertTransition`
 * (Kill Bill style: one table, no ad-hoc `if` chains elsewhere).
 *
 * Notes on the edges that are not obvious:
 * - IN_PROGRESS -> READY: the approval request provably never left this process (connect refused, DNS,
 *   TLS setup failure). Nothing happened at the gateway, so the buyer may retry confirm. FAILED would be safe
 *   too; going back to READY is just as safe and keeps the buyer's authenticated window usable.
 * - IN_PROGRESS / UNKNOWN -> WAITING_FOR_DEPOSIT: a virtual account issued through the payment window comes back
 *   from approval as WAITING_FOR_DEPOSIT (Toss's confirm answers that for a virtual account).
 * - PAID -> WAITING_FOR_DEPOSIT: a Toss "deposit error" (the bank reverses a deposit over a limit or network
 *   problem) moves a deposited virtual account back.
 * - WAITING_FOR_DEPOSIT -> CANCELED: a virtual account canceled before deposit.
 * - UNKNOWN -> IN_PROGRESS: a confirm retry after `sync` showed the gateway never approved.
 * - UNKNOWN -> READY: the gateway has no record of the approval and the longest call it could still be processing is
 *   over: it provably did not happen, and the buyer may confirm again (same orderId).
 * - UNKNOWN -> PARTIALLY_CANCELED / EXPIRED: the gateway truth read by `sync` may already be past PAID.
 */
export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  [PaymentStatus.READY]: [
    PaymentStatus.IN_PROGRESS,
    PaymentStatus.WAITING_FOR_DEPOSIT,
    PaymentStatus.PAID,
    PaymentStatus.FAILED,
    PaymentStatus.EXPIRED,
  ],
  [PaymentStatus.IN_PROGRESS]: [
    PaymentStatus.READY,
    PaymentStatus.PAID,
    PaymentStatus.WAITING_FOR_DEPOSIT,
    PaymentStatus.FAILED,
    PaymentStatus.UNKNOWN,
    PaymentStatus.EXPIRED,
  ],
  [PaymentStatus.WAITING_FOR_DEPOSIT]: [PaymentStatus.PAID, PaymentStatus.EXPIRED, PaymentStatus.CANCELED],
  [PaymentStatus.PAID]: [PaymentStatus.PARTIALLY_CANCELED, PaymentStatus.CANCELED, PaymentStatus.WAITING_FOR_DEPOSIT],
  [PaymentStatus.PARTIALLY_CANCELED]: [PaymentStatus.PARTIALLY_CANCELED, PaymentStatus.CANCELED],
  [PaymentStatus.CANCELED]: [],
  [PaymentStatus.FAILED]: [],
  [PaymentStatus.UNKNOWN]: [
    PaymentStatus.READY,
    PaymentStatus.IN_PROGRESS,
    PaymentStatus.PAID,
    PaymentStatus.WAITING_FOR_DEPOSIT,
    PaymentStatus.PARTIALLY_CANCELED,
    PaymentStatus.CANCELED,
    PaymentStatus.FAILED,
    PaymentStatus.EXPIRED,
  ],
  [PaymentStatus.EXPIRED]: [],
};

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return from === to || PAYMENT_TRANSITIONS[from].includes(to);
}

/** Throws `InvalidTransitionError` unless `from -> to` is in the table (staying put is always allowed). */
export function assertTransition(from: PaymentStatus, to: PaymentStatus, paymentId?: string): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to, paymentId);
}

/** Statuses after which money has moved to the merchant and can be canceled. */
export const CANCELABLE_STATUSES: readonly PaymentStatus[] = [PaymentStatus.PAID, PaymentStatus.PARTIALLY_CANCELED];

/** Statuses that no gateway truth can move any more. */
export const TERMINAL_STATUSES: readonly PaymentStatus[] = [
  PaymentStatus.CANCELED,
  PaymentStatus.FAILED,
  PaymentStatus.EXPIRED,
];

export enum CancelStatus {
  /** Amount reserved on the payment, request (about to be) on the wire. */
  PENDING = 'PENDING',
  DONE = 'DONE',
  /** The gateway refused; the reservation was released. */
  FAILED = 'FAILED',
  /** The answer was lost; the reservation stays until `sync` resolves it. */
  UNKNOWN = 'UNKNOWN',
}

export enum BillingKeyStatus {
  ACTIVE = 'ACTIVE',
  DELETED = 'DELETED',
}

export enum CashReceiptStatus {
  PENDING = 'PENDING',
  ISSUED = 'ISSUED',
  CANCELED = 'CANCELED',
  FAILED = 'FAILED',
  UNKNOWN = 'UNKNOWN',
}

export enum WebhookEventStatus {
  RECEIVED = 'RECEIVED',
  PROCESSED = 'PROCESSED',
  /** Verified but nothing to do (e.g. an event type we do not act on). */
  IGNORED = 'IGNORED',
  /** The handler threw; a redelivery re-runs it. */
  FAILED = 'FAILED',
  /** Authenticity could not be established; stored for audit, never applied. */
  REJECTED = 'REJECTED',
}
