import { ManualClock } from '../../../libs/testing/src/clock';
import { TOSS_TEST_CLIENT_KEY } from '../../../libs/testing/src/toss';
import {
  call,
  confirmedCardPayment,
  KST_DATE_TIME,
  newOrderId,
  receiver,
  startSim,
  stopSimulatorsAfterEach,
} from './toss-simulator.fixtures';

/** The Toss simulator's billing keys, cash receipts and transaction list. */
stopSimulatorsAfterEach();

// ---- billing -----------------------------------------------------------------------------------------------------

describe('TossSimulator billing (docs/gateways/toss.md#billing-keys)', () => {
  it('issues a billing key from an authKey, charges it, binds the customerKey and deletes it', async () => {
    const hook = await receiver();
    const sim = await startSim({ webhookUrl: hook.url });
    const customerKey = 'customer-6f1d2c34-1b9a';
    const auth = sim.authenticateBilling({ customerKey, clientKey: TOSS_TEST_CLIENT_KEY });
    expect(auth.customerKey).toBe(customerKey);

    const mismatch = await call(sim, 'POST', '/v1/billing/authorizations/issue', {
      body: { authKey: auth.authKey, customerKey: 'someone-else' },
    });
    expect([mismatch.status, mismatch.body.code]).toEqual([400, 'NOT_MATCHES_CUSTOMER_KEY']);
    const issued = await call(sim, 'POST', '/v1/billing/authorizations/issue', {
      body: { authKey: auth.authKey, customerKey },
    });
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({
      mId: 'tosspayments',
      customerKey,
      method: '카드',
      card: { issuerCode: '61', acquirerCode: '31', number: '43301234****123*', cardType: '신용', ownerType: '개인' },
      cardCompany: '현대',
      cardNumber: '43301234****123*',
    });
    expect(issued.body.authenticatedAt).toMatch(KST_DATE_TIME);
    const billingKey = issued.body.billingKey as string;
    const reused = await call(sim, 'POST', '/v1/billing/authorizations/issue', {
      body: { authKey: auth.authKey, customerKey },
    });
    expect([reused.status, reused.body.code]).toEqual([400, 'INVALID_BILLING_AUTH']);

    const chargePath = `/v1/billing/${encodeURIComponent(billingKey)}`;
    const orderId = newOrderId();
    const charged = await call(sim, 'POST', chargePath, {
      body: { customerKey, amount: 4900, orderId, orderName: '토스 프라임 구독' },
    });
    expect(charged.status).toBe(200);
    // Toss's billing example shows vat 455 for 4,900, which does not add up; round(4900 / 11) = 445
    // (docs/gateways/toss.md#identifiers-and-amounts).
    expect(charged.body).toMatchObject({
      type: 'BILLING',
      status: 'DONE',
      method: '카드',
      totalAmount: 4900,
      balanceAmount: 4900,
      suppliedAmount: 4455,
      vat: 445,
      secret: null,
    });
    expect(charged.body.card.amount).toBe(4900);

    const wrongCustomer = await call(sim, 'POST', chargePath, {
      body: { customerKey: 'intruder-key', amount: 4900, orderId: newOrderId(), orderName: '구독' },
    });
    expect(wrongCustomer.status).toBe(400);
    expect(wrongCustomer.body).toEqual({
      code: 'NOT_MATCHES_CUSTOMER_KEY',
      message: '빌링 인증 고객키와 결제 요청 고객키가 일치하지 않습니다.',
    });
    const duplicate = await call(sim, 'POST', chargePath, {
      body: { customerKey, amount: 4900, orderId, orderName: '구독' },
    });
    expect([duplicate.status, duplicate.body.code]).toEqual([400, 'DUPLICATED_ORDER_ID']);
    const unknown = await call(sim, 'POST', '/v1/billing/unknownBillingKey', {
      body: { customerKey, amount: 4900, orderId: newOrderId(), orderName: '구독' },
    });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'NOT_FOUND_BILLING']);

    await sim.webhooksIdle();
    expect(hook.received).toHaveLength(0); // billing approvals send no PAYMENT_STATUS_CHANGED

    const deleted = await call(sim, 'DELETE', chargePath);
    expect(deleted.status).toBe(200);
    expect(deleted.text).toBe('');
    const afterDelete = await call(sim, 'POST', chargePath, {
      body: { customerKey, amount: 4900, orderId: newOrderId(), orderName: '구독' },
    });
    expect([afterDelete.status, afterDelete.body.code]).toEqual([400, 'ALREADY_REMOVED_BILLING_KEY']);
    const deleteAgain = await call(sim, 'DELETE', chargePath);
    expect([deleteAgain.status, deleteAgain.body.code]).toEqual([400, 'ALREADY_REMOVED_BILLING_KEY']);

    await sim.webhooksIdle();
    expect(hook.received.map((w) => w.body)).toEqual([
      { eventType: 'BILLING_DELETED', createdAt: expect.any(String), data: { billingKey, reason: '삭제 API 요청' } },
    ]);
  });
});

// ---- cash receipts -------------------------------------------------------------------------------------------------

describe('TossSimulator cash receipts (docs/gateways/toss.md#cash-receipts)', () => {
  it('issues, cancels (c_ receiptKey) and pages the list with hasNext/lastCursor', async () => {
    const clock = new ManualClock(new Date('2024-03-05T01:00:00Z')); // 10:00 KST
    const sim = await startSim({ clock });
    const receipts: any[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await call(sim, 'POST', '/v1/cash-receipts', {
        body: {
          amount: 1000 * (i + 1),
          orderId: `cash-order-${i}`,
          orderName: '현금 주문',
          type: '소득공제',
          customerIdentityNumber: '01012345678',
        },
      });
      expect(res.status).toBe(200);
      receipts.push(res.body);
    }
    expect(receipts[0]).toMatchObject({
      transactionType: 'CONFIRM',
      issueStatus: 'IN_PROGRESS',
      amount: 1000,
      type: '소득공제',
      orderId: 'cash-order-0',
    });
    const duplicate = await call(sim, 'POST', '/v1/cash-receipts', {
      body: {
        amount: 1000,
        orderId: 'cash-order-0',
        orderName: '현금 주문',
        type: '소득공제',
        customerIdentityNumber: '01012345678',
      },
    });
    expect([duplicate.status, duplicate.body.code]).toEqual([400, 'DUPLICATED_CASH_RECEIPT']);
    const badType = await call(sim, 'POST', '/v1/cash-receipts', {
      body: {
        amount: 1000,
        orderId: 'cash-order-x',
        orderName: '현금 주문',
        type: '미발행',
        customerIdentityNumber: '01012345678',
      },
    });
    expect(badType.body.code).toBe('INVALID_CASH_RECEIPT_INFO');

    const canceled = await call(sim, 'POST', `/v1/cash-receipts/${receipts[1].receiptKey}/cancel`, { body: {} });
    expect(canceled.body).toMatchObject({
      receiptKey: `c_${receipts[1].receiptKey}`,
      transactionType: 'CANCEL',
      amount: 2000,
      orderId: 'cash-order-1',
    });
    const cancelAgain = await call(sim, 'POST', `/v1/cash-receipts/${receipts[1].receiptKey}/cancel`, { body: {} });
    expect(cancelAgain.status).toBe(400);
    const cancelUnknown = await call(sim, 'POST', '/v1/cash-receipts/nope/cancel', { body: {} });
    expect([cancelUnknown.status, cancelUnknown.body.code]).toEqual([404, 'NOT_FOUND']);

    const seen: string[] = [];
    let cursor: number | undefined;
    let pages = 0;
    for (;;) {
      const query = `requestDate=2024-03-05&limit=2${cursor === undefined ? '' : `&cursor=${cursor}`}`;
      const page = await call(sim, 'GET', `/v1/cash-receipts?${query}`);
      expect(page.status).toBe(200);
      pages += 1;
      seen.push(...page.body.data.map((r: any) => r.receiptKey));
      if (!page.body.hasNext) break;
      cursor = page.body.lastCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([...receipts.map((r) => r.receiptKey), `c_${receipts[1].receiptKey}`]);

    const otherDay = await call(sim, 'GET', '/v1/cash-receipts?requestDate=2024-03-06');
    expect(otherDay.body).toEqual({ hasNext: false, lastCursor: 0, data: [] });
    const badDate = await call(sim, 'GET', '/v1/cash-receipts?requestDate=2024-3-5');
    expect(badDate.status).toBe(400);

    clock.advance(24 * 60 * 60 * 1000);
    const later = await call(sim, 'GET', '/v1/cash-receipts?requestDate=2024-03-05&limit=1');
    expect(later.body.data[0].issueStatus).toBe('COMPLETED');
  });
});

// ---- transactions --------------------------------------------------------------------------------------------------

describe('TossSimulator transactions (docs/gateways/toss.md#transaction-list)', () => {
  it('lists one row per approval and per cancel, pages with startingAfter and filters by transactionAt', async () => {
    const clock = new ManualClock(new Date('2024-01-03T03:00:00Z')); // 12:00 KST
    const sim = await startSim({ clock });
    const a = await confirmedCardPayment(sim, 10_000);
    clock.advance(1000);
    const b = await confirmedCardPayment(sim, 20_000);
    clock.advance(1000);
    await call(sim, 'POST', `/v1/payments/${a.paymentKey}/cancel`, {
      body: { cancelReason: '부분', cancelAmount: 3000 },
    });
    clock.advance(1000);
    const c = await confirmedCardPayment(sim, 5000);
    clock.set(new Date('2024-01-04T03:00:00Z')); // next KST day
    await confirmedCardPayment(sim, 7000);

    const day = 'startDate=2024-01-03T00:00:00&endDate=2024-01-03T23:59:59';
    const all = await call(sim, 'GET', `/v1/transactions?${day}`);
    expect(Array.isArray(all.body)).toBe(true);
    expect(all.body.map((t: any) => [t.paymentKey, t.status, t.amount])).toEqual([
      [a.paymentKey, 'DONE', 10_000],
      [b.paymentKey, 'DONE', 20_000],
      [a.paymentKey, 'PARTIAL_CANCELED', 3000],
      [c.paymentKey, 'DONE', 5000],
    ]);
    expect(all.body[0]).toMatchObject({
      mId: 'tosspayments',
      method: '카드',
      currency: 'KRW',
      useEscrow: false,
      transactionKey: a.lastTransactionKey,
      orderId: a.orderId,
    });
    expect(all.body[0].transactionAt).toBe('2024-01-03T12:00:00+09:00');

    const page1 = await call(sim, 'GET', `/v1/transactions?${day}&limit=2`);
    expect(page1.body).toHaveLength(2);
    const page2 = await call(
      sim,
      'GET',
      `/v1/transactions?${day}&limit=2&startingAfter=${page1.body[1].transactionKey}`,
    );
    expect(page2.body).toHaveLength(2);
    const page3 = await call(
      sim,
      'GET',
      `/v1/transactions?${day}&limit=2&startingAfter=${page2.body[1].transactionKey}`,
    );
    expect(page3.body).toEqual([]);
    expect([...page1.body, ...page2.body].map((t: any) => t.transactionKey)).toEqual(
      all.body.map((t: any) => t.transactionKey),
    );

    const badCursor = await call(sim, 'GET', `/v1/transactions?${day}&startingAfter=NOPE`);
    expect([badCursor.status, badCursor.body.code]).toEqual([400, 'INVALID_PAGING_KEY']);
    const tooMany = await call(sim, 'GET', `/v1/transactions?${day}&limit=5001`);
    expect(tooMany.status).toBe(400);
    const max = await call(sim, 'GET', `/v1/transactions?${day}&limit=5000`);
    expect(max.body).toHaveLength(4);
    const missingDates = await call(sim, 'GET', '/v1/transactions');
    expect([missingDates.status, missingDates.body.code]).toEqual([400, 'INVALID_REQUEST']);
    const twoDays = await call(sim, 'GET', '/v1/transactions?startDate=2024-01-03&endDate=2024-01-04T23:59:59');
    expect(twoDays.body).toHaveLength(5);
  });
});
