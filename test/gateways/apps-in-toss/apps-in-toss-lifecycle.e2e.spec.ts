import { X509Certificate } from 'node:crypto';
import {
  DuplicateOrderError,
  GatewayDeclinedError,
  PaymentCancel,
  PaymentOutcomeUnknownError,
  PaymentStatus,
  CancelStatus,
} from 'nestjs-kr-payments';
import { AppsInTossSimulator, type TestPki } from 'nestjs-kr-payments/testing';
import type { ShopApp } from '../../support/harness';
import { PAY, shopAgainstSimulator, USER_KEY } from './apps-in-toss-e2e.fixtures';

/**
 * Apps-in-Toss end to end: real PostgreSQL, the library in a Nest app, the simulator over real mTLS on 127.0.0.1.
 * Assertions are on rows, statuses, amounts and the exact requests (and certificates) the simulator received.
 */
describe('Apps-in-Toss payments lifecycle (mTLS)', () => {
  let pki: TestPki;
  let sim: AppsInTossSimulator;
  let shop: ShopApp;
  const world = shopAgainstSimulator();
  const { logger, nextOrderId, gateway, rowsOf, prepared } = world;

  beforeAll(async () => {
    ({ pki, sim, shop } = await world.start());
  });

  afterAll(() => world.stop());

  it('prepare → authenticate → confirm → PAID → refund → CANCELED, every request over the client certificate', async () => {
    const fingerprint = new X509Certificate(pki.clientCert).fingerprint256;
    const requestsBefore = sim.requests.length;
    const verifiedBefore = sim.handshakes.verified;

    const { orderId, payToken, payment, checkout } = await prepared(12_000);
    expect(payment.status).toBe(PaymentStatus.READY);
    expect(checkout).toEqual({ gateway: 'appsInToss', kind: 'payToken', paymentKey: payToken, fields: { payToken } });
    expect((await shop.payments.get(payment.id)).gatewayPaymentKey).toBe(payToken);

    sim.authenticate(payToken, { payMethod: 'TOSS_MONEY' });
    const paid = await shop.payments.confirm({ gateway: 'appsInToss', orderId, amount: 12_000, payToken });
    expect(paid).toMatchObject({
      status: PaymentStatus.PAID,
      amount: 12_000,
      balanceAmount: 12_000,
      method: 'EASY_PAY',
      gatewayPaymentKey: payToken,
    });
    expect(paid.approvedAt).toBeInstanceOf(Date);
    expect(paid.lastTransactionKey).toMatch(/^[0-9a-f-]{36}$/);
    const executes = sim
      .requestsTo(`${PAY}/execute-payment`)
      .filter((r) => (r.body as { orderNo: string }).orderNo === orderId);
    expect(executes.map((r) => r.body)).toEqual([{ payToken, orderNo: orderId, isTestPayment: true }]);

    const cancel = await shop.payments.cancel({ paymentId: payment.id, reason: '단순변심' });
    expect(cancel).toMatchObject({ status: CancelStatus.DONE, amount: 12_000 });
    const canceled = await shop.payments.get(payment.id);
    expect(canceled).toMatchObject({
      status: PaymentStatus.CANCELED,
      canceledAmount: 12_000,
      balanceAmount: 0,
      pendingCancelAmount: 0,
    });
    expect(sim.getPayment(payToken)).toMatchObject({ payStatus: 'REFUND_SUCCESS' });

    // sync afterwards sees the same refund (same transaction key): still one cancel row
    const synced = await shop.payments.sync(payment.id);
    expect(synced).toMatchObject({ status: PaymentStatus.CANCELED, canceledAmount: 12_000 });
    const cancels = await shop.dataSource.manager.find(PaymentCancel, { where: { paymentId: payment.id } });
    expect(cancels.map((c) => [c.status, c.amount, c.transactionKey])).toEqual([
      [CancelStatus.DONE, 12_000, cancel.transactionKey],
    ]);

    const requests = sim.requests.slice(requestsBefore);
    expect(requests.map((r) => r.path.slice(PAY.length + 1))).toEqual([
      'make-payment',
      'execute-payment',
      'refund-payment',
      'get-payment-status',
    ]);
    for (const request of requests) {
      expect(request.clientCertificate).toMatchObject({ fingerprint256: fingerprint, authorized: true });
      expect(request.headers['x-toss-user-key']).toBe(USER_KEY);
    }
    expect(sim.handshakes.verified).toBeGreaterThan(verifiedBefore);
    expect(sim.handshakes.rejected).toBe(0);
  });

  it('a lost execute answer (drop-after-commit) → UNKNOWN; sync → PAID', async () => {
    const { orderId, payToken, payment } = await prepared(9_000);
    sim.authenticate(payToken);
    sim.failNext({ path: `${PAY}/execute-payment` }, 'drop-after-commit');
    await expect(
      shop.payments.confirm({ gateway: 'appsInToss', orderId, amount: 9_000, payToken }),
    ).rejects.toBeInstanceOf(PaymentOutcomeUnknownError);
    expect((await shop.payments.get(payment.id)).status).toBe(PaymentStatus.UNKNOWN);
    expect(sim.getPayment(payToken)).toMatchObject({ payStatus: 'PAY_COMPLETE' });

    const statusBefore = sim.requestsTo(`${PAY}/get-payment-status`).length;
    const synced = await shop.payments.sync(payment.id);
    expect(synced).toMatchObject({ status: PaymentStatus.PAID, balanceAmount: 9_000, method: 'EASY_PAY' });
    const lookups = sim.requestsTo(`${PAY}/get-payment-status`).slice(statusBefore);
    expect(lookups.map((r) => [r.body, r.headers['x-toss-user-key']])).toEqual([
      [{ payToken, orderNo: orderId, isTestPayment: true }, USER_KEY],
    ]);
  });

  it('a transport-class envelope on execute → UNKNOWN (never FAILED); sync shows it was never executed', async () => {
    const { orderId, payToken, payment } = await prepared(4_000);
    sim.authenticate(payToken);
    sim.failNext({ path: `${PAY}/execute-payment` }, { kind: 'envelope', resultType: 'HTTP_TIMEOUT' });
    const error = await shop.payments
      .confirm({ gateway: 'appsInToss', orderId, amount: 4_000, payToken })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
    expect(error).toMatchObject({ gatewayCode: 'HTTP_TIMEOUT' });
    expect((await shop.payments.get(payment.id)).status).toBe(PaymentStatus.UNKNOWN);
    // PAY_APPROVED at Toss: the truth is READY (not executed) and the execute may still be in flight for all the
    // core knows, so the row stays UNKNOWN; a confirm retry then executes once
    expect((await shop.payments.sync(payment.id)).status).toBe(PaymentStatus.UNKNOWN);
    const retried = await shop.payments.confirm({ gateway: 'appsInToss', orderId, amount: 4_000, payToken });
    expect(retried.status).toBe(PaymentStatus.PAID);
  });

  it.each([
    ['another amount', { amount: 1 }, 'AMOUNT_MISMATCH'],
    ['another orderNo', { orderNo: 'someone-else-order' }, 'ORDER_MISMATCH'],
    ['another payToken', { payToken: 'AAAAAAAAAAAAAAAAAAAAAA' }, 'PAYMENT_KEY_MISMATCH'],
  ])(
    'an execute answer about %s (money moved) → UNKNOWN, never FAILED; payToken kept; sync → PAID',
    async (_what, patch, code) => {
      const { orderId, payToken, payment } = await prepared(6_000);
      sim.authenticate(payToken);
      sim.failNext({ path: `${PAY}/execute-payment` }, { kind: 'tamper', success: patch });
      const error = await shop.payments
        .confirm({ gateway: 'appsInToss', orderId, amount: 6_000, payToken })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
      expect((error as Error).message).toContain(code);
      expect(sim.getPayment(payToken)).toMatchObject({ payStatus: 'PAY_COMPLETE' });
      expect(await shop.payments.get(payment.id)).toMatchObject({
        status: PaymentStatus.UNKNOWN,
        failureCode: code,
        gatewayPaymentKey: payToken,
      });
      expect(await shop.payments.sync(payment.id)).toMatchObject({
        status: PaymentStatus.PAID,
        balanceAmount: 6_000,
        gatewayPaymentKey: payToken,
      });
    },
  );

  it('a refund answer about another payToken or amount → the cancel is UNKNOWN (not DONE on our numbers); sync settles it', async () => {
    for (const patch of [{ payToken: 'AAAAAAAAAAAAAAAAAAAAAA' }, { refundedAmount: 1 }]) {
      const { orderId, payToken, payment } = await prepared(7_000);
      sim.authenticate(payToken);
      await shop.payments.confirm({ gateway: 'appsInToss', orderId, amount: 7_000, payToken });
      sim.failNext({ path: `${PAY}/refund-payment` }, { kind: 'tamper', success: patch });
      await expect(shop.payments.cancel({ paymentId: payment.id, reason: '단순변심' })).rejects.toBeInstanceOf(
        PaymentOutcomeUnknownError,
      );
      const cancels = await shop.dataSource.manager.find(PaymentCancel, { where: { paymentId: payment.id } });
      expect(cancels.map((c) => [c.status, c.amount])).toEqual([[CancelStatus.UNKNOWN, 7_000]]);
      expect(await shop.payments.get(payment.id)).toMatchObject({
        status: PaymentStatus.PAID,
        gatewayPaymentKey: payToken,
      });
      expect(await shop.payments.sync(payment.id)).toMatchObject({
        status: PaymentStatus.CANCELED,
        canceledAmount: 7_000,
        balanceAmount: 0,
      });
    }
  });

  it('FAIL envelopes → typed errors with the gateway code; the row records it', async () => {
    const { orderId, payToken, payment } = await prepared(3_000);
    sim.authenticate(payToken);
    sim.failNext(
      { path: `${PAY}/execute-payment` },
      { kind: 'fail', errorCode: 'REJECT_CARD_COMPANY', reason: '카드사에서 거절했습니다.' },
    );
    const error = await shop.payments
      .confirm({ gateway: 'appsInToss', orderId, amount: 3_000, payToken })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayDeclinedError);
    expect(error).toMatchObject({ gatewayCode: 'REJECT_CARD_COMPANY', gatewayMessage: '카드사에서 거절했습니다.' });
    expect(await shop.payments.get(payment.id)).toMatchObject({
      status: PaymentStatus.FAILED,
      failureCode: 'REJECT_CARD_COMPANY',
    });
  });

  it('a duplicate orderNo at Toss → DuplicateOrderError (PAYMENT_EXISTING_PAYMENT); the row is FAILED, not PAID', async () => {
    const orderId = nextOrderId();
    // The orderNo already exists at Toss (another server, an earlier deployment): created straight through the adapter.
    await gateway().prepare({
      paymentId: 'x',
      orderId,
      amount: 1_000,
      taxFreeAmount: 0,
      orderName: 'first',
      customer: { customerKey: USER_KEY },
    });
    const error = await shop.payments
      .prepare({
        gateway: 'appsInToss',
        orderId,
        amount: 1_000,
        orderName: 'second',
        customer: { customerKey: USER_KEY },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateOrderError);
    expect(error).toMatchObject({ code: 'DUPLICATE_ORDER', gatewayCode: 'PAYMENT_EXISTING_PAYMENT' });
    const rows = await rowsOf(orderId);
    expect(rows.map((r) => [r.status, r.failureCode])).toEqual([[PaymentStatus.FAILED, 'PAYMENT_EXISTING_PAYMENT']]);
  });

  it('the buyer closes the window (PAY_CANCEL) → sync → EXPIRED with failureCode PAY_CANCEL', async () => {
    const { payToken, payment } = await prepared(2_500);
    sim.cancelWindow(payToken);
    expect(await shop.payments.sync(payment.id)).toMatchObject({
      status: PaymentStatus.EXPIRED,
      failureCode: 'PAY_CANCEL',
    });
  });

  it('certificate rotation without restart: the next request presents the new certificate', async () => {
    const next = await pki.issueClientCertificate('apps-in-toss-rotated');
    const nextFingerprint = new X509Certificate(next.cert).fingerprint256;
    const info = gateway().rotateCertificate({ tlsCert: next.cert, tlsKey: next.key });
    expect(info.fingerprint256).toBe(nextFingerprint);

    const { orderId, payToken } = await prepared(6_000);
    sim.authenticate(payToken);
    const paid = await shop.payments.confirm({ gateway: 'appsInToss', orderId, amount: 6_000, payToken });
    expect(paid.status).toBe(PaymentStatus.PAID);
    const ours = sim.requests.filter((r) => (r.body as { orderNo?: string } | undefined)?.orderNo === orderId);
    expect(ours.map((r) => r.path.slice(PAY.length + 1))).toEqual(['make-payment', 'execute-payment']);
    for (const request of ours)
      expect(request.clientCertificate).toMatchObject({
        fingerprint256: nextFingerprint,
        subjectCN: 'apps-in-toss-rotated',
      });
    expect(sim.handshakes.rejected).toBe(0);
    expect(logger.text()).toContain(`-> ${nextFingerprint}`);
  });

  it('the private key never reaches logs or raw (bodies logged at verbose)', async () => {
    const keyBody = pki.clientKey.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    const logs = logger.text();
    expect(logs).toContain('execute-payment');
    const rows: Array<{ raw: unknown }> = await shop.dataSource.query('SELECT raw FROM payments WHERE gateway = $1', [
      'appsInToss',
    ]);
    expect(rows.length).toBeGreaterThan(0);
    const raws = JSON.stringify(rows);
    for (const chunk of [keyBody.slice(0, 40), keyBody.slice(40, 80), keyBody.slice(-40), 'PRIVATE KEY']) {
      expect(logs).not.toContain(chunk);
      expect(raws).not.toContain(chunk);
    }
    // The buyer's user key travels on every call (the simulator saw it) but is redacted from request logs.
    expect(sim.requests.some((r) => r.headers['x-toss-user-key'] === USER_KEY)).toBe(true);
    expect(logs).toContain('"x-toss-user-key":"[REDACTED]"');
    expect(logs).not.toContain(`"x-toss-user-key":"${USER_KEY}"`);
  });
});
