import { X509Certificate } from 'node:crypto';
import { AppsInTossSimulator, type TestPki } from '../../../libs/testing/src/apps-in-toss';
import {
  DuplicateOrderError,
  GatewayConfigurationError,
  GatewayDeclinedError,
  GatewayUnavailableError,
} from '../../../libs/payments/src/domain/errors';
import type { AppsInTossGateway } from '../../../libs/payments/src/gateways/apps-in-toss/apps-in-toss.gateway';
import { adapterAgainstSimulator, PAY, USER_KEY } from './apps-in-toss-adapter.fixtures';

/**
 * The adapter's payment flows against the simulator over real mTLS on 127.0.0.1
 * (docs/gateways/apps-in-toss.md#flows): every call presents the client certificate through the adapter's one
 * dispatcher.
 */
describe('AppsInTossGateway against the simulator (mTLS)', () => {
  let pki: TestPki;
  let sim: AppsInTossSimulator;
  let gateway: AppsInTossGateway;
  const adapter = adapterAgainstSimulator();
  const { createGateway, nextOrderId, prepared, preparedAndAuthenticated } = adapter;

  beforeAll(async () => {
    ({ pki, sim, gateway } = await adapter.start());
  });

  afterAll(() => adapter.stop());

  it('full flow: make → authenticate → execute → status → refund → status, every call over the certificate', async () => {
    const fingerprint = new X509Certificate(pki.clientCert).fingerprint256;
    expect(gateway.certificate().fingerprint256).toBe(fingerprint);
    const handshakesBefore = sim.handshakes;
    const requestsBefore = sim.requests.length;

    const {
      orderId,
      payToken,
      checkout,
      prepared: stored,
    } = await preparedAndAuthenticated(15_000, { payMethod: 'TOSS_MONEY' });
    expect(checkout).toEqual({ gateway: 'appsInToss', kind: 'payToken', paymentKey: payToken, fields: { payToken } });
    expect(payToken).toMatch(/^[0-9A-Za-z]{22}$/);
    const make = sim.requestsTo(`${PAY}/make-payment`).at(-1)!;
    expect(make.headers['x-toss-user-key']).toBe(USER_KEY);
    expect(make.body).toEqual({
      orderNo: orderId,
      productDesc: '앱인토스 머그컵',
      amount: 15_000,
      amountTaxFree: 0,
      isTestPayment: true,
    });

    const paid = await gateway.approve({
      prepared: stored,
      input: { orderId, amount: 15_000, payToken },
      idempotencyKey: `confirm:${orderId}`,
    });
    expect(paid).toMatchObject({
      status: 'PAID',
      orderId,
      paymentKey: payToken,
      totalAmount: 15_000,
      balanceAmount: 15_000,
      method: 'EASY_PAY',
      card: null,
    });
    expect(paid.approvedAt).toBeInstanceOf(Date);
    expect(paid.lastTransactionKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(paid.raw).toMatchObject({ payMethod: 'TOSS_MONEY', mode: 'TEST', stateMsg: '결제 완료' });
    expect(sim.requestsTo(`${PAY}/execute-payment`).at(-1)!.body).toEqual({
      payToken,
      orderNo: orderId,
      isTestPayment: true,
    });

    const status = await gateway.getPayment({ paymentKey: payToken, orderId, amount: 15_000, customerKey: USER_KEY });
    expect(status).toMatchObject({
      status: 'PAID',
      totalAmount: 15_000,
      balanceAmount: 15_000,
      lastTransactionKey: paid.lastTransactionKey,
      cancels: [],
    });
    expect(status.approvedAt?.getTime()).toBe(paid.approvedAt?.getTime());

    const { payment, cancel } = await gateway.cancel({
      prepared: stored,
      paymentKey: payToken,
      cancelId: 'c1',
      amount: 15_000,
      isFull: true,
      balanceBefore: 15_000,
      reason: '고객요청',
      idempotencyKey: 'cancel:c1',
    });
    expect(payment).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
    expect(cancel).toMatchObject({ amount: 15_000, status: 'DONE', reason: '고객요청' });
    expect(sim.requestsTo(`${PAY}/refund-payment`).at(-1)!.body).toEqual({
      payToken,
      reason: '고객요청',
      isTestPayment: true,
    });

    // The refund seen by get-payment-status carries the same transaction key: booked once whichever path sees it.
    const refunded = await gateway.getPayment({ paymentKey: payToken, orderId, amount: 15_000, customerKey: USER_KEY });
    expect(refunded).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
    expect(refunded.cancels.map((c) => [c.transactionKey, c.amount, c.status])).toEqual([
      [cancel.transactionKey, 15_000, 'DONE'],
    ]);
    sim.settle(payToken);
    expect(
      (await gateway.getPayment({ paymentKey: payToken, orderId, amount: 15_000, customerKey: USER_KEY })).status,
    ).toBe('CANCELED');

    const requests = sim.requests.slice(requestsBefore);
    expect(requests.map((r) => r.path.slice(PAY.length + 1))).toEqual([
      'make-payment',
      'execute-payment',
      'get-payment-status',
      'refund-payment',
      'get-payment-status',
      'get-payment-status',
    ]);
    for (const request of requests) {
      expect(request.clientCertificate).toMatchObject({
        fingerprint256: fingerprint,
        authorized: true,
        subjectCN: 'apps-in-toss-test-client',
      });
      expect(request.headers['x-toss-user-key']).toBe(USER_KEY);
    }
    expect(sim.handshakes.verified).toBeGreaterThan(handshakesBefore.verified);
    expect(sim.handshakes.rejected).toBe(handshakesBefore.rejected);
    expect(sim.handshakes.rejected).toBe(0);
  });

  it('CARD with a discount: card fields from execute (flat) and status (nested) agree; discount stays in raw', async () => {
    const {
      orderId,
      payToken,
      prepared: stored,
    } = await preparedAndAuthenticated(30_000, { payMethod: 'CARD', discountedAmount: 2_000 });
    const paid = await gateway.approve({ prepared: stored, input: { orderId, amount: 30_000 }, idempotencyKey: 'k' });
    expect(paid.method).toBe('EASY_PAY');
    expect(paid.totalAmount).toBe(30_000);
    expect(paid.card?.issuerCode).toMatch(/^\d+$/);
    expect(paid.card?.maskedNumber).toContain('*');
    expect(paid.raw).toMatchObject({ payMethod: 'CARD', discountedAmount: 2_000, paidAmount: 28_000 });
    const status = await gateway.getPayment({ paymentKey: payToken, orderId, amount: 30_000, customerKey: USER_KEY });
    expect(status.card).toEqual(paid.card);
  });

  it('payStatus before execution: PAY_STANDBY, PAY_APPROVED → READY; PAY_CANCEL → EXPIRED, never PAID', async () => {
    const orderId = nextOrderId();
    const checkout = await gateway.prepare({
      paymentId: 'p',
      orderId,
      amount: 1_000,
      taxFreeAmount: 0,
      orderName: 'window',
      customer: { customerKey: USER_KEY },
    });
    const payToken = checkout.paymentKey as string;
    const lookup = { paymentKey: payToken, orderId, amount: 1_000, customerKey: USER_KEY };
    expect((await gateway.getPayment(lookup)).status).toBe('READY');
    expect((await gateway.getPayment({ ...lookup, paymentKey: null })).status).toBe('READY'); // by orderNo alone
    sim.authenticate(payToken);
    expect((await gateway.getPayment(lookup)).status).toBe('READY');
    sim.cancelWindow(payToken);
    const canceled = await gateway.getPayment(lookup);
    expect(canceled).toMatchObject({ status: 'EXPIRED', failure: { code: 'PAY_CANCEL' }, approvedAt: null });
  });

  it('a lost execute answer (drop-after-commit) is an unknown outcome; status then shows PAID', async () => {
    const { orderId, payToken, prepared: stored } = await preparedAndAuthenticated(8_000);
    sim.failNext({ path: `${PAY}/execute-payment` }, 'drop-after-commit');
    const error = await gateway
      .approve({ prepared: stored, input: { orderId, amount: 8_000 }, idempotencyKey: 'k' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect((error as GatewayUnavailableError).requestSent).toBe(true);
    expect(sim.getPayment(payToken)).toMatchObject({ payStatus: 'PAY_COMPLETE' });
    const truth = await gateway.getPayment({ paymentKey: payToken, orderId, amount: 8_000, customerKey: USER_KEY });
    expect(truth).toMatchObject({ status: 'PAID', totalAmount: 8_000 });
    // a retried execute is refused by Toss but read back as the payment it already is
    const retried = await gateway.approve({ prepared: stored, input: { orderId, amount: 8_000 }, idempotencyKey: 'k' });
    expect(retried).toMatchObject({ status: 'PAID', lastTransactionKey: truth.lastTransactionKey });
  });

  it('transport-class envelopes are unknown outcomes; FAIL envelopes are typed with the gateway code', async () => {
    const first = await preparedAndAuthenticated(5_000);
    for (const resultType of ['HTTP_TIMEOUT', 'NETWORK_ERROR', 'INTERRUPTED'] as const) {
      sim.failNext({ path: `${PAY}/execute-payment` }, { kind: 'envelope', resultType });
      const error = await gateway
        .approve({ prepared: first.prepared, input: { orderId: first.orderId, amount: 5_000 }, idempotencyKey: 'k' })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'GATEWAY_UNAVAILABLE', requestSent: true, gatewayCode: resultType });
    }
    sim.failNext(
      { path: `${PAY}/execute-payment` },
      { kind: 'fail', errorCode: 'REJECT_CARD_COMPANY', reason: '카드사 거절' },
    );
    const declined = await gateway
      .approve({ prepared: first.prepared, input: { orderId: first.orderId, amount: 5_000 }, idempotencyKey: 'k' })
      .catch((e: unknown) => e);
    expect(declined).toBeInstanceOf(GatewayDeclinedError);
    expect(declined).toMatchObject({ gatewayCode: 'REJECT_CARD_COMPANY', gatewayMessage: '카드사 거절' });

    sim.failNext({ path: `${PAY}/execute-payment` }, 'wrong-content-type');
    const html = await gateway
      .approve({ prepared: first.prepared, input: { orderId: first.orderId, amount: 5_000 }, idempotencyKey: 'k' })
      .catch((e: unknown) => e);
    expect(html).toMatchObject({ code: 'GATEWAY_UNAVAILABLE', requestSent: true, gatewayCode: 'MALFORMED_RESPONSE' });

    // the payment is still executable after all of that (nothing above committed)
    await expect(
      gateway.approve({
        prepared: first.prepared,
        input: { orderId: first.orderId, amount: 5_000 },
        idempotencyKey: 'k',
      }),
    ).resolves.toMatchObject({ status: 'PAID' });

    const orderId = nextOrderId();
    const request = {
      paymentId: 'p',
      orderId,
      amount: 1_000,
      taxFreeAmount: 0,
      orderName: 'dup',
      customer: { customerKey: USER_KEY },
    };
    await gateway.prepare(request);
    const duplicate = await gateway.prepare(request).catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(DuplicateOrderError);
    expect(duplicate).toMatchObject({ gatewayCode: 'PAYMENT_EXISTING_PAYMENT' });

    sim.setBankMaintenance(true);
    try {
      const maintenance = await gateway
        .prepare({ ...request, orderId: nextOrderId(), extra: { enablePayMethods: 'TOSS_MONEY' } })
        .catch((e: unknown) => e);
      expect(maintenance).toBeInstanceOf(GatewayDeclinedError);
      expect(maintenance).toMatchObject({ gatewayCode: 'COMMON_BREAK_TIME_OF_BANK', retryable: true });
    } finally {
      sim.setBankMaintenance(false);
    }
  });

  it('a merchant without a TossPay key in the console → GatewayConfigurationError; sandbox execute refusal → decline', async () => {
    const noKey = await AppsInTossSimulator.start({ port: 0, pki, merchantKeyConfigured: false });
    const sandbox = await AppsInTossSimulator.start({ port: 0, pki, sandboxRejectsExecute: true });
    const noKeyGateway = createGateway(noKey.url, { cert: pki.clientCert, key: pki.clientKey });
    const sandboxGateway = createGateway(sandbox.url, { cert: pki.clientCert, key: pki.clientKey });
    try {
      const error = await noKeyGateway
        .prepare({
          paymentId: 'p',
          orderId: nextOrderId(),
          amount: 1_000,
          taxFreeAmount: 0,
          orderName: 'x',
          customer: { customerKey: USER_KEY },
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GatewayConfigurationError);
      expect(error).toMatchObject({ gatewayCode: 'COMMON_INVALID_API_KEY' });

      const orderId = nextOrderId();
      const checkout = await sandboxGateway.prepare({
        paymentId: 'p',
        orderId,
        amount: 1_000,
        taxFreeAmount: 0,
        orderName: 'x',
        customer: { customerKey: USER_KEY },
      });
      sandbox.authenticate(checkout.paymentKey as string);
      const refused = await sandboxGateway
        .approve({
          prepared: prepared(orderId, 1_000, checkout.paymentKey as string),
          input: { orderId, amount: 1_000 },
          idempotencyKey: 'k',
        })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(GatewayDeclinedError);
      expect(refused).toMatchObject({ gatewayCode: 'EXECUTE_PAY_NOT_APPROVED' });
      expect(sandbox.getPayment(checkout.paymentKey as string)).toMatchObject({ payStatus: 'PAY_APPROVED' });
    } finally {
      await noKeyGateway.close();
      await sandboxGateway.close();
      await noKey.stop();
      await sandbox.stop();
    }
  });
});
