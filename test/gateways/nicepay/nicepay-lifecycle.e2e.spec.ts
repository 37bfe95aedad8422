import fc from 'fast-check';
import {
  AmountMismatchError,
  BillingKey,
  CashReceipt,
  GatewayDeclinedError,
  Payment,
  PaymentCancel,
  PaymentNetCanceledError,
  PaymentsError,
  PaymentStatus,
  SignatureMismatchError,
  WebhookEvent,
} from 'nestjs-kr-payments';
import { NICEPAY_TEST_CLIENT_ID, NICEPAY_TEST_SECRET_KEY, NicePaySimulator } from 'nestjs-kr-payments/testing';
import { bootPaymentsApp, TEST_ENCRYPTION, type ShopApp } from '../../support/harness';
import { CapturingLogger } from '../../support/logger';

const RETURN_URL = 'https://shop.example/pay/nicepay/return';
const TOKEN_CLIENT_ID = 'S2_0b5c1d6a2e7f48a39c1d2e3f4a5b6c7d';
const TOKEN_SECRET_KEY = '0123456789abcdef0123456789abcdef';
const CARD_NUMBER = '5361121234561234';

/**
 * The NicePay lifecycle end to end: real PostgreSQL, the library in a real Nest app, the NicePay simulator over
 * loopback HTTP, webhooks delivered to the app. Assertions are on rows, statuses, amounts and the exact requests
 * the simulator received.
 */
describe('NicePay payments lifecycle', () => {
  let sim: NicePaySimulator;
  let shop: ShopApp;
  /** A second app: query-first policy with a Token-type key in Bearer mode. */
  let queryShop: ShopApp;
  const logger = new CapturingLogger();
  let seq = 0;

  beforeAll(async () => {
    sim = await NicePaySimulator.start({
      port: 0,
      webhookTimeScale: 1 / 60_000,
      keys: [
        { clientId: NICEPAY_TEST_CLIENT_ID, secretKey: NICEPAY_TEST_SECRET_KEY, authType: 'basic', model: 'server' },
        { clientId: TOKEN_CLIENT_ID, secretKey: TOKEN_SECRET_KEY, authType: 'token', model: 'server' },
      ],
    });
    const common = {
      baseUrl: sim.url,
      timeouts: { connectMs: 1_000, readMs: 1_500 },
      webhookAllowedSources: [],
      logBodies: true,
    };
    shop = await bootPaymentsApp(
      {
        gateways: { nicepay: { clientId: NICEPAY_TEST_CLIENT_ID, secretKey: NICEPAY_TEST_SECRET_KEY, ...common } },
        encryption: TEST_ENCRYPTION,
      },
      'useFactory',
      logger,
    );
    queryShop = await bootPaymentsApp(
      {
        gateways: {
          nicepay: {
            clientId: TOKEN_CLIENT_ID,
            secretKey: TOKEN_SECRET_KEY,
            authMode: 'bearer',
            unknownApprovalPolicy: 'query-first',
            ...common,
          },
        },
        encryption: TEST_ENCRYPTION,
      },
      'forRoot',
      logger,
    );
    sim.setWebhookUrl(`${shop.url}/payments/webhooks/nicepay`);
  });

  afterAll(async () => {
    await sim?.webhooksIdle();
    await queryShop?.close();
    await shop?.close();
    await sim?.stop();
  });

  const nextOrderId = () => `npe_${Date.now().toString(36)}_${++seq}`;

  /** prepare through the service, then the simulated window: what the browser POSTs to returnUrl. */
  async function windowed(
    amount = 10_000,
    method: 'CARD' | 'VIRTUAL_ACCOUNT' = 'CARD',
    app = shop,
    clientId = NICEPAY_TEST_CLIENT_ID,
  ) {
    const orderId = nextOrderId();
    const { payment, checkout } = await app.payments.prepare({
      gateway: 'nicepay',
      orderId,
      amount,
      orderName: '나이스 티셔츠 외 2건',
      method,
      customer: { name: '김나이스' },
      returnUrl: RETURN_URL,
    });
    const fields = checkout.fields as Record<string, string>;
    const posted = sim.authenticate({
      clientId,
      orderId,
      amount,
      method: fields['method'],
      goodsName: fields['goodsName'],
      returnUrl: RETURN_URL,
      vbankHolder: fields['vbankHolder'],
    });
    return { orderId, payment, posted };
  }

  const approvalsOf = (tid: string) =>
    sim.requestsTo('POST', `/v1/payments/${tid}`).filter((r) => r.path === `/v1/payments/${tid}`);

  it('card: prepare → window → confirmReturn → PAID; the approval webhook is applied once', async () => {
    const { orderId, posted } = await windowed(10_000);
    const paid = await shop.payments.confirmReturn('nicepay', posted);
    expect(paid).toMatchObject({
      status: PaymentStatus.PAID,
      amount: 10_000,
      gatewayPaymentKey: posted['tid'],
      orderId,
    });
    expect(approvalsOf(posted['tid'])).toHaveLength(1);
    await sim.webhooksIdle();
    const events = await shop.dataSource.manager.find(WebhookEvent, { where: { orderId } });
    expect(events.map((e) => [e.verification, e.status])).toEqual([['read-back', 'PROCESSED']]);
    const deliveries = sim.webhookDeliveries.filter((d) => (d.body as { orderId?: string })?.orderId === orderId);
    expect(deliveries.map((d) => [d.status, d.responseBody, d.accepted])).toEqual([[200, 'OK', true]]);
    expect((await shop.payments.get(paid.id)).status).toBe(PaymentStatus.PAID);
  });

  it('vbank: WAITING_FOR_DEPOSIT, then the deposit webhook makes it PAID', async () => {
    const { posted, payment } = await windowed(30_000, 'VIRTUAL_ACCOUNT');
    const waiting = await shop.payments.confirmReturn('nicepay', posted);
    expect(waiting.status).toBe(PaymentStatus.WAITING_FOR_DEPOSIT);
    sim.deposit(posted['tid']);
    await sim.webhooksIdle();
    expect((await shop.payments.get(payment.id)).status).toBe(PaymentStatus.PAID);
  });

  it('a tampered returnUrl signature or amount is rejected with no approval request; a failed window is a decline', async () => {
    const { posted, payment, orderId } = await windowed(10_000);
    await expect(shop.payments.confirmReturn('nicepay', { ...posted, signature: 'f'.repeat(64) })).rejects.toThrow(
      SignatureMismatchError,
    );
    await expect(shop.payments.confirmReturn('nicepay', { ...posted, amount: '100' })).rejects.toThrow(
      AmountMismatchError,
    );
    const failed = sim.authenticateFailure({
      clientId: NICEPAY_TEST_CLIENT_ID,
      orderId,
      amount: 10_000,
      code: 'I002',
      message: '사용자가 결제를 취소하였습니다',
    });
    await expect(shop.payments.confirmReturn('nicepay', failed)).rejects.toMatchObject({ gatewayCode: 'I002' });
    expect(approvalsOf(posted['tid'])).toHaveLength(0);
    expect((await shop.payments.get(payment.id)).status).toBe(PaymentStatus.READY);
  });

  it('lost approval answer → UNKNOWN → net-cancel (default policy): CANCELED with NET_CANCELED, confirmed at the simulator', async () => {
    const { posted, payment, orderId } = await windowed(12_000);
    sim.failNext({ method: 'POST', path: `/v1/payments/${posted['tid']}` }, { kind: 'drop-after-commit' });
    const error = await shop.payments.confirmReturn('nicepay', posted).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentNetCanceledError);
    const row = await shop.payments.get(payment.id);
    expect(row).toMatchObject({ status: PaymentStatus.CANCELED, failureCode: 'NET_CANCELED' });
    expect(
      sim
        .requestsTo('POST', '/v1/payments/netcancel')
        .filter((r) => (r.body as { orderId?: string }).orderId === orderId),
    ).toHaveLength(1);
    expect(sim.getPayment(posted['tid'])).toMatchObject({ status: 'cancelled', balanceAmt: 0 });
    expect(approvalsOf(posted['tid'])).toHaveLength(1);
  });

  it("lost approval answer with 'query-first' → the query shows it paid → PAID, no net-cancel", async () => {
    const { posted, payment, orderId } = await windowed(13_000, 'CARD', queryShop, TOKEN_CLIENT_ID);
    sim.failNext({ method: 'POST', path: `/v1/payments/${posted['tid']}` }, { kind: 'drop-after-commit' });
    const netCancelsBefore = sim.requestsTo('POST', '/v1/payments/netcancel').length;
    const confirmed = await queryShop.payments.confirmReturn('nicepay', posted);
    expect(confirmed).toMatchObject({ id: payment.id, status: PaymentStatus.PAID, amount: 13_000 });
    expect(sim.requestsTo('GET', `/v1/payments/find/${orderId}`).length).toBeGreaterThanOrEqual(1);
    expect(sim.requestsTo('POST', '/v1/payments/netcancel')).toHaveLength(netCancelsBefore);
    expect(sim.getPayment(posted['tid'])?.['status']).toBe('paid');
  });

  it('Bearer mode mints one token for many calls', async () => {
    const tokensBefore = sim.issuedTokens();
    const runs = await Promise.all([1, 2, 3, 4].map(() => windowed(5_000, 'CARD', queryShop, TOKEN_CLIENT_ID)));
    const paid = await Promise.all(runs.map((run) => queryShop.payments.confirmReturn('nicepay', run.posted)));
    expect(paid.map((p) => p.status)).toEqual([
      PaymentStatus.PAID,
      PaymentStatus.PAID,
      PaymentStatus.PAID,
      PaymentStatus.PAID,
    ]);
    await queryShop.payments.sync(paid[0].id);
    // Only this app uses Bearer: one token (minted by its first call) serves every call.
    expect(sim.issuedTokens()).toBe(1);
    expect(tokensBefore).toBeLessThanOrEqual(1);
    expect(sim.requestsTo('POST', '/v1/access-token')).toHaveLength(1);
  });

  it('20 concurrent confirms reach NicePay as one approval', async () => {
    const { posted, payment } = await windowed(20_000);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => shop.payments.confirmReturn('nicepay', posted)),
    );
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(approvalsOf(posted['tid'])).toHaveLength(1);
    expect((await shop.payments.get(payment.id)).status).toBe(PaymentStatus.PAID);
  });

  it('partial cancels carry distinct orderIds and cancelAmt; the last one empties the balance', async () => {
    const { posted } = await windowed(10_000);
    const paid = await shop.payments.confirmReturn('nicepay', posted);
    await shop.payments.cancel({ paymentId: paid.id, amount: 3_000, reason: '부분 취소' });
    await shop.payments.cancel({ paymentId: paid.id, amount: 2_000, reason: '부분 취소' });
    await shop.payments.cancel({ paymentId: paid.id, reason: '나머지 취소' });
    const row = await shop.payments.get(paid.id);
    expect(row).toMatchObject({ status: PaymentStatus.CANCELED, canceledAmount: 10_000 });
    const cancels = await shop.dataSource.manager.find(PaymentCancel, {
      where: { paymentId: paid.id },
      order: { createdAt: 'ASC' },
    });
    expect(cancels.map((c) => c.amount)).toEqual([3_000, 2_000, 5_000]);
    const bodies = sim
      .requestsTo('POST', `/v1/payments/${posted['tid']}/cancel`)
      .map((r) => r.body as Record<string, unknown>);
    expect(new Set(bodies.map((b) => b['orderId'])).size).toBe(3);
    expect(bodies.map((b) => b['orderId'])).toEqual(cancels.map((c) => `cancel-${c.id}`));
    expect(bodies.map((b) => b['cancelAmt'])).toEqual([3_000, 2_000, undefined]);
    expect(bodies.some((b) => 'amount' in b)).toBe(false);
    expect(sim.getPayment(posted['tid'])).toMatchObject({ status: 'cancelled', balanceAmt: 0 });
  });

  it('a forged webhook is stored, not applied, and answered OK; the dashboard TEST call too', async () => {
    const { posted, payment, orderId } = await windowed(10_000);
    const paid = await shop.payments.confirmReturn('nicepay', posted);
    await sim.webhooksIdle();
    const forged = {
      resultCode: '0000',
      tid: posted['tid'],
      orderId,
      ediDate: '2025-11-22T10:00:00.000+0900',
      amount: 10_000,
      balanceAmt: 0,
      status: 'cancelled',
      payMethod: 'card',
      signature: 'a'.repeat(64),
    };
    const response = await fetch(`${shop.url}/payments/webhooks/nicepay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(forged),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toBe('OK');
    const stored = await shop.dataSource.manager.find(WebhookEvent, { where: { orderId, eventType: 'UNVERIFIED' } });
    expect(stored.map((e) => [e.verification, e.status])).toEqual([['failed', 'REJECTED']]);
    // Only the digest of a body whose signature failed is kept.
    expect(stored[0].payload).toEqual({ unauthenticated: true, bytes: expect.any(Number), sha256: expect.any(String) });
    expect((await shop.payments.get(payment.id)).status).toBe(PaymentStatus.PAID);
    expect(paid.status).toBe(PaymentStatus.PAID);

    // (Deliveries for the Bearer app's payments, signed with the other key, are UNVERIFIED here too.)
    const unverifiedBefore = await shop.dataSource.manager.count(WebhookEvent, { where: { eventType: 'UNVERIFIED' } });
    await sim.sendTestWebhook();
    expect(
      await shop.dataSource.manager.count(WebhookEvent, {
        where: { eventType: 'UNVERIFIED', status: 'REJECTED' as never },
      }),
    ).toBe(unverifiedBefore + 1);
    const testDeliveries = sim.webhookDeliveries.filter((d) => d.eventType === 'test');
    expect(testDeliveries.map((d) => [d.status, d.responseBody, d.accepted])).toEqual([[200, 'OK', true]]);
  });

  it('a duplicate webhook is applied once', async () => {
    const { posted, payment, orderId } = await windowed(10_000);
    await shop.payments.confirmReturn('nicepay', posted);
    await sim.webhooksIdle();
    // A partial cancel made in NicePay's console: its 결제통보 is the payment object the cancel answers with.
    sim.setWebhookUrl(undefined);
    let body: Record<string, unknown>;
    try {
      const answer = await fetch(`${sim.url}/v1/payments/${posted['tid']}/cancel`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${NICEPAY_TEST_CLIENT_ID}:${NICEPAY_TEST_SECRET_KEY}`).toString('base64')}`,
        },
        body: JSON.stringify({ reason: '대시보드 취소', orderId: `${orderId}-console`, cancelAmt: 4_000 }),
      });
      body = (await answer.json()) as Record<string, unknown>;
    } finally {
      sim.setWebhookUrl(`${shop.url}/payments/webhooks/nicepay`);
    }
    expect(body).toMatchObject({ resultCode: '0000', status: 'partialCancelled', balanceAmt: 6_000 });
    const readBacksBefore = sim.requestsTo('GET', `/v1/payments/${posted['tid']}`).length;
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${shop.url}/payments/webhooks/nicepay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(await response.text()).toBe('OK');
    }
    const events = await shop.dataSource.manager.find(WebhookEvent, {
      where: { orderId, eventType: 'payment.partialCancelled' },
    });
    expect(events.map((e) => [e.verification, e.status])).toEqual([['read-back', 'PROCESSED']]);
    expect(sim.requestsTo('GET', `/v1/payments/${posted['tid']}`).length - readBacksBefore).toBe(1);
    expect(await shop.payments.get(payment.id)).toMatchObject({
      status: PaymentStatus.PARTIALLY_CANCELED,
      canceledAmount: 4_000,
    });
  });

  it('billing: issue, charge, delete; the card number never reaches logs or rows', async () => {
    const key = await shop.payments.issueBillingKey({
      gateway: 'nicepay',
      customerKey: 'cust-nicepay-1',
      card: {
        number: CARD_NUMBER,
        expiryYear: '30',
        expiryMonth: '12',
        identityNumber: '800101',
        passwordFirst2: '12',
      },
    });
    const charged = await shop.payments.chargeBillingKey({
      billingKeyId: key.id,
      amount: 9_900,
      orderName: '정기결제 11월',
    });
    expect(charged).toMatchObject({ status: PaymentStatus.PAID, amount: 9_900 });
    const regist = sim.requestsTo('POST', '/v1/subscribe/regist').at(-1)!.body as Record<string, unknown>;
    expect(regist).toMatchObject({ encMode: 'A2', encData: expect.stringMatching(/^[0-9a-f]+$/) });
    expect(JSON.stringify(regist)).not.toContain(CARD_NUMBER);
    await shop.payments.deleteBillingKey(key.id);
    expect(sim.requestsTo('POST', /^\/v1\/subscribe\/[A-Za-z0-9]+\/expire$/)).toHaveLength(1);
  });

  it('cash receipts: issue and cancel with verified receipt signatures', async () => {
    const orderId = nextOrderId();
    const issued = await shop.payments.issueCashReceipt({
      gateway: 'nicepay',
      orderId,
      orderName: '현금 판매',
      amount: 22_000,
      type: 'EXPENSE_PROOF',
      identityNumber: '1234567890',
    });
    expect(issued).toMatchObject({ orderId, amount: 22_000, receiptKey: expect.any(String) });
    expect(sim.requestsTo('POST', '/v1/receipt').at(-1)!.body).toMatchObject({
      orderId,
      receiptType: 'company',
      supplyAmt: 20_000,
      goodsVat: 2_000,
    });
    const canceled = await shop.payments.cancelCashReceipt(issued.id);
    expect(canceled.status).toBe('CANCELED');
    expect(sim.requestsTo('POST', `/v1/receipt/${issued.receiptKey}/cancel`)).toHaveLength(1);
  });

  it('secrets, identity and card numbers never appear in logs or raw columns', async () => {
    await sim.webhooksIdle();
    const rows = [
      ...(await shop.dataSource.manager.find(Payment)).map((r) => r.raw),
      ...(await shop.dataSource.manager.find(PaymentCancel)).map((r) => r.raw),
      ...(await shop.dataSource.manager.find(BillingKey)).map((r) => r.raw),
      ...(await shop.dataSource.manager.find(CashReceipt)).map((r) => r.raw),
      ...(await shop.dataSource.manager.find(WebhookEvent)).map((r) => r.payload),
    ];
    const haystack = `${logger.text()}\n${JSON.stringify(rows)}`;
    expect(rows.length).toBeGreaterThan(10);
    for (const secret of [
      NICEPAY_TEST_SECRET_KEY,
      TOKEN_SECRET_KEY,
      CARD_NUMBER,
      '1234567890',
      Buffer.from(`${NICEPAY_TEST_CLIENT_ID}:${NICEPAY_TEST_SECRET_KEY}`).toString('base64'),
    ]) {
      expect(haystack).not.toContain(secret);
    }
    expect(haystack).not.toMatch(/BIKY[A-Za-z0-9]{20,}/);
  });

  it('fuzzed confirmReturn / prepare inputs → typed 4xx errors and no new rows', async () => {
    const { posted } = await windowed(10_000);
    const count = () => shop.dataSource.manager.count(Payment);
    const junk = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.integer(),
      fc.constantFrom('', '0', '-1', '1e3', '010', null, [], {}, true),
    );
    const expectTyped = async (call: () => Promise<unknown>) => {
      const before = await count();
      try {
        await call();
      } catch (error) {
        if (!(error instanceof PaymentsError)) throw error;
        expect(error.httpStatus).toBeGreaterThanOrEqual(400);
        expect(error.httpStatus).toBeLessThan(500);
      }
      expect(await count()).toBe(before);
    };
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            authResultCode: fc.option(fc.oneof(fc.constant('0000'), junk), { nil: undefined }),
            amount: fc.option(fc.oneof(fc.constant(posted['amount']), junk), { nil: undefined }),
            signature: fc.option(junk, { nil: undefined }),
            orderId: fc.option(fc.oneof(fc.constant(posted['orderId']), junk), { nil: undefined }),
            tid: fc.option(fc.oneof(fc.constant(posted['tid']), junk), { nil: undefined }),
            authToken: fc.option(junk, { nil: undefined }),
          },
          { requiredKeys: [] },
        ),
        async (mutation) =>
          expectTyped(() =>
            shop.payments.confirmReturn('nicepay', {
              ...posted,
              ...mutation,
              ...(mutation.signature === undefined ? { signature: 'b'.repeat(64) } : {}),
            }),
          ),
      ),
      { numRuns: 60 },
    );
    expect(approvalsOf(posted['tid'])).toHaveLength(0);
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            orderName: fc.option(fc.oneof(fc.string({ maxLength: 60 }), junk), { nil: undefined }),
            method: fc.option(fc.oneof(fc.constantFrom('CARD', 'VIRTUAL_ACCOUNT', 'vbank', 'EASY_PAY'), junk), {
              nil: undefined,
            }),
            returnUrl: fc.option(fc.oneof(fc.webUrl(), junk), { nil: undefined }),
            extra: fc.option(fc.dictionary(fc.constantFrom('vbankHolder', 'cardQuota', 'mallReserved', 'nope'), junk), {
              nil: undefined,
            }),
          },
          { requiredKeys: [] },
        ),
        async (input) => {
          const before = await count();
          try {
            await shop.payments.prepare({
              gateway: 'nicepay',
              orderId: nextOrderId(),
              amount: 10_000,
              ...input,
            } as never);
          } catch (error) {
            if (!(error instanceof PaymentsError)) throw error;
            expect(error.httpStatus).toBeLessThan(500);
            expect(await count()).toBe(before);
          }
        },
      ),
      { numRuns: 60 },
    );
    // 120 app round trips: well under a second or two alone, but the 5 s default is tight on a shared machine.
  }, 30_000);

  /** Runs `body` with webhooks off, so only the call under test can move the row (no race with 결제통보). */
  async function withoutWebhooks(body: () => Promise<void>): Promise<void> {
    sim.setWebhookUrl(undefined);
    try {
      await body();
    } finally {
      sim.setWebhookUrl(`${shop.url}/payments/webhooks/nicepay`);
    }
  }

  it('an approval answer that cannot be trusted (bad signature, null or empty resultCode) → UNKNOWN → net-cancel, never FAILED', async () => {
    await withoutWebhooks(async () => {
      for (const patch of [{ signature: 'f'.repeat(64) }, { resultCode: null }, { resultCode: '' }]) {
        const { posted, payment, orderId } = await windowed(11_000);
        sim.failNext({ method: 'POST', path: `/v1/payments/${posted['tid']}` }, { kind: 'tamper-after-commit', patch });
        const error = await shop.payments.confirmReturn('nicepay', posted).catch((e: unknown) => e);
        // NicePay approved (the simulator committed): FAILED would leave a charged buyer with a failed order.
        expect(error).toBeInstanceOf(PaymentNetCanceledError);
        expect(await shop.payments.get(payment.id)).toMatchObject({
          status: PaymentStatus.CANCELED,
          failureCode: 'NET_CANCELED',
        });
        expect(sim.getPayment(posted['tid'])).toMatchObject({ status: 'cancelled', balanceAmt: 0 });
        expect(
          sim
            .requestsTo('POST', '/v1/payments/netcancel')
            .filter((r) => (r.body as { orderId?: string }).orderId === orderId),
        ).toHaveLength(1);
      }
    });
  });

  it('a billing charge answer whose signature does not verify → UNKNOWN → net-cancel, never FAILED', async () => {
    await withoutWebhooks(async () => {
      const key = await shop.payments.issueBillingKey({
        gateway: 'nicepay',
        customerKey: 'cust-nicepay-tamper',
        card: {
          number: CARD_NUMBER,
          expiryYear: '30',
          expiryMonth: '12',
          identityNumber: '800101',
          passwordFirst2: '12',
        },
      });
      sim.failNext(
        { method: 'POST', path: /^\/v1\/subscribe\/[A-Za-z0-9]+\/payments$/ },
        { kind: 'tamper-after-commit', patch: { signature: '0'.repeat(64) } },
      );
      const error = await shop.payments
        .chargeBillingKey({ billingKeyId: key.id, amount: 4_900, orderName: '정기결제' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PaymentNetCanceledError);
      const charge = sim.requestsTo('POST', /^\/v1\/subscribe\/[A-Za-z0-9]+\/payments$/).at(-1)!.body as {
        orderId: string;
      };
      const row = await shop.payments.getByOrderId('nicepay', charge.orderId);
      expect(row).toMatchObject({ status: PaymentStatus.CANCELED, failureCode: 'NET_CANCELED', amount: 4_900 });
    });
  });

  it('a cancel answer whose signature does not verify keeps the reservation (UNKNOWN, not FAILED); sync settles it', async () => {
    await withoutWebhooks(async () => {
      const { posted } = await windowed(10_000);
      const paid = await shop.payments.confirmReturn('nicepay', posted);
      sim.failNext(
        { method: 'POST', path: `/v1/payments/${posted['tid']}/cancel` },
        { kind: 'tamper-after-commit', patch: { signature: 'e'.repeat(64) } },
      );
      const error = await shop.payments
        .cancel({ paymentId: paid.id, amount: 3_000, reason: '부분 취소' })
        .catch((e: unknown) => e);
      // NicePay refunded 3,000: releasing the reservation (FAILED) would let a retry refund it a second time.
      expect(error).toMatchObject({ code: 'PAYMENT_OUTCOME_UNKNOWN' });
      const [pending] = await shop.dataSource.manager.find(PaymentCancel, { where: { paymentId: paid.id } });
      expect(pending).toMatchObject({ status: 'UNKNOWN', amount: 3_000 });
      expect(await shop.payments.get(paid.id)).toMatchObject({ pendingCancelAmount: 3_000 });
      await shop.payments.sync(paid.id);
      expect(await shop.payments.get(paid.id)).toMatchObject({
        status: PaymentStatus.PARTIALLY_CANCELED,
        canceledAmount: 3_000,
        pendingCancelAmount: 0,
      });
      const [settled] = await shop.dataSource.manager.find(PaymentCancel, { where: { paymentId: paid.id } });
      expect(settled).toMatchObject({ status: 'DONE', amount: 3_000 });
    });
  });

  it('a declined approval is FAILED with the code kept', async () => {
    const { posted, payment } = await windowed(10_000);
    sim.failNext(
      { method: 'POST', path: `/v1/payments/${posted['tid']}` },
      { kind: 'error', resultCode: '3011', resultMsg: '카드번호 오류' },
    );
    await expect(shop.payments.confirmReturn('nicepay', posted)).rejects.toBeInstanceOf(GatewayDeclinedError);
    expect(await shop.payments.get(payment.id)).toMatchObject({ status: PaymentStatus.FAILED, failureCode: '3011' });
  });
});
