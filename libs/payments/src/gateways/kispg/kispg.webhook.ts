import { createHash } from 'node:crypto';
import { InvalidInputError, SignatureMismatchError } from '../../domain/errors';
import type { ParsedWebhook, RawWebhookRequest, WebhookReply } from '../gateway-capabilities';
import { webhookHeader } from '../gateway-webhook';
import { scrub } from '../http/scrub';
import { KISPG_SENSITIVE_KEYS } from './kispg.client';
import { verifyKispgHash } from './kispg.crypto';
import type { KispgNotificationHash } from './kispg.types';

export interface KispgWebhookVerificationOptions {
  mid: string;
  merchantKey: string;
  notificationHash: KispgNotificationHash;
}

/** Largest notification we read: the known notification payloads are well under 2 KB. */
const MAX_NOTIFICATION_BYTES = 64 * 1024;

/**
 * Parses and verifies one "결제 결과 수신" notification (docs/gateways/kispg.md#webhook-trust-rules). KISPG's guide
 * documents neither payload nor reply; the shape follows a sister platform that uses KISPG's field names:
 * 1. form-encoded or JSON; field names case-sensitive, `charSet` and `charset` both accepted;
 * 2. `hashStr` (or `encData`) = sha256(mid + ediDate + amt + merchantKey), the 7.1 formula, checked in constant time
 *    with OUR mid and key: a wrong hash, a foreign MID or (with notificationHash 'require') no hash at all →
 *    SignatureMismatchError;
 * 3. even a verified body is only a hint: the hash covers mid, ediDate and the amount, not the result code, the cancel
 *    flag, the cancelled amount or the order number, so verification is 'read-back' and the core credits nothing
 *    before a fresh /v2/order answer;
 * 4. dedupe on (tid, resultCd, cancelYN, amount) plus a digest of every field, because KISPG retries: a retry carries
 *    the same fields, while a genuine body re-posted with any field changed is another delivery and can never occupy
 *    the key of a genuine notification that has not arrived yet.
 */
export function parseKispgWebhook(request: RawWebhookRequest, options: KispgWebhookVerificationOptions): ParsedWebhook {
  const fields = readNotificationFields(request);
  const tid = fields['tid'];
  const resultCd = fields['resultCd'];
  if (!tid || !/^[A-Za-z0-9]{1,30}$/.test(tid))
    throw new InvalidInputError('body.tid', 'required: 1-30 letters/digits (KISPG tid)');
  if (!resultCd || !/^[A-Za-z0-9]{1,10}$/.test(resultCd)) throw new InvalidInputError('body.resultCd', 'required');
  // The sister platform's sample hashes "the amount": the notification's amt, else goodsAmt.
  const amount = fields['amt'] ?? fields['goodsAmt'];
  if (amount === undefined || !/^[0-9]{1,15}$/.test(amount)) {
    throw new InvalidInputError('body.amt', 'required: 1-15 digits');
  }
  const ediDate = fields['ediDate'];
  const presentedHash = fields['hashStr'] ?? fields['encData'];

  if (presentedHash === undefined || presentedHash === '') {
    if (options.notificationHash === 'require') {
      throw new SignatureMismatchError('kispg', 'notification (no hashStr/encData)');
    }
  } else if (
    typeof ediDate !== 'string' ||
    !verifyKispgHash(presentedHash, { mid: options.mid, ediDate, amount, merchantKey: options.merchantKey })
  ) {
    throw new SignatureMismatchError('kispg', 'notification hashStr');
  }

  const cancelYN = fields['cancelYN'] ?? '';
  const orderId = fields['ordNo'] && fields['ordNo'].length > 0 ? fields['ordNo'] : null;
  // Cancel notifications carry the payment's amt; two partial cancels differ only in what they add (the cancelled
  // amount and time), so those join the key when present: a retry repeats them, a second cancel does not.
  const cancelPart = [fields['canAmt'], fields['ccDnt'] ?? fields['ccDtm']].filter((v) => v !== undefined && v !== '');
  return {
    dedupeKey: `kispg:${tid}:${resultCd}:${cancelYN}:${amount}${cancelPart.length > 0 ? `:${cancelPart.join(':')}` : ''}:${fieldsDigest(fields)}`,
    eventType: `NOTI_${resultCd}`,
    orderId,
    paymentKey: tid,
    verification: 'read-back',
    payload: scrubKispgPayload(fields),
  };
}

/**
 * The reply once a delivery is stored. The sister platform judges receipt by HTTP status only; the body KISPG expects
 * is unconfirmed, so it is the `notificationReply` setting. A rejected delivery gets 400 so KISPG's retry
 * schedule redelivers it (a genuine one that arrived before its payment existed here is then taken).
 */
export function kispgWebhookReply(
  outcome: 'accepted' | 'rejected',
  reply: { status: number; body: string; contentType: string },
): WebhookReply {
  if (outcome === 'accepted') return { status: reply.status, body: reply.body, contentType: reply.contentType };
  return { status: 400, body: 'FAIL', contentType: reply.contentType };
}

/** Scrubbed copy for the inbox row / `raw`: hashes, keys, refund accounts and unmasked card numbers removed. */
export function scrubKispgPayload<T>(value: T): unknown {
  return scrub(value, KISPG_SENSITIVE_KEYS);
}

/** Flat string fields of the notification, from the raw bytes (form or JSON), else the framework's parsed body. */
function readNotificationFields(request: RawWebhookRequest): Record<string, string> {
  const raw = request.rawBody && request.rawBody.length > 0 ? request.rawBody : null;
  if (raw && raw.length > MAX_NOTIFICATION_BYTES)
    throw new InvalidInputError('body', `larger than ${MAX_NOTIFICATION_BYTES} bytes`);
  let parsed: unknown;
  if (raw) {
    const text = raw.toString('utf8');
    const contentType = webhookHeader(request.headers, 'content-type') ?? '';
    if (contentType.includes('json') || /^\s*[{[]/.test(text)) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new InvalidInputError('body', 'not valid JSON');
      }
    } else {
      parsed = Object.fromEntries(new URLSearchParams(text));
    }
  } else {
    parsed = request.body;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidInputError('body', 'must be a form or a JSON object');
  }
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === 'string') fields[key] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) fields[key] = String(value);
  }
  // charSet (the sister platform's payload) and charset (KISPG's guide) are the same field.
  if (fields['charset'] === undefined && fields['charSet'] !== undefined) fields['charset'] = fields['charSet'];
  return fields;
}

/** Identifies one set of fields whatever their order or encoding (form or JSON): 40 hex digits of a SHA-256. */
function fieldsDigest(fields: Record<string, string>): string {
  const entries = Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 40);
}
