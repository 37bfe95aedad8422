import { FaultRegistry, type TransportFault } from '../common/fault-registry';

export { type FaultMatch, pathMatches } from '../common/fault-registry';

/**
 * Fault injection: what the real Toss cannot be asked to do on demand, but a client must survive
 * (docs/gateways/toss.md#simulator). Armed with `failNext(match, fault, times?)`; every kind works on any path, so
 * the same kind covers confirm, billing charge and cancel:
 * - `drop-before-commit`: the request is received and the connection destroyed before anything is applied; no
 *   Idempotency-Key is taken, so Toss has no record of the request: a charge's orderId reads back 404
 *   NOT_FOUND_PAYMENT, a confirmed or canceled payment reads back as it was before, and a retry under the same key is
 *   processed afresh.
 * - `drop-after-commit`: applied for real and the answer stored under its Idempotency-Key, then the connection is
 *   destroyed: the client sees a reset, a read-back shows the change, a same-key retry replays the answer.
 * - `hang-after-commit`: applied for real, answered `ms` late, past the client's read timeout: the client sees a
 *   timeout, a read-back shows the change at once, a same-key retry gets 409 IDEMPOTENT_REQUEST_PROCESSING until the
 *   late answer leaves and the replay after it.
 * - `latency`: processed normally, answered `ms` late.
 * - `error`: answered with this Toss error before authentication; nothing happens.
 * - `tamper-after-commit`: applied for real (and the true answer stored under its Idempotency-Key), then `patch` is
 *   merged into the JSON answer on its way out (a key set to undefined is removed): an answer about another amount or
 *   order after the money moved. The client must check every answer against what it asked and, since the request
 *   took effect, treat a disagreeing one as an unknown outcome. An error answer is sent unaltered.
 * - `late-commit`: the request is held `ms` with no effect at all (a read-back meanwhile shows nothing, and the
 *   Idempotency-Key is not taken), then applied and answered: a client that timed out meanwhile never hears of a
 *   change that happened after it gave up. The case a lost-cancel grace window exists for.
 */
export type TossFault =
  | { kind: 'error'; status: number; code: string; message?: string }
  | { kind: 'tamper-after-commit'; patch: Record<string, unknown> }
  | { kind: 'late-commit'; ms: number }
  | TransportFault;

export const createTossFaultRegistry = (): FaultRegistry<TossFault> =>
  new FaultRegistry<TossFault>((fault) => {
    if (fault.kind === 'tamper-after-commit' && (typeof fault.patch !== 'object' || fault.patch === null)) {
      throw new RangeError('failNext: a tamper-after-commit fault needs a patch object');
    }
    if (fault.kind === 'late-commit' && !(Number.isFinite(fault.ms) && fault.ms >= 0)) {
      throw new RangeError('failNext: a late-commit fault needs ms >= 0');
    }
  });

/** A 2xx JSON object answer with `patch` merged in; anything else unaltered. */
export function tamperedBody(status: number, body: string, patch: Record<string, unknown>): string {
  if (status < 200 || status >= 300 || body.length === 0) return body;
  const parsed: unknown = JSON.parse(body);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return body;
  return JSON.stringify({ ...parsed, ...patch });
}
