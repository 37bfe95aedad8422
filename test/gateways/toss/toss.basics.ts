import type { PrepareResult } from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import type { GatewayBasics } from '../../support/gateway-contract';
import { URLS } from '../../support/harness';

/** The Toss successUrl parameters the browser brings back. */
export interface TossReturn {
  paymentKey: string;
}

type TossWindowInput = Parameters<TossSimulator['authenticatePayment']>[0];

export const CONFIRM_PATH = '/v1/payments/confirm';
export const cancelPath = (paymentKey: string) => `/v1/payments/${paymentKey}/cancel`;
export const orderIdOf = (request: { body: unknown }) => (request.body as { orderId?: string } | null)?.orderId;

/** A Toss payment's record at the simulator, in the recovery suite's terms. */
export function tossRecord(sim: TossSimulator, paymentKey: string) {
  const view = sim.getPayment(paymentKey) as { status: string; totalAmount: number; balanceAmount: number } | undefined;
  if (!view) return null;
  const approved = ['DONE', 'PARTIAL_CANCELED', 'CANCELED'].includes(view.status);
  return { approved, totalAmount: view.totalAmount, refundedAmount: view.totalAmount - view.balanceAmount };
}

/** The simulated payment window for a prepared payment; `window` adds what a virtual account's window needs. */
export function openTossWindow(sim: TossSimulator, { payment }: PrepareResult, window: Partial<TossWindowInput> = {}) {
  const { paymentKey } = sim.authenticatePayment({
    orderId: payment.orderId,
    amount: payment.amount,
    orderName: payment.orderName,
    ...window,
  });
  return { returned: { paymentKey }, gatewayKey: paymentKey };
}

/** Toss as both the gateway contract and the recovery contract run it. */
export const tossBasics: GatewayBasics<TossSimulator, TossReturn> = {
  gateway: 'toss',
  startSimulator: () => TossSimulator.start({ port: 0 }),
  stopSimulator: (sim) => sim.stop(),
  gatewayOptions: (sim) => ({
    toss: {
      secretKey: TOSS_TEST_SECRET_KEY,
      clientKey: TOSS_TEST_CLIENT_KEY,
      baseUrl: sim.url,
      // Billing charges read with slowReadMs: kept short so a late answer times out within a test.
      timeouts: { connectMs: 1_000, readMs: 1_500, slowReadMs: 2_000 },
    },
  }),
  prepareFields: { ...URLS },
  openPaymentWindow: (sim, prepared) => openTossWindow(sim, prepared),
  confirm: (payments, { orderId, amount, returned }) =>
    payments.confirm({ gateway: 'toss', orderId, amount, paymentKey: returned.paymentKey }),
  adapterConfirmInput: (_adapter, { orderId, amount, returned }) => ({
    orderId,
    amount,
    paymentKey: returned.paymentKey,
  }),
  lostAnswerPolicy: 'unknown',
  count: {
    approvals: (sim, { orderId }) =>
      sim.requestsTo('POST', CONFIRM_PATH).filter((r) => orderIdOf(r) === orderId).length,
    refundRequests: (sim, { gatewayKey }) => sim.requestsTo('POST', cancelPath(gatewayKey)).length,
    refundedAmount: (sim, { gatewayKey }) => tossRecord(sim, gatewayKey)?.refundedAmount ?? 0,
  },
};
