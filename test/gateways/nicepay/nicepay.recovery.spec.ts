import type { NicePayFault, NicePaySimulator } from 'nestjs-kr-payments/testing';
import { describeRecoveryContract } from '../../support/recovery-contract';
import type { RecoveryFaultKind } from '../../support/recovery-context';
import {
  approvalPath,
  cancelPath,
  nicePayBasics,
  nicePayRecord,
  openNicePayWindow,
  orderIdOf,
  type NicePayReturn,
} from './nicepay.basics';

const CHARGE_PATH = /^\/v1\/subscribe\/[^/]+\/payments$/;

function nicePayFault(kind: RecoveryFaultKind, ms: number): NicePayFault {
  return kind === 'hang-after-commit' || kind === 'late-commit' ? { kind, ms } : { kind };
}

/**
 * NicePay against the recovery contract, with the default lost-answer policy: an approval or charge whose answer is
 * lost is net-canceled within the hour (docs/gateways/nicepay.md#flows), so a lost answer after the commit ends
 * CANCELED with the money returned, never charged twice.
 */
describeRecoveryContract<NicePaySimulator, NicePayReturn>({
  ...nicePayBasics,
  faultKinds: ['drop-before-commit', 'drop-after-commit', 'hang-after-commit', 'late-commit'],
  armFault: (sim, kind, target, ms) => {
    const path =
      target.operation === 'approval'
        ? approvalPath(target.gatewayKey)
        : target.operation === 'charge'
          ? CHARGE_PATH
          : cancelPath(target.gatewayKey);
    sim.failNext({ method: 'POST', path }, nicePayFault(kind, ms));
  },
  record: nicePayRecord,
  returnedWithKey: (returned, tid) => ({ ...returned, tid }),
  madeUpKey: ({ gatewayKey }) => `${gatewayKey.slice(0, -5)}QZ9X7`,
  billing: {
    issueBillingKey: (_sim, payments, customerKey) =>
      payments.issueBillingKey({
        gateway: 'nicepay',
        customerKey,
        card: {
          number: '5361121234561234',
          expiryYear: '30',
          expiryMonth: '12',
          identityNumber: '800101',
          passwordFirst2: '12',
        },
      }),
    chargeRequests: (sim, orderId) =>
      sim.requestsTo('POST', CHARGE_PATH).filter((r) => orderIdOf(r) === orderId).length,
  },
  virtualAccount: {
    prepareFields: { ...nicePayBasics.prepareFields, method: 'VIRTUAL_ACCOUNT' },
    openPaymentWindow: openNicePayWindow,
    deposit: (sim, tid) => sim.deposit(tid),
  },
});
