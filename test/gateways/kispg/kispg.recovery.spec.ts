import { requireCapability } from '../../../libs/payments/src/gateways/gateway-capabilities';
import { KISPG_TEST_MERCHANT_KEY, KISPG_TEST_MID, KispgSimulator, type KispgFault } from 'nestjs-kr-payments/testing';
import type { PrepareResult } from 'nestjs-kr-payments';
import { describeRecoveryContract } from '../../support/recovery-contract';
import type { RecoveryFaultKind } from '../../support/recovery-context';

/** What the KISPG payment window POSTs to the shop's returnUrl (all strings). */
type KispgReturn = Record<string, string>;

const CUSTOMER = { name: '김키스', phone: '01012345678', email: 'kim@example.com' };
const RETURN_URL = 'https://shop.example/kispg/return';

const requestsAbout = (sim: KispgSimulator, path: string, tid: string) =>
  sim.requestsTo('POST', path).filter((r) => (r.body as { tid?: string }).tid === tid).length;

/** A KISPG transaction's record at the simulator, in the recovery suite's terms. */
function kispgRecord(sim: KispgSimulator, tid: string) {
  const view = sim.getTransaction(tid) as { state: string; amt: number; canceledAmt: number } | undefined;
  if (!view) return null;
  const approved = view.state === 'APPROVED' || view.state === 'CANCELED';
  return { approved, totalAmount: view.amt, refundedAmount: view.canceledAmt };
}

function openWindow(sim: KispgSimulator, { checkout }: PrepareResult) {
  const returned = sim.authenticate(checkout.fields as Record<string, string>);
  return { returned, gatewayKey: returned['tid'] };
}

/** The suite's fault kinds as KISPG's simulator names them ('commit-late' is its late commit). */
function kispgFault(kind: RecoveryFaultKind, ms: number): KispgFault {
  if (kind === 'late-commit') return { kind: 'commit-late', ms };
  return kind === 'hang-after-commit' ? { kind, ms } : { kind };
}

/**
 * KISPG against the recovery contract. A lost approval answer is read back at once through /v2/order
 * (docs/gateways/kispg.md#lost-approval-answers); KISPG offers no billing keys here. The simulator's invented result
 * codes are mapped as in the gateway contract (docs/gateways/kispg.md#result-codes).
 */
describeRecoveryContract<KispgSimulator, KispgReturn>({
  gateway: 'kispg',
  oneWindowPerOrder: true,
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
  prepareFields: { method: 'CARD', customer: CUSTOMER, returnUrl: RETURN_URL },
  openPaymentWindow: openWindow,
  confirm: (payments, { returned }) => payments.confirmReturn('kispg', returned),
  adapterConfirmInput: (adapter, { returned }) =>
    requireCapability(adapter, 'returnUrl', 'confirmReturn').confirmInputFromReturn(returned),
  lostAnswerPolicy: 'query',
  faultKinds: ['drop-before-commit', 'drop-after-commit', 'hang-after-commit', 'late-commit'],
  armFault: (sim, kind, target, ms) => {
    const path = target.operation === 'cancel' ? '/v2/cancel' : '/v2/payment';
    sim.failNext({ method: 'POST', path }, kispgFault(kind, ms));
  },
  record: kispgRecord,
  returnedWithKey: (returned, tid) => ({ ...returned, tid }),
  madeUpKey: ({ gatewayKey }) => `${gatewayKey.slice(0, -5)}QZ9X7`,
  count: {
    approvals: (sim, { gatewayKey }) => requestsAbout(sim, '/v2/payment', gatewayKey),
    refundRequests: (sim, { gatewayKey }) => requestsAbout(sim, '/v2/cancel', gatewayKey),
    refundedAmount: (sim, { gatewayKey }) => kispgRecord(sim, gatewayKey)?.refundedAmount ?? 0,
  },
  virtualAccount: {
    prepareFields: { method: 'VIRTUAL_ACCOUNT', customer: CUSTOMER, returnUrl: RETURN_URL },
    openPaymentWindow: openWindow,
    deposit: (sim, tid) => sim.deposit(tid),
  },
});
