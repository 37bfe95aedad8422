import type { Clock } from '../clock';
import type { TestPki } from './test-pki';

/** How `AppsInTossSimulator.start` builds the simulator (docs/gateways/apps-in-toss.md#simulator-settings). */
export interface AppsInTossSimulatorOptions {
  /** Default 0: the OS picks a free port. */
  port?: number;
  /** Default 127.0.0.1 (the server certificate also covers ::1 and localhost). */
  host?: string;
  clock?: Clock;
  /** The test CA, server and client certificates; generated (a fresh CA) when absent. */
  pki?: TestPki;
  /**
   * Default true: the TLS handshake refuses a client without a certificate signed by `pki.caCert`, as Toss does
   * (docs/gateways/apps-in-toss.md#authentication). false: such clients get through (and are recorded with their
   * certificate or null).
   */
  requireClientCertificate?: boolean;
  /**
   * Default false. true: every `isTestPayment: true` execute fails, mirroring "the sandbox test key can create
   * payments but cannot approve them" (docs/gateways/apps-in-toss.md#sandbox). The code Toss answers is unknown.
   */
  sandboxRejectsExecute?: boolean;
  /** The errorCode of that refusal; default EXECUTE_PAY_NOT_APPROVED (what third-party clients map a not-approved execute to). */
  sandboxRejectCode?: string;
  /** Default true. false: every pay call answers FAIL COMMON_INVALID_API_KEY (no TossPay key in the console). */
  merchantKeyConfigured?: boolean;
  /** Default false: `~` is refused in orderNo; one older guide lists it, the newer docs do not. */
  allowTildeInOrderNo?: boolean;
  /** Default true (the guide says the refund reason is required; the API reference says optional). */
  refundReasonRequired?: boolean;
  /** Default false: the documented reason charset lists no space (whether Toss accepts one is unverified). */
  refundReasonAllowsSpace?: boolean;
  /** A second execute of a completed payment (undocumented): 'fail' (default) or 'replay' the first answer. */
  executeTwice?: 'fail' | 'replay';
  /** Added to every response; default 0. */
  latencyMs?: number;
  /**
   * A payment not executed this long after make-payment lapses to PAY_CANCEL, measured on `clock` (Toss's window
   * lifetime is not documented). Default: never; `cancelWindow` lapses one on demand.
   */
  windowLapsesAfterMs?: number;
}

export function validateOptions(options: AppsInTossSimulatorOptions): void {
  if (options.latencyMs !== undefined && !(options.latencyMs >= 0)) {
    throw new Error('AppsInTossSimulator: latencyMs must be a non-negative number');
  }
  if (options.sandboxRejectCode !== undefined && !/^[A-Z0-9_]{1,100}$/.test(options.sandboxRejectCode)) {
    throw new Error('AppsInTossSimulator: sandboxRejectCode must be an upper-case error code');
  }
  if (options.windowLapsesAfterMs !== undefined && !(options.windowLapsesAfterMs > 0)) {
    throw new Error('AppsInTossSimulator: windowLapsesAfterMs must be a positive number');
  }
  if (options.executeTwice !== undefined && options.executeTwice !== 'fail' && options.executeTwice !== 'replay') {
    throw new Error("AppsInTossSimulator: executeTwice must be 'fail' or 'replay'");
  }
}
