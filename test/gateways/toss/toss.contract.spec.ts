import type { PaymentGateway } from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { describeGatewayContract, type PayablePayment } from '../../support/gateway-contract';
import { URLS } from '../../support/harness';

/** The Toss successUrl parameters the browser brings back. */
interface TossReturn {
  paymentKey: string;
}

const CONFIRM_PATH = '/v1/payments/confirm';
const confirmsOf = (sim: TossSimulator, payable: PayablePayment<TossReturn>) =>
  sim
    .requestsTo('POST', CONFIRM_PATH)
    .filter((r) => (r.body as { orderId?: string } | null)?.orderId === payable.orderId);

/**
 * Toss against the shared gateway contract. Toss has no lost-answer policy (the payment stays UNKNOWN until read
 * back). The simulator's `tamper-after-commit` approves for real and then answers about another amount or order.
 */
describeGatewayContract<TossSimulator, TossReturn>({
  gateway: 'toss',
  startSimulator: () => TossSimulator.start({ port: 0 }),
  stopSimulator: (sim) => sim.stop(),
  gatewayOptions: (sim) => ({
    toss: {
      secretKey: TOSS_TEST_SECRET_KEY,
      clientKey: TOSS_TEST_CLIENT_KEY,
      baseUrl: sim.url,
      timeouts: { connectMs: 1_000, readMs: 1_500 },
    },
  }),
  prepareFields: { ...URLS },
  openPaymentWindow: (sim, { payment }) => {
    const { paymentKey } = sim.authenticatePayment({
      orderId: payment.orderId,
      amount: payment.amount,
      orderName: payment.orderName,
    });
    return { returned: { paymentKey }, gatewayKey: paymentKey };
  },
  confirm: (payments, { orderId, amount, returned }) =>
    payments.confirm({ gateway: 'toss', orderId, amount, paymentKey: returned.paymentKey }),
  adapterConfirmInput: (_adapter: PaymentGateway, { orderId, amount, returned }) => ({
    orderId,
    amount,
    paymentKey: returned.paymentKey,
  }),
  lostAnswerPolicy: 'unknown',
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
  count: {
    approvals: (sim, payable) => confirmsOf(sim, payable).length,
    refundRequests: (sim, { gatewayKey }) => sim.requestsTo('POST', `/v1/payments/${gatewayKey}/cancel`).length,
    refundedAmount: (sim, { gatewayKey }) => {
      const view = sim.getPayment(gatewayKey) as { totalAmount: number; balanceAmount: number };
      return view.totalAmount - view.balanceAmount;
    },
  },
});
