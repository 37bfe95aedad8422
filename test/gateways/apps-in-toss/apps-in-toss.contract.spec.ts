import { APPS_IN_TOSS_TEST_USER_KEY, AppsInTossSimulator, createTestPki } from 'nestjs-kr-payments/testing';
import { describeGatewayContract, type PayablePayment } from '../../support/gateway-contract';

const PAY = '/api-partner/v1/apps-in-toss/pay';
const EXECUTE = `${PAY}/execute-payment`;

/** The payToken the mini-app's checkout hands back once the buyer approved it in Toss. */
interface AppsInTossReturn {
  payToken: string;
}

const requestsAbout = (sim: AppsInTossSimulator, path: string, payable: PayablePayment<AppsInTossReturn>) =>
  sim.requestsTo(path).filter((r) => (r.body as { payToken?: string } | undefined)?.payToken === payable.gatewayKey)
    .length;

/**
 * Apps-in-Toss against the shared gateway contract, over real mTLS with a test PKI. No lost-answer policy: a lost
 * execute stays UNKNOWN until get-payment-status is read (docs/gateways/apps-in-toss.md#lost-answers-and-recovery).
 * Full refunds only (docs/gateways/apps-in-toss.md#cancel-refund-payment).
 */
describeGatewayContract<AppsInTossSimulator, AppsInTossReturn>({
  gateway: 'appsInToss',
  startSimulator: async () => AppsInTossSimulator.start({ port: 0, pki: await createTestPki() }),
  stopSimulator: (sim) => sim.stop(),
  gatewayOptions: (sim) => ({
    appsInToss: {
      tlsCert: sim.pki.clientCert,
      tlsKey: sim.pki.clientKey,
      ca: sim.pki.caCert,
      payBaseUrl: sim.url,
      testPayment: true,
      timeouts: { connectMs: 2_000, readMs: 1_500 },
    },
  }),
  prepareFields: { customer: { customerKey: APPS_IN_TOSS_TEST_USER_KEY } },
  openPaymentWindow: (sim, { checkout }) => {
    const payToken = checkout.paymentKey as string;
    sim.authenticate(payToken);
    return { returned: { payToken }, gatewayKey: payToken };
  },
  confirm: (payments, { orderId, amount, returned }) =>
    payments.confirm({ gateway: 'appsInToss', orderId, amount, payToken: returned.payToken }),
  adapterConfirmInput: (_adapter, { orderId, amount, returned }) => ({ orderId, amount, payToken: returned.payToken }),
  lostAnswerPolicy: 'unknown',
  faults: {
    dropApprovalAnswer: (sim) => sim.failNext({ path: EXECUTE }, 'drop-after-commit'),
    delayApprovalAnswer: (sim) => sim.failNext({ path: EXECUTE }, { kind: 'hang-after-commit', ms: 3_000 }),
    answerAboutAnotherAmount: (sim, { amount }) =>
      sim.failNext({ path: EXECUTE }, { kind: 'tamper', success: { amount: amount * 10 } }),
    answerAboutAnotherOrder: (sim) =>
      sim.failNext({ path: EXECUTE }, { kind: 'tamper', success: { orderNo: 'someone-else-order' } }),
  },
  count: {
    approvals: (sim, payable) => requestsAbout(sim, EXECUTE, payable),
    refundRequests: (sim, payable) => requestsAbout(sim, `${PAY}/refund-payment`, payable),
    refundedAmount: (sim, { gatewayKey }) => {
      const view = sim.getPayment(gatewayKey) as {
        transactions: Array<{ stepType: string; transactionAmount: number }>;
      };
      return view.transactions.filter((t) => t.stepType === 'REFUND').reduce((sum, t) => sum - t.transactionAmount, 0);
    },
  },
});
