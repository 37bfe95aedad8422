import {
  GatewayConfigurationError,
  GatewayDeclinedError,
  GatewayRequestError,
  GatewayUnavailableError,
  NotFoundError,
  PaymentNotFoundError,
  type PaymentsError,
  type PaymentsErrorDetails,
} from '../domain/errors';

/**
 * What a gateway's failure code means for us, whatever the gateway. Each adapter decides the category from its own
 * codes (its tables are in docs/gateways/<g>.md, e.g. docs/gateways/kispg.md#result-codes); the typed error follows
 * from the category.
 * - retryable:     transient; the gateway answered, but whether a money-moving call took effect is unknown until
 *                  read back (GatewayUnavailableError with requestSent=true, so the core marks UNKNOWN, never FAILED).
 * - decline:       a definitive refusal about the buyer, card, account, limits or the payment's state. Nothing moved.
 * - configuration: our keys/contract/registration are wrong; a human must fix the merchant setup.
 * - request:       the request itself is wrong (a bug on our side or input that slipped validation).
 * - not-found:     the addressed payment (or other resource) does not exist at the gateway.
 */
export type GatewayErrorCategory = 'retryable' | 'decline' | 'configuration' | 'request' | 'not-found';

/**
 * Code → category, from lists grouped by category. A code listed under two categories is a contradiction in the
 * table, so building it throws at import time (the adapter does not load) instead of letting list order decide.
 * `owner` names the table in that error (e.g. `toss.errors`).
 */
export function buildErrorCodeTable<C extends string>(
  owner: string,
  groups: ReadonlyArray<readonly [codes: readonly string[], category: C]>,
): ReadonlyMap<string, C> {
  const table = new Map<string, C>();
  for (const [codes, category] of groups) {
    for (const code of codes) {
      const existing = table.get(code);
      if (existing !== undefined) throw new Error(`${owner}: ${code} is listed as both ${existing} and ${category}`);
      table.set(code, category);
    }
  }
  return table;
}

/** A classified gateway failure: what the gateway said and what the failed call was about. */
export interface GatewayFailure {
  /** Gateway name as registered ('toss', 'nicepay', 'kispg', 'appsInToss'). */
  gateway: string;
  /** The gateway's own code, or a stand-in such as `HTTP_502` when it sent none. */
  gatewayCode: string;
  /** The gateway's message ('' when none); callers pass it already trimmed/scrubbed as their gateway requires. */
  gatewayMessage: string;
  /** The call that failed ('confirm', 'execute-payment' ...). */
  operation: string;
  /** What a not-found is about: 'payment' → PaymentNotFoundError, anything else → NotFoundError of that entity. */
  resource: string;
  /** Printable reference (orderId / tid / receipt key) for not-found messages. Never a key or a billing key. */
  reference: string;
  /** Reason of the unavailable error for 'retryable'; default `<operation>: <gatewayCode>`. */
  unavailableReason?: string;
  /** A decline that a later attempt may turn into a success (a maintenance window, a daily limit). Default false. */
  retryableDecline?: boolean;
}

/**
 * The library's typed error for a classified failure, `gatewayCode`/`gatewayMessage` attached. A category outside
 * the five (only possible from merchant-supplied tables, docs/gateways/kispg.md#result-codes) is read as a refusal:
 * it never moves money and never retries blindly.
 */
export function gatewayErrorFor(category: GatewayErrorCategory, failure: GatewayFailure): PaymentsError {
  const { gateway, gatewayCode, gatewayMessage } = failure;
  const details: PaymentsErrorDetails = { gateway, gatewayCode, gatewayMessage };
  switch (category) {
    case 'retryable':
      return new GatewayUnavailableError(
        gateway,
        failure.unavailableReason ?? `${failure.operation}: ${gatewayCode}`,
        true,
        details,
      );
    case 'configuration':
      return new GatewayConfigurationError(gateway, gatewayCode, gatewayMessage);
    case 'request':
      return new GatewayRequestError(gateway, gatewayCode, gatewayMessage);
    case 'not-found': {
      const what = `${gateway} ${failure.reference} (${gatewayCode})`;
      return failure.resource === 'payment'
        ? new PaymentNotFoundError(what, details)
        : new NotFoundError(failure.resource, what, details);
    }
    case 'decline':
    default:
      return new GatewayDeclinedError(gateway, gatewayCode, gatewayMessage, {
        retryable: failure.retryableDecline ?? false,
      });
  }
}

/**
 * A success answer whose body we cannot read: the call may have taken effect, so its outcome is unknown and must be
 * read back (requestSent=true).
 */
export function malformedResponseError(
  gateway: string,
  operation: string,
  what: string,
  details: PaymentsErrorDetails = {},
): GatewayUnavailableError {
  return new GatewayUnavailableError(gateway, `${operation}: malformed response (${what})`, true, details);
}
