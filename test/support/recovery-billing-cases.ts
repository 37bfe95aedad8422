import {
  BillingKey,
  PaymentNetCanceledError,
  PaymentOutcomeUnknownError,
  PaymentStatus,
  type BillingKeyView,
  type Payment,
  type PaymentView,
} from 'nestjs-kr-payments';
import { derivedOrderId } from '../../libs/payments/src/domain/ids';
import { supports } from '../../libs/payments/src/gateways/gateway-capabilities';
import { newReadyPayment } from '../../libs/payments/src/payments/payment-rows';
import {
  adapterOf,
  advancePastBound,
  chargeRowOf,
  errorOf,
  expectLedgerEqualsGateway,
  itWithFault,
  ledgerOf,
  ORDER_NAME,
  repairPass,
  rowOf,
  type RecoveryBillingSpec,
  type RecoveryContext,
  type RecoveryFaultKind,
} from './recovery-context';

/** One subscription cycle: a billing key and the merchant's idempotency key for this cycle's charge. */
interface Cycle {
  key: BillingKeyView;
  idempotencyKey: string;
  /** The orderId the library derives from (billing key, idempotency key). */
  orderId: string;
  amount: number;
}

/**
 * A crash at each step of a billing charge, then the repair job past the gateway's stuck bound: a charge that
 * provably never reached the gateway is sent again under the same orderId and idempotency key, one that did is read
 * back; the customer is charged at most once and a merchant retry of the cycle never charges again.
 */
export function billingRecoveryCases<S, R>(context: RecoveryContext<S, R>): void {
  const billing = context.spec.billing;
  if (!billing) {
    // The recovery of a charge has nothing to prove where there are no charges: prove that instead.
    it(`offers no billing keys: issuing one is refused as unsupported, naming ${context.spec.gateway}, nothing stored`, async () => {
      expect(supports(adapterOf(context), 'billing')).toBe(false);
      const customerKey = `recovery_nobilling_${Date.now()}`;
      const error = await errorOf(
        context.shop.payments.issueBillingKey({ gateway: context.spec.gateway, customerKey, authKey: 'auth_none' }),
      );
      expect(error).toMatchObject({ code: 'UNSUPPORTED_OPERATION', httpStatus: 501 });
      expect((error as Error).message).toContain(context.spec.gateway);
      expect(await context.shop.dataSource.manager.countBy(BillingKey, { customerKey })).toBe(0);
    });
    return;
  }
  const cycles = new ChargeCycles(context, billing);
  it('process death between the compare-and-set and the charge call: re-sent once past the bound → PAID', () =>
    processDeath(cycles));
  const droppedTitle = 'a charge dropped before the gateway processed it: UNKNOWN, re-sent only past the bound → PAID';
  itWithFault(context, 'drop-before-commit', droppedTitle, () => droppedBeforeProcessing(cycles));
  for (const [kind, how] of [
    ['drop-after-commit', 'committed, then its answer dropped'],
    ['hang-after-commit', 'committed, then answered after the read timeout'],
  ] as const) {
    const title = `a charge ${how}: read back, never re-sent, charged once`;
    itWithFault(context, kind, title, () => lostAfterCommit(cycles, kind));
  }
  it('a database failure after the gateway charged: 503, IN_PROGRESS; past the bound the repair job reads it back', () =>
    databaseFailure(cycles));
}

async function processDeath<S, R>(cycles: ChargeCycles<S, R>): Promise<void> {
  const cycle = await cycles.newCycle(9_900);
  const payment = await cycles.inFlightRow(cycle);
  expect(await repairPass(cycles.context, payment.id)).toEqual([]); // may still be in flight
  expect(cycles.requests(cycle)).toBe(0);

  advancePastBound(cycles.context);
  expect(await repairPass(cycles.context, payment.id)).toEqual(approvalResult(payment.id, PaymentStatus.PAID));
  await cycles.expectChargedOnce(cycle, PaymentStatus.PAID, 1);
}

async function droppedBeforeProcessing<S, R>(cycles: ChargeCycles<S, R>): Promise<void> {
  const cycle = await cycles.newCycle(8_800);
  cycles.arm('drop-before-commit', cycle);
  expect(await errorOf(cycles.charge(cycle))).toBeInstanceOf(PaymentOutcomeUnknownError);
  const payment = await chargeRowOf(cycles.context, cycle.orderId);
  expect(payment.status).toBe(PaymentStatus.UNKNOWN);
  // Within the bound a retry of the cycle reads back and does not send again; nor does the repair job.
  expect(await cycles.charge(cycle)).toMatchObject({ id: payment.id, status: PaymentStatus.UNKNOWN });
  expect(await repairPass(cycles.context, payment.id)).toEqual(approvalResult(payment.id, PaymentStatus.UNKNOWN));
  expect(cycles.requests(cycle)).toBe(1);

  advancePastBound(cycles.context);
  expect(await repairPass(cycles.context, payment.id)).toEqual(approvalResult(payment.id, PaymentStatus.PAID));
  await cycles.expectChargedOnce(cycle, PaymentStatus.PAID, 2);
}

async function lostAfterCommit<S, R>(cycles: ChargeCycles<S, R>, kind: RecoveryFaultKind): Promise<void> {
  const cycle = await cycles.newCycle(7_700);
  cycles.arm(kind, cycle);
  const netCancels = cycles.context.spec.lostAnswerPolicy === 'net-cancel';
  expect(await errorOf(cycles.charge(cycle))).toBeInstanceOf(
    netCancels ? PaymentNetCanceledError : PaymentOutcomeUnknownError,
  );
  const payment = await chargeRowOf(cycles.context, cycle.orderId);
  advancePastBound(cycles.context);
  const repaired = await repairPass(cycles.context, payment.id);
  expect(repaired.filter((result) => result.error !== undefined)).toEqual([]);
  await cycles.expectChargedOnce(cycle, cycles.settledStatus(), 1);
}

async function databaseFailure<S, R>(cycles: ChargeCycles<S, R>): Promise<void> {
  const cycle = await cycles.newCycle(6_600);
  const apply = jest
    .spyOn(ledgerOf(cycles.context), 'apply')
    .mockRejectedValueOnce(new Error('Connection terminated unexpectedly'));
  let error: unknown;
  try {
    error = await errorOf(cycles.charge(cycle));
  } finally {
    apply.mockRestore();
  }
  expect(error).toMatchObject({ code: 'PAYMENT_OUTCOME_UNKNOWN', httpStatus: 503, retryable: true });
  const payment = await chargeRowOf(cycles.context, cycle.orderId);
  expect(payment.status).toBe(PaymentStatus.IN_PROGRESS);
  expect(await cycles.charge(cycle)).toMatchObject({ id: payment.id, status: PaymentStatus.IN_PROGRESS });
  expect(cycles.requests(cycle)).toBe(1);

  advancePastBound(cycles.context);
  expect(await repairPass(cycles.context, payment.id)).toEqual(approvalResult(payment.id, cycles.settledStatus()));
  await cycles.expectChargedOnce(cycle, cycles.settledStatus(), 1);
}

const approvalResult = (paymentId: string, status: PaymentStatus) => [{ paymentId, rule: 'approval', status }];

/** Charge cycles of one gateway: made, charged, faulted, and checked against the simulator. */
class ChargeCycles<S, R> {
  constructor(
    readonly context: RecoveryContext<S, R>,
    private readonly billing: RecoveryBillingSpec<S>,
  ) {}

  async newCycle(amount: number): Promise<Cycle> {
    const { sim, shop, nextId } = this.context;
    const key = await this.billing.issueBillingKey(sim, shop.payments, nextId('cust'));
    const idempotencyKey = nextId('sub-cycle-');
    return { key, idempotencyKey, orderId: derivedOrderId('bill', key.id, idempotencyKey), amount };
  }

  charge(cycle: Cycle): Promise<PaymentView> {
    const { key, amount, idempotencyKey } = cycle;
    return this.context.shop.payments.chargeBillingKey({
      billingKeyId: key.id,
      amount,
      orderName: ORDER_NAME,
      idempotencyKey,
    });
  }

  /** Charge requests the simulator received for the cycle's orderId. */
  requests(cycle: Cycle): number {
    return this.billing.chargeRequests(this.context.sim, cycle.orderId);
  }

  arm(kind: RecoveryFaultKind, cycle: Cycle): void {
    const target = { operation: 'charge' as const, orderId: cycle.orderId, gatewayKey: '' };
    this.context.spec.armFault(this.context.sim, kind, target, 3_000);
  }

  /** Where a lost charge answer ends: PAID, or net-canceled where that is the gateway's policy. */
  settledStatus(): PaymentStatus {
    return this.context.spec.lostAnswerPolicy === 'net-cancel' ? PaymentStatus.CANCELED : PaymentStatus.PAID;
  }

  /**
   * The row a charge leaves when the process dies right after its compare-and-set: built and moved exactly as
   * billing-keys.service does (READY row under the derived orderId, then READY → IN_PROGRESS), and never sent.
   */
  async inFlightRow(cycle: Cycle): Promise<Payment> {
    const ledger = ledgerOf(this.context);
    const ready = newReadyPayment({
      gateway: this.context.spec.gateway,
      orderId: cycle.orderId,
      type: 'BILLING',
      method: cycle.key.method,
      amount: cycle.amount,
      taxFreeAmount: 0,
      orderName: ORDER_NAME,
      customer: { customerKey: cycle.key.customerKey },
      billingKeyId: cycle.key.id,
    });
    await ledger.insertReady(ready);
    const inFlight = { approvalSentAt: this.context.clock.now() };
    expect(await ledger.compareAndSetStatus(ready.id, [PaymentStatus.READY], PaymentStatus.IN_PROGRESS, inFlight)).toBe(
      true,
    );
    return rowOf(this.context, ready.id);
  }

  /** The charge's row equals the gateway's record; a merchant retry of the cycle returns it and sends nothing. */
  async expectChargedOnce(cycle: Cycle, status: PaymentStatus, requests: number): Promise<void> {
    const row = await chargeRowOf(this.context, cycle.orderId);
    expect(row).toMatchObject({ status, type: 'BILLING', billingKeyId: cycle.key.id });
    const gatewayKey = row.gatewayPaymentKey as string;
    expect(this.context.spec.record(this.context.sim, gatewayKey)).toMatchObject({ approved: true });
    await expectLedgerEqualsGateway(this.context, row.id, gatewayKey);
    expect(this.requests(cycle)).toBe(requests);
    expect(await this.charge(cycle)).toMatchObject({ id: row.id, status });
    expect(this.requests(cycle)).toBe(requests);
  }
}
