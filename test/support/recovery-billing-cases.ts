import {
  PaymentNetCanceledError,
  PaymentOutcomeUnknownError,
  PaymentStatus,
  type BillingKey,
  type Payment,
} from 'nestjs-kr-payments';
import { derivedOrderId } from '../../libs/payments/src/domain/ids';
import { newReadyPayment } from '../../libs/payments/src/payments/payment-rows';
import {
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
  key: BillingKey;
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
    it.skip(`billing charge recovery [skipped: ${context.spec.gateway} offers no billing keys]`, () => undefined);
    return;
  }
  const charges = (cycle: Cycle) => billing.chargeRequests(context.sim, cycle.orderId);
  const charge = (cycle: Cycle) =>
    context.shop.payments.chargeBillingKey({
      billingKeyId: cycle.key.id,
      amount: cycle.amount,
      orderName: ORDER_NAME,
      idempotencyKey: cycle.idempotencyKey,
    });

  /** The charge's row equals the gateway's record; a merchant retry of the cycle returns it and sends nothing. */
  async function expectChargedOnce(cycle: Cycle, status: PaymentStatus, requests: number): Promise<void> {
    const row = await chargeRowOf(context, cycle.orderId);
    expect(row).toMatchObject({ status, type: 'BILLING', billingKeyId: cycle.key.id });
    expect(context.spec.record(context.sim, row.gatewayPaymentKey as string)).toMatchObject({ approved: true });
    await expectLedgerEqualsGateway(context, row.id, row.gatewayPaymentKey as string);
    expect(charges(cycle)).toBe(requests);
    expect(await charge(cycle)).toMatchObject({ id: row.id, status });
    expect(charges(cycle)).toBe(requests);
  }

  /** Where a lost charge answer ends: PAID, or net-canceled where that is the gateway's policy. */
  const settledStatus = () =>
    context.spec.lostAnswerPolicy === 'net-cancel' ? PaymentStatus.CANCELED : PaymentStatus.PAID;

  it('process death between the compare-and-set and the charge call: re-sent once past the bound → PAID', async () => {
    const cycle = await newCycle(context, billing, 9_900);
    const payment = await inFlightChargeRow(context, cycle);
    expect(await repairPass(context, payment.id)).toEqual([]); // may still be in flight
    expect(charges(cycle)).toBe(0);

    advancePastBound(context);
    const repaired = await repairPass(context, payment.id);
    expect(repaired).toEqual([{ paymentId: payment.id, rule: 'approval', status: PaymentStatus.PAID }]);
    await expectChargedOnce(cycle, PaymentStatus.PAID, 1);
  });

  itWithFault(
    context,
    'drop-before-commit',
    'a charge dropped before the gateway processed it: UNKNOWN, re-sent only past the bound → PAID once',
    async () => {
      const cycle = await newCycle(context, billing, 8_800);
      arm(context, 'drop-before-commit', cycle);
      expect(await errorOf(charge(cycle))).toBeInstanceOf(PaymentOutcomeUnknownError);
      const payment = await chargeRowOf(context, cycle.orderId);
      expect(payment.status).toBe(PaymentStatus.UNKNOWN);
      // A retry of the cycle within the bound reads back and does not send again.
      expect(await charge(cycle)).toMatchObject({ id: payment.id, status: PaymentStatus.UNKNOWN });
      const status = PaymentStatus.UNKNOWN;
      expect(await repairPass(context, payment.id)).toEqual([{ paymentId: payment.id, rule: 'approval', status }]);
      expect(charges(cycle)).toBe(1);

      advancePastBound(context);
      const repaired = await repairPass(context, payment.id);
      expect(repaired).toEqual([{ paymentId: payment.id, rule: 'approval', status: PaymentStatus.PAID }]);
      await expectChargedOnce(cycle, PaymentStatus.PAID, 2);
    },
  );

  const lostAfterCommit = (kind: RecoveryFaultKind, how: string) =>
    itWithFault(context, kind, `a charge ${how}: read back, never re-sent, charged once`, async () => {
      const cycle = await newCycle(context, billing, 7_700);
      arm(context, kind, cycle);
      const outcome = await errorOf(charge(cycle));
      expect(outcome).toBeInstanceOf(
        context.spec.lostAnswerPolicy === 'net-cancel' ? PaymentNetCanceledError : PaymentOutcomeUnknownError,
      );
      const payment = await chargeRowOf(context, cycle.orderId);
      advancePastBound(context);
      const repaired = await repairPass(context, payment.id);
      expect(repaired.filter((r) => r.error !== undefined)).toEqual([]);
      await expectChargedOnce(cycle, settledStatus(), 1);
    });
  lostAfterCommit('drop-after-commit', 'committed, then its answer dropped');
  lostAfterCommit('hang-after-commit', 'committed, then answered after the read timeout');

  it('a database failure after the gateway charged: 503, IN_PROGRESS; past the bound the repair job reads it back', async () => {
    const cycle = await newCycle(context, billing, 6_600);
    const apply = jest
      .spyOn(ledgerOf(context), 'apply')
      .mockRejectedValueOnce(new Error('Connection terminated unexpectedly'));
    let error: unknown;
    try {
      error = await errorOf(charge(cycle));
    } finally {
      apply.mockRestore();
    }
    expect(error).toMatchObject({ code: 'PAYMENT_OUTCOME_UNKNOWN', httpStatus: 503, retryable: true });
    const payment = await chargeRowOf(context, cycle.orderId);
    expect(payment.status).toBe(PaymentStatus.IN_PROGRESS);
    expect(await charge(cycle)).toMatchObject({ id: payment.id, status: PaymentStatus.IN_PROGRESS });
    expect(charges(cycle)).toBe(1);

    advancePastBound(context);
    const repaired = await repairPass(context, payment.id);
    expect(repaired).toEqual([{ paymentId: payment.id, rule: 'approval', status: settledStatus() }]);
    await expectChargedOnce(cycle, settledStatus(), 1);
  });
}

async function newCycle<S, R>(
  context: RecoveryContext<S, R>,
  billing: RecoveryBillingSpec<S>,
  amount: number,
): Promise<Cycle> {
  const key = await billing.issueBillingKey(context.sim, context.shop.payments, context.nextId('cust'));
  const idempotencyKey = context.nextId('sub-cycle-');
  return { key, idempotencyKey, orderId: derivedOrderId('bill', key.id, idempotencyKey), amount };
}

function arm<S, R>(context: RecoveryContext<S, R>, kind: RecoveryFaultKind, cycle: Cycle): void {
  context.spec.armFault(context.sim, kind, { operation: 'charge', orderId: cycle.orderId, gatewayKey: '' }, 3_000);
}

/**
 * The row a charge leaves when the process dies right after its compare-and-set: built and moved exactly as
 * billing-keys.service does (READY row under the derived orderId, then READY → IN_PROGRESS), and never sent.
 */
async function inFlightChargeRow<S, R>(context: RecoveryContext<S, R>, cycle: Cycle): Promise<Payment> {
  const ledger = ledgerOf(context);
  const ready = newReadyPayment({
    gateway: context.spec.gateway,
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
  const won = await ledger.compareAndSetStatus(ready.id, [PaymentStatus.READY], PaymentStatus.IN_PROGRESS, {
    approvalSentAt: context.clock.now(),
  });
  expect(won).toBe(true);
  return rowOf(context, ready.id);
}
