import { type FaultMatch, FaultRegistry, type TransportFault } from '../common/fault-registry';

export { pathMatches } from '../common/fault-registry';

/**
 * Fault injection: what KISPG's test server cannot be asked to do on demand, but a client
 * must survive (docs/gateways/kispg.md#simulator-faults). The *-after-commit kinds really apply the request before
 * losing the answer: the "approval happened, response lost → resolve through /v2/order" case. The *-before-commit
 * kinds never apply it: KISPG then has no record, which is what lets a client prove a lost call did not happen.
 */
export type KispgFault =
  /** Answer HTTP 200 `{resultCd, resultMsg}` without doing anything (a refusal the simulator would not produce). */
  | { kind: 'error'; resultCd: string; resultMsg?: string }
  /** An HTML error page (a proxy or WAS in front of the API); default status 502, nothing committed unless `afterCommit`. */
  | { kind: 'html-error-page'; status?: number; afterCommit?: boolean }
  /** HTTP 200 with a body that is not JSON; nothing committed unless `afterCommit`. */
  | { kind: 'non-json'; afterCommit?: boolean }
  /**
   * The request IS applied, then its real JSON answer goes out with `fields` changed (a string replaces or adds the
   * field, null removes it): a garbled, truncated or foreign answer after the money moved (a client must match tid and
   * amt on every answer). Lets a test prove the client never turns such an answer into FAILED.
   */
  | { kind: 'altered-answer'; fields: Record<string, string | null> }
  /**
   * Nothing is applied for `ms`; then the request IS applied and answered, to a client that has usually given up by
   * then. While it waits, a /v2/order read-back does not show it: a gateway that commits after the answer timed out
   * (a cancel read back "absent" that appears later must never be refunded twice).
   */
  | { kind: 'commit-late'; ms: number }
  /**
   * The request is received and held for `ms`, then the connection is closed without an answer and WITHOUT applying
   * anything: the client sees a lost answer (read timeout when `ms` exceeds it), and KISPG has no record of the call.
   */
  | { kind: 'hang-before-commit'; ms: number }
  /**
   * The shared transport kinds: drop-after-commit (applied, connection destroyed), hang-after-commit (applied,
   * answered `ms` late, beyond the client's read timeout), drop-before-commit (connection destroyed at once, nothing
   * applied), latency (applied, answered `ms` late).
   */
  | TransportFault;

/** The kinds that act after a delay, outside the shared transport plumbing. */
export type KispgDeferredFault = Extract<KispgFault, { kind: 'commit-late' | 'hang-before-commit' }>;

export function isDeferredFault(fault: KispgFault): fault is KispgDeferredFault {
  return fault.kind === 'commit-late' || fault.kind === 'hang-before-commit';
}

/** Timers of the deferred faults; cleared when the simulator stops or resets, so nothing is applied afterwards. */
export class DeferredFaultTimers {
  private readonly timers = new Set<NodeJS.Timeout>();

  after(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }

  cancelAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

export type KispgFaultMatch = FaultMatch;

/** Whether the request is applied before the fault shows (drop/hang-after-commit, and the afterCommit variants). */
export function faultCommits(fault: KispgFault): boolean {
  switch (fault.kind) {
    case 'error':
    case 'drop-before-commit':
    case 'hang-before-commit':
      return false;
    case 'altered-answer':
    case 'commit-late':
      return true;
    case 'html-error-page':
    case 'non-json':
      return fault.afterCommit === true;
    default:
      return true;
  }
}

export const createKispgFaultRegistry = (): FaultRegistry<KispgFault> =>
  new FaultRegistry<KispgFault>((fault) => {
    if (fault.kind === 'error' && !fault.resultCd) throw new RangeError('failNext: error needs a resultCd');
    if (fault.kind === 'altered-answer' && (fault.fields === null || typeof fault.fields !== 'object')) {
      throw new RangeError('failNext: altered-answer needs fields');
    }
    if (isDeferredFault(fault) && !(Number.isFinite(fault.ms) && fault.ms >= 0)) {
      throw new RangeError(`failNext: ${fault.kind} needs a non-negative ms`);
    }
  });
