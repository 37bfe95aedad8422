import type { AppsInTossFault, AppsInTossSimulator } from 'nestjs-kr-payments/testing';
import { describeRecoveryContract } from '../../support/recovery-contract';
import type { RecoveryFaultKind } from '../../support/recovery-context';
import { appsInTossBasics, appsInTossRecord, EXECUTE, REFUND, type AppsInTossReturn } from './apps-in-toss.basics';

function appsInTossFault(kind: RecoveryFaultKind, ms: number): AppsInTossFault {
  return kind === 'hang-after-commit' || kind === 'late-commit' ? { kind, ms } : { kind };
}

/**
 * Apps-in-Toss against the recovery contract, over real mTLS with a test PKI. No lost-answer policy: a lost execute
 * stays UNKNOWN until get-payment-status is read (docs/gateways/apps-in-toss.md#lost-answers-and-recovery). Full
 * refunds only, no billing keys, no virtual accounts.
 */
describeRecoveryContract<AppsInTossSimulator, AppsInTossReturn>({
  ...appsInTossBasics,
  keyIssuedAtPrepare: true,
  faultKinds: ['drop-before-commit', 'drop-after-commit', 'hang-after-commit', 'late-commit'],
  armFault: (sim, kind, target, ms) =>
    sim.failNext({ path: target.operation === 'cancel' ? REFUND : EXECUTE }, appsInTossFault(kind, ms)),
  record: appsInTossRecord,
  returnedWithKey: (_returned, payToken) => ({ payToken }),
  madeUpKey: ({ gatewayKey }) => `${gatewayKey.slice(0, -5)}QZ9X7`,
});
