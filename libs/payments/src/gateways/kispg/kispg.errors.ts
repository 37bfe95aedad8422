import { GatewayUnavailableError, type PaymentsError } from '../../domain/errors';
import { gatewayErrorFor } from '../gateway-errors';
import type { KispgResultCategory } from './kispg.types';

/** Which call answered with a non-success code: decides what an unlisted code means. */
export type KispgOperation = 'payment' | 'cancel' | 'order';

export interface KispgResultContext {
  operation: KispgOperation;
  /** Printable reference (ordNo / tid). Never a key or a hash. */
  reference: string;
  /** `resultCodeCategories` from the options: code → category (KISPG's failure codes are not public). */
  categories: Readonly<Record<string, KispgResultCategory>>;
}

/**
 * Category of a non-success KISPG result code. KISPG publishes only its success codes and says everything else "may
 * change without notice", so nothing is hard-coded: the merchant maps the codes it learns from KISPG support (or the
 * simulator's invented SIM codes) in `resultCodeCategories` (docs/gateways/kispg.md#result-codes). Unlisted codes:
 * - approval / cancel: 'decline' — KISPG answered and refused; nothing moved (the answer itself is proof).
 * - query: 'request' — the query could not be answered as asked.
 */
export function classifyKispgResult(
  resultCd: string,
  operation: KispgOperation,
  categories: Readonly<Record<string, KispgResultCategory>>,
): KispgResultCategory {
  const configured = Object.prototype.hasOwnProperty.call(categories, resultCd) ? categories[resultCd] : undefined;
  if (configured) return configured;
  return operation === 'order' ? 'request' : 'decline';
}

/** A KISPG answer with a non-success `resultCd` → the library's typed error, resultCd/resultMsg attached. */
export function kispgErrorFromResult(
  resultCd: string | undefined,
  resultMsg: string | undefined,
  context: KispgResultContext,
): PaymentsError {
  const code = typeof resultCd === 'string' && resultCd.length > 0 ? resultCd : 'NO_RESULT_CODE';
  const message = typeof resultMsg === 'string' ? resultMsg : '';
  // 'retryable': KISPG answered but says "try again": whether a money-moving call took effect is unknown until read
  // back. 'configuration': our side is wrong (key, MID, clock skew of ediDate): a human must fix it.
  return gatewayErrorFor(classifyKispgResult(code, context.operation, context.categories), {
    gateway: 'kispg',
    gatewayCode: code,
    gatewayMessage: message,
    operation: context.operation,
    // Every KISPG call is about one payment (ordNo / tid).
    resource: 'payment',
    reference: context.reference,
    unavailableReason: `${context.operation} ${context.reference}: ${code} ${message}`.trim(),
  });
}

/** A 2xx we cannot read (HTML error page, non-JSON, missing fields): the call may have taken effect (read back). */
export function kispgMalformed(operation: string, what: string): GatewayUnavailableError {
  return new GatewayUnavailableError('kispg', `${operation}: unreadable response (${what})`, true);
}
