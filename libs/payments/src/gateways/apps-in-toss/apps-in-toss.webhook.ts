import { UnsupportedOperationError } from '../../domain/errors';
import type { ParsedWebhook, RawWebhookRequest, WebhookReply } from '../gateway.port';
import { APPS_IN_TOSS_GATEWAY } from './apps-in-toss.errors';

/**
 * TossPay on Apps-in-Toss sends no payment webhooks (apps-in-toss.md §0, §2: "None documented"; missed results are
 * recovered with get-payment-status). The adapter advertises `capabilities.webhooks: false`, so the webhook guard
 * answers 404 before anything is parsed; this parse is the second line: whatever reaches it is refused, never stored.
 */
export function parseAppsInTossWebhook(_request: RawWebhookRequest): Promise<ParsedWebhook> {
  return Promise.reject(
    new UnsupportedOperationError(APPS_IN_TOSS_GATEWAY, 'webhooks (TossPay sends none; use sync / get-payment-status)'),
  );
}

/** The reply for a delivery that should not exist: 404 either way, so a misdirected sender stops retrying. */
export function appsInTossWebhookReply(_outcome: 'accepted' | 'rejected'): WebhookReply {
  return {
    status: 404,
    body: JSON.stringify({ resultType: 'FAIL', error: { errorCode: 'NOT_FOUND', reason: 'no webhooks for appsInToss' } }),
    contentType: 'application/json; charset=utf-8',
  };
}
