import {
  CancelStatus,
  GatewayRegistry,
  Payment,
  PaymentCancel,
  PaymentStatus,
  type BillingKeyView,
  type PaymentGateway,
  type PaymentsService,
  type PrepareDto,
  type PrepareResult,
  type RepairResult,
} from 'nestjs-kr-payments';
import type { OffsetClock } from 'nestjs-kr-payments/testing';
import { RecoveryTiming } from '../../libs/payments/src/jobs/recovery-timing';
import { CancelLedger } from '../../libs/payments/src/ledger/cancel-ledger';
import { PaymentLedger } from '../../libs/payments/src/ledger/payment-ledger';
import type { GatewayBasics, PayablePayment } from './gateway-contract';
import type { ShopApp } from './harness';

/**
 * A fault at one step of a gateway call, as every simulator names it:
 * - 'drop-before-commit': the request arrives and the connection is destroyed before anything is applied;
 * - 'drop-after-commit': applied for real, then the connection is destroyed without an answer;
 * - 'hang-after-commit': applied for real, answered `ms` late (after the client's read timeout);
 * - 'late-commit': held `ms` without effect, applied only after the client gave up (its answer is lost).
 */
export type RecoveryFaultKind = 'drop-before-commit' | 'drop-after-commit' | 'hang-after-commit' | 'late-commit';

/** The gateway call a fault is armed for. */
export type RecoveryOperation = 'approval' | 'charge' | 'cancel';

export interface FaultTarget {
  operation: RecoveryOperation;
  orderId: string;
  /** The payment's gateway key (tid, paymentKey, payToken); empty for a billing charge not made yet. */
  gatewayKey: string;
}

/** What the simulator's own record says about one payment. */
export interface GatewayRecord {
  /** The approval (or charge) was committed, whatever happened to it since (refunds, net-cancel). */
  approved: boolean;
  totalAmount: number;
  refundedAmount: number;
}

/** Billing keys at gateways that offer them (Toss, NicePay). */
export interface RecoveryBillingSpec<S> {
  /** Issues a billing key through the library for this customer (the gateway's own auth flow or card data). */
  issueBillingKey(sim: S, payments: PaymentsService, customerKey: string): Promise<BillingKeyView>;
  /** Charge requests the simulator received for this orderId. */
  chargeRequests(sim: S, orderId: string): number;
}

/** Virtual accounts, for the stale-truth case (a "waiting" read-back applied after the deposit's "paid"). */
export interface RecoveryVirtualAccountSpec<S, R> {
  prepareFields: Partial<PrepareDto>;
  openPaymentWindow(sim: S, prepared: PrepareResult): { returned: R; gatewayKey: string };
  /** The buyer transfers the money; no webhook reaches the shop (the recovery suite boots without webhook URLs). */
  deposit(sim: S, gatewayKey: string): void;
}

/** What differs per gateway in the recovery suite (all optional parts are skipped, with a reason, when absent). */
export interface RecoveryContractSpec<S, R> extends GatewayBasics<S, R> {
  /** The fault kinds the simulator offers; cases needing another kind are skipped and say which one. */
  faultKinds: readonly RecoveryFaultKind[];
  /** Arms `kind` for the next request of `target.operation`. */
  armFault(sim: S, kind: RecoveryFaultKind, target: FaultTarget, ms: number): void;
  /** The simulator's record of the payment under this gateway key, or null when it has none. */
  record(sim: S, gatewayKey: string): GatewayRecord | null;
  /** What the browser would bring back with another gateway key in place of the genuine one. */
  returnedWithKey(returned: R, gatewayKey: string): R;
  /** A key of the gateway's format that no payment has. */
  madeUpKey(payable: PayablePayment<R>): string;
  /**
   * The gateway hands out its key at prepare (Apps-in-Toss payToken): the buyer cannot come back through a new payment
   * window under another key; that case instead checks the key is already held by the READY row.
   */
  keyIssuedAtPrepare?: boolean;
  /**
   * The gateway refuses a second payment window for an order number it already issued a key for (KISPG: ordNo is
   * unique per order): a buyer whose approval provably never happened confirms again with the same window's result.
   */
  oneWindowPerOrder?: boolean;
  billing?: RecoveryBillingSpec<S>;
  virtualAccount?: RecoveryVirtualAccountSpec<S, R>;
}

/** What every case works with; `sim` and `shop` exist once `beforeAll` ran. */
export interface RecoveryContext<S, R> {
  spec: RecoveryContractSpec<S, R>;
  sim: S;
  shop: ShopApp;
  /** The library's clock: real time that a case moves past the gateway's stuck bound. */
  clock: OffsetClock;
  nextId(prefix: string): string;
}

type AnyContext = RecoveryContext<unknown, unknown>;

export const ORDER_NAME = '복구 계약 상품';
/** A reason every gateway accepts (Apps-in-Toss allows a narrow charset, no spaces). */
export const CANCEL_REASON = '단순변심';

export const errorOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(() => undefined).catch((error: unknown) => error);

export const adapterOf = ({ spec, shop }: AnyContext): PaymentGateway =>
  shop.app.get(GatewayRegistry).get(spec.gateway);
export const ledgerOf = ({ shop }: AnyContext): PaymentLedger => shop.app.get(PaymentLedger, { strict: false });
export const cancelLedgerOf = ({ shop }: AnyContext): CancelLedger => shop.app.get(CancelLedger, { strict: false });

export const rowOf = ({ shop }: AnyContext, id: string): Promise<Payment> =>
  shop.dataSource.manager.findOneByOrFail(Payment, { id });
export const cancelsOf = ({ shop }: AnyContext, paymentId: string): Promise<PaymentCancel[]> =>
  shop.dataSource.manager.find(PaymentCancel, { where: { paymentId }, order: { createdAt: 'ASC' } });

/** The gateway's longest call plus the margin: before it, a row in flight is not stuck. */
export const stuckBoundMs = (context: AnyContext): number =>
  context.shop.app.get(RecoveryTiming, { strict: false }).stuckAfterMs(adapterOf(context));

/** Moves the library's clock just past the gateway's stuck bound. */
export function advancePastBound(context: AnyContext): void {
  context.clock.advance(stuckBoundMs(context) + 1_000);
}

/** One pass of the repair job; only what it did about this payment (other cases' rows are settled too). */
export async function repairPass(context: AnyContext, paymentId: string): Promise<RepairResult[]> {
  const results = await context.shop.payments.syncStuckPayments();
  return results.filter((result) => result.paymentId === paymentId);
}

/** Prepares a payment and drives its payment window: ready to confirm. */
export async function payable<S, R>(context: RecoveryContext<S, R>, amount: number): Promise<PayablePayment<R>> {
  const { spec, shop, sim } = context;
  const orderId = context.nextId('rc');
  const fields = { ...spec.prepareFields, gateway: spec.gateway, orderId, amount, orderName: ORDER_NAME };
  const prepared = await shop.payments.prepare(fields);
  expect(prepared.payment.status).toBe(PaymentStatus.READY);
  const { returned, gatewayKey } = spec.openPaymentWindow(sim, prepared);
  return { payment: prepared.payment, orderId, amount, gatewayKey, returned };
}

/** A payable payment confirmed normally: PAID. */
export async function paidPayment<S, R>(context: RecoveryContext<S, R>, amount: number): Promise<PayablePayment<R>> {
  const ready = await payable(context, amount);
  expect(await context.spec.confirm(context.shop.payments, ready)).toMatchObject({ status: PaymentStatus.PAID });
  return ready;
}

/** The key the core stores as the approval attempt's (what the browser brought: paymentKey / tid / payToken). */
export function attemptKeyOf<S, R>(context: RecoveryContext<S, R>, ready: PayablePayment<R>): string | null {
  const input = context.spec.adapterConfirmInput(adapterOf(context), ready);
  return input.paymentKey ?? input.payToken ?? null;
}

export const faultTarget = (operation: RecoveryOperation, ready: { orderId: string; gatewayKey: string }) => ({
  operation,
  orderId: ready.orderId,
  gatewayKey: ready.gatewayKey,
});

/**
 * Registers the case. A gateway's recovery spec must list every fault kind its cases use: a simulator that lacks one
 * fails the file at registration (a silently skipped fault case would hide exactly the recovery it was meant to prove).
 */
export function itWithFault(
  context: AnyContext,
  kind: RecoveryFaultKind,
  title: string,
  body: () => Promise<void>,
  timeoutMs?: number,
): void {
  if (!context.spec.faultKinds.includes(kind)) {
    throw new Error(`the ${context.spec.gateway} recovery spec lacks the '${kind}' fault that "${title}" needs`);
  }
  it(title, body, timeoutMs);
}

/**
 * The ledger equals the simulator's record: status and amounts, no cancel left PENDING/UNKNOWN, DONE cancel rows
 * summing to what the gateway refunded. A gateway without an approval for it leaves the order READY.
 */
export async function expectLedgerEqualsGateway<S, R>(
  context: RecoveryContext<S, R>,
  paymentId: string,
  gatewayKey: string,
): Promise<Payment> {
  const row = await rowOf(context, paymentId);
  const cancels = await cancelsOf(context, paymentId);
  const open = cancels.filter((c) => c.status === CancelStatus.PENDING || c.status === CancelStatus.UNKNOWN);
  expect(open.map((c) => [c.status, c.amount])).toEqual([]);
  const record = context.spec.record(context.sim, gatewayKey);
  if (!record?.approved) {
    expect(row).toMatchObject({ status: PaymentStatus.READY, canceledAmount: 0, pendingCancelAmount: 0 });
    return row;
  }
  const refunded = record.refundedAmount;
  const status =
    refunded === 0
      ? PaymentStatus.PAID
      : refunded >= record.totalAmount
        ? PaymentStatus.CANCELED
        : PaymentStatus.PARTIALLY_CANCELED;
  expect(row).toMatchObject({
    status,
    amount: record.totalAmount,
    canceledAmount: refunded,
    balanceAmount: record.totalAmount - refunded,
    pendingCancelAmount: 0,
    gatewayPaymentKey: gatewayKey,
  });
  const done = cancels.filter((c) => c.status === CancelStatus.DONE).reduce((sum, c) => sum + c.amount, 0);
  expect(done).toBe(refunded);
  return row;
}

/** A billing charge's payment row, by the orderId the library derived. */
export const chargeRowOf = ({ shop, spec }: AnyContext, orderId: string): Promise<Payment> =>
  shop.dataSource.manager.findOneByOrFail(Payment, { gateway: spec.gateway, orderId });
