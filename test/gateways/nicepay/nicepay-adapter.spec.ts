import {
  AmountMismatchError,
  GatewayDeclinedError,
  GatewayUnavailableError,
  InvalidInputError,
  OrderMismatchError,
  SignatureMismatchError,
} from '../../../libs/payments/src/domain/errors';
import { approvalOutcome } from '../../../libs/payments/src/domain/approval-outcome';
import { PaymentStatus } from '../../../libs/payments/src/domain/payment-status';
import { nicePayPaymentSignature, nicePaySha256 } from '../../../libs/payments/src/gateways/nicepay/nicepay.crypto';
import type { NicePayGateway } from '../../../libs/payments/src/gateways/nicepay/nicepay.gateway';
import { NICEPAY_TEST_CLIENT_ID, NICEPAY_TEST_SECRET_KEY, type NicePaySimulator } from 'nestjs-kr-payments/testing';
import { RETURN_URL, TOKEN_CLIENT_ID, TOKEN_SECRET_KEY, useNicePayAdapter } from './nicepay-adapter.fixtures';

/** The NicePay adapter against the NicePay simulator over loopback HTTP (no database): checkout, approval, cancels. */
describe('NicePay adapter ↔ simulator', () => {
  const adapter = useNicePayAdapter();
  const { logger, makeGateway, authenticated } = adapter;
  let sim: NicePaySimulator;
  let gateway: NicePayGateway;
  beforeAll(() => {
    ({ sim, gateway } = adapter);
  });

  describe('prepare', () => {
    it('returns the requestPay fields, mapping canonical methods', async () => {
      const checkout = await gateway.prepare({
        paymentId: 'p1',
        orderId: 'order-prepare-1',
        amount: 55_000,
        taxFreeAmount: 5_000,
        orderName: '나이스 티셔츠 외 2건',
        method: 'VIRTUAL_ACCOUNT',
        customer: { name: '김나이스', email: 'kim@example.com', phone: '010-1234-5678' },
        returnUrl: RETURN_URL,
        extra: { vbankValidHours: 24, mallReserved: '{k:v}' },
      });
      expect(checkout).toEqual({
        gateway: 'nicepay',
        kind: 'sdk',
        fields: {
          clientId: NICEPAY_TEST_CLIENT_ID,
          method: 'vbank',
          orderId: 'order-prepare-1',
          amount: 55_000,
          goodsName: '나이스 티셔츠 외 2건',
          returnUrl: RETURN_URL,
          taxFreeAmt: 5_000,
          buyerName: '김나이스',
          buyerEmail: 'kim@example.com',
          buyerTel: '01012345678',
          vbankValidHours: 24,
          mallReserved: '{k:v}',
          vbankHolder: '김나이스',
        },
      });
      const own = await gateway.prepare({
        paymentId: 'p2',
        orderId: 'order-prepare-2',
        amount: 1000,
        taxFreeAmount: 0,
        orderName: 'x',
        method: 'kakaopay',
        returnUrl: RETURN_URL,
      });
      expect(own.fields['method']).toBe('kakaopay');
    });

    it.each([
      [{ returnUrl: undefined }, 'returnUrl'],
      [{ returnUrl: 'javascript:alert(1)' }, 'returnUrl'],
      // 261 characters but 501 EUC-KR bytes: returnUrl holds 500 bytes as NicePay counts them.
      [{ returnUrl: `https://shop.example/${'가'.repeat(240)}` }, 'returnUrl'],
      [{ orderName: '가'.repeat(21) }, 'orderName'],
      [{ method: 'BITCOIN' }, 'method'],
      [{ method: 'VIRTUAL_ACCOUNT', customer: {} }, 'extra.vbankHolder'],
      [{ extra: { unknownField: 1 } }, 'extra.unknownField'],
      [{ extra: { cardQuota: '00,03' } }, 'extra.cardQuota'],
      [{ extra: { mallReserved: 'a"b' } }, 'extra.mallReserved'],
      [{ amount: 10.5 }, 'amount'],
      // A credit-card approval needs 1,000 KRW (NicePay answers 3041); the default method is card.
      [{ amount: 999 }, 'amount'],
      [{ orderId: 'bad id!' }, 'orderId'],
    ])('%j → InvalidInputError naming %s', async (override, field) => {
      const request = {
        paymentId: 'p',
        orderId: 'order-prepare-x',
        amount: 10_000,
        taxFreeAmount: 0,
        orderName: '티셔츠',
        returnUrl: RETURN_URL,
        ...override,
      };
      const error = await gateway.prepare(request as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe(field);
    });

    it('counts goodsName in EUC-KR bytes: 20 Korean characters fit, 21 do not', async () => {
      const ok = await gateway.prepare({
        paymentId: 'p',
        orderId: 'order-bytes',
        amount: 1000,
        taxFreeAmount: 0,
        orderName: '가'.repeat(20),
        returnUrl: RETURN_URL,
      });
      expect(ok.fields['goodsName']).toBe('가'.repeat(20));
    });
  });

  describe('returnUrl and approval', () => {
    it('approves a card payment with the exact signed request and verifies the answer', async () => {
      const { orderId, posted, input, prepared: p } = await authenticated(10_000);
      expect(input).toEqual({
        orderId,
        amount: 10_000,
        paymentKey: posted['tid'],
        authResult: expect.objectContaining({ authResultCode: '0000' }),
      });
      const truth = await gateway.approve({ prepared: p, input, idempotencyKey: 'confirm:x' });
      expect(truth).toMatchObject({
        gateway: 'nicepay',
        paymentKey: posted['tid'],
        orderId,
        status: 'PAID',
        totalAmount: 10_000,
        balanceAmount: 10_000,
        method: 'CARD',
      });
      expect(truth.card?.maskedNumber).toMatch(/\*{4,}/);

      const [approve] = sim.requestsTo('POST', `/v1/payments/${posted['tid']}`);
      const body = approve.body as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['amount', 'ediDate', 'signData']);
      expect(body['amount']).toBe(10_000);
      expect(body['signData']).toBe(
        nicePaySha256(posted['tid'], '10000', body['ediDate'] as string, NICEPAY_TEST_SECRET_KEY),
      );
      expect(approve.headers['authorization']).toBe(
        `Basic ${Buffer.from(`${NICEPAY_TEST_CLIENT_ID}:${NICEPAY_TEST_SECRET_KEY}`).toString('base64')}`,
      );
    });

    it('rejects a tampered signature, amount or orderId, and a failed authentication, before any approval request', async () => {
      const { posted, prepared: p, orderId } = await authenticated(10_000);
      const before = sim.requests.length;
      const tampered = (changes: Record<string, string>) => gateway.confirmInputFromReturn({ ...posted, ...changes });
      expect(() =>
        gateway.verifyConfirmInput(
          p,
          tampered({ signature: posted['signature'].replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) }),
        ),
      ).toThrow(SignatureMismatchError);
      expect(() => gateway.verifyConfirmInput(p, tampered({ amount: '100' }))).toThrow(AmountMismatchError);
      expect(() => gateway.verifyConfirmInput(p, tampered({ orderId: `${orderId}x` }))).toThrow(OrderMismatchError);
      expect(() => gateway.verifyConfirmInput(p, tampered({ clientId: 'S2_someoneelse' }))).toThrow(InvalidInputError);
      // Same amount on our side but a forged signature over a different amount: the signature catches it.
      expect(() => gateway.verifyConfirmInput({ ...p, amount: 100 }, tampered({ amount: '100' }))).toThrow(
        SignatureMismatchError,
      );

      const failed = sim.authenticateFailure({
        clientId: NICEPAY_TEST_CLIENT_ID,
        orderId,
        amount: 10_000,
        code: 'I002',
        message: '사용자가 결제를 취소하였습니다',
      });
      const error = (() => {
        try {
          gateway.verifyConfirmInput(p, gateway.confirmInputFromReturn(failed));
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(GatewayDeclinedError);
      expect((error as GatewayDeclinedError).gatewayCode).toBe('I002');
      expect(sim.requests.length).toBe(before);
    });

    it('confirmInputFromReturn parses the amount string strictly', () => {
      const base = { authResultCode: '0000', orderId: 'order-strict', tid: 'x' };
      for (const amount of ['1e4', '010', '-5', '10.0', ' 10', '', '1234567890123']) {
        expect(() => gateway.confirmInputFromReturn({ ...base, amount })).toThrow(InvalidInputError);
      }
      expect(() => gateway.confirmInputFromReturn({ ...base, amount: ['1', '2'] })).toThrow(InvalidInputError);
      expect(() => gateway.confirmInputFromReturn({ amount: '1000' })).toThrow(/orderId/);
      expect(gateway.confirmInputFromReturn({ ...base, amount: '1004', extra: 'dropped' }).authResult).toEqual({
        ...base,
        amount: '1004',
      });
    });

    it('a virtual account approves as WAITING_FOR_DEPOSIT and reads back PAID after the deposit', async () => {
      const { posted, input, prepared: p } = await authenticated(30_000, 'VIRTUAL_ACCOUNT');
      const truth = await gateway.approve({ prepared: p, input, idempotencyKey: 'k' });
      expect(truth.status).toBe('WAITING_FOR_DEPOSIT');
      expect(truth.virtualAccount).toMatchObject({ accountNumber: expect.any(String), customerName: '김나이스' });
      expect(truth.approvedAt).toBeNull();
      sim.deposit(posted['tid']);
      const paid = await gateway.getPayment({ paymentKey: posted['tid'], orderId: p.orderId, amount: p.amount });
      expect(paid).toMatchObject({ status: 'PAID', totalAmount: 30_000 });
      const byOrder = await gateway.getPayment({ orderId: p.orderId, amount: p.amount });
      expect(byOrder.paymentKey).toBe(posted['tid']);
    });

    it('an approval answer with a wrong signature: outcome unknown (requestSent), never a definitive failure', async () => {
      const forging = makeGateway({}, (http) => ({
        request: async (request) => {
          const response = await http.request<Record<string, unknown>>(request as never);
          if (request.operation === 'approve')
            response.body['signature'] = nicePayPaymentSignature(
              String(response.body['tid']),
              1,
              String(response.body['ediDate']),
              NICEPAY_TEST_SECRET_KEY,
            );
          return response as never;
        },
      }));
      const { input, prepared: p } = await authenticated(10_000, 'CARD', forging);
      const error = await forging.approve({ prepared: p, input, idempotencyKey: 'k' }).catch((e: unknown) => e);
      // NicePay answered 0000: the approval may stand, so the core must go UNKNOWN (and net-cancel), not FAILED.
      expect(error).toBeInstanceOf(SignatureMismatchError);
      expect(approvalOutcome(error).status).toBe(PaymentStatus.UNKNOWN);
      await forging.close();
    });

    it('a validly signed approval answer for another amount or order: outcome unknown (requestSent)', async () => {
      for (const change of [{ amount: 1_000 }, { orderId: 'someone-elses-order' }]) {
        const forging = makeGateway({}, (http) => ({
          request: async (request) => {
            const response = await http.request<Record<string, unknown>>(request as never);
            if (request.operation === 'approve') {
              Object.assign(response.body, change);
              response.body['signature'] = nicePayPaymentSignature(
                String(response.body['tid']),
                Number(response.body['amount']),
                String(response.body['ediDate']),
                NICEPAY_TEST_SECRET_KEY,
              );
            }
            return response as never;
          },
        }));
        const { input, prepared: p } = await authenticated(10_000, 'CARD', forging);
        const error = await forging.approve({ prepared: p, input, idempotencyKey: 'k' }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf('amount' in change ? AmountMismatchError : OrderMismatchError);
        expect(approvalOutcome(error).status).toBe(PaymentStatus.UNKNOWN);
        await forging.close();
      }
    });
  });

  describe('lost approvals', () => {
    it('a dropped answer is GatewayUnavailableError(requestSent) and the default policy net-cancels by orderId', async () => {
      const { posted, input, prepared: p, orderId } = await authenticated(12_000);
      sim.failNext({ method: 'POST', path: `/v1/payments/${posted['tid']}` }, { kind: 'drop-after-commit' });
      const sentAt = new Date();
      const error = await gateway.approve({ prepared: p, input, idempotencyKey: 'k' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GatewayUnavailableError);
      expect((error as GatewayUnavailableError).requestSent).toBe(true);
      expect(sim.getPayment(posted['tid'])?.['status']).toBe('paid');

      const resolution = await gateway.resolveUnknownApproval({
        prepared: p,
        paymentKey: posted['tid'],
        approvalSentAt: sentAt,
        idempotencyKey: 'net-cancel:x',
      });
      expect(resolution.action).toBe('net-cancel');
      expect(resolution.truth).toMatchObject({ status: 'CANCELED', balanceAmount: 0, orderId });
      const netCancels = sim.requestsTo('POST', '/v1/payments/netcancel');
      expect(netCancels.at(-1)?.body).toMatchObject({ orderId });
      expect(sim.getPayment(posted['tid'])?.['status']).toBe('cancelled');
    });

    it("'query-first' reads the payment and applies what it shows, never net-cancelling", async () => {
      const queryFirst = makeGateway({ unknownApprovalPolicy: 'query-first' });
      const { posted, input, prepared: p, orderId } = await authenticated(13_000, 'CARD', queryFirst);
      sim.failNext({ method: 'POST', path: `/v1/payments/${posted['tid']}` }, { kind: 'drop-after-commit' });
      await expect(queryFirst.approve({ prepared: p, input, idempotencyKey: 'k' })).rejects.toThrow(
        GatewayUnavailableError,
      );
      const netCancelsBefore = sim.requestsTo('POST', '/v1/payments/netcancel').length;
      const resolution = await queryFirst.resolveUnknownApproval({
        prepared: p,
        paymentKey: posted['tid'],
        approvalSentAt: new Date(),
        idempotencyKey: 'k',
      });
      expect(resolution).toMatchObject({ action: 'query', truth: { status: 'PAID', totalAmount: 13_000 } });
      expect(sim.requestsTo('GET', `/v1/payments/find/${orderId}`).length).toBeGreaterThan(0);
      expect(sim.requestsTo('POST', '/v1/payments/netcancel').length).toBe(netCancelsBefore);
      await queryFirst.close();
    });

    it('past the 1-hour window the default policy queries instead; an order NicePay never approved is READY', async () => {
      const { posted, input, prepared: p } = await authenticated(14_000);
      await gateway.approve({ prepared: p, input, idempotencyKey: 'k' });
      const netCancelsBefore = sim.requestsTo('POST', '/v1/payments/netcancel').length;
      const late = await gateway.resolveUnknownApproval({
        prepared: p,
        paymentKey: posted['tid'],
        approvalSentAt: new Date(Date.now() - 2 * 3_600_000),
        idempotencyKey: 'k',
      });
      expect(late).toMatchObject({ action: 'query', truth: { status: 'PAID' } });
      expect(sim.requestsTo('POST', '/v1/payments/netcancel').length).toBe(netCancelsBefore);

      const never = await authenticated(15_000);
      const resolution = await gateway.resolveUnknownApproval({
        prepared: never.prepared,
        paymentKey: never.posted['tid'],
        approvalSentAt: new Date(),
        idempotencyKey: 'k',
      });
      expect(resolution.truth.status).toBe('READY');
    });
  });

  describe('cancels', () => {
    it('partial cancels send cancelAmt (never amount) with a distinct orderId each; the final full cancel omits cancelAmt', async () => {
      const { posted, input, prepared: p } = await authenticated(10_000);
      await gateway.approve({ prepared: p, input, idempotencyKey: 'k' });
      const tid = posted['tid'];
      const first = await gateway.cancel({
        prepared: p,
        paymentKey: tid,
        cancelId: '11111111-1111-4111-8111-111111111111',
        amount: 3_000,
        isFull: false,
        balanceBefore: 10_000,
        reason: '부분 취소',
        idempotencyKey: 'c1',
      });
      expect(first.payment).toMatchObject({ status: 'PARTIALLY_CANCELED', balanceAmount: 7_000 });
      expect(first.cancel).toMatchObject({ amount: 3_000, status: 'DONE' });
      const second = await gateway.cancel({
        prepared: p,
        paymentKey: tid,
        cancelId: '22222222-2222-4222-8222-222222222222',
        amount: 2_000,
        isFull: false,
        balanceBefore: 7_000,
        reason: '부분 취소',
        idempotencyKey: 'c2',
      });
      expect(second.payment.balanceAmount).toBe(5_000);
      expect(second.cancel.transactionKey).not.toBe(first.cancel.transactionKey);
      const rest = await gateway.cancel({
        prepared: p,
        paymentKey: tid,
        cancelId: '33333333-3333-4333-8333-333333333333',
        amount: 5_000,
        isFull: true,
        balanceBefore: 5_000,
        reason: '전체 취소',
        idempotencyKey: 'c3',
      });
      expect(rest.payment).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
      expect(rest.payment.cancels).toHaveLength(3);

      const bodies = sim.requestsTo('POST', `/v1/payments/${tid}/cancel`).map((r) => r.body as Record<string, unknown>);
      expect(bodies.map((b) => b['orderId'])).toEqual([
        'cancel-11111111-1111-4111-8111-111111111111',
        'cancel-22222222-2222-4222-8222-222222222222',
        'cancel-33333333-3333-4333-8333-333333333333',
      ]);
      expect(bodies.map((b) => b['cancelAmt'])).toEqual([3_000, 2_000, undefined]);
      expect(bodies.every((b) => !('amount' in b))).toBe(true);
      expect(bodies[0]['signData']).toBe(nicePaySha256(tid, bodies[0]['ediDate'] as string, NICEPAY_TEST_SECRET_KEY));
    });

    it('refundHolder is limited in bytes (10, Korean counts 2) before anything is sent', async () => {
      const { posted, input, prepared: p } = await authenticated(10_000);
      await gateway.approve({ prepared: p, input, idempotencyKey: 'k' });
      const cancelsBefore = sim.requestsTo('POST', `/v1/payments/${posted['tid']}/cancel`).length;
      const error = await gateway
        .cancel({
          prepared: p,
          paymentKey: posted['tid'],
          cancelId: '55555555-5555-4555-8555-555555555555',
          amount: 10_000,
          isFull: true,
          balanceBefore: 10_000,
          reason: '환불',
          // 6 characters, 12 EUC-KR bytes: NicePay's refundHolder holds 10.
          refundAccount: { bankCode: '004', accountNumber: '12345678901234', holderName: '김나이스페이' },
          idempotencyKey: 'c',
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe('refundAccount.holderName');
      expect(sim.requestsTo('POST', `/v1/payments/${posted['tid']}/cancel`)).toHaveLength(cancelsBefore);
    });

    it('a refused cancel is a typed decline', async () => {
      const { posted, input, prepared: p } = await authenticated(10_000);
      await gateway.approve({ prepared: p, input, idempotencyKey: 'k' });
      const error = await gateway
        .cancel({
          prepared: p,
          paymentKey: posted['tid'],
          cancelId: '44444444-4444-4444-8444-444444444444',
          amount: 20_000,
          isFull: false,
          balanceBefore: 10_000,
          reason: 'x',
          idempotencyKey: 'c',
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GatewayDeclinedError);
      expect(['2032', 'U123']).toContain((error as GatewayDeclinedError).gatewayCode);
    });
  });

  describe('Bearer auth', () => {
    it('mints one token for many concurrent calls and sends it as Bearer', async () => {
      const bearer = makeGateway({ clientId: TOKEN_CLIENT_ID, secretKey: TOKEN_SECRET_KEY, authMode: 'bearer' });
      const before = sim.issuedTokens();
      const runs = await Promise.all([1, 2, 3, 4, 5].map(() => authenticated(5_000, 'CARD', bearer, TOKEN_CLIENT_ID)));
      const truths = await Promise.all(
        runs.map((run) => bearer.approve({ prepared: run.prepared, input: run.input, idempotencyKey: 'k' })),
      );
      expect(truths.map((t) => t.status)).toEqual(['PAID', 'PAID', 'PAID', 'PAID', 'PAID']);
      await bearer.getPayment({ paymentKey: truths[0].paymentKey, orderId: truths[0].orderId, amount: 5_000 });
      expect(sim.issuedTokens() - before).toBe(1);
      expect(sim.requestsTo('POST', '/v1/access-token')).toHaveLength(1);
      expect(sim.requestsTo('GET', `/v1/payments/${truths[0].paymentKey}`).at(-1)?.headers['authorization']).toMatch(
        /^Bearer [0-9a-f]+$/,
      );
      await bearer.close();
    });
  });

  it('never logs the secret key or the Authorization header', () => {
    expect(logger.text()).not.toContain(NICEPAY_TEST_SECRET_KEY);
    expect(logger.text()).not.toContain(
      Buffer.from(`${NICEPAY_TEST_CLIENT_ID}:${NICEPAY_TEST_SECRET_KEY}`).toString('base64'),
    );
  });
});
