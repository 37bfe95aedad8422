import { GatewayUnavailableError, OrderMismatchError } from '../../../libs/payments/src/domain/errors';
import type { TossGateway } from '../../../libs/payments/src/gateways/toss/toss.gateway';
import { BASIC_TEST_KEY, prepared, type StandInRoute, TossStandIn } from './toss-adapter.fixtures';

/**
 * The adapter's mapping of payment bodies copied from Toss's own documentation (confirm, cancels, statuses), served by
 * a stand-in that records the exact requests. Billing, transaction and cash receipt bodies:
 * toss-mapping-capabilities.spec.ts.
 */
describe("TossGateway mapping of Toss's documented payment bodies", () => {
  let routes: StandInRoute;
  const standIn = TossStandIn.use((req) => routes(req));
  const { received } = standIn;
  let gateway: TossGateway;
  beforeAll(() => {
    gateway = standIn.gateway;
  });

  const DOCUMENTED_CONFIRM = JSON.parse(
    '{"mId":"tosspayments","lastTransactionKey":"9C62B18EEF0DE3EB7F4422EB6D14BC6E","paymentKey":"5EnNZRJGvaBX7zk2yd8ydw26XvwXkLrx9POLqKQjmAw4b0e1","orderId":"a4CWyWY5m89PNh7xJwhk1","orderName":"토스 티셔츠 외 2건","taxExemptionAmount":0,"status":"DONE","requestedAt":"2024-02-13T12:17:57+09:00","approvedAt":"2024-02-13T12:18:14+09:00","useEscrow":false,"cultureExpense":false,"card":{"issuerCode":"71","acquirerCode":"71","number":"12345678****000*","installmentPlanMonths":0,"isInterestFree":false,"interestPayer":null,"approveNo":"00000000","useCardPoint":false,"cardType":"신용","ownerType":"개인","acquireStatus":"READY","amount":1000},"virtualAccount":null,"transfer":null,"mobilePhone":null,"giftCertificate":null,"cashReceipt":null,"cashReceipts":null,"discount":null,"cancels":null,"secret":null,"type":"NORMAL","easyPay":{"provider":"토스페이","amount":0,"discountAmount":0},"country":"KR","failure":null,"isPartialCancelable":true,"receipt":{"url":"https://dashboard.tosspayments.com/receipt/redirection?transactionId=tviva20240213121757MvuS8&ref=PX"},"checkout":{"url":"https://api.tosspayments.com/v1/payments/5EnNZRJGvaBX7zk2yd8ydw26XvwXkLrx9POLqKQjmAw4b0e1/checkout"},"currency":"KRW","totalAmount":1000,"balanceAmount":1000,"suppliedAmount":909,"vat":91,"taxFreeAmount":0,"metadata":null,"method":"카드","version":"2022-11-16"}',
  ) as Record<string, unknown>;
  const PAYMENT_KEY = '5EnNZRJGvaBX7zk2yd8ydw26XvwXkLrx9POLqKQjmAw4b0e1';

  it('documented confirm: exact request and the mapped truth', async () => {
    routes = () => ({ status: 200, body: DOCUMENTED_CONFIRM });
    const truth = await gateway.approve({
      prepared: prepared('a4CWyWY5m89PNh7xJwhk1', 1000),
      input: { orderId: 'a4CWyWY5m89PNh7xJwhk1', amount: 1000, paymentKey: PAYMENT_KEY },
      idempotencyKey: 'confirm:pay_1',
    });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', path: '/v1/payments/confirm' });
    expect(received[0].headers['authorization']).toBe(BASIC_TEST_KEY);
    expect(received[0].headers['idempotency-key']).toBe('confirm:pay_1');
    expect(received[0].body).toEqual({ paymentKey: PAYMENT_KEY, orderId: 'a4CWyWY5m89PNh7xJwhk1', amount: 1000 });

    expect(truth).toEqual({
      gateway: 'toss',
      paymentKey: PAYMENT_KEY,
      orderId: 'a4CWyWY5m89PNh7xJwhk1',
      status: 'PAID',
      totalAmount: 1000,
      balanceAmount: 1000,
      taxFreeAmount: 0,
      vat: 91,
      method: 'CARD',
      approvedAt: new Date('2024-02-13T03:18:14Z'),
      currency: 'KRW',
      card: {
        issuerCode: '71',
        acquirerCode: '71',
        maskedNumber: '12345678****000*',
        approveNo: '00000000',
        installmentMonths: 0,
        cardType: '신용',
      },
      virtualAccount: null,
      webhookSecret: null,
      cancels: [],
      failure: null,
      lastTransactionKey: '9C62B18EEF0DE3EB7F4422EB6D14BC6E',
      receiptUrl:
        'https://dashboard.tosspayments.com/receipt/redirection?transactionId=tviva20240213121757MvuS8&ref=PX',
      raw: DOCUMENTED_CONFIRM,
    });
  });

  it('a replayed confirm answer for another order is refused (idempotency replay across payments, docs/gateways/toss.md#idempotency)', async () => {
    routes = () => ({ status: 200, body: DOCUMENTED_CONFIRM });
    await expect(
      gateway.approve({
        prepared: prepared('another-order-1', 1000),
        input: { orderId: 'another-order-1', amount: 1000, paymentKey: PAYMENT_KEY },
        idempotencyKey: 'confirm:reused',
      }),
    ).rejects.toBeInstanceOf(OrderMismatchError);
  });

  it('documented full cancel: CANCELED, the cancel mapped from cancels[]', async () => {
    const canceled = {
      ...DOCUMENTED_CONFIRM,
      status: 'CANCELED',
      lastTransactionKey: '8B4F646A829571D870A3011A4E13D640',
      totalAmount: 10000,
      balanceAmount: 0,
      suppliedAmount: 0,
      vat: 0,
      cancels: [
        {
          cancelReason: '구매자가 취소를 원함',
          canceledAt: '2022-01-01T11:32:04+09:00',
          cancelAmount: 10000,
          taxFreeAmount: 0,
          taxExemptionAmount: 0,
          refundableAmount: 0,
          transferDiscountAmount: 0,
          easyPayDiscountAmount: 0,
          transactionKey: '8B4F646A829571D870A3011A4E13D640',
          receiptKey: 'V4AJ6AhSWsGN0RocizZQlagPLN8s2IahJLXpfSHzQBTKoDG7',
          cancelStatus: 'DONE',
          cancelRequestId: null,
        },
      ],
    };
    routes = () => ({ status: 200, body: canceled });
    const result = await gateway.cancel({
      prepared: prepared('a4CWyWY5m89PNh7xJwhk1', 10000),
      paymentKey: PAYMENT_KEY,
      cancelId: 'c1',
      amount: 10000,
      isFull: true,
      balanceBefore: 10000,
      reason: '고객이 취소를 원함',
      idempotencyKey: 'cancel:c1',
    });
    expect(received[0]).toMatchObject({
      method: 'POST',
      path: `/v1/payments/${PAYMENT_KEY}/cancel`,
      body: { cancelReason: '고객이 취소를 원함', refundableAmount: 10000 },
    });
    expect(result.payment).toMatchObject({ status: 'CANCELED', balanceAmount: 0, totalAmount: 10000 });
    expect(result.cancel).toEqual({
      transactionKey: '8B4F646A829571D870A3011A4E13D640',
      amount: 10000,
      taxFreeAmount: 0,
      canceledAt: new Date('2022-01-01T02:32:04Z'),
      reason: '구매자가 취소를 원함',
      status: 'DONE',
    });
  });

  it('documented two partial cancels: the newest is the created one; VA refund PARTIAL_CANCELED at balance 0 is CANCELED', async () => {
    const partial = {
      ...DOCUMENTED_CONFIRM,
      status: 'PARTIAL_CANCELED',
      lastTransactionKey: '6673C15BF350C3F9BF45CEFC48C7A24E',
      totalAmount: 10000,
      balanceAmount: 8000,
      cancels: [
        {
          cancelAmount: 1000,
          cancelReason: 'a',
          canceledAt: '2022-01-01T11:32:04+09:00',
          refundableAmount: 9000,
          transactionKey: '8B4F646A829571D870A3011A4E13D640',
          cancelStatus: 'DONE',
        },
        {
          cancelAmount: 1000,
          cancelReason: 'b',
          canceledAt: '2022-01-01T11:40:00+09:00',
          refundableAmount: 8000,
          transactionKey: '6673C15BF350C3F9BF45CEFC48C7A24E',
          cancelStatus: 'DONE',
        },
      ],
    };
    routes = () => ({ status: 200, body: partial });
    const base = {
      prepared: prepared('a4CWyWY5m89PNh7xJwhk1', 10000),
      paymentKey: PAYMENT_KEY,
      cancelId: 'c2',
      amount: 1000,
      isFull: false,
      balanceBefore: 9000,
      reason: 'b',
      idempotencyKey: 'cancel:c2',
    };
    const result = await gateway.cancel(base);
    expect(result.payment.status).toBe('PARTIALLY_CANCELED');
    expect(result.cancel.transactionKey).toBe('6673C15BF350C3F9BF45CEFC48C7A24E');
    expect(received[0].body).toEqual({ cancelReason: 'b', cancelAmount: 1000, refundableAmount: 9000 });

    // without lastTransactionKey the newest by canceledAt wins
    routes = () => ({ status: 200, body: { ...partial, lastTransactionKey: null } });
    expect((await gateway.cancel(base)).cancel.transactionKey).toBe('6673C15BF350C3F9BF45CEFC48C7A24E');

    const vaRefund = {
      ...DOCUMENTED_CONFIRM,
      method: '가상계좌',
      status: 'PARTIAL_CANCELED',
      card: null,
      totalAmount: 10000,
      balanceAmount: 0,
      virtualAccount: {
        accountNumber: 'X6505831718354',
        accountType: '일반',
        bankCode: '20',
        customerName: '김토스',
        dueDate: '2022-01-03T11:48:53+09:00',
        expired: true,
        settlementStatus: 'INCOMPLETED',
        refundStatus: 'NONE',
        refundReceiveAccount: null,
      },
      cancels: [
        {
          cancelAmount: 10000,
          cancelReason: '환불',
          canceledAt: '2022-01-02T10:00:00+09:00',
          refundableAmount: 0,
          transactionKey: 'AAAA0000BBBB1111CCCC2222DDDD3333',
          cancelStatus: 'DONE',
        },
      ],
    };
    routes = () => ({ status: 200, body: vaRefund });
    const va = await gateway.getPayment({ paymentKey: PAYMENT_KEY, orderId: 'a4CWyWY5m89PNh7xJwhk1', amount: 10000 });
    expect(va.status).toBe('CANCELED');
    expect(va.virtualAccount).toEqual({
      bankCode: '20',
      accountNumber: 'X6505831718354',
      customerName: '김토스',
      dueDate: new Date('2022-01-03T02:48:53Z'),
      expired: true,
    });
    expect(received.at(-1)).toMatchObject({ method: 'GET', path: `/v1/payments/${PAYMENT_KEY}` });
  });

  it('maps every Toss status; unknown fields and statuses are tolerated', async () => {
    const cases: Array<[string, string]> = [
      ['DONE', 'PAID'],
      ['WAITING_FOR_DEPOSIT', 'WAITING_FOR_DEPOSIT'],
      ['ABORTED', 'FAILED'],
      ['EXPIRED', 'EXPIRED'],
      ['READY', 'READY'],
      ['IN_PROGRESS', 'READY'],
      ['CANCELED', 'CANCELED'],
      ['SOMETHING_NEW_2027', 'IN_PROGRESS'],
    ];
    for (const [tossStatus, canonical] of cases) {
      routes = () => ({
        status: 200,
        body: { ...DOCUMENTED_CONFIRM, status: tossStatus, brandNewField: { nested: true } },
      });
      const truth = await gateway.getPayment({
        paymentKey: PAYMENT_KEY,
        orderId: 'a4CWyWY5m89PNh7xJwhk1',
        amount: 1000,
      });
      expect([tossStatus, truth.status]).toEqual([tossStatus, canonical]);
    }
    routes = () => ({
      status: 200,
      body: { ...DOCUMENTED_CONFIRM, status: 'ABORTED', failure: { code: 'COMMON_ERROR', message: '실패' } },
    });
    expect((await gateway.getPayment({ orderId: 'a4CWyWY5m89PNh7xJwhk1', amount: 1000 })).failure).toEqual({
      code: 'COMMON_ERROR',
      message: '실패',
    });
    expect(received.at(-1)).toMatchObject({ method: 'GET', path: '/v1/payments/orders/a4CWyWY5m89PNh7xJwhk1' });
  });

  it('a virtual account past its due date (WAITING_FOR_DEPOSIT, expired: true) is EXPIRED; a paid one stays PAID', async () => {
    const account = { accountNumber: 'X6505831718354', bankCode: '20', customerName: '김토스' };
    const cases: Array<[string, boolean, string]> = [
      ['WAITING_FOR_DEPOSIT', false, 'WAITING_FOR_DEPOSIT'],
      ['WAITING_FOR_DEPOSIT', true, 'EXPIRED'],
      // the due date also passes on accounts that were paid: the deposit stands
      ['DONE', true, 'PAID'],
    ];
    for (const [tossStatus, expired, canonical] of cases) {
      const virtualAccount = { ...account, dueDate: '2022-01-03T11:48:53+09:00', expired };
      routes = () => ({
        status: 200,
        body: { ...DOCUMENTED_CONFIRM, method: '가상계좌', card: null, status: tossStatus, virtualAccount },
      });
      const truth = await gateway.getPayment({
        paymentKey: PAYMENT_KEY,
        orderId: 'a4CWyWY5m89PNh7xJwhk1',
        amount: 1000,
      });
      expect([tossStatus, expired, truth.status]).toEqual([tossStatus, expired, canonical]);
      expect(truth.virtualAccount?.expired).toBe(expired);
    }
  });

  it('a 200 with a fractional or missing amount is an outcome-unknown error, not a truth', async () => {
    routes = () => ({ status: 200, body: { ...DOCUMENTED_CONFIRM, totalAmount: 10.5 } });
    const error = await gateway
      .getPayment({ paymentKey: PAYMENT_KEY, orderId: 'a4CWyWY5m89PNh7xJwhk1', amount: 1000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect((error as GatewayUnavailableError).requestSent).toBe(true);
  });
});
