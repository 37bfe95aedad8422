import { randomUUID } from 'node:crypto';
import { PaymentStatus, type PaymentView } from 'nestjs-kr-payments';
import { BUSINESS_DATE, TossReconciliationShop } from './reconciliation.fixtures';

/**
 * The double-charge detector for recurring billing: each attempt of a billing cycle charges under its own orderId, so
 * two approvals for one cycle never share an orderId and only the cycle can tell them apart from two honest charges.
 * A second approval still standing for a cycle is a DUPLICATE left OPEN for a person, never "repaired" into a second
 * PAID row; one reversed at the gateway (the engine's net-cancel of a lost answer) is no double charge.
 */
describe('reconciliation: more than one approval for one billing cycle', () => {
  let t: TossReconciliationShop;
  beforeAll(async () => {
    t = await TossReconciliationShop.start();
  });
  afterAll(() => t.stop());

  /** A billing cycle whose attempts are `attempts` (in order), the SUCCEEDED one being the cycle's payment. */
  async function cycleOf(attempts: Array<{ payment: PaymentView; status: 'SUCCEEDED' | 'FAILED' }>): Promise<string> {
    const cycleId = randomUUID();
    const subscriptionId = randomUUID();
    const paid = attempts.find((attempt) => attempt.status === 'SUCCEEDED')?.payment;
    await t.shop.dataSource.query(
      `INSERT INTO "billing_cycles" ("id", "subscription_id", "cycle_no", "amount", "period_start", "period_end",
         "due_at", "status", "attempt_count", "payment_id", "paid_at")
       VALUES ($1, $2, 1, $3, now() - interval '1 hour', now() + interval '1 month', now() - interval '1 hour',
               'PAID', $4, $5, now())`,
      [cycleId, subscriptionId, attempts[0].payment.amount, attempts.length, paid?.id ?? null],
    );
    for (const [index, { payment, status }] of attempts.entries()) {
      await t.shop.dataSource.query(
        `INSERT INTO "billing_attempts" ("id", "cycle_id", "subscription_id", "attempt_no", "gateway", "order_id",
           "payment_id", "status", "next_try_at", "finished_at")
         VALUES ($1, $2, $3, $4, 'toss', $5, $6, $7, now(), now())`,
        [randomUUID(), cycleId, subscriptionId, index + 1, payment.orderId, payment.id, status],
      );
    }
    return cycleId;
  }

  it('flags the second charge of a cycle as DUPLICATE (OPEN), keeps the paid attempt, ignores a reversed one', async () => {
    // Cycle A: attempt 1 was approved at Toss but its answer was taken for a decline (our row never learnt it);
    // attempt 2 charged the cycle again. The customer paid twice.
    const misread = await t.prepare(9_900);
    const misreadKey = await t.approveAtGateway(misread.orderId, 9_900);
    const charged = await t.paid(9_900);
    const doubleCharged = await cycleOf([
      { payment: misread, status: 'FAILED' },
      { payment: charged, status: 'SUCCEEDED' },
    ]);

    // Cycle B: attempt 1 was approved and then fully canceled at Toss (reversed), attempt 2 charged: paid once.
    const reversed = await t.paid(4_900);
    await t.tossApi('POST', `/v1/payments/${reversed.gatewayPaymentKey}/cancel`, { cancelReason: '망취소' });
    const recharged = await t.paid(4_900);
    await cycleOf([
      { payment: reversed, status: 'FAILED' },
      { payment: recharged, status: 'SUCCEEDED' },
    ]);

    // Cycle C: one attempt, one charge.
    const single = await t.paid(1_900);
    await cycleOf([{ payment: single, status: 'SUCCEEDED' }]);

    const { run, autoFixed } = await t.reconciliation.run({ gateway: 'toss', date: BUSINESS_DATE });
    const items = await t.reconciliation.items(run.id);

    expect(items.filter((item) => item.category === 'DUPLICATE')).toEqual([
      expect.objectContaining({
        orderId: misread.orderId,
        paymentId: misread.id,
        gatewayPaymentKey: misreadKey,
        transactionKind: 'APPROVAL',
        actualAmount: 9_900,
        repairAction: 'REVIEW_DUPLICATE',
        resolution: 'OPEN',
        note: `another approval already charged billing cycle ${doubleCharged}`,
      }),
    ]);
    // Not attached: a second PAID row would hide the double charge from the cycle's books.
    expect(await t.row(misread.id)).toMatchObject({ status: PaymentStatus.READY, gatewayPaymentKey: null });
    expect(items.filter((item) => [charged.id, recharged.id, single.id].includes(item.paymentId ?? ''))).toEqual([]);
    // The reversed attempt's cancel was unknown to us: imported (safe), its approval is no double charge.
    expect(items.filter((item) => item.paymentId === reversed.id)).toEqual([
      expect.objectContaining({ category: 'MISSING_LOCAL', transactionKind: 'CANCEL', resolution: 'AUTO_FIXED' }),
    ]);
    expect(autoFixed).toBe(1);
    expect(run.summary!.DUPLICATE).toMatchObject({ count: 1, gateway: { gross: 9_900 } });
    expect(run.summary!.MATCHED.count).toBe(4);
  });
});
