import type { AppsInTossSimulator } from 'nestjs-kr-payments/testing';
import { describeGatewayContract } from '../../support/gateway-contract';
import { appsInTossBasics, EXECUTE, type AppsInTossReturn } from './apps-in-toss.basics';

/**
 * Apps-in-Toss against the shared gateway contract, over real mTLS with a test PKI. No lost-answer policy: a lost
 * execute stays UNKNOWN until get-payment-status is read (docs/gateways/apps-in-toss.md#lost-answers-and-recovery).
 * Full refunds only (docs/gateways/apps-in-toss.md#cancel-refund-payment).
 */
describeGatewayContract<AppsInTossSimulator, AppsInTossReturn>({
  ...appsInTossBasics,
  faults: {
    dropApprovalAnswer: (sim) => sim.failNext({ path: EXECUTE }, 'drop-after-commit'),
    delayApprovalAnswer: (sim) => sim.failNext({ path: EXECUTE }, { kind: 'hang-after-commit', ms: 3_000 }),
    answerAboutAnotherAmount: (sim, { amount }) =>
      sim.failNext({ path: EXECUTE }, { kind: 'tamper', success: { amount: amount * 10 } }),
    answerAboutAnotherOrder: (sim) =>
      sim.failNext({ path: EXECUTE }, { kind: 'tamper', success: { orderNo: 'someone-else-order' } }),
  },
});
