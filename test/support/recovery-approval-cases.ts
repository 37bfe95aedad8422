import {
  PaymentNetCanceledError,
  PaymentOutcomeUnknownError,
  PaymentsError,
  PaymentStatus,
  type PrepareResult,
} from 'nestjs-kr-payments';
import type { PayablePayment } from './gateway-contract';
import {
  advancePastBound,
  attemptKeyOf,
  errorOf,
  expectLedgerEqualsGateway,
  faultTarget,
  itWithFault,
  ledgerOf,
  ORDER_NAME,
  payable,
  repairPass,
  rowOf,
  type RecoveryContext,
  type RecoveryFaultKind,
} from './recovery-context';

/** Past the client's read timeout (at most 1.5 s in every recovery spec). */
const LATE_ANSWER_MS = 3_000;

/**
 * A crash at each step of a buyer's confirm, then the repair job past the gateway's stuck bound: the ledger ends equal
 * to the gateway, the order is approved at most once, and nothing stays IN_PROGRESS/UNKNOWN.
 */
export function confirmRecoveryCases<S, R>(context: RecoveryContext<S, R>): void {
  processDeathCases(context);
  droppedBeforeProcessingCase(context);
  lostAfterCommitCase(context, 'drop-after-commit', 'committed, then its answer dropped');
  lostAfterCommitCase(context, 'hang-after-commit', 'committed, then answered after the read timeout');
  databaseFailureCase(context);
  forgedConfirmCases(context);
}

const approvalsOf = <S, R>(context: RecoveryContext<S, R>, ready: PayablePayment<R>): number =>
  context.spec.count.approvals(context.sim, ready);

/** The buyer confirms again with what the browser brought: PAID, and the gateway approved exactly once more. */
async function expectBuyerConfirmsOnce<S, R>(
  context: RecoveryContext<S, R>,
  ready: PayablePayment<R>,
  approvalsBefore: number,
): Promise<void> {
  const confirmed = await context.spec.confirm(context.shop.payments, ready);
  expect(confirmed).toMatchObject({ id: ready.payment.id, status: PaymentStatus.PAID, amount: ready.amount });
  expect(approvalsOf(context, ready)).toBe(approvalsBefore + 1);
  expect(context.spec.record(context.sim, ready.gatewayKey)).toMatchObject({ approved: true, refundedAmount: 0 });
  await expectLedgerEqualsGateway(context, ready.payment.id, ready.gatewayKey);
}

/** Exactly the core's compare-and-set (checkout.service claimApproval); the process then dies before the call. */
async function claimAndDie<S, R>(context: RecoveryContext<S, R>, ready: PayablePayment<R>): Promise<void> {
  const won = await ledgerOf(context).compareAndSetStatus(
    ready.payment.id,
    [PaymentStatus.READY],
    PaymentStatus.IN_PROGRESS,
    { attemptPaymentKey: attemptKeyOf(context, ready), approvalSentAt: context.clock.now() },
  );
  expect(won).toBe(true);
}

const backToReady = (paymentId: string) => [{ paymentId, rule: 'approval', status: PaymentStatus.READY }];

function processDeathCases<S, R>(context: RecoveryContext<S, R>): void {
  const { spec } = context;

  it('process death between the compare-and-set and the approval call: READY again past the bound, the buyer pays once', async () => {
    const ready = await payable(context, 11_000);
    const id = ready.payment.id;
    await claimAndDie(context, ready);
    expect(await repairPass(context, id)).toEqual([]); // still within the gateway's longest call: may be in flight
    expect(await spec.confirm(context.shop.payments, ready)).toMatchObject({ status: PaymentStatus.IN_PROGRESS });
    expect(approvalsOf(context, ready)).toBe(0);

    advancePastBound(context);
    expect(await repairPass(context, id)).toEqual(backToReady(id));
    expect(await rowOf(context, id)).toMatchObject({ status: PaymentStatus.READY, attemptPaymentKey: null });
    expect(approvalsOf(context, ready)).toBe(0);
    await expectBuyerConfirmsOnce(context, ready, 0);
  });

  const title = 'READY again past the bound, the buyer comes back through a new payment window: PAID under the new key';
  if (spec.keyIssuedAtPrepare) {
    // No new window can bring another key: what holds instead is that the READY row already owns the window's key.
    it(`issues its key at prepare: the READY row already holds the key the buyer's window carries`, async () => {
      const ready = await payable(context, 10_500);
      expect(await rowOf(context, ready.payment.id)).toMatchObject({
        status: PaymentStatus.READY,
        gatewayPaymentKey: ready.gatewayKey,
      });
      expect(ready.gatewayKey).not.toBe('');
    });
    return;
  }
  it(title, async () => {
    const { shop, sim } = context;
    const orderId = context.nextId('rcnw');
    const amount = 10_500;
    const prepared = await shop.payments.prepare({
      ...spec.prepareFields,
      gateway: spec.gateway,
      orderId,
      amount,
      orderName: ORDER_NAME,
    });
    const windowOf = (result: PrepareResult) => ({
      ...spec.openPaymentWindow(sim, result),
      payment: result.payment,
      orderId,
      amount,
    });
    const first = windowOf(prepared);
    await claimAndDie(context, first);
    advancePastBound(context);
    expect(await repairPass(context, prepared.payment.id)).toEqual(backToReady(prepared.payment.id));

    const second = spec.oneWindowPerOrder ? first : windowOf(prepared);
    const confirmed = await spec.confirm(shop.payments, second).catch((error: unknown) => error);
    expect(confirmed).toMatchObject({ status: PaymentStatus.PAID, gatewayPaymentKey: second.gatewayKey });
    expect(spec.record(sim, second.gatewayKey)).toMatchObject({ approved: true, refundedAmount: 0 });
    if (first.gatewayKey !== second.gatewayKey) expect(spec.record(sim, first.gatewayKey)?.approved).toBeFalsy();
    await expectLedgerEqualsGateway(context, prepared.payment.id, second.gatewayKey);
  });
}

function droppedBeforeProcessingCase<S, R>(context: RecoveryContext<S, R>): void {
  const title =
    'an approval dropped before the gateway processed it: UNKNOWN, READY only past the bound, the buyer pays once';
  itWithFault(context, 'drop-before-commit', title, async () => {
    const { shop, sim, spec } = context;
    const ready = await payable(context, 12_000);
    const id = ready.payment.id;
    spec.armFault(sim, 'drop-before-commit', faultTarget('approval', ready), 0);
    expect(await errorOf(spec.confirm(shop.payments, ready))).toBeInstanceOf(PaymentOutcomeUnknownError);
    expect(await rowOf(context, id)).toMatchObject({ status: PaymentStatus.UNKNOWN });
    expect(approvalsOf(context, ready)).toBe(1);
    expect(spec.record(sim, ready.gatewayKey)?.approved).toBeFalsy();

    // A read-back that finds nothing within the gateway's longest call proves nothing: it stays UNKNOWN.
    const unknown = [{ paymentId: id, rule: 'approval', status: PaymentStatus.UNKNOWN }];
    expect(await repairPass(context, id)).toEqual(unknown);
    advancePastBound(context);
    expect(await repairPass(context, id)).toEqual(backToReady(id));
    expect(await rowOf(context, id)).toMatchObject({ status: PaymentStatus.READY, attemptPaymentKey: null });
    await expectBuyerConfirmsOnce(context, ready, 1);
  });
}

/** Where a lost approval answer ends: PAID, or net-canceled where that is the gateway's policy. */
const settledStatus = <S, R>({ spec }: RecoveryContext<S, R>): PaymentStatus =>
  spec.lostAnswerPolicy === 'net-cancel' ? PaymentStatus.CANCELED : PaymentStatus.PAID;

/**
 * What a confirm retried after the lost answer was settled gets: the paid payment, or the net-cancel error again (a
 * reversed approval is never answered as a success).
 */
function expectSettledAnswer<S, R>(context: RecoveryContext<S, R>, answer: unknown, id: string): void {
  if (context.spec.lostAnswerPolicy === 'net-cancel') {
    expect(answer).toBeInstanceOf(PaymentNetCanceledError);
    expect(answer).toMatchObject({ code: 'PAYMENT_NET_CANCELED', httpStatus: 409, paymentId: id });
  } else {
    expect(answer).toMatchObject({ id, status: PaymentStatus.PAID });
  }
}

function lostAfterCommitCase<S, R>(context: RecoveryContext<S, R>, kind: RecoveryFaultKind, how: string): void {
  const title = `an approval ${how}: the repair job ends it at the gateway's truth, approved once`;
  itWithFault(context, kind, title, async () => {
    const { shop, sim, spec } = context;
    const ready = await payable(context, 13_000);
    const id = ready.payment.id;
    spec.armFault(sim, kind, faultTarget('approval', ready), LATE_ANSWER_MS);
    const outcome = await spec.confirm(shop.payments, ready).catch((error: unknown) => error);
    if (spec.lostAnswerPolicy === 'unknown') expect(outcome).toBeInstanceOf(PaymentOutcomeUnknownError);
    else if (spec.lostAnswerPolicy === 'net-cancel') expect(outcome).toBeInstanceOf(PaymentNetCanceledError);
    else expect(outcome).toMatchObject({ status: PaymentStatus.PAID });

    advancePastBound(context);
    expect((await repairPass(context, id)).filter((result) => result.error !== undefined)).toEqual([]);
    const row = await expectLedgerEqualsGateway(context, id, ready.gatewayKey);
    expect(row.status).toBe(settledStatus(context));
    expect(approvalsOf(context, ready)).toBe(1);
    // The buyer's retry gets the settled outcome; nothing more is sent.
    expectSettledAnswer(context, await spec.confirm(shop.payments, ready).catch((e: unknown) => e), id);
    expect(approvalsOf(context, ready)).toBe(1);
  });
}

function databaseFailureCase<S, R>(context: RecoveryContext<S, R>): void {
  it('a database failure after the gateway approved: 503 PAYMENT_OUTCOME_UNKNOWN, IN_PROGRESS; a retry past the bound reads back', async () => {
    const { shop, spec } = context;
    const ready = await payable(context, 14_000);
    const id = ready.payment.id;
    const apply = jest
      .spyOn(ledgerOf(context), 'apply')
      .mockRejectedValueOnce(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    let error: unknown;
    try {
      error = await errorOf(spec.confirm(shop.payments, ready));
    } finally {
      apply.mockRestore();
    }
    expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
    expect(error).toMatchObject({ code: 'PAYMENT_OUTCOME_UNKNOWN', httpStatus: 503, retryable: true, paymentId: id });
    expect(await rowOf(context, id)).toMatchObject({ status: PaymentStatus.IN_PROGRESS });
    expect(spec.record(context.sim, ready.gatewayKey)).toMatchObject({ approved: true });

    // Within the gateway's longest call the retry cannot tell a dead caller from a slow one: no second call.
    expect(await spec.confirm(shop.payments, ready)).toMatchObject({ status: PaymentStatus.IN_PROGRESS });
    expect(approvalsOf(context, ready)).toBe(1);
    advancePastBound(context);
    const retried = await spec.confirm(shop.payments, ready).catch((e: unknown) => e);
    const row = await expectLedgerEqualsGateway(context, id, ready.gatewayKey);
    expectSettledAnswer(context, retried, id);
    expect(row.status).toBe(settledStatus(context));
    expect(approvalsOf(context, ready)).toBe(1);
  });
}

function forgedConfirmCases<S, R>(context: RecoveryContext<S, R>): void {
  const { spec } = context;

  it('a forged confirm with a made-up key leaves the order READY with no key stored; the genuine confirm succeeds', async () => {
    const ready = await payable(context, 15_000);
    const forged = { ...ready, returned: spec.returnedWithKey(ready.returned, spec.madeUpKey(ready)) };
    await expectForgedConfirmRefused(context, ready, forged);
    await expectBuyerConfirmsOnce(context, ready, approvalsOf(context, ready)); // the forged request may have left
  });

  it("a forged confirm with another order's real key leaves both orders payable; each is approved once", async () => {
    const ready = await payable(context, 16_000);
    const other = await payable(context, 16_000);
    const forged = { ...ready, returned: spec.returnedWithKey(ready.returned, other.gatewayKey) };
    await expectForgedConfirmRefused(context, ready, forged);
    expect(await rowOf(context, other.payment.id)).toMatchObject({ status: PaymentStatus.READY });

    expect(await spec.confirm(context.shop.payments, ready)).toMatchObject({ status: PaymentStatus.PAID });
    expect(await spec.confirm(context.shop.payments, other)).toMatchObject({ status: PaymentStatus.PAID });
    for (const order of [ready, other]) {
      expect(spec.record(context.sim, order.gatewayKey)).toMatchObject({ approved: true, refundedAmount: 0 });
      await expectLedgerEqualsGateway(context, order.payment.id, order.gatewayKey);
    }
  });
}

/** The forged confirm is refused with a 4xx; the order stays READY and keeps no key of the forged attempt. */
async function expectForgedConfirmRefused<S, R>(
  context: RecoveryContext<S, R>,
  ready: PayablePayment<R>,
  forged: PayablePayment<R>,
): Promise<void> {
  const error = await errorOf(context.spec.confirm(context.shop.payments, forged));
  expect(error).toBeInstanceOf(PaymentsError);
  const { code, httpStatus } = error as PaymentsError;
  expect([code, httpStatus >= 400 && httpStatus < 500]).toEqual([code, true]);
  expect(await rowOf(context, ready.payment.id)).toMatchObject({
    status: PaymentStatus.READY,
    attemptPaymentKey: null,
    gatewayPaymentKey: ready.payment.gatewayPaymentKey ?? null,
  });
}
