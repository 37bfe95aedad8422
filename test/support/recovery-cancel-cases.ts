import {
  CancelStatus,
  PaymentOutcomeUnknownError,
  PaymentsError,
  PaymentStatus,
  type PaymentCancel,
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
  const { spec } = context;
  /** 4,000 of the 10,000 where partial cancels exist; the whole payment at gateways with full cancels only. */
  const cancelAmount = () => (adapterOf(context).features.partialCancel ? 4_000 : PAID_AMOUNT);
  const refunded = (ready: PayablePayment<R>) => spec.count.refundedAmount(context.sim, ready);
  const refundRequests = (ready: PayablePayment<R>) => spec.count.refundRequests(context.sim, ready);
  const cancel = (ready: PayablePayment<R>, idempotencyKey: string) =>
    context.shop.payments.cancel({
      paymentId: ready.payment.id,
      amount: adapterOf(context).features.partialCancel ? cancelAmount() : undefined,
      reason: CANCEL_REASON,
      idempotencyKey,
    });

  /** Two repair passes past the bound: the first keeps the reservation, the second releases it. */
  async function expectReleasedOnSecondPass(ready: PayablePayment<R>, cancelId: string): Promise<void> {
    const id = ready.payment.id;
    const amount = cancelAmount();
    advancePastBound(context);
    expect(await repairPass(context, id)).toEqual([{ paymentId: id, rule: 'cancel', status: PaymentStatus.PAID }]);
    expect(await rowOf(context, id)).toMatchObject({ pendingCancelAmount: amount, canceledAmount: 0 });
    expect(await cancelRow(cancelId)).toMatchObject({ absentReads: 1 });
    expect(await repairPass(context, id)).toEqual([{ paymentId: id, rule: 'cancel', status: PaymentStatus.PAID }]);
    expect(await cancelRow(cancelId)).toMatchObject({ status: CancelStatus.FAILED, failureCode: 'NOT_AT_GATEWAY' });
    expect(await rowOf(context, id)).toMatchObject({ status: PaymentStatus.PAID, pendingCancelAmount: 0 });
    expect(refunded(ready)).toBe(0);
    await expectLedgerEqualsGateway(context, id, ready.gatewayKey);
  }

  /** A later cancel under a new key succeeds; the gateway refunded exactly that once. */
  async function expectLaterCancelSucceeds(ready: PayablePayment<R>): Promise<void> {
    const requestsBefore = refundRequests(ready);
    const later = await cancel(ready, context.nextId('refund-later-'));
    expect(later).toMatchObject({ status: CancelStatus.DONE, amount: cancelAmount() });
    expect(refundRequests(ready)).toBe(requestsBefore + 1);
    expect(refunded(ready)).toBe(cancelAmount());
    await expectLedgerEqualsGateway(context, ready.payment.id, ready.gatewayKey);
  }

  /** The cancel is DONE once; a merchant retry under its key returns it and refunds nothing more. */
  async function expectRefundedOnce(ready: PayablePayment<R>, key: string, requests: number): Promise<void> {
    const [done] = (await cancelsOf(context, ready.payment.id)).filter((c) => c.idempotencyKey === key);
    expect(done).toMatchObject({ status: CancelStatus.DONE, amount: cancelAmount() });
    expect(refunded(ready)).toBe(cancelAmount());
    await expectLedgerEqualsGateway(context, ready.payment.id, ready.gatewayKey);
    expect(await cancel(ready, key)).toMatchObject({ id: done.id, status: CancelStatus.DONE });
    expect(refundRequests(ready)).toBe(requests);
    expect(refunded(ready)).toBe(cancelAmount());
  }

  const cancelRow = async (cancelId: string): Promise<PaymentCancel> =>
    (await cancelLedgerOf(context).findById(cancelId)) as PaymentCancel;

  it('process death between the reservation and the cancel call: released on the second pass past the bound', async () => {
    const ready = await paidPayment(context, PAID_AMOUNT);
    // Exactly the core's reservation (refunds.service reserve); the process then dies before the call.
    const reserved = await cancelLedgerOf(context).reserve({
      paymentId: ready.payment.id,
      amount: cancelAmount(),
      taxFreeAmount: 0,
      reason: CANCEL_REASON,
      idempotencyKey: context.nextId('refund-dead-'),
      refundAccount: null,
    });
    expect(reserved).not.toBeNull();
    expect(await repairPass(context, ready.payment.id)).toEqual([]); // may still be in flight
    expect(await context.shop.payments.sync(ready.payment.id)).toMatchObject({ pendingCancelAmount: cancelAmount() });
    await expectReleasedOnSecondPass(ready, reserved!.cancel.id);
    expect(refundRequests(ready)).toBe(0);
    await expectLaterCancelSucceeds(ready);
  });

  itWithFault(
    context,
    'drop-before-commit',
    'a cancel dropped before the gateway processed it: UNKNOWN, released on the second pass past the bound',
    async () => {
      const ready = await paidPayment(context, PAID_AMOUNT);
      spec.armFault(context.sim, 'drop-before-commit', faultTarget('cancel', ready), 0);
      const error = await errorOf(cancel(ready, context.nextId('refund-lost-')));
      expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
      const [lost] = await cancelsOf(context, ready.payment.id);
      expect(lost).toMatchObject({ status: CancelStatus.UNKNOWN, amount: cancelAmount() });
      // The gateway may still commit it within its longest call: a direct sync keeps the reservation.
      expect(await context.shop.payments.sync(ready.payment.id)).toMatchObject({ pendingCancelAmount: cancelAmount() });
      expect(await cancelRow(lost.id)).toMatchObject({ status: CancelStatus.UNKNOWN, absentReads: 0 });
      await expectReleasedOnSecondPass(ready, lost.id);
      await expectLaterCancelSucceeds(ready);
    },
  );

  const committed = (kind: RecoveryFaultKind, how: string, faultMs: number) =>
    itWithFault(context, kind, `a cancel ${how}: DONE after the repair job, refunded exactly once`, async () => {
      const ready = await paidPayment(context, PAID_AMOUNT);
      const key = context.nextId('refund-late-');
      const started = Date.now();
      spec.armFault(context.sim, kind, faultTarget('cancel', ready), faultMs);
      expect(await errorOf(cancel(ready, key))).toBeInstanceOf(PaymentOutcomeUnknownError);
      expect(await rowOf(context, ready.payment.id)).toMatchObject({ pendingCancelAmount: cancelAmount() });
      if (kind === 'late-commit') {
        // Read back before the gateway committed: it shows nothing yet, which must not release the reservation.
        expect(await context.shop.payments.sync(ready.payment.id)).toMatchObject({
          pendingCancelAmount: cancelAmount(),
          canceledAmount: 0,
        });
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + faultMs + 500 - Date.now())));
      }
      advancePastBound(context);
      const repaired = await repairPass(context, ready.payment.id);
      expect(repaired.map((r) => [r.rule, r.error])).toEqual([['cancel', undefined]]);
      await expectRefundedOnce(ready, key, 1);
    });
  committed('drop-after-commit', 'committed, then its answer dropped', 0);
  committed('hang-after-commit', 'committed, then answered after the read timeout', 3_000);
  committed('late-commit', 'committed by the gateway only after its answer timed out', LATE_COMMIT_MS);

  it('a database failure after the gateway refunded: 503, the cancel stays reserved; the repair job settles it DONE', async () => {
    const ready = await paidPayment(context, PAID_AMOUNT);
    const key = context.nextId('refund-db-');
    const apply = jest.spyOn(ledgerOf(context), 'apply').mockRejectedValueOnce(new Error('read ECONNRESET'));
    let error: unknown;
    try {
      error = await errorOf(cancel(ready, key));
    } finally {
      apply.mockRestore();
    }
    expect(error).toMatchObject({ code: 'PAYMENT_OUTCOME_UNKNOWN', httpStatus: 503, retryable: true });
    const [lost] = await cancelsOf(context, ready.payment.id);
    expect(lost).toMatchObject({ status: CancelStatus.UNKNOWN, idempotencyKey: key });
    expect(refunded(ready)).toBe(cancelAmount());
    advancePastBound(context);
    const repaired = await repairPass(context, ready.payment.id);
    expect(repaired.map((r) => [r.rule, r.error])).toEqual([['cancel', undefined]]);
    await expectRefundedOnce(ready, key, 1);
  });

  it('an idempotency key reused with another amount or reason: 409 IDEMPOTENCY_KEY_REUSED, nothing refunded', async () => {
    const ready = await paidPayment(context, PAID_AMOUNT);
    const key = context.nextId('refund-reuse-');
    const first = await cancel(ready, key);
    expect(first).toMatchObject({ status: CancelStatus.DONE });
    const partial = adapterOf(context).features.partialCancel;
    // Full-cancel-only gateways have no second amount to ask for: the reason differs instead.
    const reused = partial
      ? { paymentId: ready.payment.id, amount: 5_000, reason: CANCEL_REASON, idempotencyKey: key }
      : { paymentId: ready.payment.id, reason: '중복요청', idempotencyKey: key };
    const error = await errorOf(context.shop.payments.cancel(reused));
    expect(error).toBeInstanceOf(PaymentsError);
    expect(error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', httpStatus: 409 });
    expect(refundRequests(ready)).toBe(1);
    expect(refunded(ready)).toBe(cancelAmount());
    expect((await cancelsOf(context, ready.payment.id)).map((c) => c.id)).toEqual([first.id]);
    await expectLedgerEqualsGateway(context, ready.payment.id, ready.gatewayKey);
  });
}
