import { requireCapability } from '../../../libs/payments/src/gateways/gateway-capabilities';
import { KISPG_TEST_MERCHANT_KEY, KISPG_TEST_MID, KispgSimulator } from 'nestjs-kr-payments/testing';
import { describeGatewayContract, type PayablePayment } from '../../support/gateway-contract';

/** What the KISPG payment window POSTs to the shop's returnUrl (all strings). */
type KispgReturn = Record<string, string>;

const requestsAbout = (sim: KispgSimulator, path: string, payable: PayablePayment<KispgReturn>) =>
  sim.requestsTo('POST', path).filter((r) => (r.body as { tid?: string }).tid === payable.gatewayKey).length;

/**
 * KISPG against the shared gateway contract. A lost approval answer is read back at once through /v2/order
 * (docs/gateways/kispg.md#lost-approval-answers). KISPG publishes no failure codes, so a merchant maps the ones it
 * meets (docs/gateways/kispg.md#result-codes); the simulator's invented codes are mapped the same way here. Its
 * "already approved" (SIM6) is deliberately left unmapped: the adapter reads every approval refusal back by tid, so a
 * duplicate approval is recognised without knowing KISPG's code (docs/gateways/kispg.md#duplicate-and-foreign-keys).
 */
describeGatewayContract<KispgSimulator, KispgReturn>({
  gateway: 'kispg',
  startSimulator: () => KispgSimulator.start({ port: 0 }),
  stopSimulator: (sim) => sim.stop(),
  gatewayOptions: (sim) => ({
    kispg: {
      mid: KISPG_TEST_MID,
      merchantKey: KISPG_TEST_MERCHANT_KEY,
      baseUrl: sim.url,
      timeouts: { connectMs: 1_000, readMs: 1_500 },
      webhookAllowedSources: [],
      resultCodeCategories: { SIM2: 'configuration', SIM3: 'configuration', SIM5: 'not-found' },
    },
  }),
  prepareFields: {
    method: 'CARD',
    customer: { name: '김키스', phone: '01012345678', email: 'kim@example.com' },
    returnUrl: 'https://shop.example/kispg/return',
  },
  openPaymentWindow: (sim, { checkout }) => {
    const returned = sim.authenticate(checkout.fields as Record<string, string>);
    return { returned, gatewayKey: returned['tid'] };
  },
  confirm: (payments, { returned }) => payments.confirmReturn('kispg', returned),
  adapterConfirmInput: (adapter, { returned }) =>
    requireCapability(adapter, 'returnUrl', 'confirmReturn').confirmInputFromReturn(returned),
  lostAnswerPolicy: 'query',
  faults: {
    dropApprovalAnswer: (sim) => sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'drop-after-commit' }),
    delayApprovalAnswer: (sim) =>
      sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'hang-after-commit', ms: 3_000 }),
    failLostAnswerResolution: (sim) =>
      sim.failNext({ method: 'POST', path: '/v2/order' }, { kind: 'drop-before-commit' }),
    answerAboutAnotherAmount: (sim, { amount }) =>
      sim.failNext(
        { method: 'POST', path: '/v2/payment' },
        { kind: 'altered-answer', fields: { amt: String(amount * 10) } },
      ),
    answerAboutAnotherOrder: (sim) =>
      sim.failNext(
        { method: 'POST', path: '/v2/payment' },
        { kind: 'altered-answer', fields: { ordNo: 'someone-else-order' } },
      ),
  },
  count: {
    approvals: (sim, payable) => requestsAbout(sim, '/v2/payment', payable),
    refundRequests: (sim, payable) => requestsAbout(sim, '/v2/cancel', payable),
    refundedAmount: (sim, { gatewayKey }) => (sim.getTransaction(gatewayKey) as { canceledAmt: number }).canceledAmt,
  },
});
