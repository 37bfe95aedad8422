import { requireCapability } from '../../../libs/payments/src/gateways/gateway-capabilities';
import {
  NICEPAY_TEST_CLIENT_ID,
  NICEPAY_TEST_SECRET_KEY,
  NicePaySimulator,
  type NicePayFault,
} from 'nestjs-kr-payments/testing';
import type { PrepareResult } from 'nestjs-kr-payments';
import { describeRecoveryContract } from '../../support/recovery-contract';
import type { RecoveryFaultKind } from '../../support/recovery-context';

/** What NicePay's payment window POSTs to the shop's returnUrl (all strings). */
type NicePayReturn = Record<string, string>;

const RETURN_URL = 'https://shop.example/pay/nicepay/return';
const CHARGE_PATH = /^\/v1\/subscribe\/[^/]+\/payments$/;
const approvalPath = (tid: string) => new RegExp(`^/v1/payments/${tid}$`);
const cancelPath = (tid: string) => `/v1/payments/${tid}/cancel`;
const orderIdOf = (request: { body: unknown }) => (request.body as { orderId?: string } | null)?.orderId;

/** A NicePay payment's record at the simulator, in the recovery suite's terms. */
function nicePayRecord(sim: NicePaySimulator, tid: string) {
  const view = sim.getPayment(tid) as { status: string; amount: number; balanceAmt: number } | undefined;
  if (!view) return null;
  const approved = ['paid', 'partialCancelled', 'cancelled'].includes(view.status);
  return { approved, totalAmount: view.amount, refundedAmount: view.amount - view.balanceAmt };
}

/** The simulated payment window for a prepared payment (card or virtual account, as prepared). */
function openWindow(sim: NicePaySimulator, { payment, checkout }: PrepareResult) {
  const fields = checkout.fields as Record<string, string>;
  const returned = sim.authenticate({
    clientId: NICEPAY_TEST_CLIENT_ID,
    orderId: payment.orderId,
    amount: payment.amount,
    method: fields['method'],
    goodsName: fields['goodsName'],
    returnUrl: RETURN_URL,
    vbankHolder: fields['vbankHolder'],
  });
  return { returned, gatewayKey: returned['tid'] };
}

function nicePayFault(kind: RecoveryFaultKind, ms: number): NicePayFault {
  return kind === 'hang-after-commit' || kind === 'late-commit' ? { kind, ms } : { kind };
}

/**
 * NicePay against the recovery contract, with the default lost-answer policy: an approval or charge whose answer is
 * lost is net-canceled within the hour (docs/gateways/nicepay.md#flows), so a lost answer after the commit ends
 * CANCELED with the money returned, never charged twice.
 */
describeRecoveryContract<NicePaySimulator, NicePayReturn>({
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
  openPaymentWindow: openWindow,
  confirm: (payments, { returned }) => payments.confirmReturn('nicepay', returned),
  adapterConfirmInput: (adapter, { returned }) =>
    requireCapability(adapter, 'returnUrl', 'confirmReturn').confirmInputFromReturn(returned),
  lostAnswerPolicy: 'net-cancel',
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
  count: {
    approvals: (sim, { gatewayKey }) => sim.requestsTo('POST', approvalPath(gatewayKey)).length,
    // Partial and full cancels by tid, plus net-cancels by orderId: every request that can give money back.
    refundRequests: (sim, { gatewayKey, orderId }) =>
      sim.requestsTo('POST', cancelPath(gatewayKey)).length +
      sim.requestsTo('POST', '/v1/payments/netcancel').filter((r) => orderIdOf(r) === orderId).length,
    refundedAmount: (sim, { gatewayKey }) => nicePayRecord(sim, gatewayKey)?.refundedAmount ?? 0,
  },
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
    prepareFields: { method: 'VIRTUAL_ACCOUNT', customer: { name: '김나이스' }, returnUrl: RETURN_URL },
    openPaymentWindow: openWindow,
    deposit: (sim, tid) => sim.deposit(tid),
  },
});
