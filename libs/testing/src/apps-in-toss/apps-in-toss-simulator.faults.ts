/**
 * Fault injection (apps-in-toss.md §9 "Fault injection"): what Toss cannot be asked to do on demand but a client
 * must survive. The *-after-commit kinds really apply the request (the payment is executed or refunded) before the
 * answer is lost, which is the "money moved, answer lost" case a client resolves with get-payment-status (§2, §7).
 */
export type AppsInTossFault =
  /**
   * A non-SUCCESS envelope (§2: HTTP_TIMEOUT / NETWORK_ERROR / EXECUTION_FAIL / INTERRUPTED / INTERNAL_ERROR / FAIL).
   * `commit: true` applies the request first (the gateway timed out towards the bank but the bank did it);
   * default false. `status` defaults to 200 [U]: Toss's HTTP status for these is undocumented.
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
  /** Apply, then destroy the socket without answering. */
  | 'drop-after-commit'
  | { kind: 'drop-after-commit' }
  /** Apply, then answer only after `ms` (default 60 000): the client should time out first. */
  | 'hang-after-commit'
  | { kind: 'hang-after-commit'; ms?: number }
  /** Destroy the socket without applying anything. */
  | 'drop-before-commit'
  | { kind: 'drop-before-commit' }
  /** Apply normally, answer after `ms` (default 1 000). */
  | 'latency'
  | { kind: 'latency'; ms?: number }
  /**
   * Something in front of Toss (a load balancer / WAF) answers 200 with an HTML page instead of the JSON envelope;
   * nothing is applied. A client must not read a 200 without a parseable envelope as success.
   */
  | 'wrong-content-type'
  | { kind: 'wrong-content-type' };

export type NormalizedFault =
  | Extract<AppsInTossFault, { kind: 'envelope' } | { kind: 'fail' }>
  | { kind: 'drop-after-commit' }
  | { kind: 'hang-after-commit'; ms: number }
  | { kind: 'drop-before-commit' }
  | { kind: 'latency'; ms: number }
  | { kind: 'wrong-content-type' };

export const DEFAULT_HANG_MS = 60_000;
export const DEFAULT_LATENCY_MS = 1_000;

export interface AppsInTossFaultMatch {
  /** A string matches as a path prefix; a RegExp is tested against the path. */
  path: string | RegExp;
}

export function pathMatches(pattern: string | RegExp, path: string): boolean {
  if (typeof pattern === 'string') return path.startsWith(pattern);
  pattern.lastIndex = 0; // a /g or /y RegExp keeps state between test() calls
  return pattern.test(path);
}

function normalize(fault: AppsInTossFault): NormalizedFault {
  const value = typeof fault === 'string' ? { kind: fault } : fault;
  switch (value.kind) {
    case 'hang-after-commit':
      return { kind: 'hang-after-commit', ms: 'ms' in value && value.ms !== undefined ? value.ms : DEFAULT_HANG_MS };
    case 'latency':
      return { kind: 'latency', ms: 'ms' in value && value.ms !== undefined ? value.ms : DEFAULT_LATENCY_MS };
    case 'envelope':
    case 'fail':
      return value as NormalizedFault;
    default:
      return { kind: value.kind } as NormalizedFault;
  }
}

interface ArmedFault {
  path: string | RegExp;
  fault: NormalizedFault;
  remaining: number;
}

export class AppsInTossFaultRegistry {
  private armed: ArmedFault[] = [];

  add(match: AppsInTossFaultMatch, fault: AppsInTossFault, times = 1): void {
    if (!Number.isSafeInteger(times) || times < 1) throw new RangeError(`failNext: times must be a positive integer (got ${times})`);
    const normalized = normalize(fault);
    if ((normalized.kind === 'latency' || normalized.kind === 'hang-after-commit') && !(normalized.ms >= 0)) {
      throw new RangeError(`failNext: ${normalized.kind} needs a non-negative ms`);
    }
    if (normalized.kind === 'fail' && !normalized.errorCode) throw new RangeError('failNext: a fail fault needs an errorCode');
    this.armed.push({ path: match.path, fault: normalized, remaining: times });
  }

  /** Consumes and returns the first armed fault matching this path (first armed, first served). */
  take(path: string): NormalizedFault | undefined {
    const index = this.armed.findIndex((armed) => pathMatches(armed.path, path));
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
