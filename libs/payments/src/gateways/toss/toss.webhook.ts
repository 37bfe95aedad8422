import { InvalidInputError, SignatureMismatchError } from '../../domain/errors';
import { isRecord, stringField } from '../gateway-fields';
import type { ParsedWebhook, RawWebhookRequest, WebhookReply } from '../gateway-capabilities';
import { readJsonObjectBody, webhookHeader } from '../gateway-webhook';
import { scrub } from '../http/scrub';
import { fingerprint, verifyPayoutSignature, type PayoutKeyEncoding } from './toss.crypto';
import { TOSS_SENSITIVE_KEYS } from './toss.client';
import { MAX_PAYMENT_KEY_LENGTH } from './toss.input';

/** Headers Toss sends with every delivery (docs/gateways/toss.md#webhooks). */
export const TOSS_WEBHOOK_HEADERS = {
  transmissionTime: 'tosspayments-webhook-transmission-time',
  retriedCount: 'tosspayments-webhook-transmission-retried-count',
  transmissionId: 'tosspayments-webhook-transmission-id',
  signature: 'tosspayments-webhook-signature',
} as const;

/** Events signed with the payout 보안 키 (security key); the others carry no signature. */
const SIGNED_EVENT_TYPES = new Set(['payout.changed', 'seller.changed']);

export interface TossWebhookVerificationOptions {
  payoutSecurityKeys: readonly string[];
  payoutKeyEncoding: PayoutKeyEncoding;
  payoutToleranceSec: number;
}

/**
 * Parses (and, where Toss signs, verifies) one delivery (docs/gateways/toss.md#trust-rules):
 * - PAYMENT_STATUS_CHANGED is unsigned: 'read-back', the core trusts only a fresh GET of `paymentKey`.
 * - DEPOSIT_CALLBACK is flat, has no eventType, and carries the virtual account's `secret`: 'payment-secret'.
 * - BILLING_DELETED is unsigned and cannot be read back: 'none'.
 * - payout.changed / seller.changed: HMAC checked here, else SignatureMismatchError: 'signature'.
 * - anything else (CANCEL_STATUS_CHANGED, BrandPay events, future events): 'none', stored for audit.
 * Dedupe keys are built from the event's own content so a retry (same body) maps to the same key. The two events that
 * move money end theirs with a digest of the body: nothing in them is signed, so a genuine body re-posted with a field
 * changed (a status flipped, another transaction key) is another delivery, and can never occupy the key of a genuine
 * event that has not arrived yet.
 */
export function parseTossWebhook(
  request: RawWebhookRequest,
  verification: TossWebhookVerificationOptions,
  now: Date,
): ParsedWebhook {
  const body = readJsonObjectBody(request);
  const payload = scrubTossPayload(body);
  const eventType = body['eventType'];

  if (eventType === undefined) return parseDepositCallback(body, payload, bodyDigest(request));
  if (typeof eventType !== 'string' || eventType.length === 0) {
    throw new InvalidInputError('body.eventType', 'must be a non-empty string');
  }
  if (SIGNED_EVENT_TYPES.has(eventType))
    return parseSignedEvent(request, body, eventType, { verification, now, payload });

  const data = isRecord(body['data']) ? body['data'] : undefined;
  if (eventType === 'PAYMENT_STATUS_CHANGED') return parsePaymentStatusChanged(data, payload, bodyDigest(request));
  if (eventType === 'BILLING_DELETED') return parseBillingDeleted(data, payload);
  return parseUnverifiableEvent(request, eventType, data, payload);
}

/** DEPOSIT_CALLBACK has no eventType; its secret is compared by the core, timing-safe. */
function parseDepositCallback(body: Record<string, unknown>, payload: unknown, digest: string): ParsedWebhook {
  if (!isDepositCallback(body)) {
    throw new InvalidInputError('body', 'not a Toss webhook: no eventType and not a DEPOSIT_CALLBACK body');
  }
  return {
    dedupeKey: `toss:DEPOSIT_CALLBACK:${body.orderId}:${body.status}:${body.transactionKey}:${digest}`,
    eventType: 'DEPOSIT_CALLBACK',
    orderId: body.orderId,
    paymentKey: null,
    verification: 'payment-secret',
    secret: body.secret,
    payload,
  };
}

/** payout.changed / seller.changed carry an HMAC over the raw bytes (docs/gateways/toss.md#payout-signatures). */
function parseSignedEvent(
  request: RawWebhookRequest,
  body: Record<string, unknown>,
  eventType: string,
  context: { verification: TossWebhookVerificationOptions; now: Date; payload: unknown },
): ParsedWebhook {
  const result = verifyPayoutSignature({
    rawBody: request.rawBody,
    signatureHeader: webhookHeader(request.headers, TOSS_WEBHOOK_HEADERS.signature),
    transmissionTime: webhookHeader(request.headers, TOSS_WEBHOOK_HEADERS.transmissionTime),
    securityKeys: context.verification.payoutSecurityKeys,
    keyEncoding: context.verification.payoutKeyEncoding,
    toleranceSec: context.verification.payoutToleranceSec,
    now: context.now,
  });
  if (!result.valid) {
    throw new SignatureMismatchError('toss', `${eventType} webhook (${result.reason})`);
  }
  const eventId = stringField(body, 'eventId');
  return {
    dedupeKey: `toss:${eventType}:${eventId ?? transmissionIdOrDigest(request)}`,
    eventType,
    verification: 'signature',
    truth: null,
    payload: context.payload,
  };
}

function parsePaymentStatusChanged(
  data: Record<string, unknown> | undefined,
  payload: unknown,
  digest: string,
): ParsedWebhook {
  const paymentKey = data ? stringField(data, 'paymentKey') : undefined;
  const orderId = data ? stringField(data, 'orderId') : undefined;
  const status = data ? stringField(data, 'status') : undefined;
  if (!data || !paymentKey || !orderId || !status) {
    throw new InvalidInputError(
      'body.data',
      'PAYMENT_STATUS_CHANGED needs data.paymentKey, data.orderId and data.status',
    );
  }
  // It is the key of the read-back (`GET /v1/payments/{paymentKey}`): one Toss could never have issued is refused here.
  if (paymentKey.length > MAX_PAYMENT_KEY_LENGTH) {
    throw new InvalidInputError('body.data.paymentKey', `must be at most ${MAX_PAYMENT_KEY_LENGTH} characters`);
  }
  const lastTransactionKey = stringField(data, 'lastTransactionKey') ?? '';
  return {
    dedupeKey: `toss:PAYMENT_STATUS_CHANGED:${paymentKey}:${status}:${lastTransactionKey}:${digest}`,
    eventType: 'PAYMENT_STATUS_CHANGED',
    orderId,
    paymentKey,
    verification: 'read-back',
    payload,
  };
}

function parseBillingDeleted(data: Record<string, unknown> | undefined, payload: unknown): ParsedWebhook {
  const billingKey = data ? stringField(data, 'billingKey') : undefined;
  if (!billingKey) throw new InvalidInputError('body.data.billingKey', 'BILLING_DELETED needs data.billingKey');
  return {
    // A billing key is deleted once; its fingerprint (never the key itself) makes the stored dedupe key.
    dedupeKey: `toss:BILLING_DELETED:${fingerprint(billingKey)}`,
    eventType: 'BILLING_DELETED',
    billingKey,
    verification: 'none',
    payload,
  };
}

/** Events Toss neither signs nor lets us read back: stored for audit, never applied. */
function parseUnverifiableEvent(
  request: RawWebhookRequest,
  eventType: string,
  data: Record<string, unknown> | undefined,
  payload: unknown,
): ParsedWebhook {
  const transactionKey = data ? stringField(data, 'transactionKey') : undefined;
  const cancelStatus = data ? stringField(data, 'cancelStatus') : undefined;
  return {
    dedupeKey:
      eventType === 'CANCEL_STATUS_CHANGED' && transactionKey
        ? `toss:CANCEL_STATUS_CHANGED:${transactionKey}:${cancelStatus ?? ''}`
        : `toss:${eventType}:${transmissionIdOrDigest(request)}`,
    eventType,
    paymentKey: data ? (stringField(data, 'paymentKey') ?? null) : null,
    orderId: data ? (stringField(data, 'orderId') ?? null) : null,
    verification: 'none',
    payload,
  };
}

/**
 * Toss counts only HTTP 200 within 10 s as delivered and retries anything else up to 7 times
 * (docs/gateways/toss.md#replies-and-retries).
 * Accepted deliveries (including duplicates and ignored events) get 200 with an empty body. A rejected one (secret or
 * signature does not match, nothing to apply it to) gets 401: a forger learns nothing new, and a genuine delivery that
 * arrived before its payment exists here is redelivered later by Toss's retry schedule.
 */
export function tossWebhookReply(outcome: 'accepted' | 'rejected'): WebhookReply {
  return { status: outcome === 'accepted' ? 200 : 401, body: '', contentType: 'application/json' };
}

/**
 * Scrubbed copy for the inbox row / `raw`: the shared scrubber (sensitive keys redacted, full card numbers replaced)
 * with the Toss-specific keys (VA `secret`, billingKey, ...) added.
 */
export function scrubTossPayload<T>(value: T): unknown {
  return scrub(value, TOSS_SENSITIVE_KEYS);
}

function isDepositCallback(
  body: Record<string, unknown>,
): body is { secret: string; status: string; transactionKey: string; orderId: string } {
  return (
    typeof body['secret'] === 'string' &&
    body['secret'].length > 0 &&
    typeof body['status'] === 'string' &&
    typeof body['transactionKey'] === 'string' &&
    typeof body['orderId'] === 'string'
  );
}

/** Identifies one exact body (32 hex digits of its SHA-256). */
function bodyDigest(request: RawWebhookRequest): string {
  return fingerprint(request.rawBody.toString('utf8'));
}

function transmissionIdOrDigest(request: RawWebhookRequest): string {
  return (
    webhookHeader(request.headers, TOSS_WEBHOOK_HEADERS.transmissionId) ?? fingerprint(request.rawBody.toString('utf8'))
  );
}
