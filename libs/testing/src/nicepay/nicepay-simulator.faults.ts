import { FaultRegistry, type TransportFault } from '../shared/fault-registry';

/**
 * Fault injection: what the real NicePay cannot be asked to do on demand, but a client must survive. The shared
 * transport kinds (their *-after-commit kinds really apply the request before losing the answer: the "approval
 * happened, response lost" case that NicePay's own manual answers with a net-cancel, nicepay.md §3.4, or an
 * inquiry, §5.3 step 7; a client with a 30 s read timeout gives up on a hang first, §1.1) plus NicePay's own error.
 */
export type NicePayFault =
  /** Answer with this NicePay error and do nothing. `status` defaults to 200: NicePay's business errors are HTTP 200 (nicepay.md §1.5). */
  | { kind: 'error'; resultCode: string; resultMsg?: string; status?: number }
  | TransportFault;

export const createNicePayFaultRegistry = (): FaultRegistry<NicePayFault> =>
  new FaultRegistry<NicePayFault>((fault) => {
    if (fault.kind === 'error' && !fault.resultCode) throw new RangeError('failNext: an error fault needs a resultCode');
  });
