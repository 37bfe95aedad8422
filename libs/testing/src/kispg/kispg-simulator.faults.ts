import { type FaultMatch, FaultRegistry, type TransportFault } from '../shared/fault-registry';

export { pathMatches } from '../shared/fault-registry';

/**
 * Fault injection: what KISPG's test server cannot be asked to do on demand, but a client
 * must survive. The *-after-commit kinds really apply the request before losing the answer: the "approval happened,
 * response lost → resolve through /v2/order" case.
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
  /** Drop / hang after commit (beyond the 25 s read timeout of KISPG's samples), drop before commit, latency. */
  | TransportFault;

export type KispgFaultMatch = FaultMatch;

/** Whether the request is applied before the fault shows (drop/hang-after-commit, and the afterCommit variants). */
export function faultCommits(fault: KispgFault): boolean {
  switch (fault.kind) {
    case 'error':
    case 'drop-before-commit':
      return false;
    case 'altered-answer':
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
  });
