import type { KispgSimulator } from 'nestjs-kr-payments/testing';
import { describeGatewayContract } from '../../support/gateway-contract';
import { APPROVAL_PATH, kispgBasics, type KispgReturn } from './kispg.basics';

/**
 * KISPG against the shared gateway contract. A lost approval answer is read back at once through /v2/order
 * (docs/gateways/kispg.md#lost-approval-answers). KISPG publishes no failure codes, so a merchant maps the ones it
 * meets (docs/gateways/kispg.md#result-codes); the simulator's invented codes are mapped the same way here. Its
 * "already approved" (SIM6) is deliberately left unmapped: the adapter reads every approval refusal back by tid, so a
 * duplicate approval is recognised without knowing KISPG's code (docs/gateways/kispg.md#duplicate-and-foreign-keys).
 */
describeGatewayContract<KispgSimulator, KispgReturn>({
  ...kispgBasics,
  faults: {
    dropApprovalAnswer: (sim) => sim.failNext({ method: 'POST', path: APPROVAL_PATH }, { kind: 'drop-after-commit' }),
    delayApprovalAnswer: (sim) =>
      sim.failNext({ method: 'POST', path: APPROVAL_PATH }, { kind: 'hang-after-commit', ms: 3_000 }),
    failLostAnswerResolution: (sim) =>
      sim.failNext({ method: 'POST', path: '/v2/order' }, { kind: 'drop-before-commit' }),
    answerAboutAnotherAmount: (sim, { amount }) =>
      sim.failNext(
        { method: 'POST', path: APPROVAL_PATH },
        { kind: 'altered-answer', fields: { amt: String(amount * 10) } },
      ),
    answerAboutAnotherOrder: (sim) =>
      sim.failNext(
        { method: 'POST', path: APPROVAL_PATH },
        { kind: 'altered-answer', fields: { ordNo: 'someone-else-order' } },
      ),
  },
});
