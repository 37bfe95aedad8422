import {
  PaymentOutcomeUnknownError,
  PaymentStatus,
  ReconciliationItemResolvedError,
  type ReconciliationItem,
} from 'nestjs-kr-payments';
import { BUSINESS_DATE, TossReconciliationShop } from './reconciliation.fixtures';

/**
 * A Toss day with one of every difference reconciliation exists for, made at the simulator the way each happens in
 * production: an approval whose answer was lost, a cancel made on the dashboard, an approval our confirm never
 * sent, a second approval for one orderId, an approval for an order we never prepared, an amount changed in our
 * database, a row the gateway never saw. One run finds each; the safe ones end AUTO_FIXED at the gateway's truth
 * through the ledger, the others stay OPEN with a suggested action.
 */
describe('reconciliation of a Toss day (transaction list)', () => {
  let t: TossReconciliationShop;
  beforeAll(async () => {
    t = await TossReconciliationShop.start({ pageSize: 3 });
  });
  afterAll(() => t.stop());

  const byOrder = (items: ReconciliationItem[], orderId: string) => items.filter((item) => item.orderId === orderId);

  it('detects every category, repairs only the provably safe ones through apply, and reports them', async () => {
    const matched = [await t.paid(10_000), await t.paid(20_000)];

    // 1. Approved at Toss, the answer lost on the way back: UNKNOWN here.
    const lost = await t.prepare(15_000);
    const lostWindow = t.sim.authenticatePayment({ orderId: lost.orderId, amount: 15_000, orderName: '대사 상품' });
    t.sim.failNext({ method: 'POST', path: '/v1/payments/confirm' }, { kind: 'drop-after-commit' });
    await expect(
      t.shop.payments.confirm({
        gateway: 'toss',
        orderId: lost.orderId,
        amount: 15_000,
        paymentKey: lostWindow.paymentKey,
      }),
    ).rejects.toThrow(PaymentOutcomeUnknownError);
    expect((await t.row(lost.id)).status).toBe(PaymentStatus.UNKNOWN);

    // 2. A partial cancel made on the dashboard: the gateway has it, we have no cancel row.
    const dashboardCanceled = await t.paid(30_000);
    await t.tossApi('POST', `/v1/payments/${dashboardCanceled.gatewayPaymentKey}/cancel`, {
      cancelReason: '대시보드 부분취소',
      cancelAmount: 4_000,
    });

    // 3. Approved at Toss for an order we prepared, our confirm never sent (the row is still READY).
    const unconfirmed = await t.prepare(7_000);
    const unconfirmedKey = await t.approveAtGateway(unconfirmed.orderId, 7_000);

    // 4. Two approvals for one orderId: ours, and a second window confirmed straight at Toss.
    const duplicated = await t.prepare(9_000);
    const first = t.sim.authenticatePayment({ orderId: duplicated.orderId, amount: 9_000, orderName: '대사 상품' });
    const second = t.sim.authenticatePayment({ orderId: duplicated.orderId, amount: 9_000, orderName: '대사 상품' });
    await t.shop.payments.confirm({
      gateway: 'toss',
      orderId: duplicated.orderId,
      amount: 9_000,
      paymentKey: first.paymentKey,
    });
    await t.tossApi('POST', '/v1/payments/confirm', {
      paymentKey: second.paymentKey,
      orderId: duplicated.orderId,
      amount: 9_000,
    });

    // 5. An approval for an order we never prepared.
    const strangerOrder = t.nextOrderId();
    await t.approveAtGateway(strangerOrder, 5_000);

    // 6. An amount changed in our database after the approval.
    const altered = await t.paid(12_000);
    await t.shop.dataSource.query(
      `UPDATE "payments" SET "amount" = 12_500, "balance_amount" = 12_500 WHERE "id" = $1`,
      [altered.id],
    );

    // 7. A PAID row the gateway never saw.
    const ghostId = await t.insertForeignPaidRow('toss', 3_000, 'tgen_ghost_never_at_toss');

    const listCallsBefore = t.sim.requestsTo('GET', '/v1/transactions').length;
    const { run, resumed, autoFixed } = await t.reconciliation.run({ gateway: 'toss', date: BUSINESS_DATE });
    expect(resumed).toBe(false);
    expect(run).toMatchObject({
      status: 'SUCCEEDED',
      kind: 'TRANSACTIONS',
      businessDate: BUSINESS_DATE,
      merchantId: 'default',
    });

    // The list was walked in pages of 3 over the KST day, each next page after the last transactionKey.
    const listCalls = t.sim.requestsTo('GET', '/v1/transactions').slice(listCallsBefore);
    expect(listCalls.length).toBeGreaterThanOrEqual(4);
    expect(listCalls[0].query).toMatchObject({
      startDate: `${BUSINESS_DATE}T00:00:00`,
      endDate: `${BUSINESS_DATE}T23:59:59`,
      limit: '3',
    });
    expect(listCalls[0].query.startingAfter).toBeUndefined();
    expect(listCalls[1].query.startingAfter).toEqual(expect.any(String));
    // Every full page was committed with its cursor (a final empty page commits nothing).
    expect(run.pages).toBe(Math.ceil(run.stagedRows / 3));

    const items = await t.items(run.id);
    // MATCHED rows are counted, never written.
    expect(items.some((item) => item.category === 'MATCHED')).toBe(false);
    for (const payment of matched) expect(byOrder(items, payment.orderId)).toEqual([]);

    expect(byOrder(items, lost.orderId)).toEqual([
      expect.objectContaining({
        category: 'STATUS_MISMATCH',
        expectedStatus: 'UNKNOWN',
        actualStatus: 'PAID',
        repairAction: 'SYNC',
        resolution: 'AUTO_FIXED',
        resolvedBy: 'reconciliation',
      }),
    ]);
    expect(await t.row(lost.id)).toMatchObject({
      status: PaymentStatus.PAID,
      gatewayPaymentKey: lostWindow.paymentKey,
    });

    expect(byOrder(items, dashboardCanceled.orderId)).toEqual([
      expect.objectContaining({
        category: 'MISSING_LOCAL',
        transactionKind: 'CANCEL',
        actualAmount: 4_000,
        repairAction: 'IMPORT_CANCEL',
        resolution: 'AUTO_FIXED',
      }),
    ]);
    expect(await t.row(dashboardCanceled.id)).toMatchObject({
      status: PaymentStatus.PARTIALLY_CANCELED,
      canceledAmount: 4_000,
      balanceAmount: 26_000,
    });
    const [imported] = await t.shop.dataSource.query(
      `SELECT "amount"::int AS amount, "status", "transaction_key" AS key FROM "payment_cancels" WHERE "payment_id" = $1`,
      [dashboardCanceled.id],
    );
    const importedItem = byOrder(items, dashboardCanceled.orderId)[0];
    expect(imported).toEqual({ amount: 4_000, status: 'DONE', key: importedItem.transactionKey });

    expect(byOrder(items, unconfirmed.orderId)).toEqual([
      expect.objectContaining({ category: 'STATUS_MISMATCH', repairAction: 'ATTACH', resolution: 'AUTO_FIXED' }),
    ]);
    expect(await t.row(unconfirmed.id)).toMatchObject({
      status: PaymentStatus.PAID,
      gatewayPaymentKey: unconfirmedKey,
    });

    expect(byOrder(items, duplicated.orderId)).toEqual([
      expect.objectContaining({
        category: 'DUPLICATE',
        gatewayPaymentKey: second.paymentKey,
        actualAmount: 9_000,
        repairAction: 'REVIEW_DUPLICATE',
        resolution: 'OPEN',
      }),
    ]);
    expect(await t.row(duplicated.id)).toMatchObject({
      status: PaymentStatus.PAID,
      gatewayPaymentKey: first.paymentKey,
    });

    expect(byOrder(items, strangerOrder)).toEqual([
      expect.objectContaining({
        category: 'MISSING_LOCAL',
        paymentId: null,
        repairAction: 'INVESTIGATE_UNKNOWN_ORDER',
        resolution: 'OPEN',
      }),
    ]);

    expect(byOrder(items, altered.orderId)).toEqual([
      expect.objectContaining({
        category: 'AMOUNT_MISMATCH',
        expectedAmount: 12_500,
        actualAmount: 12_000,
        repairAction: 'REVIEW_AMOUNT',
        resolution: 'OPEN',
      }),
    ]);
    expect(await t.row(altered.id)).toMatchObject({ amount: 12_500, status: PaymentStatus.PAID });

    // The ghost was read back (the recheck) before being called missing.
    expect(t.sim.requestsTo('GET', '/v1/payments/tgen_ghost_never_at_toss').length).toBe(2);
    expect(items.filter((item) => item.paymentId === ghostId)).toEqual([
      expect.objectContaining({
        category: 'MISSING_GATEWAY',
        expectedAmount: 3_000,
        repairAction: 'INVESTIGATE_MISSING_AT_GATEWAY',
        resolution: 'OPEN',
      }),
    ]);

    expect(autoFixed).toBe(3);
    const summary = run.summary!;
    // Approvals: 2 matched + duplicated's first + dashboard's approval; cancels: none matched.
    expect(summary.MATCHED).toMatchObject({ count: 4 });
    expect(summary.MATCHED.ledger).toEqual(summary.MATCHED.gateway);
    expect(summary.MATCHED.gateway.gross).toBe(10_000 + 20_000 + 9_000 + 30_000);
    expect(summary.STATUS_MISMATCH.count).toBe(2);
    expect(summary.MISSING_LOCAL).toMatchObject({ count: 2, gateway: { gross: 5_000, cancel: 4_000, net: 1_000 } });
    expect(summary.DUPLICATE.count).toBe(1);
    expect(summary.AMOUNT_MISMATCH).toMatchObject({ count: 1, ledger: { gross: 12_500 }, gateway: { gross: 12_000 } });
    expect(summary.MISSING_GATEWAY).toMatchObject({ count: 1, ledger: { gross: 3_000 }, gateway: { gross: 0 } });
    expect(summary.INCOMPARABLE.count).toBe(0);

    // resolve(): audited, once.
    const duplicateItem = byOrder(items, duplicated.orderId)[0];
    const resolved = await t.reconciliation.resolve(
      duplicateItem.id,
      'ACCEPTED_GATEWAY',
      '중복 승인 고객 환불 예정',
      'ops@shop',
    );
    expect(resolved).toMatchObject({
      resolution: 'ACCEPTED_GATEWAY',
      resolvedBy: 'ops@shop',
      note: '중복 승인 고객 환불 예정',
    });
    expect(resolved.resolvedAt).toBeInstanceOf(Date);
    await expect(t.reconciliation.resolve(duplicateItem.id, 'IGNORED', 'again', 'someone-else')).rejects.toThrow(
      ReconciliationItemResolvedError,
    );
    await expect(t.reconciliation.resolve(importedItem.id, 'IGNORED', 'no', 'ops@shop')).rejects.toThrow(
      ReconciliationItemResolvedError,
    );
    const [audit] = await t.shop.dataSource.query(
      `SELECT "resolution", "resolved_by" AS by, "note" FROM "reconciliation_items" WHERE "id" = $1`,
      [duplicateItem.id],
    );
    expect(audit).toEqual({ resolution: 'ACCEPTED_GATEWAY', by: 'ops@shop', note: '중복 승인 고객 환불 예정' });

    // The report: JSON totals, CSV of the exceptions, a self-contained HTML page.
    const report = await t.reconciliation.report(run.id);
    expect(report.json).toMatchObject({
      runId: run.id,
      gateway: 'toss',
      status: 'SUCCEEDED',
      exceptions: { total: items.length, autoFixed: 3, resolved: 1, open: items.length - 4 },
    });
    const csvLines = report.csv.trimEnd().split('\r\n');
    expect(csvLines[0]).toMatch(/^id,category,transactionKind,paymentId,orderId,/);
    expect(csvLines).toHaveLength(items.length + 1);
    expect(report.csv).toContain(`DUPLICATE,APPROVAL,${duplicated.id},${duplicated.orderId},${second.paymentKey}`);
    expect(report.html).toMatch(/^<!doctype html>/);
    expect(report.html).toContain('<svg');
    expect(report.html).toContain(strangerOrder);
    expect(report.html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('a rerun of the day supersedes the earlier run and finds the day clean where it was repaired', async () => {
    const before = await t.reconciliation.latestRun('toss', BUSINESS_DATE);
    const { run } = await t.reconciliation.run({ gateway: 'toss', date: BUSINESS_DATE });
    expect(run.supersedesRunId).toBe(before!.id);
    expect((await t.reconciliation.getRun(before!.id)).status).toBe('SUPERSEDED');
    const items = await t.items(run.id);
    // What was repaired is matched now; what needs a person is found again.
    expect(items.map((item) => item.category).sort()).toEqual([
      'AMOUNT_MISMATCH',
      'DUPLICATE',
      'MISSING_GATEWAY',
      'MISSING_LOCAL',
    ]);
    // The four matched before, plus the UNKNOWN, the unconfirmed approval and the imported cancel.
    expect(run.summary!.MATCHED.count).toBe(4 + 3);
  });
});
