/**
 * Armed faults shared by every simulator. The transport kinds below mean the same at every gateway; each simulator
 * adds its own answer-shaped kinds (a Toss error body, a NicePay resultCode, a KISPG HTML page, an Apps-in-Toss
 * envelope) through the registry's type parameter. The *-after-commit kinds really apply the request before the
 * answer is lost: the "approval happened, response lost" case a client must resolve (UNKNOWN, rule 4 of
 * docs/architecture.md#rules-that-keep-money-exact).
 */
export type TransportFault =
  /** Process + commit, then destroy the socket without answering. */
  | { kind: 'drop-after-commit' }
  /** Process + commit, then answer only after `ms` (the client should time out first). */
  | { kind: 'hang-after-commit'; ms: number }
  /** Destroy the socket without processing. */
  | { kind: 'drop-before-commit' }
  /** Process normally, answer `ms` late. */
  | { kind: 'latency'; ms: number };

export type TransportFaultKind = TransportFault['kind'];

const TRANSPORT_KINDS: ReadonlySet<string> = new Set<TransportFaultKind>([
  'drop-after-commit',
  'hang-after-commit',
  'drop-before-commit',
  'latency',
]);

export function isTransportFault(fault: { kind: string }): fault is TransportFault {
  return TRANSPORT_KINDS.has(fault.kind);
}

export interface FaultMatch {
  method?: string;
  /** A string matches as a path prefix; a RegExp is tested against the path (no query string). */
  path: string | RegExp;
}

export function pathMatches(pattern: string | RegExp, path: string): boolean {
  if (typeof pattern === 'string') return path.startsWith(pattern);
  pattern.lastIndex = 0; // a /g or /y RegExp keeps state between test() calls
  return pattern.test(path);
}

interface ArmedFault<F> {
  method?: string;
  path: string | RegExp;
  fault: F;
  remaining: number;
}

/**
 * First armed, first served: `take` consumes one use of the first armed fault matching the request. `validate`
 * refuses a gateway kind armed without what it needs (e.g. an error without its code) at arming time, so a test
 * fails where it was written rather than at the request.
 */
export class FaultRegistry<F extends { kind: string }> {
  private armed: ArmedFault<F>[] = [];

  constructor(private readonly validate: (fault: F) => void = () => undefined) {}

  add(match: FaultMatch, fault: F, times = 1): void {
    if (!Number.isSafeInteger(times) || times < 1)
      throw new RangeError(`failNext: times must be a positive integer (got ${times})`);
    if (fault.kind === 'latency' || fault.kind === 'hang-after-commit') {
      const { ms } = fault as unknown as { ms: number };
      if (!(ms >= 0)) throw new RangeError(`failNext: ${fault.kind} needs a non-negative ms`);
    }
    this.validate(fault);
    this.armed.push({ method: match.method?.toUpperCase(), path: match.path, fault, remaining: times });
  }

  /** Consumes and returns the first armed fault matching this request; a fault armed without a method matches any. */
  take(method: string, path: string): F | undefined {
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
