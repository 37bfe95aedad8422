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

/** The Toss simulator's payments: confirm, cancel, virtual accounts and the webhooks they send. */
stopSimulatorsAfterEach();

// ---- confirm -----------------------------------------------------------------------------------------------------

describe('TossSimulator confirm (docs/gateways/toss.md#confirm)', () => {
  it('confirms an authenticated card payment with a Payment shaped like the one Toss documents, readable by paymentKey and orderId', async () => {
    const sim = await startSim();
    const params = sim.authenticatePayment({
      orderId: 'a4CWyWY5m89PNh7xJwhk1',
      amount: 1000,
      orderName: '토스 티셔츠 외 2건',
      clientKey: TOSS_TEST_CLIENT_KEY,
    });
    expect(params).toEqual({
      paymentKey: expect.stringMatching(/^tviva\d{14}[A-Za-z0-9]{5}$/),
      orderId: 'a4CWyWY5m89PNh7xJwhk1',
      amount: 1000,
      paymentType: 'NORMAL',
    });
    expect(sim.getPayment(params.paymentKey)?.status).toBe('IN_PROGRESS');

    const res = await call(sim, 'POST', '/v1/payments/confirm', {
      body: { paymentKey: params.paymentKey, orderId: params.orderId, amount: 1000 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      mId: 'tosspayments',
      paymentKey: params.paymentKey,
      orderId: 'a4CWyWY5m89PNh7xJwhk1',
      orderName: '토스 티셔츠 외 2건',
      status: 'DONE',
      type: 'NORMAL',
      method: '카드',
      version: '2022-11-16',
      currency: 'KRW',
      country: 'KR',
      totalAmount: 1000,
      balanceAmount: 1000,
      suppliedAmount: 909,
      vat: 91,
      taxFreeAmount: 0,
      taxExemptionAmount: 0,
      cancels: null,
      secret: null,
      failure: null,
      isPartialCancelable: true,
      card: { issuerCode: '61', acquirerCode: '31', number: '43301234****123*', amount: 1000, acquireStatus: 'READY' },
    });
    expect(res.body.lastTransactionKey).toMatch(/^[0-9A-F]{32}$/);
    expect(res.body.requestedAt).toMatch(KST_DATE_TIME);
    expect(res.body.approvedAt).toMatch(KST_DATE_TIME);
    expect(res.text).not.toContain('4330123412341234');

    const byKey = await call(sim, 'GET', `/v1/payments/${params.paymentKey}`);
    const byOrder = await call(sim, 'GET', `/v1/payments/orders/${params.orderId}`);
    expect(byKey.body).toEqual(res.body);
    expect(byOrder.body).toEqual(res.body);
    const recorded = sim.requestsTo('POST', '/v1/payments/confirm');
    expect(recorded).toHaveLength(1);
    expect(recorded[0].body).toEqual({ paymentKey: params.paymentKey, orderId: params.orderId, amount: 1000 });
    expect(recorded[0].headers.authorization).toBe('Basic dGVzdF9za196WExrS0V5cE5BcldtbzUwblgzbG1lYXhZRzVSOg==');
    expect(recorded[0].status).toBe(200);
  });

  it('answers every confirm error of the checklist', async () => {
    const clock = new ManualClock(new Date('2024-02-13T03:17:57Z'));
    const sim = await startSim({ clock });

    const unknown = await call(sim, 'POST', '/v1/payments/confirm', {
      body: { paymentKey: 'nope', orderId: 'order-1', amount: 1000 },
    });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'NOT_FOUND_PAYMENT']);

    const params = sim.authenticatePayment({ orderId: newOrderId(), amount: 5000, orderName: '주문' });
    const wrongAmount = await call(sim, 'POST', '/v1/payments/confirm', { body: { ...params, amount: 4999 } });
    expect([wrongAmount.status, wrongAmount.body.code]).toEqual([400, 'INVALID_REQUEST']);
    const wrongOrder = await call(sim, 'POST', '/v1/payments/confirm', {
      body: { ...params, orderId: 'other-order-1' },
    });
    expect([wrongOrder.status, wrongOrder.body.code]).toEqual([400, 'INVALID_REQUEST']);
    const missing = await call(sim, 'POST', '/v1/payments/confirm', { body: { paymentKey: params.paymentKey } });
    expect([missing.status, missing.body.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(sim.getPayment(params.paymentKey)?.status).toBe('IN_PROGRESS'); // refusals change nothing

    const ok = await call(sim, 'POST', '/v1/payments/confirm', {
      body: { paymentKey: params.paymentKey, orderId: params.orderId, amount: 5000 },
    });
    expect(ok.status).toBe(200);
    const again = await call(sim, 'POST', '/v1/payments/confirm', {
      body: { paymentKey: params.paymentKey, orderId: params.orderId, amount: 5000 },
    });
    expect([again.status, again.body.code]).toEqual([400, 'ALREADY_PROCESSED_PAYMENT']);

    // 10 minutes after authentication the session is gone and the payment EXPIRED.
    const late = sim.authenticatePayment({ orderId: newOrderId(), amount: 5000, orderName: '주문' });
    clock.advance(10 * 60 * 1000 + 1000);
    const expired = await call(sim, 'POST', '/v1/payments/confirm', {
      body: { paymentKey: late.paymentKey, orderId: late.orderId, amount: 5000 },
    });
    expect([expired.status, expired.body.code]).toEqual([404, 'NOT_FOUND_PAYMENT_SESSION']);
    expect((await call(sim, 'GET', `/v1/payments/${late.paymentKey}`)).body.status).toBe('EXPIRED');

    // Just inside the window still works.
    const inTime = sim.authenticatePayment({ orderId: newOrderId(), amount: 5000, orderName: '주문' });
    clock.advance(9 * 60 * 1000 + 59_000);
    const inTimeRes = await call(sim, 'POST', '/v1/payments/confirm', {
      body: { paymentKey: inTime.paymentKey, orderId: inTime.orderId, amount: 5000 },
    });
    expect(inTimeRes.body.status).toBe('DONE');

    const tiny = sim.authenticatePayment({ orderId: newOrderId(), amount: 99, orderName: '주문' });
    const below = await call(sim, 'POST', '/v1/payments/confirm', {
      body: { paymentKey: tiny.paymentKey, orderId: tiny.orderId, amount: 99 },
    });
    expect([below.status, below.body.code]).toEqual([400, 'BELOW_MINIMUM_AMOUNT']);
    const aborted = await call(sim, 'GET', `/v1/payments/${tiny.paymentKey}`);
    expect(aborted.body.status).toBe('ABORTED');
    expect(aborted.body.failure.code).toBe('BELOW_MINIMUM_AMOUNT');
  });

  it('refuses a new window for an orderId that was already paid', async () => {
    const sim = await startSim();
    const payment = await confirmedCardPayment(sim, 1000);
    expect(() => sim.authenticatePayment({ orderId: payment.orderId, amount: 1000, orderName: 'x' })).toThrow(
      /DUPLICATED_ORDER_ID/,
    );
    expect(() =>
      sim.authenticatePayment({ orderId: newOrderId(), amount: 1000, orderName: 'x', clientKey: 'test_ck_unknown' }),
    ).toThrow(/unknown client key/);
  });

  it('confirms easy-pay and transfer payments with their Korean method names', async () => {
    const sim = await startSim();
    for (const [method, name] of [
      ['EASY_PAY', '간편결제'],
      ['TRANSFER', '계좌이체'],
    ] as const) {
      const params = sim.authenticatePayment({ orderId: newOrderId(), amount: 3000, orderName: '주문', method });
      const res = await call(sim, 'POST', '/v1/payments/confirm', {
        body: { paymentKey: params.paymentKey, orderId: params.orderId, amount: 3000 },
      });
      expect(res.body).toMatchObject({ status: 'DONE', method: name, card: null });
    }
  });
});

// ---- cancel ------------------------------------------------------------------------------------------------------

describe('TossSimulator cancel (docs/gateways/toss.md#cancel)', () => {
  it('does the partial-cancel arithmetic Toss documents and refuses over-cancels', async () => {
    const sim = await startSim();
    const payment = await confirmedCardPayment(sim, 10_000);
    const path = `/v1/payments/${payment.paymentKey}/cancel`;

    const first = await call(sim, 'POST', path, { body: { cancelReason: '고객이 취소를 원함', cancelAmount: 1000 } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: 'PARTIAL_CANCELED',
      totalAmount: 10_000,
      balanceAmount: 9000,
      suppliedAmount: 8182,
      vat: 818,
    });
    expect(first.body.cancels).toHaveLength(1);
    expect(first.body.cancels[0]).toMatchObject({
      cancelAmount: 1000,
      refundableAmount: 9000,
      cancelStatus: 'DONE',
      cancelReason: '고객이 취소를 원함',
      taxFreeAmount: 0,
      cancelRequestId: null,
    });
    expect(first.body.cancels[0].transactionKey).toMatch(/^[0-9A-F]{32}$/);
    expect(first.body.lastTransactionKey).toBe(first.body.cancels[0].transactionKey);
    expect(first.body.cancels[0].canceledAt).toMatch(KST_DATE_TIME);

    const second = await call(sim, 'POST', path, {
      body: { cancelReason: '고객이 취소를 원함', cancelAmount: 1000, refundableAmount: 9000 },
    });
    expect(second.body).toMatchObject({
      status: 'PARTIAL_CANCELED',
      balanceAmount: 8000,
      suppliedAmount: 7273,
      vat: 727,
    });
    expect(second.body.cancels.map((c: any) => c.refundableAmount)).toEqual([9000, 8000]);
    expect(second.body.cancels[1].transactionKey).not.toBe(second.body.cancels[0].transactionKey);
    expect(second.body.lastTransactionKey).toBe(second.body.cancels[1].transactionKey);

    const over = await call(sim, 'POST', path, { body: { cancelReason: '초과', cancelAmount: 8001 } });
    expect([over.status, over.body.code]).toEqual([403, 'NOT_CANCELABLE_AMOUNT']);
    const lock = await call(sim, 'POST', path, {
      body: { cancelReason: '잠금', cancelAmount: 100, refundableAmount: 9000 },
    });
    expect([lock.status, lock.body.code]).toEqual([400, 'NOT_MATCHES_REFUNDABLE_AMOUNT']);
    const noReason = await call(sim, 'POST', path, { body: { cancelAmount: 100 } });
    expect([noReason.status, noReason.body.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(sim.getPayment(payment.paymentKey)?.balanceAmount).toBe(8000); // refusals moved nothing

    const rest = await call(sim, 'POST', path, { body: { cancelReason: '전액' } });
    expect(rest.body).toMatchObject({ status: 'CANCELED', balanceAmount: 0, suppliedAmount: 0, vat: 0 });
    expect(rest.body.cancels[2]).toMatchObject({ cancelAmount: 8000, refundableAmount: 0 });
    expect(rest.body.card.acquireStatus).toBe('CANCELED');
    const again = await call(sim, 'POST', path, { body: { cancelReason: '또' } });
    expect([again.status, again.body.code]).toEqual([400, 'ALREADY_CANCELED_PAYMENT']);
    const unknown = await call(sim, 'POST', '/v1/payments/nope/cancel', { body: { cancelReason: 'x' } });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'NOT_FOUND_PAYMENT']);
  });

  it('splits VAT with a tax-free part (10,000 with 3,000 tax-free → 636) and cancels the tax-free part', async () => {
    const sim = await startSim();
    const payment = await confirmedCardPayment(sim, 10_000, { taxFreeAmount: 3000 });
    expect(payment).toMatchObject({ vat: 636, suppliedAmount: 6364, taxFreeAmount: 3000 });
    const partial = await call(sim, 'POST', `/v1/payments/${payment.paymentKey}/cancel`, {
      body: { cancelReason: '부분', cancelAmount: 4000, taxFreeAmount: 1000 },
    });
    // Left: 6,000 of which 2,000 tax-free → vat round((6000-2000)/11) = 364, supplied 3,636.
    expect(partial.body).toMatchObject({ balanceAmount: 6000, taxFreeAmount: 2000, vat: 364, suppliedAmount: 3636 });
    expect(partial.body.cancels[0].taxFreeAmount).toBe(1000);
    const full = await call(sim, 'POST', `/v1/payments/${payment.paymentKey}/cancel`, {
      body: { cancelReason: '전액' },
    });
    expect(full.body).toMatchObject({
      status: 'CANCELED',
      balanceAmount: 0,
      taxFreeAmount: 0,
      vat: 0,
      suppliedAmount: 0,
    });
    expect(full.body.cancels[1]).toMatchObject({ cancelAmount: 6000, taxFreeAmount: 2000 });
  });

  it('ends at CANCELED when partial cancels drain the balance, or PARTIAL_CANCELED with the quirk enabled', async () => {
    const cases = [
      [false, 'CANCELED', 400, 'ALREADY_CANCELED_PAYMENT'],
      [true, 'PARTIAL_CANCELED', 403, 'NOT_CANCELABLE_AMOUNT'],
    ] as const;
    for (const [quirk, expected, refusedStatus, refusedCode] of cases) {
      const sim = await startSim({ partialCanceledAtZeroQuirk: quirk });
      const payment = await confirmedCardPayment(sim, 10_000);
      const path = `/v1/payments/${payment.paymentKey}/cancel`;
      await call(sim, 'POST', path, { body: { cancelReason: 'a', cancelAmount: 4000 } });
      const last = await call(sim, 'POST', path, { body: { cancelReason: 'b', cancelAmount: 6000 } });
      expect(last.body).toMatchObject({ status: expected, balanceAmount: 0, vat: 0, suppliedAmount: 0 });
      const more = await call(sim, 'POST', path, { body: { cancelReason: 'c', cancelAmount: 1 } });
      expect([more.status, more.body.code]).toEqual([refusedStatus, refusedCode]);
    }
  });

  it('refuses to cancel a payment that was never approved', async () => {
    const sim = await startSim();
    const params = sim.authenticatePayment({ orderId: newOrderId(), amount: 1000, orderName: '주문' });
    const res = await call(sim, 'POST', `/v1/payments/${params.paymentKey}/cancel`, { body: { cancelReason: 'x' } });
    expect([res.status, res.body.code]).toEqual([403, 'NOT_CANCELABLE_PAYMENT']);
  });
});

// ---- virtual accounts + webhooks ----------------------------------------------------------------------------------

describe('TossSimulator virtual accounts and webhooks (docs/gateways/toss.md#server-issued-virtual-accounts)', () => {
  it('issues a virtual account, delivers DEPOSIT_CALLBACK with the secret on deposit, and refunds to an account', async () => {
    const hook = await receiver();
    const sim = await startSim({ webhookUrl: hook.url });
    const orderId = newOrderId();
    const issued = await call(sim, 'POST', '/v1/virtual-accounts', {
      body: { amount: 15_000, orderId, orderName: '토스 티셔츠', customerName: '김토스', bank: '20', validHours: 24 },
    });
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({
      status: 'WAITING_FOR_DEPOSIT',
      method: '가상계좌',
      approvedAt: null,
      totalAmount: 15_000,
      suppliedAmount: 13_636,
      vat: 1364,
      virtualAccount: {
        accountType: '일반',
        bankCode: '20',
        customerName: '김토스',
        expired: false,
        refundStatus: 'NONE',
      },
    });
    expect(issued.body.secret).toMatch(/^ps_[A-Za-z0-9]{27}$/);
    expect(issued.body.virtualAccount.dueDate).toMatch(KST_DATE_TIME);
    const secret = issued.body.secret as string;

    const partial = await call(sim, 'POST', `/v1/payments/${issued.body.paymentKey}/cancel`, {
      body: { cancelReason: 'x', cancelAmount: 1000 },
    });
    expect([partial.status, partial.body.code]).toEqual([403, 'NOT_ALLOWED_PARTIAL_REFUND_WAITING_DEPOSIT']);

    sim.deposit({ orderId });
    expect((await call(sim, 'GET', `/v1/payments/${issued.body.paymentKey}`)).body.status).toBe('DONE');
    await sim.webhooksIdle();

    const callbacks = hook.received.filter((w) => w.body.eventType === undefined);
    expect(callbacks.map((w) => w.body.status)).toEqual(['WAITING_FOR_DEPOSIT', 'DONE']);
    const depositCallback = callbacks[1];
    expect(depositCallback.body).toEqual({
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/),
      secret,
      status: 'DONE',
      transactionKey: expect.stringMatching(/^[0-9A-F]{32}$/),
      orderId,
    });
    expect(depositCallback.headers['tosspayments-webhook-transmission-id']).toMatch(/^whtrans_[0-9a-z]{26}$/);
    expect(depositCallback.headers['tosspayments-webhook-transmission-retried-count']).toBe('0');
    expect(depositCallback.headers['tosspayments-webhook-transmission-time']).toMatch(KST_DATE_TIME);
    expect(depositCallback.headers['content-type']).toBe('application/json');
    const statusEvents = hook.received.filter((w) => w.body.eventType === 'PAYMENT_STATUS_CHANGED');
    expect(statusEvents.map((w) => w.body.data.status)).toEqual(['WAITING_FOR_DEPOSIT', 'DONE']);
    expect(statusEvents[1].body.data.secret).toBe(secret);

    const cancelPath = `/v1/payments/${issued.body.paymentKey}/cancel`;
    const noAccount = await call(sim, 'POST', cancelPath, { body: { cancelReason: '환불' } });
    expect([noAccount.status, noAccount.body.code]).toEqual([400, 'INVALID_REFUND_ACCOUNT_INFO']);
    const badBank = await call(sim, 'POST', cancelPath, {
      body: {
        cancelReason: '환불',
        refundReceiveAccount: { bank: '99', accountNumber: '12345678901', holderName: '김토스' },
      },
    });
    expect(badBank.body.code).toBe('INVALID_BANK');
    const refunded = await call(sim, 'POST', cancelPath, {
      body: {
        cancelReason: '환불',
        refundReceiveAccount: { bank: '88', accountNumber: '12345678901', holderName: '김토스' },
      },
    });
    expect(refunded.body).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
    expect(JSON.stringify(refunded.body)).not.toContain('12345678901');
  });

  it('confirms a window virtual account to WAITING_FOR_DEPOSIT; deposit error and expiry behave as Toss documents', async () => {
    const hook = await receiver();
    const sim = await startSim({ webhookUrl: hook.url });
    const params = sim.authenticatePayment({
      orderId: newOrderId(),
      amount: 30_000,
      orderName: '주문',
      method: 'VIRTUAL_ACCOUNT',
      virtualAccountBank: '88',
    });
    const res = await call(sim, 'POST', '/v1/payments/confirm', {
      body: { paymentKey: params.paymentKey, orderId: params.orderId, amount: 30_000 },
    });
    expect(res.body).toMatchObject({
      status: 'WAITING_FOR_DEPOSIT',
      method: '가상계좌',
      virtualAccount: { bankCode: '88' },
      vat: 2727,
      suppliedAmount: 27_273,
    });
    expect(res.body.secret).toMatch(/^ps_/);

    sim.deposit({ paymentKey: params.paymentKey });
    sim.depositError({ paymentKey: params.paymentKey });
    expect(sim.getPayment(params.paymentKey)?.status).toBe('WAITING_FOR_DEPOSIT');
    await sim.webhooksIdle();
    const countBefore = hook.received.length;
    expect(hook.received.filter((w) => w.body.eventType === undefined).map((w) => w.body.status)).toEqual([
      'WAITING_FOR_DEPOSIT',
      'DONE',
      'WAITING_FOR_DEPOSIT',
    ]);

    sim.expireVirtualAccount({ paymentKey: params.paymentKey });
    await sim.webhooksIdle();
    expect(hook.received).toHaveLength(countBefore); // expiry sends nothing
    expect((sim.getPayment(params.paymentKey)?.virtualAccount as any).expired).toBe(true);
    expect(() => sim.deposit({ paymentKey: params.paymentKey })).toThrow(/expired/);
  });

  it('retries a webhook on the scaled schedule until it gets 200, with one transmission id', async () => {
    const hook = await receiver((n) => (n < 2 ? 500 : 200));
    const sim = await startSim({ webhookUrl: hook.url });
    await confirmedCardPayment(sim, 1000);
    await sim.webhooksIdle();
    expect(hook.received).toHaveLength(3);
    expect(hook.received.map((w) => w.headers['tosspayments-webhook-transmission-retried-count'])).toEqual([
      '0',
      '1',
      '2',
    ]);
    const ids = new Set(hook.received.map((w) => w.headers['tosspayments-webhook-transmission-id']));
    expect(ids.size).toBe(1);
    expect(
      hook.received.every((w) => w.body.eventType === 'PAYMENT_STATUS_CHANGED' && w.body.data.status === 'DONE'),
    ).toBe(true);
    expect(sim.webhookDeliveries.map((d) => [d.attempt, d.status])).toEqual([
      [0, 500],
      [1, 500],
      [2, 200],
    ]);
  });

  it('counts a receiver that does not answer within the timeout as failed and retries', async () => {
    const hook = await receiver((n) => (n === 0 ? 'hang' : 200));
    const sim = await startSim({ webhookUrl: hook.url, webhookTimeoutMs: 100 });
    await confirmedCardPayment(sim, 1000);
    await sim.webhooksIdle();
    expect(sim.webhookDeliveries.map((d) => [d.attempt, d.status])).toEqual([
      [0, 'timeout'],
      [1, 200],
    ]);
  });

  it('gives up after the 7 retries of the schedule', async () => {
    const hook = await receiver(() => 503);
    const sim = await startSim({ webhookUrl: hook.url, webhookTimeScale: 1 / 600_000 });
    await confirmedCardPayment(sim, 1000);
    await sim.webhooksIdle();
    expect(sim.webhookDeliveries.map((d) => d.attempt)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('does not wait for retries scheduled beyond the idle horizon, and stop() cancels them', async () => {
    const hook = await receiver(() => 500);
    const sim = await startSim({ webhookUrl: hook.url, webhookTimeScale: 1 }); // first retry in a real minute
    await confirmedCardPayment(sim, 1000);
    await sim.webhooksIdle();
    expect(sim.webhookDeliveries.map((d) => [d.attempt, d.status])).toEqual([[0, 500]]);
    // afterEach stops the simulator; a pending 60 s timer would keep jest from exiting.
  });
});
