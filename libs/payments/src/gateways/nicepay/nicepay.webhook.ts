import { createHash } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import { stringField } from '../gateway-fields';
import type { ParsedWebhook, RawWebhookRequest, WebhookReply } from '../gateway-capabilities';
import { readJsonObjectBody } from '../gateway-webhook';
import { scrub } from '../http/scrub';
import { NICEPAY_SENSITIVE_KEYS } from './nicepay.client';
import { nicePayPaymentSignature, nicePaySignatureMatches } from './nicepay.crypto';
import { TID_PATTERN } from './nicepay.fields';

/** Event type stored for a delivery whose signature does not verify (dashboard TEST calls, forgeries). */
export const NICEPAY_UNVERIFIED_EVENT = 'UNVERIFIED';

export interface NicePayWebhookContext {
  secretKey: string;
  logger?: LoggerService;
}

/**
 * Parses one NicePay webhook (docs/gateways/nicepay.md#webhooks): the body is the payment object, authenticated only
 * by its `signature = sha256(tid + amount + ediDate + SK)` (there is no header signature).
 * - The signature covers the tid, the original amount and ediDate, and nothing else: not the status, the balance, the
 *   cancels or the orderId. Anyone holding one genuine body (it is in `payments.raw`, the inbox and body logs) can
 *   change those and keep a valid signature. So a verified delivery says only "payment `tid` changed":
 *   `verification: 'read-back'`, and the core applies what an authenticated `GET /v1/payments/{tid}` answers.
 * - Anything that does not verify (dashboard TEST payloads, whose signature the merchant's key cannot verify;
 *   forgeries; bodies missing fields): `verification: 'failed'`, event type UNVERIFIED, logged as a warning without
 *   any secret. It is stored REJECTED (pruned after `jobs.retention.rejectedDays`, counted against its source's
 *   rejection budget) and answered `OK` (so NicePay does not retry it ten times or fail the registration), never
 *   acted on.
 * Dedupe key: tid + the status it claims + a digest of the body. NicePay re-sends the same bytes, so its retries
 * collapse; a re-posted body with any field changed is another delivery, and can never occupy the key of a genuine
 * event that has not arrived yet.
 */
export function parseNicePayWebhook(request: RawWebhookRequest, context: NicePayWebhookContext): ParsedWebhook {
  const body = readJsonObjectBody(request);
  const payload = scrubNicePayPayload(body);
  const tid = stringField(body, 'tid');
  const orderId = stringField(body, 'orderId');
  const ediDate = stringField(body, 'ediDate');
  const claimedStatus = stringField(body, 'status');
  const status = claimedStatus !== undefined && /^[A-Za-z]{1,32}$/.test(claimedStatus) ? claimedStatus : 'unknown';
  const amount = body['amount'];
  const amountText = typeof amount === 'number' && Number.isSafeInteger(amount) ? String(amount) : undefined;

  // A tid that is not a NicePay tid cannot be read back (the read-back would refuse it as bad input): not NicePay's.
  const verified =
    tid !== undefined &&
    TID_PATTERN.test(tid) &&
    ediDate !== undefined &&
    amountText !== undefined &&
    nicePaySignatureMatches(body['signature'], nicePayPaymentSignature(tid, amountText, ediDate, context.secretKey));

  if (verified) {
    return {
      dedupeKey: `nicepay:${tid}:${status}:${bodyDigest(request.rawBody)}`,
      eventType: `payment.${status}`,
      // A hint for finding our payment; the read-back answer must name the same order before anything is applied.
      orderId: orderId ?? null,
      paymentKey: tid,
      verification: 'read-back',
      payload,
    };
  }

  // No body values in the log line: the payload is in the inbox row, scrubbed.
  context.logger?.warn?.(
    `nicepay webhook with a signature that does not verify (tid ${tid ? 'present' : 'missing'}, ` +
      `status "${(claimedStatus ?? '').slice(0, 20)}"); stored as ${NICEPAY_UNVERIFIED_EVENT}, not applied`,
    'NicePayGateway',
  );
  return {
    dedupeKey: `nicepay:${NICEPAY_UNVERIFIED_EVENT}:${bodyDigest(request.rawBody)}`,
    eventType: NICEPAY_UNVERIFIED_EVENT,
    orderId: orderId ?? null,
    paymentKey: tid ?? null,
    verification: 'failed',
    truth: null,
    payload,
  };
}

/**
 * NicePay counts a delivery as received only on HTTP 200 with the body exactly `OK`, else it re-sends every minute up
 * to 10 times and a registration TEST fails (U337/U338). So every stored delivery, accepted or rejected by our checks,
 * is answered the same way: rejection is recorded in the inbox, not in the reply.
 */
export function nicePayWebhookReply(_outcome: 'accepted' | 'rejected'): WebhookReply {
  return { status: 200, body: 'OK', contentType: 'text/html' };
}

/** Scrubbed copy for the inbox row / `raw`: shared sensitive keys (bid, authToken, card data ...) plus NicePay's. */
export function scrubNicePayPayload<T>(value: T): unknown {
  return scrub(value, NICEPAY_SENSITIVE_KEYS);
}

/** Identifies one exact body: the first 40 hex digits of its SHA-256. */
function bodyDigest(rawBody: Buffer): string {
  return createHash('sha256').update(rawBody).digest('hex').slice(0, 40);
}
