import { FaultRegistry, type TransportFault } from '../common/fault-registry';

/**
 * Fault injection (docs/gateways/nicepay.md#faults): what the real NicePay cannot be asked to do on demand, but a
 * client must survive. Any fault applies to any endpoint it is armed for: approvals, billing charges, cancels,
 * net-cancels, inquiries. The shared transport kinds:
 * - `drop-after-commit`: apply the request (the money moves), then destroy the connection: a lost answer;
 * - `hang-after-commit` `{ ms }`: apply it, answer `ms` late (a client with a shorter read timeout gives up first,
 *   the commit stands): the "approval happened, answer lost" case NicePay's manual answers with a net-cancel or an
 *   inquiry, and the refund made although its answer timed out;
 * - `drop-before-commit`: destroy the connection without applying anything: NicePay has no record of the request;
 * - `latency` `{ ms }`: apply and answer normally, `ms` late.
 * Plus NicePay's own kinds below.
 */
export type NicePayFault =
  /** Answer with this NicePay error and do nothing. `status` defaults to 200: NicePay's business errors are HTTP 200. */
  | { kind: 'error'; resultCode: string; resultMsg?: string; status?: number }
  /**
   * Process + commit for real, then merge `patch` into the JSON answer (a key set to undefined is removed): an answer
   * altered on its way (proxy, bug, forgery) after the money moved. The client must verify every answer's
   * signature and, since the request took effect, treat an unverifiable one as outcome unknown.
   */
  | { kind: 'tamper-after-commit'; patch: Record<string, unknown> }
  | HeldFault
  | TransportFault;

/** The kinds that hold a request before anything is applied (served by the simulator, not the shared kit). */
export type HeldFault =
  /**
   * Hold the request `ms` without applying it, then destroy the connection. A client whose read timeout is shorter
   * sees that timeout (with a longer one, a reset), exactly as for hang-after-commit, but nothing was ever applied:
   * inquiries keep answering as before the request (U107 for an approval or charge that never happened).
   */
  | { kind: 'hang-before-commit'; ms: number }
  /**
   * Hold the request `ms` without applying it, then apply it and answer (the answer is lost when the client already
   * gave up). During the hold inquiries show the state before the request; after it, the committed state: the
   * gateway that commits a refund (or an approval) only after its answer timed out.
   */
  | { kind: 'late-commit'; ms: number };

export function isHeldFault(fault: { kind: string }): fault is HeldFault {
  return fault.kind === 'hang-before-commit' || fault.kind === 'late-commit';
}

export const createNicePayFaultRegistry = (): FaultRegistry<NicePayFault> =>
  new FaultRegistry<NicePayFault>((fault) => {
    if (fault.kind === 'error' && !fault.resultCode)
      throw new RangeError('failNext: an error fault needs a resultCode');
    if (fault.kind === 'tamper-after-commit' && (typeof fault.patch !== 'object' || fault.patch === null)) {
      throw new RangeError('failNext: a tamper-after-commit fault needs a patch object');
    }
    if (isHeldFault(fault) && !(typeof fault.ms === 'number' && fault.ms >= 0)) {
      throw new RangeError(`failNext: ${fault.kind} needs a non-negative ms`);
    }
  });
