import fc from 'fast-check';
import {
  AmountMismatchError,
  CancelStatus,
  GatewayConfigurationError,
  Payment,
  PaymentCancel,
  PaymentsError,
  PaymentStatus,
  SignatureMismatchError,
} from 'nestjs-kr-payments';
import { KISPG_TEST_MERCHANT_KEY, KISPG_TEST_MID, type KispgSimulator } from 'nestjs-kr-payments/testing';
import type { ShopApp } from '../../support/harness';
import { customer, useKispgShop } from './kispg-shop.fixtures';

/**
 * KISPG end to end: real PostgreSQL, the library in a real Nest app, the KISPG simulator over loopback HTTP, the
 * returnUrl body handed to `confirmReturn` exactly as the window posts it, notifications delivered by the simulator.
 * The notification route's trust rules: kispg-notifications.e2e.spec.ts.
 */
describe('KISPG payments lifecycle', () => {
  const harness = useKispgShop();
  const { simClock, logger, nextOrderId, windowReturn, paid, rowOf, eventsFor } = harness;
  let sim: KispgSimulator;
  let shop: ShopApp;
  beforeAll(() => {
    ({ sim, shop } = harness);
  });

  it('card: prepare → window → confirmReturn → PAID with exactly one /v2/payment; the 3001 notification is read back', async () => {
    const { orderId, payment, checkout, returned } = await windowReturn(15_000);
    expect(payment.status).toBe(PaymentStatus.READY);
    expect(checkout).toMatchObject({ gateway: 'kispg', kind: 'form', actionUrl: `${sim.url}/v2/auth` });
    const before = sim.requestsTo('POST', '/v2/payment').length;
    const confirmed = await shop.payments.confirmReturn('kispg', returned);
    expect(confirmed).toMatchObject({
      status: PaymentStatus.PAID,
      amount: 15_000,
      balanceAmount: 15_000,
      method: 'CARD',
      gatewayPaymentKey: returned.tid,
    });
    const approvals = sim.requestsTo('POST', '/v2/payment').slice(before);
    expect(approvals).toHaveLength(1);
    expect(approvals[0].body).toMatchObject({
      mid: KISPG_TEST_MID,
      tid: returned.tid,
      goodsAmt: '15000',
      charset: 'UTF-8',
    });

    await sim.notificationsIdle();
    const events = await eventsFor(orderId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ eventType: 'NOTI_3001', verification: 'read-back', status: 'PROCESSED' });
    // Delivered once, answered 200 (no retry): the configured reply.
    expect(
      sim.notifications.filter((n) => n.tid === returned.tid).map((n) => [n.resultCd, n.attempt, n.status]),
    ).toEqual([['3001', 0, 200]]);
    expect((await rowOf(payment.id)).status).toBe(PaymentStatus.PAID);
  });

  it('partial then full cancel: balances, statuses, cancel rows; a later sync adds no rows', async () => {
    const { payment, returned } = await paid(20_000);
    const first = await shop.payments.cancel({ paymentId: payment.id, amount: 5_000, reason: '부분 환불' });
    expect(first).toMatchObject({ status: CancelStatus.DONE, amount: 5_000 });
    expect(await rowOf(payment.id)).toMatchObject({
      status: PaymentStatus.PARTIALLY_CANCELED,
      canceledAmount: 5_000,
      balanceAmount: 15_000,
    });

    const last = await shop.payments.cancel({ paymentId: payment.id, reason: '전액 환불' });
    expect(last).toMatchObject({ status: CancelStatus.DONE, amount: 15_000 });
    expect(await rowOf(payment.id)).toMatchObject({
      status: PaymentStatus.CANCELED,
      canceledAmount: 20_000,
      balanceAmount: 0,
      pendingCancelAmount: 0,
    });

    const cancels = sim
      .requestsTo('POST', '/v2/cancel')
      .filter((r) => (r.body as { tid?: string }).tid === returned.tid);
    expect(
      cancels.map((r) => [(r.body as Record<string, string>).canAmt, (r.body as Record<string, string>).partCanFlg]),
    ).toEqual([
      ['5000', '1'],
      ['15000', '0'],
    ]);
    expect(sim.getTransaction(returned.tid)).toMatchObject({ trxStatus: '취소', balanceAmt: 0 });

    await sim.notificationsIdle();
    const synced = await shop.payments.sync(payment.id);
    expect(synced).toMatchObject({ status: PaymentStatus.CANCELED, canceledAmount: 20_000 });
    const rows = await shop.dataSource.manager.find(PaymentCancel, { where: { paymentId: payment.id } });
    expect(rows.map((r) => r.amount).sort((a, b) => a - b)).toEqual([5_000, 15_000]);
    expect(rows.every((r) => r.status === CancelStatus.DONE && !!r.transactionKey)).toBe(true);
  });

  it('virtual account: WAITING_FOR_DEPOSIT, then the deposit notification (4110) makes it PAID', async () => {
    const { orderId, returned } = await windowReturn(30_000, 'VIRTUAL_ACCOUNT');
    const issued = await shop.payments.confirmReturn('kispg', returned);
    expect(issued).toMatchObject({ status: PaymentStatus.WAITING_FOR_DEPOSIT, method: 'VIRTUAL_ACCOUNT' });
    expect(issued.virtualAccountNumber).toMatch(/^\d+$/);

    sim.deposit(returned.tid);
    await sim.notificationsIdle();
    expect(await rowOf(issued.id)).toMatchObject({ status: PaymentStatus.PAID, balanceAmount: 30_000 });
    const events = await eventsFor(orderId);
    expect(events.map((e) => [e.eventType, e.status])).toContainEqual(['NOTI_4110', 'PROCESSED']);
  });

  it('a return body with a wrong encData or amount is rejected before any /v2/payment; the payment stays READY', async () => {
    const { payment, returned } = await windowReturn(9_000);
    const before = sim.requestsTo('POST', '/v2/payment').length;
    await expect(
      shop.payments.confirmReturn('kispg', { ...returned, encData: 'ab'.repeat(32) }),
    ).rejects.toBeInstanceOf(SignatureMismatchError);
    await expect(shop.payments.confirmReturn('kispg', { ...returned, amt: '900' })).rejects.toBeInstanceOf(
      AmountMismatchError,
    );
    await expect(
      shop.payments.confirmReturn('kispg', { resultCd: 'SIM11', resultMsg: '사용자 결제 취소' }),
    ).rejects.toMatchObject({
      code: 'GATEWAY_DECLINED',
      gatewayCode: 'SIM11',
    });
    expect(sim.requestsTo('POST', '/v2/payment').length).toBe(before);
    expect((await rowOf(payment.id)).status).toBe(PaymentStatus.READY);
    // The genuine body still works afterwards.
    expect((await shop.payments.confirmReturn('kispg', returned)).status).toBe(PaymentStatus.PAID);
  });

  it('an ediDate older than 10 minutes at KISPG: a clear configuration error, the payment back to READY', async () => {
    const { payment, returned } = await windowReturn(4_000);
    simClock.advance(11 * 60_000);
    const error = await shop.payments.confirmReturn('kispg', returned).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayConfigurationError);
    expect(error).toMatchObject({ gatewayCode: 'SIM3', gatewayMessage: '전문요청일시 오류' });
    expect((error as Error).message).toContain('kispg');
    expect(await rowOf(payment.id)).toMatchObject({ status: PaymentStatus.READY });
    expect(sim.getTransaction(returned.tid)).toMatchObject({ state: 'AUTHENTICATED' });
  });

  it('lost approval answer → UNKNOWN → /v2/order → PAID, without a second approval', async () => {
    const { payment, returned } = await windowReturn(7_000);
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'drop-after-commit' });
    const approvalsBefore = sim.requestsTo('POST', '/v2/payment').length;
    const queriesBefore = sim.requestsTo('POST', '/v2/order').length;
    const outcome = await shop.payments.confirmReturn('kispg', returned).catch((e: unknown) => e);
    // The core resolves a lost answer at once through resolveUnknownApproval; if that is still pending, sync does it.
    const settled = outcome instanceof Payment ? outcome : await shop.payments.sync(payment.id);
    expect(settled).toMatchObject({
      status: PaymentStatus.PAID,
      balanceAmount: 7_000,
      gatewayPaymentKey: returned.tid,
    });
    expect(sim.requestsTo('POST', '/v2/payment').length - approvalsBefore).toBe(1);
    const queries = sim.requestsTo('POST', '/v2/order').slice(queriesBefore);
    expect(queries.some((q) => (q.body as { tid?: string }).tid === returned.tid)).toBe(true);
  });

  it('approval answers that cannot be taken at face value never make the payment FAILED (the money moved)', async () => {
    // No resultCd: unknown outcome → /v2/order → PAID, one approval only.
    const bare = await windowReturn(7_100);
    sim.failNext(
      { method: 'POST', path: '/v2/payment' },
      { kind: 'altered-answer', fields: { resultCd: null, resultMsg: null } },
    );
    const outcome = await shop.payments.confirmReturn('kispg', bare.returned).catch((e: unknown) => e);
    const settled = outcome instanceof Payment ? outcome : await shop.payments.sync(bare.payment.id);
    expect(settled).toMatchObject({ status: PaymentStatus.PAID, balanceAmount: 7_100 });

    // Another amount in a success answer: refused, kept UNKNOWN for reconciliation (never PAID, never FAILED).
    const wrong = await windowReturn(7_200);
    const approvalsBefore = sim.requestsTo('POST', '/v2/payment').length;
    sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'altered-answer', fields: { amt: '72000' } });
    await expect(shop.payments.confirmReturn('kispg', wrong.returned)).rejects.toBeInstanceOf(AmountMismatchError);
    expect(await rowOf(wrong.payment.id)).toMatchObject({
      status: PaymentStatus.UNKNOWN,
      failureCode: 'AMOUNT_MISMATCH',
    });
    expect(sim.requestsTo('POST', '/v2/payment').length - approvalsBefore).toBe(1);
    expect(sim.getTransaction(wrong.returned.tid)).toMatchObject({ state: 'APPROVED' });
  });

  it('Korean byte limits: a 31-byte buyer name or a 101-byte order name is refused and leaves no row', async () => {
    const base = { gateway: 'kispg', amount: 1_000, method: 'CARD', customer, returnUrl: 'https://shop.example/r' };
    const okOrder = nextOrderId();
    const ok = await shop.payments.prepare({
      ...base,
      orderId: okOrder,
      orderName: '가'.repeat(33),
      customer: { ...customer, name: '가나다라마바사아자차' },
    });
    expect(sim.authenticate(ok.checkout.fields as Record<string, string>).resultCd).toBe('0000');
    const tooLongName = nextOrderId();
    await expect(
      shop.payments.prepare({
        ...base,
        orderId: tooLongName,
        orderName: '머그',
        customer: { ...customer, name: '가나다라마바사아자차카' },
      }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'customer.name' });
    const tooLongGoods = nextOrderId();
    await expect(
      shop.payments.prepare({ ...base, orderId: tooLongGoods, orderName: `${'가'.repeat(33)}ab` }),
    ).rejects.toMatchObject({
      field: 'orderName',
    });
    for (const orderId of [tooLongName, tooLongGoods]) {
      expect(await shop.dataSource.manager.countBy(Payment, { orderId })).toBe(0);
    }
  });

  it('fuzzed prepare extras and return bodies: typed errors only, no rows, no approvals', async () => {
    const junk = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.integer(),
      fc.constantFrom('', ' ', '0000', '1.5', '-1', '１２３', null, [], {}, true),
    );
    const paymentsBefore = await shop.dataSource.manager.count(Payment);
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom(
            'mbsReserved',
            'crctType',
            'crctNo',
            'channel',
            'rcvrPost',
            'model',
            'escrow',
            'bogus',
            'mid',
          ),
          junk,
        ),
        async (extra) => {
          const orderId = nextOrderId();
          try {
            await shop.payments.prepare({
              gateway: 'kispg',
              orderId,
              amount: 1_000,
              orderName: '퍼즈',
              customer,
              returnUrl: 'https://shop.example/r',
              extra,
            });
            await shop.dataSource.manager.delete(Payment, { orderId }); // valid combinations are fine; keep the count
          } catch (error) {
            expect(error).toBeInstanceOf(PaymentsError);
            expect(await shop.dataSource.manager.countBy(Payment, { orderId })).toBe(0);
          }
        },
      ),
      { numRuns: 60 },
    );
    expect(await shop.dataSource.manager.count(Payment)).toBe(paymentsBefore);

    const { payment, returned } = await windowReturn(2_000);
    const approvalsBefore = sim.requestsTo('POST', '/v2/payment').length;
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          { resultCd: junk, tid: junk, ordNo: junk, amt: junk, ediDate: junk, encData: junk },
          { requiredKeys: [] },
        ),
        async (overrides) => {
          const body = { ...returned, ...overrides } as Record<string, unknown>;
          const sameAsGenuine = Object.entries(overrides).every(([k, v]) => v === returned[k]);
          if (sameAsGenuine) return;
          const error = await shop.payments.confirmReturn('kispg', body).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(PaymentsError);
        },
      ),
      { numRuns: 80 },
    );
    expect(sim.requestsTo('POST', '/v2/payment').length).toBe(approvalsBefore);
    expect((await rowOf(payment.id)).status).toBe(PaymentStatus.READY);
  });

  it('the merchant key never reaches logs, raw columns or the webhook inbox', async () => {
    await sim.notificationsIdle();
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(logger.text()).not.toContain(KISPG_TEST_MERCHANT_KEY);
    const raws = await shop.dataSource.query(
      `SELECT raw::text AS raw FROM payments WHERE gateway = 'kispg' AND raw IS NOT NULL`,
    );
    expect(raws.length).toBeGreaterThan(0);
    const payloads = await shop.dataSource.query(
      `SELECT payload::text AS payload FROM webhook_events WHERE gateway = 'kispg'`,
    );
    expect(payloads.length).toBeGreaterThan(0);
    for (const text of [
      ...raws.map((r: { raw: string }) => r.raw),
      ...payloads.map((p: { payload: string }) => p.payload),
    ]) {
      expect(text).not.toContain(KISPG_TEST_MERCHANT_KEY);
      expect(text).not.toMatch(/"(encData|hashStr)":"[0-9a-f]{64}"/);
    }
  });
});
