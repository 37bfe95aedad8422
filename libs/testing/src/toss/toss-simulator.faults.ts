import type { TransportFault } from '../shared/fault-registry';

export { type FaultMatch, pathMatches } from '../shared/fault-registry';

/**
 * Fault injection: what the real Toss cannot be asked to do on demand, but a client must survive
 * (docs/gateways/toss.md#simulator): the shared transport kinds (drop/hang-after-commit, drop-before-commit,
 * latency; the *-after-commit kinds really apply the request, the UNKNOWN → sync case) plus Toss's own error answer.
 */
export type TossFault =
  | { kind: 'error'; status: number; code: string; message?: string } // answer with this Toss error, do nothing
  | TransportFault;
