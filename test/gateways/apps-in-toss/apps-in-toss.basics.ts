import { APPS_IN_TOSS_TEST_USER_KEY, AppsInTossSimulator, createTestPki } from 'nestjs-kr-payments/testing';
import type { GatewayBasics } from '../../support/gateway-contract';

const PAY = '/api-partner/v1/apps-in-toss/pay';
export const EXECUTE = `${PAY}/execute-payment`;
export const REFUND = `${PAY}/refund-payment`;

/** The payToken the mini-app's checkout hands back once the buyer approved it in Toss. */
export interface AppsInTossReturn {
  payToken: string;
}

const requestsAbout = (sim: AppsInTossSimulator, path: string, payToken: string) =>
  sim.requestsTo(path).filter((r) => (r.body as { payToken?: string } | undefined)?.payToken === payToken).length;

/** An Apps-in-Toss payment's record at the simulator, in the recovery suite's terms. */
export function appsInTossRecord(sim: AppsInTossSimulator, payToken: string) {
  const view = sim.getPayment(payToken) as
    { amount: number; transactions: Array<{ stepType: string; transactionAmount: number }> } | undefined;
  if (!view) return null;
  const approved = view.transactions.some((t) => t.stepType === 'PAY');
  const refunds = view.transactions.filter((t) => t.stepType === 'REFUND');
  return {
    approved,
    totalAmount: view.amount,
    refundedAmount: refunds.reduce((sum, t) => sum - t.transactionAmount, 0),
  };
}

/** Apps-in-Toss as both the gateway contract and the recovery contract run it, over real mTLS with a test PKI. */
export const appsInTossBasics: GatewayBasics<AppsInTossSimulator, AppsInTossReturn> = {
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
  count: {
    approvals: (sim, { gatewayKey }) => requestsAbout(sim, EXECUTE, gatewayKey),
    refundRequests: (sim, { gatewayKey }) => requestsAbout(sim, REFUND, gatewayKey),
    refundedAmount: (sim, { gatewayKey }) => appsInTossRecord(sim, gatewayKey)?.refundedAmount ?? 0,
  },
};
