import { InvalidInputError, PaymentStatus, type PaymentView } from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { PaymentSearch } from '../../libs/payments/src/payments/payment-search';
import { bootPaymentsApp, TEST_ENCRYPTION, URLS, type ShopApp } from '../support/harness';

/** `PaymentsService.list`: keyset pages, filters, field-named errors, and index-only plans at a million rows. */
describe('PaymentsService.list', () => {
  let sim: TossSimulator;
  let shop: ShopApp;
  let seq = 0;

  beforeAll(async () => {
    sim = await TossSimulator.start({ port: 0 });
    shop = await bootPaymentsApp({
      gateways: { toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: sim.url } },
      encryption: TEST_ENCRYPTION,
    });
  });
  afterAll(async () => {
    await shop?.close();
    await sim?.stop();
  });

  const prepare = async (customerKey: string, amount: number) => {
    const orderId = `list-${Date.now()}-${++seq}`;
    const { payment } = await shop.payments.prepare({
      gateway: 'toss',
      orderId,
      amount,
      orderName: '목록 상품',
      customer: { customerKey },
      ...URLS,
    });
    return payment;
  };

  it('pages newest first without gaps or repeats, and filters by customer, status and time', async () => {
    const made: PaymentView[] = [];
    for (let i = 0; i < 7; i++) made.push(await prepare(i % 2 === 0 ? 'cust-even' : 'cust-odd', 1_000 + i));
    const paid = made[3];
    const window = sim.authenticatePayment({ orderId: paid.orderId, amount: paid.amount, orderName: paid.orderName });
    await shop.payments.confirm({
      gateway: 'toss',
      orderId: paid.orderId,
      amount: paid.amount,
      paymentKey: window.paymentKey,
    });

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await shop.payments.list({ limit: 3, cursor });
      seen.push(...result.items.map((item) => item.id));
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    expect(seen).toEqual(made.map((payment) => payment.id).reverse());

    const even = await shop.payments.list({ customerKey: 'cust-even' });
    expect(even.items.map((item) => item.amount)).toEqual([1_006, 1_004, 1_002, 1_000]);
    expect(even.nextCursor).toBeNull();
    const paidOnly = await shop.payments.list({ status: PaymentStatus.PAID, gateway: 'toss' });
    expect(paidOnly.items.map((item) => item.id)).toEqual([paid.id]);
    const window2 = await shop.payments.list({ from: made[2].createdAt, to: made[5].createdAt });
    expect(window2.items.map((item) => item.id)).toEqual([made[4].id, made[3].id, made[2].id]);
    expect((await shop.payments.list({ gateway: 'nicepay' })).items).toEqual([]);
  });

  it('refuses bad filters with the field named, before any query', async () => {
    const cases: Array<[object, string]> = [
      [{ limit: 0 }, 'limit'],
      [{ limit: 201 }, 'limit'],
      [{ status: 'SETTLED' }, 'status'],
      [{ from: 'yesterday' }, 'from'],
      [{ cursor: 'not a cursor!' }, 'cursor'],
      [{ cursor: Buffer.from('2026-01-01|x').toString('base64url') }, 'cursor'],
      [{ gatewayName: 'toss' }, 'gatewayName'],
    ];
    for (const [filters, field] of cases) {
      const error = await shop.payments.list(filters as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error).toMatchObject({ field: expect.stringContaining(field), httpStatus: 400 });
    }
  });

  it('at 1,000,000 payments every page is read through an index, never a sequential scan', async () => {
    await shop.dataSource.query(
      `INSERT INTO "payments" ("id", "gateway", "order_id", "type", "status", "currency", "amount", "balance_amount",
         "canceled_amount", "pending_cancel_amount", "tax_free_amount", "order_name", "customer_key", "version",
         "created_at", "updated_at")
       SELECT gen_random_uuid(), 'toss', 'bulk-' || g, 'NORMAL',
              (ARRAY['PAID','READY','CANCELED','FAILED'])[1 + g % 4], 'KRW', 1000, 1000, 0, 0, 0, 'bulk',
              'bulk-cust-' || (g % 50000), 1, now() - g * interval '1 second', now()
         FROM generate_series(1, 1000000) g`,
    );
    await shop.dataSource.query('ANALYZE "payments"');
    const search = shop.app.get(PaymentSearch);
    const first = await shop.payments.list({ customerKey: 'bulk-cust-7', limit: 5 });
    expect(first.items).toHaveLength(5);
    const cursor = first.nextCursor ?? undefined;
    const plans = [
      { limit: 50 },
      { limit: 50, cursor },
      { customerKey: 'bulk-cust-7', limit: 20, cursor },
      { status: PaymentStatus.PAID, limit: 50 },
      { gateway: 'toss', from: new Date(Date.now() - 86_400_000), to: new Date(), limit: 50 },
    ];
    for (const filters of plans) {
      const [sql, parameters] = search.query(filters, (filters.limit ?? 50) + 1).getQueryAndParameters();
      const [{ 'QUERY PLAN': plan }] = await shop.dataSource.query(`EXPLAIN (FORMAT JSON) ${sql}`, parameters);
      const nodes = JSON.stringify(plan);
      // A customer's page may sort its few rows after an index lookup; the unfiltered pages must come in index order.
      const sorted = filters.customerKey === undefined && nodes.includes('"Sort"');
      expect({ filters, seqScan: nodes.includes('"Seq Scan"'), sorted }).toEqual({
        filters,
        seqScan: false,
        sorted: false,
      });
      expect(nodes).toMatch(/ix_payments_(customer_)?created_at_id/);
    }
  }, 240_000);
});
