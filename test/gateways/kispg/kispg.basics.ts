import type { PrepareResult } from 'nestjs-kr-payments';
import { KISPG_TEST_MERCHANT_KEY, KISPG_TEST_MID, KispgSimulator } from 'nestjs-kr-payments/testing';
import { requireCapability } from '../../../libs/payments/src/gateways/gateway-capabilities';
import type { GatewayBasics } from '../../support/gateway-contract';

/** What the KISPG payment window POSTs to the shop's returnUrl (all strings). */
export type KispgReturn = Record<string, string>;

const CUSTOMER = { name: '김키스', phone: '01012345678', email: 'kim@example.com' };
export const RETURN_URL = 'https://shop.example/kispg/return';
export const APPROVAL_PATH = '/v2/payment';
export const CANCEL_PATH = '/v2/cancel';

/** Requests to `path` about this tid. */
export const requestsAbout = (sim: KispgSimulator, path: string, tid: string) =>
  sim.requestsTo('POST', path).filter((r) => (r.body as { tid?: string }).tid === tid).length;

/** A KISPG transaction's record at the simulator, in the recovery suite's terms. */
export function kispgRecord(sim: KispgSimulator, tid: string) {
  const view = sim.getTransaction(tid) as { state: string; amt: number; canceledAmt: number } | undefined;
  if (!view) return null;
  const approved = view.state === 'APPROVED' || view.state === 'CANCELED';
  return { approved, totalAmount: view.amt, refundedAmount: view.canceledAmt };
}

/** The simulated payment window for a prepared payment (card or virtual account, as prepared). */
export function openKispgWindow(sim: KispgSimulator, { checkout }: PrepareResult) {
  const returned = sim.authenticate(checkout.fields as Record<string, string>);
  return { returned, gatewayKey: returned['tid'] };
}

/** KISPG as both the gateway contract and the recovery contract run it. */
export const kispgBasics: GatewayBasics<KispgSimulator, KispgReturn> = {
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
      // KISPG publishes no failure codes: the simulator's invented ones, mapped as a merchant maps those it meets.
      resultCodeCategories: { SIM2: 'configuration', SIM3: 'configuration', SIM5: 'not-found' },
    },
  }),
  prepareFields: { method: 'CARD', customer: CUSTOMER, returnUrl: RETURN_URL },
  openPaymentWindow: openKispgWindow,
  confirm: (payments, { returned }) => payments.confirmReturn('kispg', returned),
  adapterConfirmInput: (adapter, { returned }) =>
    requireCapability(adapter, 'returnUrl', 'confirmReturn').confirmInputFromReturn(returned),
  lostAnswerPolicy: 'query',
  count: {
    approvals: (sim, { gatewayKey }) => requestsAbout(sim, APPROVAL_PATH, gatewayKey),
    refundRequests: (sim, { gatewayKey }) => requestsAbout(sim, CANCEL_PATH, gatewayKey),
    refundedAmount: (sim, { gatewayKey }) => kispgRecord(sim, gatewayKey)?.refundedAmount ?? 0,
  },
};
