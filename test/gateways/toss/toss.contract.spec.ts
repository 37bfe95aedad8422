import type { TossSimulator } from 'nestjs-kr-payments/testing';
import { describeGatewayContract } from '../../support/gateway-contract';
import { CONFIRM_PATH, tossBasics, type TossReturn } from './toss.basics';

/**
 * Toss against the shared gateway contract. Toss has no lost-answer policy (the payment stays UNKNOWN until read
 * back). The simulator's `tamper-after-commit` approves for real and then answers about another amount or order.
 */
describeGatewayContract<TossSimulator, TossReturn>({
  ...tossBasics,
  faults: {
    dropApprovalAnswer: (sim) => sim.failNext({ method: 'POST', path: CONFIRM_PATH }, { kind: 'drop-after-commit' }),
    delayApprovalAnswer: (sim) =>
      sim.failNext({ method: 'POST', path: CONFIRM_PATH }, { kind: 'hang-after-commit', ms: 3_000 }),
    answerAboutAnotherAmount: (sim, { amount }) =>
      sim.failNext(
        { method: 'POST', path: CONFIRM_PATH },
        { kind: 'tamper-after-commit', patch: { totalAmount: amount * 10, balanceAmount: amount * 10 } },
      ),
    answerAboutAnotherOrder: (sim) =>
      sim.failNext(
        { method: 'POST', path: CONFIRM_PATH },
        { kind: 'tamper-after-commit', patch: { orderId: 'someone-else-order' } },
      ),
  },
});
