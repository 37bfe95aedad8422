import type { KispgFault, KispgSimulator } from 'nestjs-kr-payments/testing';
import { describeRecoveryContract } from '../../support/recovery-contract';
import type { RecoveryFaultKind } from '../../support/recovery-context';
import {
  APPROVAL_PATH,
  CANCEL_PATH,
  kispgBasics,
  kispgRecord,
  openKispgWindow,
  type KispgReturn,
} from './kispg.basics';

/** The suite's fault kinds as KISPG's simulator names them ('commit-late' is its late commit). */
function kispgFault(kind: RecoveryFaultKind, ms: number): KispgFault {
  if (kind === 'late-commit') return { kind: 'commit-late', ms };
  return kind === 'hang-after-commit' ? { kind, ms } : { kind };
}

/**
 * KISPG against the recovery contract. A lost approval answer is read back at once through /v2/order
 * (docs/gateways/kispg.md#lost-approval-answers); KISPG offers no billing keys here. The simulator's invented result
 * codes are mapped as in the gateway contract (docs/gateways/kispg.md#result-codes).
 */
describeRecoveryContract<KispgSimulator, KispgReturn>({
  ...kispgBasics,
  oneWindowPerOrder: true,
  faultKinds: ['drop-before-commit', 'drop-after-commit', 'hang-after-commit', 'late-commit'],
  armFault: (sim, kind, target, ms) => {
    const path = target.operation === 'cancel' ? CANCEL_PATH : APPROVAL_PATH;
    sim.failNext({ method: 'POST', path }, kispgFault(kind, ms));
  },
  record: kispgRecord,
  returnedWithKey: (returned, tid) => ({ ...returned, tid }),
  madeUpKey: ({ gatewayKey }) => `${gatewayKey.slice(0, -5)}QZ9X7`,
  virtualAccount: {
    prepareFields: { ...kispgBasics.prepareFields, method: 'VIRTUAL_ACCOUNT' },
    openPaymentWindow: openKispgWindow,
    deposit: (sim, tid) => sim.deposit(tid),
  },
});
