/**
 * Fault injection (kispg.md §13 "Fault injection"): what the test server cannot be asked to do on demand, but a client
 * must survive. The *-after-commit kinds really apply the request before losing the answer: the "approval happened,
 * response lost → resolve through /v2/order" case.
 */
export type KispgFault =
  /** Answer HTTP 200 `{resultCd, resultMsg}` without doing anything (a refusal the simulator would not produce). */
  | { kind: 'error'; resultCd: string; resultMsg?: string }
  /** Process and commit, then destroy the socket without answering. */
  | { kind: 'drop-after-commit' }
  /** Process and commit, then answer only after `ms` (beyond the sample's 25 s read timeout, §1). */
  | { kind: 'hang-after-commit'; ms: number }
  /** Destroy the socket without processing. */
  | { kind: 'drop-before-commit' }
  /** Process normally, answer `ms` late. */
  | { kind: 'latency'; ms: number }
  /** An HTML error page (a proxy or WAS in front of the API); default status 502, nothing committed unless `afterCommit`. */
  | { kind: 'html-error-page'; status?: number; afterCommit?: boolean }
  /** HTTP 200 with a body that is not JSON; nothing committed unless `afterCommit`. */
  | { kind: 'non-json'; afterCommit?: boolean };

export interface KispgFaultMatch {
  method?: string;
  /** A string matches as a path prefix; a RegExp is tested against the path (no query string). */
  path: string | RegExp;
}

interface ArmedFault {
  method?: string;
  path: string | RegExp;
  fault: KispgFault;
  remaining: number;
}

export function pathMatches(pattern: string | RegExp, path: string): boolean {
  if (typeof pattern === 'string') return path.startsWith(pattern);
  pattern.lastIndex = 0; // a /g or /y RegExp keeps state between test() calls
  return pattern.test(path);
}

/** Whether the request is applied before the fault shows (drop/hang-after-commit, and the afterCommit variants). */
export function faultCommits(fault: KispgFault): boolean {
  switch (fault.kind) {
    case 'error':
    case 'drop-before-commit':
      return false;
    case 'html-error-page':
    case 'non-json':
      return fault.afterCommit === true;
    default:
      return true;
  }
}

export class KispgFaultRegistry {
  private armed: ArmedFault[] = [];

  add(match: KispgFaultMatch, fault: KispgFault, times = 1): void {
    if (!Number.isSafeInteger(times) || times < 1) throw new RangeError(`failNext: times must be a positive integer (got ${times})`);
    if ((fault.kind === 'latency' || fault.kind === 'hang-after-commit') && !(fault.ms >= 0)) {
      throw new RangeError(`failNext: ${fault.kind} needs a non-negative ms`);
    }
    if (fault.kind === 'error' && !fault.resultCd) throw new RangeError('failNext: error needs a resultCd');
    this.armed.push({ method: match.method?.toUpperCase(), path: match.path, fault, remaining: times });
  }

  /** Consumes and returns the first armed fault matching this request (first armed, first served). */
  take(method: string, path: string): KispgFault | undefined {
    const index = this.armed.findIndex((f) => (!f.method || f.method === method) && pathMatches(f.path, path));
    if (index < 0) return undefined;
    const entry = this.armed[index];
    entry.remaining -= 1;
    if (entry.remaining === 0) this.armed.splice(index, 1);
    return entry.fault;
  }

  clear(): void {
    this.armed = [];
  }
}
