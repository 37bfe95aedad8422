import { nicePayPaymentSignature } from '../../../libs/payments/src/gateways/nicepay/nicepay.crypto';
import { NICEPAY_TEST_SECRET_KEY, type NicePaySimulator } from 'nestjs-kr-payments/testing';
import { describeGatewayContract } from '../../support/gateway-contract';
import { approvalPath, NET_CANCEL_PATH, nicePayBasics, type NicePayReturn } from './nicepay.basics';

/** A fixed ediDate for forged answers, so their signature can be computed before the answer exists. */
const FORGED_EDI_DATE = '2025-11-22T10:00:00.000+0900';

/**
 * NicePay against the shared gateway contract, with the default lost-answer policy: an approval whose answer is lost
 * or cannot be trusted is net-canceled within the hour (docs/gateways/nicepay.md#flows).
 */
describeGatewayContract<NicePaySimulator, NicePayReturn>({
  ...nicePayBasics,
  faults: {
    dropApprovalAnswer: (sim, { gatewayKey }) =>
      sim.failNext({ method: 'POST', path: approvalPath(gatewayKey) }, { kind: 'drop-after-commit' }),
    delayApprovalAnswer: (sim, { gatewayKey }) =>
      sim.failNext({ method: 'POST', path: approvalPath(gatewayKey) }, { kind: 'hang-after-commit', ms: 3_000 }),
    failLostAnswerResolution: (sim) =>
      sim.failNext({ method: 'POST', path: NET_CANCEL_PATH }, { kind: 'drop-before-commit' }),
    // Correctly signed (the signature covers tid, amount and ediDate): only the amount check can refuse it.
    answerAboutAnotherAmount: (sim, { gatewayKey, amount }) =>
      sim.failNext(
        { method: 'POST', path: approvalPath(gatewayKey) },
        {
          kind: 'tamper-after-commit',
          patch: {
            amount: amount * 10,
            ediDate: FORGED_EDI_DATE,
            signature: nicePayPaymentSignature(gatewayKey, amount * 10, FORGED_EDI_DATE, NICEPAY_TEST_SECRET_KEY),
          },
        },
      ),
    answerAboutAnotherOrder: (sim, { gatewayKey }) =>
      sim.failNext(
        { method: 'POST', path: approvalPath(gatewayKey) },
        { kind: 'tamper-after-commit', patch: { orderId: 'someone-else-order' } },
      ),
  },
});
