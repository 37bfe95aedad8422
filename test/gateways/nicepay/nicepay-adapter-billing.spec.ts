import 'reflect-metadata';
import { InvalidInputError, OrderMismatchError } from '../../../libs/payments/src/domain/errors';
import { answerDisagrees } from '../../../libs/payments/src/domain/approval-outcome';
import { capabilitiesOf, supports } from '../../../libs/payments/src/gateways/gateway-capabilities';
import { nicePayPaymentSignature, nicePaySha256 } from '../../../libs/payments/src/gateways/nicepay/nicepay.crypto';
import type { NicePayGateway } from '../../../libs/payments/src/gateways/nicepay/nicepay.gateway';
import { NICEPAY_SANDBOX_BASE_URL } from '../../../libs/payments/src/gateways/nicepay/nicepay.types';
import { NICEPAY_TEST_CLIENT_ID, NICEPAY_TEST_SECRET_KEY, type NicePaySimulator } from 'nestjs-kr-payments/testing';
import { useNicePayAdapter } from './nicepay-adapter.fixtures';

/** The NicePay adapter against the NicePay simulator: billing keys, cash receipts, webhooks and capabilities. */
describe('NicePay adapter ↔ simulator: billing keys, cash receipts, webhooks', () => {
  const adapter = useNicePayAdapter();
  const { logger, makeGateway, nextOrderId } = adapter;
  let sim: NicePaySimulator;
  let gateway: NicePayGateway;
  beforeAll(() => {
    ({ sim, gateway } = adapter);
  });

  describe('billing', () => {
    it.each(['A2', 'AES128'] as const)(
      'issues (%s), charges and deletes a billing key; card data never in logs or raw',
      async (encMode) => {
        const billing = makeGateway({ encMode });
        const key = await billing.issueBillingKey({
          customerKey: 'cust-1',
          card: {
            number: '5361121234561234',
            expiryYear: '30',
            expiryMonth: '12',
            identityNumber: '800101',
            passwordFirst2: '12',
          },
          idempotencyKey: `billing-issue:${encMode}-${Date.now()}`,
        });
        expect(key.billingKey).toMatch(/^BIKY/);
        const regist = sim.requestsTo('POST', '/v1/subscribe/regist').at(-1)!.body as Record<string, unknown>;
        expect(regist['encMode']).toBe(encMode === 'A2' ? 'A2' : undefined);
        expect(regist['encData']).toMatch(/^[0-9a-f]+$/);
        const orderId = nextOrderId();
        const charge = await billing.chargeBillingKey({
          billingKey: key.billingKey,
          customerKey: 'cust-1',
          paymentId: 'p',
          orderId,
          orderName: '정기결제',
          amount: 9_900,
          taxFreeAmount: 0,
          idempotencyKey: 'k',
        });
        expect(charge).toMatchObject({ status: 'PAID', totalAmount: 9_900, orderId });
        await billing.deleteBillingKey(key.billingKey, 'cust-1');
        await billing.deleteBillingKey(key.billingKey, 'cust-1'); // U115: already gone is what we wanted
        await expect(
          billing.chargeBillingKey({
            billingKey: key.billingKey,
            customerKey: 'cust-1',
            paymentId: 'p',
            orderId: nextOrderId(),
            orderName: '정기결제',
            amount: 9_900,
            taxFreeAmount: 0,
            idempotencyKey: 'k',
          }),
        ).rejects.toMatchObject({ gateway: 'nicepay' });

        const everything = logger.text() + JSON.stringify(key.raw) + JSON.stringify(charge.raw);
        expect(everything).not.toContain('5361121234561234');
        expect(everything).not.toContain(key.billingKey);
        expect(everything).not.toContain(NICEPAY_TEST_SECRET_KEY);
        await billing.close();
      },
    );
  });

  it('a billing charge under 1,000 KRW is refused before anything is sent (NicePay would answer 3041)', async () => {
    const before = sim.requests.length;
    const error = await gateway
      .chargeBillingKey({
        billingKey: 'BIKYnictest00m2511221010101234',
        customerKey: 'c',
        paymentId: 'p',
        orderId: nextOrderId(),
        orderName: '정기결제',
        amount: 999,
        taxFreeAmount: 0,
        idempotencyKey: 'k',
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe('amount');
    expect(sim.requests.length).toBe(before);
  });

  describe('cash receipts', () => {
    it('issues, reads and cancels a receipt with verified signatures', async () => {
      const orderId = nextOrderId();
      const issued = await gateway.issueCashReceipt({
        receiptId: 'r1',
        orderId,
        orderName: '현금 판매',
        amount: 11_000,
        taxFreeAmount: 0,
        type: 'INCOME_DEDUCTION',
        identityNumber: '010-1234-5678',
        idempotencyKey: 'cash-receipt:r1',
      });
      expect(issued).toMatchObject({ orderId, amount: 11_000, status: 'IN_PROGRESS' });
      const body = sim.requestsTo('POST', '/v1/receipt').at(-1)!.body as Record<string, unknown>;
      expect(body).toMatchObject({
        orderId,
        amount: 11_000,
        receiptType: 'individual',
        receiptNo: '01012345678',
        supplyAmt: 10_000,
        goodsVat: 1_000,
        taxFreeAmt: 0,
        serviceAmt: 0,
      });
      const read = await gateway.getCashReceipt(issued.receiptKey, new Date());
      expect(read.receiptKey).toBe(issued.receiptKey);
      const canceled = await gateway.cancelCashReceipt({
        receiptKey: issued.receiptKey,
        orderId,
        reason: '취소',
        idempotencyKey: 'cash-receipt-cancel:r1',
      });
      expect(canceled.status).toBe('CANCELED');
      expect(JSON.stringify(issued.raw) + JSON.stringify(read.raw)).not.toContain('01012345678');
    });

    it('a validly signed receipt answer for another orderId: outcome unknown (requestSent)', async () => {
      const forging = makeGateway({}, (http) => ({
        request: async (request) => {
          const response = await http.request<Record<string, unknown>>(request as never);
          if (request.operation === 'issueCashReceipt') {
            response.body['orderId'] = 'someone-elses-receipt';
            response.body['signature'] = nicePaySha256(
              String(response.body['tid']),
              'someone-elses-receipt',
              String(response.body['ediDate']),
              NICEPAY_TEST_SECRET_KEY,
            );
          }
          return response as never;
        },
      }));
      const error = await forging
        .issueCashReceipt({
          receiptId: 'r2',
          orderId: nextOrderId(),
          orderName: '현금 판매',
          amount: 11_000,
          taxFreeAmount: 0,
          type: 'INCOME_DEDUCTION',
          identityNumber: '01012345678',
          idempotencyKey: 'cash-receipt:r2',
        })
        .catch((e: unknown) => e);
      // The core keeps such a receipt UNKNOWN (answerDisagrees), never FAILED or ISSUED.
      expect(error).toBeInstanceOf(OrderMismatchError);
      expect(answerDisagrees(error)).toBe(true);
      await forging.close();
    });
  });

  describe('webhooks', () => {
    const sign = (body: Record<string, unknown>) => ({
      ...body,
      signature: nicePayPaymentSignature(
        String(body['tid']),
        Number(body['amount']),
        String(body['ediDate']),
        NICEPAY_TEST_SECRET_KEY,
      ),
    });
    const deliver = (body: unknown) =>
      gateway.parseWebhook({ headers: {}, rawBody: Buffer.from(JSON.stringify(body)), body });
    const paid = {
      resultCode: '0000',
      resultMsg: '정상',
      tid: 'nictest00m01012511221010101234',
      orderId: 'order-wh-1',
      ediDate: '2025-11-22T10:10:10.000+0900',
      status: 'paid',
      payMethod: 'card',
      amount: 1004,
      balanceAmt: 1004,
      paidAt: '2025-11-22T10:10:09.000+0900',
      cancelledTid: null,
    };

    it('a signed delivery is only a hint: read-back by tid, keyed by tid + claimed status + body digest', async () => {
      const parsed = await deliver(sign(paid));
      expect(parsed).toMatchObject({
        verification: 'read-back',
        eventType: 'payment.paid',
        dedupeKey: expect.stringMatching(/^nicepay:nictest00m01012511221010101234:paid:[0-9a-f]{40}$/),
        orderId: 'order-wh-1',
        paymentKey: 'nictest00m01012511221010101234',
      });
      // The signature covers tid + amount + ediDate only: nothing the body claims is handed to the core as a truth.
      expect(parsed.truth).toBeUndefined();
      expect((await deliver(sign(paid))).dedupeKey).toBe(parsed.dedupeKey);
      const cancel = await deliver(
        sign({
          ...paid,
          status: 'partialCancelled',
          balanceAmt: 4,
          cancelledTid: 'nictest00m01012511221010109999',
          cancels: [
            { tid: 'nictest00m01012511221010109999', amount: 1000, cancelledAt: '2025-11-22T11:00:00.000+0900' },
          ],
        }),
      );
      expect(cancel).toMatchObject({ verification: 'read-back', paymentKey: 'nictest00m01012511221010101234' });
      expect(cancel.dedupeKey).toMatch(/^nicepay:nictest00m01012511221010101234:partialCancelled:[0-9a-f]{40}$/);
      // The same claimed status with another balance (the signature still verifies) is another delivery.
      const altered = await deliver(sign({ ...paid, balanceAmt: 1 }));
      expect(altered.verification).toBe('read-back');
      expect(altered.dedupeKey).not.toBe(parsed.dedupeKey);
    });

    it('a forged or dashboard-TEST delivery is UNVERIFIED (failed), logged without secrets, and still answered OK', async () => {
      const forged = await deliver({ ...sign(paid), amount: 999_999 });
      expect(forged).toMatchObject({ verification: 'failed', eventType: 'UNVERIFIED', truth: null });
      expect(forged.dedupeKey).not.toContain(paid.tid);
      const test = await deliver({ ...paid, status: '', signature: 'ab'.repeat(32) });
      expect(test.verification).toBe('failed');
      expect(logger.text()).toContain('UNVERIFIED');
      expect(logger.text()).not.toContain(NICEPAY_TEST_SECRET_KEY);
      expect(gateway.webhookReply('accepted')).toEqual({ status: 200, body: 'OK', contentType: 'text/html' });
      expect(gateway.webhookReply('rejected')).toEqual({ status: 200, body: 'OK', contentType: 'text/html' });
    });
  });

  it('offers no transaction list (the reconciliation API is beta): the capability is absent, the others derived', async () => {
    expect(supports(gateway, 'transactions')).toBe(false);
    expect('listTransactions' in gateway).toBe(false);
    expect(capabilitiesOf(gateway)).toEqual({
      partialCancel: true,
      virtualAccount: true,
      netCancel: true,
      billing: true,
      cashReceipts: true,
      transactions: false,
      webhooks: true,
      lostApprovalPolicy: true,
      returnUrl: true,
    });
    // The real sandbox host refuses every cancelAmt (U128): against it partial cancels are not offered.
    const sandbox = makeGateway({ baseUrl: NICEPAY_SANDBOX_BASE_URL });
    expect(capabilitiesOf(sandbox).partialCancel).toBe(false);
    await sandbox.close();
  });

  it('never logs the secret key or the Authorization header', () => {
    expect(logger.text()).not.toContain(NICEPAY_TEST_SECRET_KEY);
    expect(logger.text()).not.toContain(
      Buffer.from(`${NICEPAY_TEST_CLIENT_ID}:${NICEPAY_TEST_SECRET_KEY}`).toString('base64'),
    );
  });
});
