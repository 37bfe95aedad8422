/**
 * Fault injection: what the real Toss cannot be asked to do on demand, but a client must survive (toss.md §11
 * "Fault injection"). The *-after-commit kinds really apply the request before losing the answer, which is the
 * "approval happened, response lost" case the library resolves through UNKNOWN → sync.
 */
export type TossFault =
  | { kind: 'error'; status: number; code: string; message?: string } // answer with this Toss error, do nothing
  | { kind: 'drop-after-commit' } // process + commit, then destroy the socket without answering
  | { kind: 'hang-after-commit'; ms: number } // process + commit, then answer only after ms (client should time out)
  | { kind: 'drop-before-commit' } // destroy the socket without processing
  | { kind: 'latency'; ms: number }; // process normally, answer late

export interface FaultMatch {
  method?: string;
  /** A string matches as a path prefix; a RegExp is tested against the path (no query string). */
  path: string | RegExp;
}

interface ArmedFault {
  method?: string;
  path: string | RegExp;
  fault: TossFault;
  remaining: number;
}

export function pathMatches(pattern: string | RegExp, path: string): boolean {
  if (typeof pattern === 'string') return path.startsWith(pattern);
  pattern.lastIndex = 0; // a /g or /y RegExp keeps state between test() calls
  return pattern.test(path);
}

export class TossFaultRegistry {
  private armed: ArmedFault[] = [];

  add(match: FaultMatch, fault: TossFault, times = 1): void {
    if (!Number.isSafeInteger(times) || times < 1) throw new RangeError(`failNext: times must be a positive integer (got ${times})`);
    if ((fault.kind === 'latency' || fault.kind === 'hang-after-commit') && !(fault.ms >= 0)) {
      throw new RangeError(`failNext: ${fault.kind} needs a non-negative ms`);
    }
    this.armed.push({ method: match.method?.toUpperCase(), path: match.path, fault, remaining: times });
  }

  /** Consumes and returns the first armed fault matching this request (first armed, first served). */
  take(method: string, path: string): TossFault | undefined {
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
