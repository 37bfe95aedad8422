import fc from 'fast-check';
import { ManualClock } from '../../../libs/testing/src/clock';
import { APPS_IN_TOSS_TEST_USER_KEY } from '../../../libs/testing/src/apps-in-toss';
import {
  closeSimulatorsAfterEach,
  startSim,
  call,
  makeBody,
  makePayment,
  executedPayment,
  expectFail,
  UUID_V4,
  KST_DATE_TIME,
} from './apps-in-toss-simulator.fixtures';

// The simulator's make-payment and execute-payment endpoints (docs/gateways/apps-in-toss.md#testing-with-the-simulator).

closeSimulatorsAfterEach();

describe('AppsInTossSimulator make-payment', () => {
  it('answers the documented shape with a 22-char base62 payToken and stores PAY_STANDBY', async () => {
    const sim = await startSim();
    const body = {
      orderNo: 'test-20250417-3',
      productDesc: 'test02',
      amount: 10,
      amountTaxFree: 0,
      isTestPayment: true,
    };
    const made = await call(sim, 'make-payment', body);
    expect(made.status).toBe(200);
    expect(Object.keys(made.body)).toEqual(['resultType', 'success']);
    expect(Object.keys(made.body.success)).toEqual(['payToken']);
    expect(made.body.success.payToken).toMatch(/^[0-9A-Za-z]{22}$/);
    expect(sim.getPayment(made.body.success.payToken)).toMatchObject({
      payStatus: 'PAY_STANDBY',
      orderNo: 'test-20250417-3',
      amount: 10,
      mode: 'TEST',
      userKey: APPS_IN_TOSS_TEST_USER_KEY,
      productDesc: 'test02',
      transactions: [],
    });
    expect(sim.requestsTo(/make-payment$/)[0].body).toEqual(body);
  });

  it('derives VAT (taxable ÷ 11 rounded up) and keeps the merchant-given split', async () => {
    const sim = await startSim();
    const derived = await makePayment(sim, { amount: 10_000, amountTaxFree: 1_000 });
    expect(sim.getPayment(derived.payToken)).toMatchObject({
      amountTaxFree: 1_000,
      amountVat: 819,
      amountTaxable: 8_181,
    });
    const given = await makePayment(sim, { amount: 11_000, amountTaxFree: 0, amountTaxable: 10_000, amountVat: 1_000 });
    expect(sim.getPayment(given.payToken)).toMatchObject({ amountTaxable: 10_000, amountVat: 1_000 });
  });

  const invalidBodies: Array<[string, Record<string, unknown>]> = [
    ['orderNo missing', { orderNo: undefined }],
    ['orderNo empty', { orderNo: '' }],
    ['orderNo 51 chars', { orderNo: 'a'.repeat(51) }],
    ['orderNo with a space', { orderNo: 'order 1' }],
    ['orderNo with ~ (off by default)', { orderNo: 'order~1' }],
    ['orderNo with Hangul', { orderNo: '주문1' }],
    ['orderNo as a number', { orderNo: 12345 }],
    ['productDesc missing', { productDesc: undefined }],
    ['productDesc whitespace only', { productDesc: ' \t ' }],
    ['productDesc with a backslash', { productDesc: 'a\\b' }],
    ['productDesc with a double quote', { productDesc: 'the "best" shirt' }],
    ['productDesc 256 chars', { productDesc: 'x'.repeat(256) }],
    ['amount missing', { amount: undefined }],
    ['amount as a string', { amount: '10000' }],
    ['amount fractional', { amount: 100.5 }],
    ['amount zero', { amount: 0 }],
    ['amount negative', { amount: -100 }],
    ['amount 8 digits', { amount: 10_000_000 }],
    ['amountTaxFree missing', { amountTaxFree: undefined }],
    ['amountTaxFree null', { amountTaxFree: null }],
    ['amountTaxFree as a string', { amountTaxFree: '0' }],
    ['amountTaxFree negative', { amountTaxFree: -1 }],
    ['amountTaxFree above amount', { amount: 1_000, amountTaxFree: 1_001 }],
    ['amountVat fractional', { amountVat: 90.9 }],
    ['isTestPayment missing', { isTestPayment: undefined }],
    ['isTestPayment as a string', { isTestPayment: 'true' }],
    ['isTestPayment as a number', { isTestPayment: 1 }],
    ['enablePayMethods unknown', { enablePayMethods: 'BANK' }],
    ['cashReceiptTradeOption unknown', { cashReceiptTradeOption: 'SPECIAL' }],
    ['installment unknown', { installment: 'MAYBE' }],
  ];

  it.each(invalidBodies)('%s → 400 FAIL INVALID_PARAMETER, nothing stored', async (_label, overrides) => {
    const sim = await startSim();
    const body = makeBody(overrides);
    expectFail(await call(sim, 'make-payment', body), 400, 'INVALID_PARAMETER');
    // Nothing was stored under this orderNo: a valid make with the same orderNo (when it is a valid one) succeeds.
    if (typeof body.orderNo === 'string' && /^[0-9A-Za-z_\-:.^@]{1,50}$/.test(body.orderNo)) {
      await makePayment(sim, { orderNo: body.orderNo });
    }
  });

  it('accepts the edges: 50-char orderNo of every allowed symbol, 255-char Hangul productDesc, 7-digit amount', async () => {
    const sim = await startSim();
    const orderNo = 'AZaz09_-:.^@'.padEnd(50, 'x');
    const made = await makePayment(sim, {
      orderNo,
      productDesc: '가'.repeat(255),
      amount: 9_999_999,
      amountTaxFree: 9_999_999,
    });
    expect(sim.getPayment(made.payToken)).toMatchObject({ orderNo, amount: 9_999_999 });
  });

  it('allowTildeInOrderNo: true accepts ~ (as one older guide lists it)', async () => {
    const sim = await startSim({ allowTildeInOrderNo: true });
    await makePayment(sim, { orderNo: 'order~1' });
  });

  it('orderNo is accepted exactly when it is 1-50 chars of [0-9A-Za-z_-:.^@] (property)', async () => {
    const sim = await startSim();
    const allowed = new Set('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-:.^@');
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 60 }), async (orderNo) => {
        const expectedOk = orderNo.length >= 1 && orderNo.length <= 50 && [...orderNo].every((c) => allowed.has(c));
        const result = await call(sim, 'make-payment', makeBody({ orderNo: `${orderNo}` }));
        if (expectedOk && result.status === 400) {
          // The generator may repeat an accepted orderNo; the duplicate answer proves it was accepted before.
          expect(result.body.error.errorCode).toBe('PAYMENT_EXISTING_PAYMENT');
        } else {
          expect(result.status).toBe(expectedOk ? 200 : 400);
          if (!expectedOk) expect(result.body.error.errorCode).toBe('INVALID_PARAMETER');
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a duplicate orderNo → 400 FAIL PAYMENT_EXISTING_PAYMENT, across test and live, and after a cancel', async () => {
    const sim = await startSim();
    const first = await makePayment(sim, { isTestPayment: true });
    expectFail(await call(sim, 'make-payment', makeBody({ orderNo: first.orderNo })), 400, 'PAYMENT_EXISTING_PAYMENT');
    expectFail(
      await call(sim, 'make-payment', makeBody({ orderNo: first.orderNo, isTestPayment: false })),
      400,
      'PAYMENT_EXISTING_PAYMENT',
    );
    sim.cancelWindow(first.payToken);
    expectFail(await call(sim, 'make-payment', makeBody({ orderNo: first.orderNo })), 400, 'PAYMENT_EXISTING_PAYMENT');
  });

  it('bank maintenance refuses a TOSS_MONEY-only payment with COMMON_BREAK_TIME_OF_BANK, not a CARD one', async () => {
    const sim = await startSim();
    sim.setBankMaintenance(true);
    expectFail(
      await call(sim, 'make-payment', makeBody({ enablePayMethods: 'TOSS_MONEY' })),
      400,
      'COMMON_BREAK_TIME_OF_BANK',
    );
    await makePayment(sim, { enablePayMethods: 'CARD' });
    sim.setBankMaintenance(false);
    await makePayment(sim, { enablePayMethods: 'TOSS_MONEY' });
  });
});

// ---- execute-payment ----------------------------------------------------------------------------------------------

describe('AppsInTossSimulator execute-payment', () => {
  const SAMPLE_KEYS = [
    'code',
    'mode',
    'orderNo',
    'amount',
    'approvalTime',
    'stateMsg',
    'discountedAmount',
    'paidAmount',
    'payMethod',
    'payToken',
    'transactionId',
    'cardCompanyCode',
    'cardCompanyName',
    'cardAuthorizationNo',
    'spreadOut',
    'noInterest',
    'salesCheckLinkUrl',
    'cardMethodType',
    'cardNumber',
    'cardUserType',
    'cardNum4Print',
    'cardBinNumber',
    'cashReceiptMgtKey',
    'accountBankCode',
    'accountBankName',
    'accountNumber',
    'msg',
    'errorCode',
  ];

  it('TOSS_MONEY in TEST mode answers exactly the documented sample shape', async () => {
    const clock = new ManualClock(new Date('2025-04-17T03:32:10Z'));
    const sim = await startSim({ clock });
    const made = await makePayment(sim, { orderNo: '20250417-2', amount: 10, productDesc: 'test02' });
    sim.authenticate(made.payToken, { payMethod: 'TOSS_MONEY' });
    const executed = await call(sim, 'execute-payment', {
      payToken: made.payToken,
      orderNo: '20250417-2',
      isTestPayment: true,
    });
    expect(executed.status).toBe(200);
    expect(executed.body.resultType).toBe('SUCCESS');
    expect(Object.keys(executed.body.success)).toEqual(SAMPLE_KEYS);
    expect(executed.body.success).toEqual({
      code: 0,
      mode: 'TEST',
      orderNo: '20250417-2',
      amount: 10,
      approvalTime: '2025-04-17 12:32:10',
      stateMsg: '결제 완료',
      discountedAmount: 0,
      paidAmount: 10,
      payMethod: 'TOSS_MONEY',
      payToken: made.payToken,
      transactionId: expect.stringMatching(UUID_V4),
      cardCompanyCode: null,
      cardCompanyName: null,
      cardAuthorizationNo: null,
      spreadOut: null,
      noInterest: null,
      salesCheckLinkUrl: null,
      cardMethodType: null,
      cardNumber: null,
      cardUserType: null,
      cardNum4Print: null,
      cardBinNumber: null,
      cashReceiptMgtKey: null,
      accountBankCode: '092',
      accountBankName: '토스뱅크',
      accountNumber: '100******094',
      msg: null,
      errorCode: null,
    });
    expect(sim.getPayment(made.payToken)?.payStatus).toBe('PAY_COMPLETE');
  });

  it('CARD in LIVE mode carries string-typed card fields, an approval number and the discount split', async () => {
    const sim = await startSim();
    const made = await makePayment(sim, { amount: 50_000, isTestPayment: false });
    sim.authenticate(made.payToken, { payMethod: 'CARD', discountedAmount: 3_000 });
    const executed = await call(sim, 'execute-payment', { payToken: made.payToken, isTestPayment: false });
    const success = executed.body.success;
    expect(success).toMatchObject({
      code: 0,
      mode: 'LIVE',
      amount: 50_000,
      discountedAmount: 3_000,
      paidAmount: 47_000,
      payMethod: 'CARD',
      cardCompanyCode: '4',
      cardCompanyName: '국민',
      spreadOut: '0',
      noInterest: 'false',
      cardMethodType: 'CREDIT',
      cardUserType: 'PERSONAL',
      cardNumber: '433012******1234',
      cardNum4Print: '1234',
      cardBinNumber: '433012',
      accountBankCode: null,
      accountNumber: null,
    });
    expect(success.cardAuthorizationNo).toMatch(/^\d{8}$/);
    expect(success.approvalTime).toMatch(KST_DATE_TIME);
  });

  it('a TOSS_MONEY payment made with cashReceipt: true carries a cashReceiptMgtKey', async () => {
    const sim = await startSim();
    const made = await makePayment(sim, { cashReceipt: true, enablePayMethods: 'TOSS_MONEY' });
    sim.authenticate(made.payToken);
    const executed = await call(sim, 'execute-payment', { payToken: made.payToken, isTestPayment: true });
    expect(executed.body.success.payMethod).toBe('TOSS_MONEY');
    expect(executed.body.success.cashReceiptMgtKey).toMatch(/^\d{20}$/);
  });

  it('before the buyer authenticated → 400 FAIL EXECUTE_PAY_NOT_APPROVED, still PAY_STANDBY', async () => {
    const sim = await startSim();
    const made = await makePayment(sim);
    expectFail(
      await call(sim, 'execute-payment', { payToken: made.payToken, isTestPayment: true }),
      400,
      'EXECUTE_PAY_NOT_APPROVED',
    );
    expect(sim.getPayment(made.payToken)?.payStatus).toBe('PAY_STANDBY');
  });

  it('after the buyer closed the window → EXECUTE_PAY_NOT_APPROVED, stays PAY_CANCEL', async () => {
    const sim = await startSim();
    const made = await makePayment(sim);
    sim.cancelWindow(made.payToken);
    expectFail(
      await call(sim, 'execute-payment', { payToken: made.payToken, isTestPayment: true }),
      400,
      'EXECUTE_PAY_NOT_APPROVED',
    );
    expect(sim.getPayment(made.payToken)?.payStatus).toBe('PAY_CANCEL');
  });

  it('refuses a mismatched isTestPayment, another user, another orderNo and an unknown payToken; nothing moves', async () => {
    const sim = await startSim();
    const made = await makePayment(sim);
    sim.authenticate(made.payToken);
    expectFail(
      await call(sim, 'execute-payment', { payToken: made.payToken, isTestPayment: false }),
      400,
      'INVALID_PARAMETER',
    );
    expectFail(
      await call(sim, 'execute-payment', { payToken: made.payToken, isTestPayment: true }, { userKey: '999' }),
      400,
      'FORBIDDEN_REQUEST',
    );
    expectFail(
      await call(sim, 'execute-payment', { payToken: made.payToken, orderNo: 'other-order', isTestPayment: true }),
      400,
      'INVALID_PARAMETER',
    );
    expectFail(
      await call(sim, 'execute-payment', { payToken: 'A'.repeat(22), isTestPayment: true }),
      400,
      'PAYMENT_NOT_FOUND',
    );
    expectFail(
      await call(sim, 'execute-payment', { payToken: 'A'.repeat(31), isTestPayment: true }),
      400,
      'INVALID_PARAMETER',
    );
    expectFail(await call(sim, 'execute-payment', { payToken: made.payToken }), 400, 'INVALID_PARAMETER');
    expect(sim.getPayment(made.payToken)).toMatchObject({ payStatus: 'PAY_APPROVED', transactions: [] });
  });

  it('a second execute → 400 FAIL EXECUTE_ALREADY_COMPLETED (default), one PAY transaction', async () => {
    const sim = await startSim();
    const paid = await executedPayment(sim);
    expectFail(
      await call(sim, 'execute-payment', { payToken: paid.payToken, isTestPayment: true }),
      400,
      'EXECUTE_ALREADY_COMPLETED',
    );
    expect((sim.getPayment(paid.payToken)?.transactions as unknown[]).length).toBe(1);
  });

  it("executeTwice: 'replay' answers the first success again without a second charge", async () => {
    const sim = await startSim({ executeTwice: 'replay' });
    const paid = await executedPayment(sim);
    const again = await call(sim, 'execute-payment', { payToken: paid.payToken, isTestPayment: true });
    expect(again.body).toEqual({ resultType: 'SUCCESS', success: paid.executed });
    expect((sim.getPayment(paid.payToken)?.transactions as unknown[]).length).toBe(1);
  });

  it('sandboxRejectsExecute fails every isTestPayment:true execute (configurable code), live ones go through', async () => {
    const sim = await startSim({ sandboxRejectsExecute: true });
    const sandbox = await makePayment(sim, { isTestPayment: true });
    sim.authenticate(sandbox.payToken);
    expectFail(
      await call(sim, 'execute-payment', { payToken: sandbox.payToken, isTestPayment: true }),
      400,
      'EXECUTE_PAY_NOT_APPROVED',
    );
    expect(sim.getPayment(sandbox.payToken)?.payStatus).toBe('PAY_APPROVED');
    await executedPayment(sim, { isTestPayment: false });

    const custom = await startSim({ sandboxRejectsExecute: true, sandboxRejectCode: 'COMMON_INVALID_API_KEY' });
    const other = await makePayment(custom);
    custom.authenticate(other.payToken);
    expectFail(
      await call(custom, 'execute-payment', { payToken: other.payToken, isTestPayment: true }),
      400,
      'COMMON_INVALID_API_KEY',
    );
  });

  it('bank maintenance fails TOSS_MONEY executes with COMMON_BREAK_TIME_OF_BANK; CARD is unaffected', async () => {
    const sim = await startSim();
    const money = await makePayment(sim);
    sim.authenticate(money.payToken, { payMethod: 'TOSS_MONEY' });
    sim.setBankMaintenance(true);
    expectFail(
      await call(sim, 'execute-payment', { payToken: money.payToken, isTestPayment: true }),
      400,
      'COMMON_BREAK_TIME_OF_BANK',
    );
    expect(sim.getPayment(money.payToken)?.payStatus).toBe('PAY_APPROVED');
    await executedPayment(sim, {}, 'CARD');
    sim.setBankMaintenance(false);
    expect(
      (await call(sim, 'execute-payment', { payToken: money.payToken, isTestPayment: true })).body.resultType,
    ).toBe('SUCCESS');
  });
});

// ---- refund-payment ------------------------------------------------------------------------------------------------
