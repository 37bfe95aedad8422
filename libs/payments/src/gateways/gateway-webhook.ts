import { InvalidInputError } from '../domain/errors';
import { isRecord } from './gateway-fields';
import type { RawWebhookRequest } from './gateway-capabilities';

/**
 * The webhook body as a JSON object. The raw bytes are what the gateway sent (and, where it signs, what it signed:
 * an HMAC over re-serialised JSON would not match); the framework's parsed body is only a fallback for a request
 * without them. Anything else is InvalidInputError on `body`, so the guard answers 400 and nothing is stored.
 */
export function readJsonObjectBody(request: RawWebhookRequest): Record<string, unknown> {
  if (request.rawBody && request.rawBody.length > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.rawBody.toString('utf8'));
    } catch {
      throw new InvalidInputError('body', 'not valid JSON');
    }
    if (!isRecord(parsed)) throw new InvalidInputError('body', 'must be a JSON object');
    return parsed;
  }
  if (isRecord(request.body)) return request.body;
  throw new InvalidInputError('body', 'empty webhook body');
}

/** A request header by lower-case `name`, whatever case the framework kept; a repeated header joined with ','. */
export function webhookHeader(headers: RawWebhookRequest['headers'] | undefined, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() !== name) continue;
    return Array.isArray(value) ? value.join(',') : value;
  }
  return undefined;
}
