import { ManualClock } from '../../../libs/testing/src/clock';
import {
  closeSimulatorsAfterEach,
  startSim,
  call,
  makePayment,
  executedPayment,
  status,
  expectFail,
  UUID_V4,
} from './apps-in-toss-simulator.fixtures';

// The simulator's refund-payment and get-payment-status endpoints, and its payStatus machine
// (docs/gateways/apps-in-toss.md#testing-with-the-simulator).

closeSimulatorsAfterEach();

describe('AppsInTossSimulator refund-payment', () => {
  it('refunds the full amount (an amount field is ignored) → REFUND_SUCCESS with a REFUND transaction', async () => {
    const clock = new ManualClock(new Date('2026-11-22T01:00:00Z'));
    const sim = await startSim({ clock });
    const paid = await executedPayment(sim, { amount: 30_000 });
    clock.advance(60_000);
    const refunded = await call(sim, 'refund-payment', {
      payToken: paid.payToken,
      reason: '고객요청(단순변심)#1',
      isTestPayment: true,
      amount: 10_000,
    });
    expect(refunded.status).toBe(200);
    const success = refunded.body.success;
    expect(success).toMatchObject({
      approvalTime: '2026-11-22 10:01:00',
      refundableAmount: 0,
      discountedAmount: 0,
      paidAmount: 30_000,
      refundedAmount: 30_000,
      refundedDiscountAmount: 0,
      refundedPaidAmount: 30_000,
      payToken: paid.payToken,
      cardNumber: '433012******1234',
    });
    expect(success.transactionId).toMatch(UUID_V4);
    expect(success.transactionId).not.toBe(paid.executed.transactionId);
    expect(success.refundNo).toMatch(/^\d+$/);

    const truth = await status(sim, paid.payToken);
    expect(truth.payStatus).toBe('REFUND_SUCCESS');
    expect(truth.refundableAmount).toBe(0);
    expect(truth.transactions).toEqual([
      {
        stepType: 'PAY',
        transactionId: paid.executed.transactionId,
        paidAmount: 30_000,
        transactionAmount: 30_000,
        discountedAmount: 0,
        pointAmount: 0,
        regTs: '2026-11-22 10:00:00',
      },
      {
        stepType: 'REFUND',
        transactionId: success.transactionId,
        paidAmount: -30_000,
        transactionAmount: -30_000,
        discountedAmount: 0,
        pointAmount: 0,
        regTs: '2026-11-22 10:01:00',
      },
    ]);
  });

  it('refuses a refund before execute and a second refund with REFUND_NOT_REFUNDABLE', async () => {
    const sim = await startSim();
    const made = await makePayment(sim);
    sim.authenticate(made.payToken);
    expectFail(
      await call(sim, 'refund-payment', { payToken: made.payToken, reason: '취소', isTestPayment: true }),
      400,
      'REFUND_NOT_REFUNDABLE',
    );
    const paid = await executedPayment(sim);
    expect(
      (await call(sim, 'refund-payment', { payToken: paid.payToken, reason: '취소', isTestPayment: true })).status,
    ).toBe(200);
    expectFail(
      await call(sim, 'refund-payment', { payToken: paid.payToken, reason: '취소', isTestPayment: true }),
      400,
      'REFUND_NOT_REFUNDABLE',
    );
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['with a space (not in the documented charset)', 'customer request'],
    ['with a comma', '취소,환불'],
    ['56 chars', 'a'.repeat(56)],
    ['a number', 42],
  ])('reason %s → 400 INVALID_PARAMETER, payment stays PAY_COMPLETE', async (_label, reason) => {
    const sim = await startSim();
    const paid = await executedPayment(sim);
    expectFail(
      await call(sim, 'refund-payment', { payToken: paid.payToken, reason, isTestPayment: true }),
      400,
      'INVALID_PARAMETER',
    );
    expect(sim.getPayment(paid.payToken)?.payStatus).toBe('PAY_COMPLETE');
  });

  it('accepts every documented reason symbol and 55 chars; options relax the space and required rules', async () => {
    const sim = await startSim();
    const first = await executedPayment(sim);
    expect(
      (
        await call(sim, 'refund-payment', {
          payToken: first.payToken,
          reason: '환불_-:.^@()[]#/!%?&Ab1',
          isTestPayment: true,
        })
      ).status,
    ).toBe(200);
    const second = await executedPayment(sim);
    expect(
      (await call(sim, 'refund-payment', { payToken: second.payToken, reason: 'r'.repeat(55), isTestPayment: true }))
        .status,
    ).toBe(200);

    const relaxed = await startSim({ refundReasonAllowsSpace: true, refundReasonRequired: false });
    const third = await executedPayment(relaxed);
    expect(
      (
        await call(relaxed, 'refund-payment', {
          payToken: third.payToken,
          reason: 'customer request',
          isTestPayment: true,
        })
      ).status,
    ).toBe(200);
    const fourth = await executedPayment(relaxed);
    expect((await call(relaxed, 'refund-payment', { payToken: fourth.payToken, isTestPayment: true })).status).toBe(
      200,
    );
  });

  it('refuses another user, the other mode and an unknown payToken', async () => {
    const sim = await startSim();
    const paid = await executedPayment(sim);
    expectFail(
      await call(
        sim,
        'refund-payment',
        { payToken: paid.payToken, reason: '취소', isTestPayment: true },
        { userKey: '1' },
      ),
      400,
      'FORBIDDEN_REQUEST',
    );
    expectFail(
      await call(sim, 'refund-payment', { payToken: paid.payToken, reason: '취소', isTestPayment: false }),
      400,
      'INVALID_PARAMETER',
    );
    expectFail(
      await call(sim, 'refund-payment', { payToken: 'Z'.repeat(22), reason: '취소', isTestPayment: true }),
      400,
      'PAYMENT_NOT_FOUND',
    );
    expect(sim.getPayment(paid.payToken)?.payStatus).toBe('PAY_COMPLETE');
  });

  it('bank maintenance fails a TOSS_MONEY refund with COMMON_BREAK_TIME_OF_BANK', async () => {
    const sim = await startSim();
    const paid = await executedPayment(sim, {}, 'TOSS_MONEY');
    sim.setBankMaintenance(true);
    expectFail(
      await call(sim, 'refund-payment', { payToken: paid.payToken, reason: '취소', isTestPayment: true }),
      400,
      'COMMON_BREAK_TIME_OF_BANK',
    );
    expect(sim.getPayment(paid.payToken)?.payStatus).toBe('PAY_COMPLETE');
  });
});

// ---- get-payment-status -------------------------------------------------------------------------------------------

describe('AppsInTossSimulator get-payment-status', () => {
  it('finds a payment by payToken, by orderNo or by both, with the nested, differently typed card block', async () => {
    const clock = new ManualClock(new Date('2026-01-02T15:04:05Z'));
    const sim = await startSim({ clock });
    const paid = await executedPayment(sim, { amount: 20_000 });
    const byToken = await call(sim, 'get-payment-status', { payToken: paid.payToken, isTestPayment: true });
    const byOrder = await call(sim, 'get-payment-status', { orderNo: paid.orderNo, isTestPayment: true });
    const byBoth = await call(sim, 'get-payment-status', {
      payToken: paid.payToken,
      orderNo: paid.orderNo,
      isTestPayment: true,
    });
    expect(byOrder.body).toEqual(byToken.body);
    expect(byBoth.body).toEqual(byToken.body);
    expect(byToken.body.success).toEqual({
      mode: 'TEST',
      payToken: paid.payToken,
      orderNo: paid.orderNo,
      payStatus: 'PAY_COMPLETE',
      payMethod: 'CARD',
      amount: 20_000,
      discountedAmount: 0,
      discountAmountV2: 0,
      paidPointV2: 0,
      paidAmount: 20_000,
      refundableAmount: 20_000,
      amountTaxable: 18_181,
      amountTaxFree: 0,
      amountVat: 1_819,
      amountServiceFee: 0,
      disposableCupDeposit: 0,
      accountBankCode: null,
      accountBankName: null,
      accountNumber: null,
      card: {
        noInterest: false,
        spreadOut: 0,
        cardAuthorizationNo: null,
        cardMethodType: 'CREDIT',
        cardUserType: 'PERSONAL',
        cardNumber: '433012******1234',
        cardBinNumber: '433012',
        cardNum4Print: '1234',
        salesCheckLinkUrl: expect.stringContaining(paid.payToken),
        cardCompanyName: '국민',
        cardCompanyCode: 4,
      },
      transactions: [
        {
          stepType: 'PAY',
          transactionId: paid.executed.transactionId,
          paidAmount: 20_000,
          transactionAmount: 20_000,
          discountedAmount: 0,
          pointAmount: 0,
          regTs: '2026-01-03 00:04:05',
        },
      ],
      createdTs: '2026-01-03 00:04:05',
      paidTs: '2026-01-03 00:04:05',
    });
  });

  it('unknown, mismatched, another user and the other mode → 404 FAIL PAYMENT_NOT_FOUND', async () => {
    const sim = await startSim();
    const made = await makePayment(sim);
    const other = await makePayment(sim);
    expectFail(
      await call(sim, 'get-payment-status', { payToken: 'Q'.repeat(22), isTestPayment: true }),
      404,
      'PAYMENT_NOT_FOUND',
    );
    expectFail(
      await call(sim, 'get-payment-status', { orderNo: 'no-such-order', isTestPayment: true }),
      404,
      'PAYMENT_NOT_FOUND',
    );
    expectFail(
      await call(sim, 'get-payment-status', { payToken: made.payToken, orderNo: other.orderNo, isTestPayment: true }),
      404,
      'PAYMENT_NOT_FOUND',
    );
    expectFail(
      await call(sim, 'get-payment-status', { payToken: made.payToken, isTestPayment: true }, { userKey: '77' }),
      404,
      'PAYMENT_NOT_FOUND',
    );
    expectFail(
      await call(sim, 'get-payment-status', { payToken: made.payToken, isTestPayment: false }),
      404,
      'PAYMENT_NOT_FOUND',
    );
  });

  it('neither payToken nor orderNo, or no isTestPayment → 400 INVALID_PARAMETER', async () => {
    const sim = await startSim();
    const made = await makePayment(sim);
    expectFail(await call(sim, 'get-payment-status', { isTestPayment: true }), 400, 'INVALID_PARAMETER');
    expectFail(await call(sim, 'get-payment-status', { payToken: made.payToken }), 400, 'INVALID_PARAMETER');
  });
});

// ---- the payStatus machine ---------------------------------------------------------------------------------------

describe('AppsInTossSimulator payStatus machine', () => {
  it('PAY_STANDBY → PAY_APPROVED → PAY_COMPLETE → SETTLEMENT_COMPLETE → REFUND_SUCCESS → SETTLEMENT_REFUND_COMPLETE', async () => {
    const sim = await startSim();
    const made = await makePayment(sim);
    const seen: string[] = [(await status(sim, made.payToken)).payStatus];
    sim.authenticate(made.payToken);
    seen.push((await status(sim, made.payToken)).payStatus);
    await call(sim, 'execute-payment', { payToken: made.payToken, isTestPayment: true });
    seen.push((await status(sim, made.payToken)).payStatus);
    sim.settle(made.payToken);
    seen.push((await status(sim, made.payToken)).payStatus);
    expect(
      (await call(sim, 'refund-payment', { payToken: made.payToken, reason: '정산후환불', isTestPayment: true }))
        .status,
    ).toBe(200);
    seen.push((await status(sim, made.payToken)).payStatus);
    sim.settle(made.payToken);
    seen.push((await status(sim, made.payToken)).payStatus);
    expect(seen).toEqual([
      'PAY_STANDBY',
      'PAY_APPROVED',
      'PAY_COMPLETE',
      'SETTLEMENT_COMPLETE',
      'REFUND_SUCCESS',
      'SETTLEMENT_REFUND_COMPLETE',
    ]);
  });

  it('PAY_APPROVED → PAY_CANCEL when the buyer walks away; the hooks refuse impossible transitions', async () => {
    const sim = await startSim();
    const made = await makePayment(sim);
    expect(() => sim.settle(made.payToken)).toThrow(/PAY_STANDBY/);
    sim.authenticate(made.payToken);
    expect(() => sim.authenticate(made.payToken)).toThrow(/not PAY_STANDBY/);
    sim.cancelWindow(made.payToken);
    expect((await status(sim, made.payToken)).payStatus).toBe('PAY_CANCEL');
    expect(() => sim.cancelWindow(made.payToken)).toThrow(/PAY_CANCEL/);
    expect(() => sim.authenticate('nope')).toThrow(/unknown payToken/);

    const restricted = await makePayment(sim, { enablePayMethods: 'CARD' });
    expect(() => sim.authenticate(restricted.payToken, { payMethod: 'TOSS_MONEY' })).toThrow(/enablePayMethods/);
    expect(() => sim.authenticate(restricted.payToken, { discountedAmount: 10_001 })).toThrow(/discountedAmount/);
  });
});

// ---- faults ---------------------------------------------------------------------------------------------------------
