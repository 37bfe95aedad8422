import { createHash } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import { stringField } from '../gateway-fields';
import type { ParsedWebhook, RawWebhookRequest, WebhookReply } from '../gateway-capabilities';
import type { GatewayPaymentTruth } from '../gateway.port';
import { readJsonObjectBody } from '../gateway-webhook';
import { scrub } from '../http/scrub';
import { NICEPAY_SENSITIVE_KEYS } from './nicepay.client';
import { nicePayPaymentSignature, nicePaySignatureMatches } from './nicepay.crypto';
import type { NicePayPayment } from './nicepay.types';

/** Event type stored for a delivery whose signature does not verify (dashboard TEST calls, forgeries). */
export const NICEPAY_UNVERIFIED_EVENT = 'UNVERIFIED';

export interface NicePayWebhookContext {
  secretKey: string;
  /** Maps a verified payment object to the canonical truth (the gateway's mapping, shared with API answers). */
  toTruth: (payment: NicePayPayment, scrubbed: unknown) => GatewayPaymentTruth;
  logger?: LoggerService;
}

/**
 * Parses one NicePay webhook (docs/gateways/nicepay.md#webhooks): the body is the payment object, authenticated only
 * by its `signature = sha256(tid + amount + ediDate + SK)` (there is no header signature).
 * - verified, resultCode 0000 and a status: `verification: 'signature'` with the truth; the core still rejects a truth
 *   whose amount or orderId differs from ours.
 * - anything else (dashboard TEST payloads, whose signature the merchant's key cannot verify; forgeries; bodies
 *   missing fields): `verification: 'none'`, event type UNVERIFIED, logged as a warning without any secret. It is
 *   stored and answered `OK` (so NicePay does not retry it ten times or fail the registration) but never applied.
 * Dedupe key: tid + status + cancelledTid (NicePay delivers at least once). Unverified deliveries get their own key
 * space (a body digest), so a forged copy can never occupy the key of the genuine event.
 */
export function parseNicePayWebhook(request: RawWebhookRequest, context: NicePayWebhookContext): ParsedWebhook {
  const body = readJsonObjectBody(request);
  const payload = scrubNicePayPayload(body);
  const tid = stringField(body, 'tid');
  const orderId = stringField(body, 'orderId');
  const ediDate = stringField(body, 'ediDate');
  const status = stringField(body, 'status');
  const amount = body['amount'];
  const amountText = typeof amount === 'number' && Number.isSafeInteger(amount) ? String(amount) : undefined;

  const verified =
    tid !== undefined &&
    ediDate !== undefined &&
    amountText !== undefined &&
    nicePaySignatureMatches(body['signature'], nicePayPaymentSignature(tid, amountText, ediDate, context.secretKey));

  let truth: GatewayPaymentTruth | null = null;
  if (verified && body['resultCode'] === '0000' && status !== undefined && orderId !== undefined) {
    try {
      truth = context.toTruth(body as unknown as NicePayPayment, payload);
    } catch {
      // Signed but unreadable (no integer balanceAmt ...): kept for audit below, never applied on a guess.
      truth = null;
    }
  }
  if (truth && tid !== undefined && status !== undefined) {
    const cancelledTid = stringField(body, 'cancelledTid') ?? '';
    return {
      dedupeKey: `nicepay:${tid}:${status}:${cancelledTid}`,
      eventType: `payment.${status}`,
      orderId,
      paymentKey: tid,
      verification: 'signature',
      truth,
      payload,
    };
  }

  // No body values in the log line: the payload is in the inbox row, scrubbed.
  context.logger?.warn?.(
    `nicepay webhook ${verified ? 'without a result to apply' : 'with a signature that does not verify'} ` +
      `(tid ${tid ? 'present' : 'missing'}, status "${(status ?? '').slice(0, 20)}"); stored as ${NICEPAY_UNVERIFIED_EVENT}, not applied`,
    'NicePayGateway',
  );
  return {
    dedupeKey: `nicepay:${NICEPAY_UNVERIFIED_EVENT}:${createHash('sha256').update(request.rawBody).digest('hex').slice(0, 40)}`,
    eventType: NICEPAY_UNVERIFIED_EVENT,
    orderId: orderId ?? null,
    paymentKey: tid ?? null,
    verification: 'none',
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
