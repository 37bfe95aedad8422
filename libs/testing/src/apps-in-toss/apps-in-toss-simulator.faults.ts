import { FaultRegistry, type TransportFault } from '../common/fault-registry';

export { pathMatches } from '../common/fault-registry';

/**
 * Fault injection (docs/gateways/apps-in-toss.md#faults): what Toss cannot be asked to do on demand but a client must
 * survive. The *-after-commit kinds really apply the request (the payment is executed or refunded) before the answer
 * is lost, which is the "money moved, answer lost" case a client resolves with get-payment-status. The
 * *-before-commit kinds lose the request itself: Toss has no record of it. `late-commit` is the gateway that applies
 * the request only after the client gave up on it.
 */
export type AppsInTossFault =
  /**
   * A non-SUCCESS envelope (HTTP_TIMEOUT / NETWORK_ERROR / EXECUTION_FAIL / INTERRUPTED / INTERNAL_ERROR / FAIL).
   * `commit: true` applies the request first (the gateway timed out towards the bank but the bank did it);
   * default false. `status` defaults to 200: Toss's HTTP status for these is undocumented.
   */
  | {
      kind: 'envelope';
      resultType: 'HTTP_TIMEOUT' | 'NETWORK_ERROR' | 'EXECUTION_FAIL' | 'INTERRUPTED' | 'INTERNAL_ERROR' | 'FAIL';
      errorCode?: string;
      reason?: string;
      status?: number;
      commit?: boolean;
    }
  /** A FAIL envelope with this code (status default 400), nothing applied. */
  | { kind: 'fail'; status?: number; errorCode: string; reason?: string }
  /**
   * Apply the request, then answer SUCCESS with these fields overwriting the real `success` object (e.g. another
   * `amount`, `orderNo` or `payToken`): an answer that is not about the request that moved the money. A client must
   * check every answer against what it sent (the amount, orderNo and payToken of an execute answer, for one).
   * A FAIL answer is passed through unchanged.
   */
  | { kind: 'tamper'; success: Record<string, unknown> }
  /** Apply, then destroy the socket without answering. */
  | 'drop-after-commit'
  | { kind: 'drop-after-commit' }
  /** Apply, then answer only after `ms` (default 60 000): the client should time out first. */
  | 'hang-after-commit'
  | { kind: 'hang-after-commit'; ms?: number }
  /** Destroy the socket without applying anything: the client sees a reset, Toss has no record of the request. */
  | 'drop-before-commit'
  | { kind: 'drop-before-commit' }
  /**
   * Hold the request `ms` (default 60 000) without applying it, then destroy the socket: the client sees its read
   * timeout, exactly as for hang-after-commit, but nothing was ever applied (Toss has no record of the request).
   */
  | 'hang-before-commit'
  | { kind: 'hang-before-commit'; ms?: number }
  /**
   * Hold the request `ms` (default 60 000) without applying it, then apply it and answer (lost if the client already
   * gave up). get-payment-status during the hold shows the state before the request (not executed / not refunded);
   * after it, the committed state: the gateway that commits a refund after its answer timed out.
   */
  | 'late-commit'
  | { kind: 'late-commit'; ms?: number }
  /** Apply normally, answer after `ms` (default 1 000). */
  | 'latency'
  | { kind: 'latency'; ms?: number }
  /**
   * Something in front of Toss (a load balancer / WAF) answers 200 with an HTML page instead of the JSON envelope;
   * nothing is applied. A client must not read a 200 without a parseable envelope as success.
   */
  | 'wrong-content-type'
  | { kind: 'wrong-content-type' };

/** The kinds that hold a request before anything is applied (served by the simulator, not the shared kit). */
export type HeldFault = { kind: 'hang-before-commit'; ms: number } | { kind: 'late-commit'; ms: number };

/** The armed form: shorthand strings expanded, default delays filled in; transport kinds as the shared kit knows them. */
export type NormalizedFault =
  | Extract<AppsInTossFault, { kind: 'envelope' } | { kind: 'fail' } | { kind: 'tamper' }>
  | { kind: 'wrong-content-type' }
  | HeldFault
  | TransportFault;

export const DEFAULT_HANG_MS = 60_000;
export const DEFAULT_LATENCY_MS = 1_000;

export interface AppsInTossFaultMatch {
  /** A string matches as a path prefix; a RegExp is tested against the path. */
  path: string | RegExp;
}

export function normalizeFault(fault: AppsInTossFault): NormalizedFault {
  const value = typeof fault === 'string' ? { kind: fault } : fault;
  switch (value.kind) {
    case 'hang-after-commit':
    case 'hang-before-commit':
    case 'late-commit':
      return { kind: value.kind, ms: 'ms' in value && value.ms !== undefined ? value.ms : DEFAULT_HANG_MS };
    case 'latency':
      return { kind: 'latency', ms: 'ms' in value && value.ms !== undefined ? value.ms : DEFAULT_LATENCY_MS };
    case 'envelope':
    case 'fail':
    case 'tamper':
      return value as NormalizedFault;
    default:
      return { kind: value.kind } as NormalizedFault;
  }
}

export const createAppsInTossFaultRegistry = (): FaultRegistry<NormalizedFault> =>
  new FaultRegistry<NormalizedFault>((fault) => {
    if (fault.kind === 'fail' && !fault.errorCode) throw new RangeError('failNext: a fail fault needs an errorCode');
    if (fault.kind === 'tamper' && (typeof fault.success !== 'object' || fault.success === null)) {
      throw new RangeError('failNext: a tamper fault needs the success fields to overwrite');
    }
    if (isHeldFault(fault) && !(fault.ms >= 0)) throw new RangeError(`failNext: ${fault.kind} needs a non-negative ms`);
  });

export function isHeldFault(fault: { kind: string }): fault is HeldFault {
  return fault.kind === 'hang-before-commit' || fault.kind === 'late-commit';
}
