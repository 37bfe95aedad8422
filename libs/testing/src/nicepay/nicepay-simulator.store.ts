import { NicePaySimulatorAuth } from './nicepay-simulator.auth';
import { NicePaySimulatorBilling } from './nicepay-simulator.billing';
import { NicePaySimulatorPayments } from './nicepay-simulator.payments';
import { NicePaySimulatorReceipts } from './nicepay-simulator.receipts';
import { NicePaySimulatorState, type NicePayStoreOptions } from './nicepay-simulator.state';
import { NicePaySimulatorWindow } from './nicepay-simulator.window';

/**
 * The simulator's state and NicePay's business rules, one part per endpoint group (and one for authentication), all on one shared state (records
 * belong to one merchant; orderIds are unique per merchant across approvals, billing charges, billing-key issues and
 * cancel requests). The HTTP side (NicePaySimulator) routes each request to one of these parts.
 */
export class NicePaySimulatorStore {
  readonly auth: NicePaySimulatorAuth;
  readonly window: NicePaySimulatorWindow;
  readonly payments: NicePaySimulatorPayments;
  readonly billing: NicePaySimulatorBilling;
  readonly receipts: NicePaySimulatorReceipts;
  private readonly state: NicePaySimulatorState;

  constructor(options: NicePayStoreOptions) {
    this.state = new NicePaySimulatorState(options);
    this.auth = new NicePaySimulatorAuth(this.state);
    this.window = new NicePaySimulatorWindow(this.state);
    this.payments = new NicePaySimulatorPayments(this.state);
    this.billing = new NicePaySimulatorBilling(this.state);
    this.receipts = new NicePaySimulatorReceipts(this.state);
  }

  /** Forgets every record and token. */
  reset(): void {
    this.state.reset();
    this.auth.reset();
  }
}
