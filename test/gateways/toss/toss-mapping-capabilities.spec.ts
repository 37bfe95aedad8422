import { GatewayConfigurationError, NotFoundError } from '../../../libs/payments/src/domain/errors';
import type { TossGateway } from '../../../libs/payments/src/gateways/toss/toss.gateway';
import { type StandInRoute, TossStandIn } from './toss-adapter.fixtures';

/**
 * The adapter's mapping of billing, transaction-list and cash-receipt bodies copied from Toss's own documentation,
 * served by a stand-in that records the exact requests; and how list and delete errors are read.
 */
describe("TossGateway mapping of Toss's documented billing, transaction and cash receipt bodies", () => {
  let routes: StandInRoute;
  const standIn = TossStandIn.use((req) => routes(req));
  const { received } = standIn;
  let gateway: TossGateway;
  beforeAll(() => {
    gateway = standIn.gateway;
  });

  it('documented billing key from card data: exact request, Billing mapped, card data never in raw', async () => {
    const issueResponse = JSON.parse(
      '{"mId":"tosspayments","customerKey":"cust_ABC123","authenticatedAt":"2021-01-01T10:00:00+09:00","method":"카드","billingKey":"Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=","card":{"issuerCode":"61","acquirerCode":"31","number":"43301234****123*","cardType":"신용","ownerType":"개인"},"cardCompany":"현대","cardNumber":"43301234****123*"}',
    ) as Record<string, unknown>;
    routes = () => ({ status: 200, body: issueResponse });
    const billing = await gateway.issueBillingKey({
      customerKey: 'cust_ABC123',
      card: {
        number: '4330123412341234',
        expiryYear: '28',
        expiryMonth: '04',
        identityNumber: '900101',
        passwordFirst2: '12',
      },
      customer: { name: '김토스' },
      idempotencyKey: 'bk:cust_ABC123',
    });
    expect(received[0]).toMatchObject({ method: 'POST', path: '/v1/billing/authorizations/card' });
    expect(received[0].body).toEqual({
      customerKey: 'cust_ABC123',
      cardNumber: '4330123412341234',
      cardExpirationYear: '28',
      cardExpirationMonth: '04',
      customerIdentityNumber: '900101',
      cardPassword: '12',
      customerName: '김토스',
    });
    expect(received[0].headers['idempotency-key']).toBe('bk:cust_ABC123');
    expect(billing).toMatchObject({
      billingKey: 'Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=',
      customerKey: 'cust_ABC123',
      method: 'CARD',
      authenticatedAt: new Date('2021-01-01T01:00:00Z'),
      card: { issuerCode: '61', acquirerCode: '31', maskedNumber: '43301234****123*', cardType: '신용' },
    });
    expect(JSON.stringify(billing.raw)).not.toContain('Z_t5vOvQxrj4499PeiJcjen28');

    await expect(
      gateway.issueBillingKey({
        customerKey: 'cust_ABC123',
        card: { number: '4330123412341234', expiryYear: '28', expiryMonth: '04' },
        idempotencyKey: 'k',
      }),
    ).rejects.toMatchObject({ field: 'card.identityNumber' });
    await expect(gateway.issueBillingKey({ customerKey: 'cust_ABC123', idempotencyKey: 'k' })).rejects.toMatchObject({
      field: 'authKey',
    });
  });

  it('documented transactions: a bare array, paged with startingAfter until a short page', async () => {
    const row = (key: string, status: string, amount: number, at: string) => ({
      mId: 'tosspayments',
      transactionKey: key,
      paymentKey: `pk_${key}`,
      orderId: `order_${key}`,
      currency: 'KRW',
      method: '카드',
      customerKey: '',
      useEscrow: false,
      amount,
      status,
      transactionAt: at,
    });
    routes = ({ query }) => {
      if (!query.get('startingAfter'))
        return {
          status: 200,
          body: [
            row('t1', 'DONE', 10000, '2022-01-03T12:11:34+09:00'),
            row('t2', 'CANCELED', 10000, '2022-01-06T11:53:08+09:00'),
          ],
        };
      return { status: 200, body: [row('t3', 'PARTIAL_CANCELED', -3000, '2022-01-07T09:00:00+09:00')] };
    };
    const rows = [];
    for await (const r of gateway.listTransactions({
      from: new Date('2021-12-31T15:00:00Z'),
      to: new Date('2022-01-10T14:59:59Z'),
      limit: 2,
    }))
      rows.push(r);
    expect(rows.map((r) => [r.transactionKey, r.kind, r.amount, r.status])).toEqual([
      ['t1', 'APPROVAL', 10000, 'PAID'],
      ['t2', 'CANCEL', 10000, 'CANCELED'],
      ['t3', 'CANCEL', 3000, 'PARTIALLY_CANCELED'],
    ]);
    expect(rows[0].transactedAt).toEqual(new Date('2022-01-03T03:11:34Z'));
    expect(received.map((r) => Object.fromEntries(r.query))).toEqual([
      { startDate: '2022-01-01T00:00:00', endDate: '2022-01-10T23:59:59', limit: '2' },
      { startDate: '2022-01-01T00:00:00', endDate: '2022-01-10T23:59:59', limit: '2', startingAfter: 't2' },
    ]);
    expect(received.every((r) => r.headers['idempotency-key'] === undefined)).toBe(true);
  });

  it('cash receipt lookup follows lastCursor while hasNext, and gives up with NotFoundError', async () => {
    const receipt = (key: string, transactionType = 'CONFIRM', issueStatus = 'COMPLETED') => ({
      receiptKey: key,
      issueNumber: '123456789',
      issueStatus,
      amount: 5000,
      taxFreeAmount: 0,
      orderId: 'order-r-1',
      orderName: 'x',
      type: '지출증빙',
      transactionType,
      customerIdentityNumber: '1234567890',
      requestedAt: '2022-07-28T10:00:00+09:00',
      receiptUrl: 'https://example/receipt',
    });
    routes = ({ query }) => {
      const cursor = query.get('cursor');
      if (!cursor) return { status: 200, body: { hasNext: true, lastCursor: 17, data: [receipt('rk_a')] } };
      if (cursor === '17')
        return { status: 200, body: { hasNext: true, lastCursor: 42, data: [receipt('rk_b', 'CONFIRM', 'FAILED')] } };
      return { status: 200, body: { hasNext: false, lastCursor: 43, data: [receipt('c_rk_a', 'CANCEL')] } };
    };
    const found = await gateway.getCashReceipt('c_rk_a', new Date('2022-07-27T15:30:00Z'));
    expect(found).toMatchObject({ receiptKey: 'c_rk_a', status: 'CANCELED', type: 'EXPENSE_PROOF', amount: 5000 });
    expect(JSON.stringify(found.raw)).not.toContain('1234567890');
    expect(received.map((r) => [r.query.get('requestDate'), r.query.get('cursor')])).toEqual([
      ['2022-07-28', null],
      ['2022-07-28', '17'],
      ['2022-07-28', '42'],
    ]);
    received.length = 0;
    expect((await gateway.getCashReceipt('rk_b', new Date('2022-07-27T15:30:00Z'))).status).toBe('FAILED');
    await expect(gateway.getCashReceipt('rk_missing', new Date('2022-07-27T15:30:00Z'))).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('429 on a list endpoint is retryable; a 404 on delete billing is "already gone"', async () => {
    routes = () => ({ status: 429, body: { code: 'TOO_MANY_REQUESTS', message: 'slow down' } });
    await expect(gateway.getCashReceipt('x', new Date())).rejects.toMatchObject({
      code: 'GATEWAY_UNAVAILABLE',
      retryable: true,
    });
    routes = () => ({ status: 404, body: { code: 'NOT_FOUND_BILLING', message: '없음' } });
    await expect(
      gateway.deleteBillingKey('Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=', 'cust'),
    ).resolves.toBeUndefined();
    expect(received.at(-1)).toMatchObject({
      method: 'DELETE',
      path: `/v1/billing/${encodeURIComponent('Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=')}`,
    });
    routes = () => ({ status: 403, body: { code: 'FORBIDDEN_REQUEST', message: 'no' } });
    await expect(
      gateway.deleteBillingKey('Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=', 'cust'),
    ).rejects.toBeInstanceOf(GatewayConfigurationError);
  });
});
