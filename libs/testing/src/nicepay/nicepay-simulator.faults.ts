import { type FaultMatch, pathMatches } from '../toss/toss-simulator.faults';

/**
 * Fault injection, the same kinds as the Toss simulator's: what the real NicePay cannot be asked to do on demand,
 * but a client must survive. The *-after-commit kinds really apply the request before losing the answer: the
 * "approval happened, response lost" case that NicePay's own manual answers with a net-cancel (nicepay.md §3.4) or
 * an inquiry (§5.3 step 7).
 */
export type NicePayFault =
  /** Answer with this NicePay error and do nothing. `status` defaults to 200: NicePay's business errors are HTTP 200 (nicepay.md §1.5). */
  | { kind: 'error'; resultCode: string; resultMsg?: string; status?: number }
  /** Process + commit, then destroy the socket without answering. */
  | { kind: 'drop-after-commit' }
  /** Process + commit, then answer only after ms (a client with a 30 s read timeout gives up first, nicepay.md §1.1). */
  | { kind: 'hang-after-commit'; ms: number }
  /** Destroy the socket without processing. */
  | { kind: 'drop-before-commit' }
  /** Process normally, answer late. */
  | { kind: 'latency'; ms: number };

interface ArmedFault {
  method?: string;
  path: string | RegExp;
  fault: NicePayFault;
  remaining: number;
}

export class NicePayFaultRegistry {
  private armed: ArmedFault[] = [];

  add(match: FaultMatch, fault: NicePayFault, times = 1): void {
    if (!Number.isSafeInteger(times) || times < 1) throw new RangeError(`failNext: times must be a positive integer (got ${times})`);
    if ((fault.kind === 'latency' || fault.kind === 'hang-after-commit') && !(fault.ms >= 0)) {
      throw new RangeError(`failNext: ${fault.kind} needs a non-negative ms`);
    }
    if (fault.kind === 'error' && !fault.resultCode) throw new RangeError('failNext: an error fault needs a resultCode');
    this.armed.push({ method: match.method?.toUpperCase(), path: match.path, fault, remaining: times });
  }

  /** Consumes and returns the first armed fault matching this request (first armed, first served). */
  take(method: string, path: string): NicePayFault | undefined {
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
