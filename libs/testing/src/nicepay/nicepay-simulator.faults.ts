import { FaultRegistry, type TransportFault } from '../shared/fault-registry';

/**
 * Fault injection: what the real NicePay cannot be asked to do on demand, but a client must survive. The shared
 * transport kinds (their *-after-commit kinds really apply the request before losing the answer: the "approval
 * happened, response lost" case that NicePay's own manual answers with a net-cancel or an inquiry; a client with a
 * 30 s read timeout gives up on a hang first) plus NicePay's own error.
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
  | TransportFault;

export const createNicePayFaultRegistry = (): FaultRegistry<NicePayFault> =>
  new FaultRegistry<NicePayFault>((fault) => {
    if (fault.kind === 'error' && !fault.resultCode)
      throw new RangeError('failNext: an error fault needs a resultCode');
    if (fault.kind === 'tamper-after-commit' && (typeof fault.patch !== 'object' || fault.patch === null)) {
      throw new RangeError('failNext: a tamper-after-commit fault needs a patch object');
    }
  });
