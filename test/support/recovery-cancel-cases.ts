import {
  CancelStatus,
  PaymentOutcomeUnknownError,
  PaymentStatus,
  type PaymentCancel,
  type PaymentCancelView,
} from 'nestjs-kr-payments';
import type { PayablePayment } from './gateway-contract';
import {
  adapterOf,
  advancePastBound,
  CANCEL_REASON,
  cancelLedgerOf,
  cancelsOf,
  errorOf,
  expectLedgerEqualsGateway,
  faultTarget,
  itWithFault,
  ledgerOf,
  paidPayment,
  repairPass,
  rowOf,
  type RecoveryContext,
  type RecoveryFaultKind,
} from './recovery-context';

const PAID_AMOUNT = 10_000;
/** How long a late-commit fault holds a cancel: past the 1.5 s read timeout, well within the stuck bound. */
const LATE_COMMIT_MS = 2_500;

/**
 * A crash at each step of a cancel, then the repair job past the gateway's stuck bound: a cancel the gateway never
 * received is released only on the second read-back past the bound (a later cancel then succeeds), one it committed
 * is settled DONE; each refund is executed at most once and a merchant retry under the same key refunds nothing more.
 */
export function cancelRecoveryCases<S, R>(context: RecoveryContext<S, R>): void {
  const refunds = new Refunds(context);
  it('process death between the reservation and the cancel call: released on the second pass past the bound', () =>
    processDeath(refunds));
  const droppedTitle = 'a cancel dropped before the gateway processed it: UNKNOWN, released on the second pass';
  itWithFault(context, 'drop-before-commit', droppedTitle, () => droppedBeforeProcessing(refunds));
  for (const [kind, how, ms] of [
    ['drop-after-commit', 'committed, then its answer dropped', 0],
    ['hang-after-commit', 'committed, then answered after the read timeout', 3_000],
    ['late-commit', 'committed by the gateway only after its answer timed out', LATE_COMMIT_MS],
  ] as const) {
    const title = `a cancel ${how}: DONE after the repair job, refunded exactly once`;
    itWithFault(context, kind, title, () => committed(refunds, kind, ms));
  }
  it('a database failure after the gateway refunded: 503, the cancel stays reserved; the repair job settles it DONE', () =>
    databaseFailure(refunds));
  it('an idempotency key reused with another amount or reason: 409 IDEMPOTENCY_KEY_REUSED, nothing refunded', () =>
    reusedKey(refunds));
}

async function processDeath<S, R>(refunds: Refunds<S, R>): Promise<void> {
  const ready = await paidPayment(refunds.context, PAID_AMOUNT);
  // Exactly the core's reservation (refunds.service reserve); the process then dies before the call.
  const reserved = await cancelLedgerOf(refunds.context).reserve({
    paymentId: ready.payment.id,
    amount: refunds.amount(),
    taxFreeAmount: 0,
    reason: CANCEL_REASON,
    idempotencyKey: refunds.context.nextId('refund-dead-'),
    refundAccount: null,
  });
  expect(reserved).not.toBeNull();
  expect(await repairPass(refunds.context, ready.payment.id)).toEqual([]); // may still be in flight
  const synced = await refunds.context.shop.payments.sync(ready.payment.id);
  expect(synced).toMatchObject({ pendingCancelAmount: refunds.amount() });
  await refunds.expectReleasedOnSecondPass(ready, (reserved as { cancel: PaymentCancel }).cancel.id);
  expect(refunds.requests(ready)).toBe(0);
  await refunds.expectLaterCancelSucceeds(ready);
}

async function droppedBeforeProcessing<S, R>(refunds: Refunds<S, R>): Promise<void> {
  const { context } = refunds;
  const ready = await paidPayment(context, PAID_AMOUNT);
  context.spec.armFault(context.sim, 'drop-before-commit', faultTarget('cancel', ready), 0);
  const error = await errorOf(refunds.cancel(ready, context.nextId('refund-lost-')));
  expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
  const [lost] = await cancelsOf(context, ready.payment.id);
  expect(lost).toMatchObject({ status: CancelStatus.UNKNOWN, amount: refunds.amount() });
  // The gateway may still commit it within its longest call: a direct sync keeps the reservation.
  expect(await context.shop.payments.sync(ready.payment.id)).toMatchObject({ pendingCancelAmount: refunds.amount() });
  expect(await refunds.cancelRow(lost.id)).toMatchObject({ status: CancelStatus.UNKNOWN, absentReads: 0 });
  await refunds.expectReleasedOnSecondPass(ready, lost.id);
  await refunds.expectLaterCancelSucceeds(ready);
}

async function committed<S, R>(refunds: Refunds<S, R>, kind: RecoveryFaultKind, faultMs: number): Promise<void> {
  const { context } = refunds;
  const ready = await paidPayment(context, PAID_AMOUNT);
  const key = context.nextId('refund-late-');
  const started = Date.now();
  context.spec.armFault(context.sim, kind, faultTarget('cancel', ready), faultMs);
  expect(await errorOf(refunds.cancel(ready, key))).toBeInstanceOf(PaymentOutcomeUnknownError);
  expect(await rowOf(context, ready.payment.id)).toMatchObject({ pendingCancelAmount: refunds.amount() });
  if (kind === 'late-commit') {
    // Read back before the gateway committed: it shows nothing yet, which must not release the reservation.
    const synced = await context.shop.payments.sync(ready.payment.id);
    expect(synced).toMatchObject({ pendingCancelAmount: refunds.amount(), canceledAmount: 0 });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + faultMs + 500 - Date.now())));
  }
  advancePastBound(context);
  const repaired = await repairPass(context, ready.payment.id);
  expect(repaired.map((result) => [result.rule, result.error])).toEqual([['cancel', undefined]]);
  await refunds.expectRefundedOnce(ready, key, 1);
}

async function databaseFailure<S, R>(refunds: Refunds<S, R>): Promise<void> {
  const { context } = refunds;
  const ready = await paidPayment(context, PAID_AMOUNT);
  const key = context.nextId('refund-db-');
  const apply = jest.spyOn(ledgerOf(context), 'apply').mockRejectedValueOnce(new Error('read ECONNRESET'));
  let error: unknown;
  try {
    error = await errorOf(refunds.cancel(ready, key));
  } finally {
    apply.mockRestore();
  }
  expect(error).toMatchObject({ code: 'PAYMENT_OUTCOME_UNKNOWN', httpStatus: 503, retryable: true });
  const [lost] = await cancelsOf(context, ready.payment.id);
  expect(lost).toMatchObject({ status: CancelStatus.UNKNOWN, idempotencyKey: key });
  expect(refunds.refunded(ready)).toBe(refunds.amount());
  advancePastBound(context);
  const repaired = await repairPass(context, ready.payment.id);
  expect(repaired.map((result) => [result.rule, result.error])).toEqual([['cancel', undefined]]);
  await refunds.expectRefundedOnce(ready, key, 1);
}

async function reusedKey<S, R>(refunds: Refunds<S, R>): Promise<void> {
  const { context } = refunds;
  const ready = await paidPayment(context, PAID_AMOUNT);
  const key = context.nextId('refund-reuse-');
  const first = await refunds.cancel(ready, key);
  expect(first).toMatchObject({ status: CancelStatus.DONE });
  // Full-cancel-only gateways have no second amount to ask for: the reason differs instead.
  const reused = adapterOf(context).features.partialCancel
    ? { paymentId: ready.payment.id, amount: 5_000, reason: CANCEL_REASON, idempotencyKey: key }
    : { paymentId: ready.payment.id, reason: '중복요청', idempotencyKey: key };
  const error = await errorOf(context.shop.payments.cancel(reused));
  expect(error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', httpStatus: 409 });
  expect(refunds.requests(ready)).toBe(1);
  expect(refunds.refunded(ready)).toBe(refunds.amount());
  expect((await cancelsOf(context, ready.payment.id)).map((c) => c.id)).toEqual([first.id]);
  await expectLedgerEqualsGateway(context, ready.payment.id, ready.gatewayKey);
}

/** Cancels of one gateway's payments, checked against the simulator. */
class Refunds<S, R> {
  constructor(readonly context: RecoveryContext<S, R>) {}

  /** 4,000 of the 10,000 where partial cancels exist; the whole payment at gateways with full cancels only. */
  amount(): number {
    return adapterOf(this.context).features.partialCancel ? 4_000 : PAID_AMOUNT;
  }

  cancel(ready: PayablePayment<R>, idempotencyKey: string): Promise<PaymentCancelView> {
    const amount = adapterOf(this.context).features.partialCancel ? this.amount() : undefined;
    const paymentId = ready.payment.id;
    return this.context.shop.payments.cancel({ paymentId, amount, reason: CANCEL_REASON, idempotencyKey });
  }

  refunded(ready: PayablePayment<R>): number {
    return this.context.spec.count.refundedAmount(this.context.sim, ready);
  }

  requests(ready: PayablePayment<R>): number {
    return this.context.spec.count.refundRequests(this.context.sim, ready);
  }

  async cancelRow(cancelId: string): Promise<PaymentCancel> {
    return (await cancelLedgerOf(this.context).findById(cancelId)) as PaymentCancel;
  }

  /** Two repair passes past the bound: the first keeps the reservation, the second releases it. */
  async expectReleasedOnSecondPass(ready: PayablePayment<R>, cancelId: string): Promise<void> {
    const id = ready.payment.id;
    const result = [{ paymentId: id, rule: 'cancel', status: PaymentStatus.PAID }];
    advancePastBound(this.context);
    expect(await repairPass(this.context, id)).toEqual(result);
    expect(await rowOf(this.context, id)).toMatchObject({ pendingCancelAmount: this.amount(), canceledAmount: 0 });
    expect(await this.cancelRow(cancelId)).toMatchObject({ absentReads: 1 });
    expect(await repairPass(this.context, id)).toEqual(result);
    expect(await this.cancelRow(cancelId)).toMatchObject({
      status: CancelStatus.FAILED,
      failureCode: 'NOT_AT_GATEWAY',
    });
    expect(await rowOf(this.context, id)).toMatchObject({ status: PaymentStatus.PAID, pendingCancelAmount: 0 });
    expect(this.refunded(ready)).toBe(0);
    await expectLedgerEqualsGateway(this.context, id, ready.gatewayKey);
  }

  /** A later cancel under a new key succeeds; the gateway refunded exactly that, once. */
  async expectLaterCancelSucceeds(ready: PayablePayment<R>): Promise<void> {
    const requestsBefore = this.requests(ready);
    const later = await this.cancel(ready, this.context.nextId('refund-later-'));
    expect(later).toMatchObject({ status: CancelStatus.DONE, amount: this.amount() });
    expect(this.requests(ready)).toBe(requestsBefore + 1);
    expect(this.refunded(ready)).toBe(this.amount());
    await expectLedgerEqualsGateway(this.context, ready.payment.id, ready.gatewayKey);
  }

  /** The cancel is DONE once; a merchant retry under its key returns it and refunds nothing more. */
  async expectRefundedOnce(ready: PayablePayment<R>, key: string, requests: number): Promise<void> {
    const [done] = (await cancelsOf(this.context, ready.payment.id)).filter((c) => c.idempotencyKey === key);
    expect(done).toMatchObject({ status: CancelStatus.DONE, amount: this.amount() });
    expect(this.refunded(ready)).toBe(this.amount());
    await expectLedgerEqualsGateway(this.context, ready.payment.id, ready.gatewayKey);
    expect(await this.cancel(ready, key)).toMatchObject({ id: done.id, status: CancelStatus.DONE });
    expect(this.requests(ready)).toBe(requests);
    expect(this.refunded(ready)).toBe(this.amount());
  }
}
