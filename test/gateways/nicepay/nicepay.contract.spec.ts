import { requireCapability } from '../../../libs/payments/src/gateways/gateway-capabilities';
import { nicePayPaymentSignature } from '../../../libs/payments/src/gateways/nicepay/nicepay.crypto';
import { NICEPAY_TEST_CLIENT_ID, NICEPAY_TEST_SECRET_KEY, NicePaySimulator } from 'nestjs-kr-payments/testing';
import { describeGatewayContract, type PayablePayment } from '../../support/gateway-contract';

/** What NicePay's payment window POSTs to the shop's returnUrl (all strings). */
type NicePayReturn = Record<string, string>;

const RETURN_URL = 'https://shop.example/pay/nicepay/return';
/** A fixed ediDate for forged answers, so their signature can be computed before the answer exists. */
const FORGED_EDI_DATE = '2025-11-22T10:00:00.000+0900';

const approvalPath = (tid: string) => new RegExp(`^/v1/payments/${tid}$`);
const netCancelsOf = (sim: NicePaySimulator, payable: PayablePayment<NicePayReturn>) =>
  sim
    .requestsTo('POST', '/v1/payments/netcancel')
    .filter((r) => (r.body as { orderId?: string }).orderId === payable.orderId).length;

/**
 * NicePay against the shared gateway contract, with the default lost-answer policy: an approval whose answer is lost
 * or cannot be trusted is net-canceled within the hour (docs/gateways/nicepay.md#flows).
 */
describeGatewayContract<NicePaySimulator, NicePayReturn>({
  gateway: 'nicepay',
  startSimulator: () => NicePaySimulator.start({ port: 0 }),
  stopSimulator: (sim) => sim.stop(),
  gatewayOptions: (sim) => ({
    nicepay: {
      clientId: NICEPAY_TEST_CLIENT_ID,
      secretKey: NICEPAY_TEST_SECRET_KEY,
      baseUrl: sim.url,
      timeouts: { connectMs: 1_000, readMs: 1_500 },
      webhookAllowedSources: [],
    },
  }),
  prepareFields: { method: 'CARD', customer: { name: '김나이스' }, returnUrl: RETURN_URL },
  openPaymentWindow: (sim, { payment, checkout }) => {
    const fields = checkout.fields as Record<string, string>;
    const returned = sim.authenticate({
      clientId: NICEPAY_TEST_CLIENT_ID,
      orderId: payment.orderId,
      amount: payment.amount,
      method: fields['method'],
      goodsName: fields['goodsName'],
      returnUrl: RETURN_URL,
    });
    return { returned, gatewayKey: returned['tid'] };
  },
  confirm: (payments, { returned }) => payments.confirmReturn('nicepay', returned),
  adapterConfirmInput: (adapter, { returned }) =>
    requireCapability(adapter, 'returnUrl', 'confirmReturn').confirmInputFromReturn(returned),
  lostAnswerPolicy: 'net-cancel',
  faults: {
    dropApprovalAnswer: (sim, { gatewayKey }) =>
      sim.failNext({ method: 'POST', path: approvalPath(gatewayKey) }, { kind: 'drop-after-commit' }),
    delayApprovalAnswer: (sim, { gatewayKey }) =>
      sim.failNext({ method: 'POST', path: approvalPath(gatewayKey) }, { kind: 'hang-after-commit', ms: 3_000 }),
    failLostAnswerResolution: (sim) =>
      sim.failNext({ method: 'POST', path: '/v1/payments/netcancel' }, { kind: 'drop-before-commit' }),
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
  count: {
    approvals: (sim, { gatewayKey }) => sim.requestsTo('POST', approvalPath(gatewayKey)).length,
    // Partial and full cancels by tid, plus net-cancels by orderId: every request that can give money back.
    refundRequests: (sim, payable) =>
      sim.requestsTo('POST', `/v1/payments/${payable.gatewayKey}/cancel`).length + netCancelsOf(sim, payable),
    refundedAmount: (sim, { gatewayKey }) => {
      const view = sim.getPayment(gatewayKey) as { amount: number; balanceAmt: number };
      return view.amount - view.balanceAmt;
    },
  },
});
