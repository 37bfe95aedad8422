import type { PrepareResult } from 'nestjs-kr-payments';
import { NICEPAY_TEST_CLIENT_ID, NICEPAY_TEST_SECRET_KEY, NicePaySimulator } from 'nestjs-kr-payments/testing';
import { requireCapability } from '../../../libs/payments/src/gateways/gateway-capabilities';
import type { GatewayBasics } from '../../support/gateway-contract';

/** What NicePay's payment window POSTs to the shop's returnUrl (all strings). */
export type NicePayReturn = Record<string, string>;

export const RETURN_URL = 'https://shop.example/pay/nicepay/return';
export const NET_CANCEL_PATH = '/v1/payments/netcancel';
export const approvalPath = (tid: string) => new RegExp(`^/v1/payments/${tid}$`);
export const cancelPath = (tid: string) => `/v1/payments/${tid}/cancel`;
export const orderIdOf = (request: { body: unknown }) => (request.body as { orderId?: string } | null)?.orderId;

/** A NicePay payment's record at the simulator, in the recovery suite's terms. */
export function nicePayRecord(sim: NicePaySimulator, tid: string) {
  const view = sim.getPayment(tid) as { status: string; amount: number; balanceAmt: number } | undefined;
  if (!view) return null;
  const approved = ['paid', 'partialCancelled', 'cancelled'].includes(view.status);
  return { approved, totalAmount: view.amount, refundedAmount: view.amount - view.balanceAmt };
}

/** The simulated payment window for a prepared payment (card or virtual account, as prepared). */
export function openNicePayWindow(sim: NicePaySimulator, { payment, checkout }: PrepareResult) {
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

/** NicePay as both the gateway contract and the recovery contract run it. */
export const nicePayBasics: GatewayBasics<NicePaySimulator, NicePayReturn> = {
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
  openPaymentWindow: openNicePayWindow,
  confirm: (payments, { returned }) => payments.confirmReturn('nicepay', returned),
  adapterConfirmInput: (adapter, { returned }) =>
    requireCapability(adapter, 'returnUrl', 'confirmReturn').confirmInputFromReturn(returned),
  lostAnswerPolicy: 'net-cancel',
  count: {
    approvals: (sim, { gatewayKey }) => sim.requestsTo('POST', approvalPath(gatewayKey)).length,
    // Partial and full cancels by tid, plus net-cancels by orderId: every request that can give money back.
    refundRequests: (sim, { gatewayKey, orderId }) =>
      sim.requestsTo('POST', cancelPath(gatewayKey)).length +
      sim.requestsTo('POST', NET_CANCEL_PATH).filter((r) => orderIdOf(r) === orderId).length,
    refundedAmount: (sim, { gatewayKey }) => nicePayRecord(sim, gatewayKey)?.refundedAmount ?? 0,
  },
};
