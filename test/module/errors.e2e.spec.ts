import { DataSource } from 'typeorm';
import {
  PaymentsService,
  PaymentStatus,
  SHIPPED_GATEWAY_MODULES,
  type PaymentsModuleOptions,
} from 'nestjs-kr-payments';
import {
  ManualClock,
  NICEPAY_TEST_CLIENT_ID,
  NICEPAY_TEST_SECRET_KEY,
  NicePaySimulator,
  TOSS_TEST_CLIENT_KEY,
  TOSS_TEST_SECRET_KEY,
  TossSimulator,
} from 'nestjs-kr-payments/testing';
import { resolvePaymentsOptions } from '../../libs/payments/src/payments.options';
import { createTestDatabase, type TestDatabase } from '../../libs/testing/src/postgres/test-database';
import { TEST_ENCRYPTION, URLS } from '../support/harness';
import {
  bootHostApp,
  call,
  documentedErrors,
  exampleOf,
  withGlobalFilter,
  type DocumentedError,
  type TestApp,
} from './errors.e2e.support';
import { publicViewCases } from './public-views.cases';

const BODY_KEYS = ['code', 'field', 'gatewayCode', 'message', 'retryable', 'statusCode'];
const INTERNAL_ERROR = { statusCode: 500, message: 'Internal server error' };
const CONFIRM_PATH = '/v1/payments/confirm';

/**
 * PaymentsError over HTTP in a host app with no exception filter of its own: PaymentsModule's filter answers each code
 * with the status and body the README documents, leaves the host's own exceptions to Nest, and can be turned off. The
 * example shop's confirm answers 200 only for an approved order. The public services' results carry no internals.
 */
describe('errors and responses over HTTP', () => {
  let database: TestDatabase;
  let toss: TossSimulator;
  let nicepay: NicePaySimulator;
  let host: TestApp;
  let filterOff: TestApp;
  let filterByHand: TestApp;
  let options: PaymentsModuleOptions;
  const clock = new ManualClock(new Date('2028-02-01T00:00:00Z'));
  let seq = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    toss = await TossSimulator.start({ port: 0 });
    nicepay = await NicePaySimulator.start({ port: 0 });
    options = {
      gateways: {
        toss: { secretKey: TOSS_TEST_SECRET_KEY, clientKey: TOSS_TEST_CLIENT_KEY, baseUrl: toss.url },
        nicepay: { clientId: NICEPAY_TEST_CLIENT_ID, secretKey: NICEPAY_TEST_SECRET_KEY, baseUrl: nicepay.url },
      },
      encryption: TEST_ENCRYPTION,
      clock,
    };
    host = await bootHostApp(database.url, options);
    const off = { ...options, http: { exceptionFilter: false } };
    filterOff = await bootHostApp(database.url, off);
    filterByHand = await bootHostApp(database.url, off, withGlobalFilter);
  });

  afterAll(async () => {
    await filterByHand?.app.close();
    await filterOff?.app.close();
    await host?.app.close();
    await nicepay?.stop();
    await toss?.stop();
    await database?.drop();
  });

  const documented = documentedErrors();
  const expectedBody = (row: DocumentedError) => {
    const example = exampleOf(row.className);
    return {
      statusCode: row.httpStatus,
      code: example.code,
      message: example.message,
      field: example.field ?? null,
      retryable: row.retryable,
      gatewayCode: example.gatewayCode ?? null,
    };
  };

  it('the README documents every code the library answers over HTTP', () => {
    const codes = documented.map((row) => row.code);
    expect(codes).toEqual(expect.arrayContaining(['INVALID_INPUT', 'PAYMENT_ALREADY_FINAL', 'PAYMENT_IN_PROGRESS']));
    expect(documented.length).toBeGreaterThanOrEqual(29);
  });

  it.each(documented.map((row) => [row.code, row] as const))(
    '%s → its documented status and body',
    async (code, row) => {
      const { status, body } = await call(host.url, 'GET', `/host/errors/${row.className}`);
      expect([status, Object.keys(body).sort()]).toEqual([row.httpStatus, BODY_KEYS]);
      expect(body).toEqual(expectedBody(row));
      if (code === '<ENTITY>_NOT_FOUND') expect(body['code']).toMatch(/^[A-Z_]+_NOT_FOUND$/);
      else expect(body['code']).toBe(code);
    },
  );

  it('a 5xx is logged at error, a 4xx and a 501 at debug, one line each, without a stack trace', async () => {
    host.logger.entries.length = 0;
    for (const className of ['GatewayConfigurationError', 'InvalidInputError', 'UnsupportedOperationError']) {
      await call(host.url, 'GET', `/host/errors/${className}`);
    }
    const line = (status: number, className: string) => {
      const example = exampleOf(className);
      return `${status} ${example.code}: ${example.message}`;
    };
    expect(host.logger.at('error')).toEqual([line(500, 'GatewayConfigurationError')]);
    expect(host.logger.at('debug')).toEqual([line(400, 'InvalidInputError'), line(501, 'UnsupportedOperationError')]);
    expect(host.logger.text()).not.toMatch(/\n\s+at /);
  });

  it("the host's own exceptions keep Nest's handling: a plain Error is a 500, an HttpException its own answer", async () => {
    expect(await call(host.url, 'GET', '/host/crash')).toEqual({ status: 500, body: INTERNAL_ERROR });
    expect(await call(host.url, 'GET', '/host/missing')).toEqual({
      status: 404,
      body: { statusCode: 404, message: 'no such cart', error: 'Not Found' },
    });
  });

  it('http.exceptionFilter: false registers no filter; app.useGlobalFilters(new PaymentsExceptionFilter()) applies it', async () => {
    expect(await call(filterOff.url, 'GET', '/host/errors/GatewayDeclinedError')).toEqual({
      status: 500,
      body: INTERNAL_ERROR,
    });
    const byHand = await call(filterByHand.url, 'GET', '/host/errors/GatewayDeclinedError');
    expect(byHand).toMatchObject({
      status: 402,
      body: { code: 'GATEWAY_DECLINED', gatewayCode: 'REJECT_CARD_COMPANY' },
    });
    expect(await call(filterByHand.url, 'GET', '/host/crash')).toEqual({ status: 500, body: INTERNAL_ERROR });
  });

  it('http options are validated at boot, naming the field', () => {
    const resolve = (http: unknown) =>
      resolvePaymentsOptions({ ...options, http } as PaymentsModuleOptions, SHIPPED_GATEWAY_MODULES);
    expect(() => resolve({ exceptionFilter: 'off' })).toThrow(/http\.exceptionFilter: must be a boolean/);
    expect(() => resolve({ filter: false })).toThrow(/http\.filter: unknown option/);
    expect(() => resolve(false)).toThrow(/http: must be an object/);
    expect(resolve({ exceptionFilter: false }).http).toEqual({ exceptionFilter: false });
    expect(resolve(undefined).http).toEqual({ exceptionFilter: true });
  });

  describe("the example shop's confirm", () => {
    const confirms = () => toss.requestsTo('POST', CONFIRM_PATH).length;

    /** A Toss checkout through the shop, and the buyer back from the payment window. */
    async function checkout(amount = 12_000) {
      const orderId = `err_${Date.now().toString(36)}_${++seq}`;
      const prepared = await call(host.url, 'POST', '/checkout', {
        ...URLS,
        gateway: 'toss',
        orderId,
        amount,
        orderName: '에러 테스트',
      });
      expect(prepared.status).toBe(201);
      const { paymentKey } = toss.authenticatePayment({ orderId, amount, orderName: '에러 테스트' });
      const order = prepared.body['order'] as { paymentId: string };
      return { paymentId: order.paymentId, confirm: { gateway: 'toss', orderId, amount, paymentKey } };
    }
    const confirm = (body: object) => call(host.url, 'POST', '/checkout/confirm', body);

    it('a paid order confirmed again is the same 200, with one approval at Toss', async () => {
      const order = await checkout();
      const before = confirms();
      const first = await confirm(order.confirm);
      const again = await confirm(order.confirm);
      expect([first.status, first.body['status'], again.status, again.body]).toEqual([200, 'PAID', 200, first.body]);
      expect(confirms() - before).toBe(1);
    });

    it('a declined order is 402 GATEWAY_DECLINED, then 409 PAYMENT_ALREADY_FINAL, never 200', async () => {
      const order = await checkout();
      toss.failNext(
        { method: 'POST', path: CONFIRM_PATH },
        { kind: 'error', status: 403, code: 'REJECT_CARD_COMPANY' },
      );
      const declined = await confirm(order.confirm);
      expect(declined).toMatchObject({
        status: 402,
        body: { statusCode: 402, code: 'GATEWAY_DECLINED', gatewayCode: 'REJECT_CARD_COMPANY', retryable: false },
      });
      const before = confirms();
      const again = await confirm(order.confirm);
      expect(again).toMatchObject({ status: 409, body: { code: 'PAYMENT_ALREADY_FINAL', retryable: false } });
      expect(again.body['message']).toBe(
        `payment ${order.paymentId} is already FAILED (REJECT_CARD_COMPANY); it cannot be confirmed again`,
      );
      expect(confirms()).toBe(before);
    });

    it('a refunded or expired order is 409 PAYMENT_ALREADY_FINAL naming its status', async () => {
      const refunded = await checkout();
      expect((await confirm(refunded.confirm)).status).toBe(200);
      const cancel = await call(host.url, 'POST', `/orders/${refunded.paymentId}/cancel`, { reason: '고객 요청' });
      expect(cancel.status).toBe(200);
      const abandoned = await checkout();
      await host.app
        .get(DataSource)
        .query(`UPDATE payments SET status = 'EXPIRED' WHERE id = $1`, [abandoned.paymentId]);

      for (const [order, status] of [
        [refunded, 'CANCELED'],
        [abandoned, 'EXPIRED'],
      ] as const) {
        const answer = await confirm(order.confirm);
        expect(answer).toMatchObject({ status: 409, body: { code: 'PAYMENT_ALREADY_FINAL' } });
        expect(answer.body['message']).toContain(`is already ${status}`);
      }
    });

    it('another confirm in flight is a retryable 409 PAYMENT_IN_PROGRESS; the service answers the row by default', async () => {
      const order = await checkout();
      // What a concurrent confirm's compare-and-set leaves while its approval is on the wire.
      await host.app
        .get(DataSource)
        .query(
          `UPDATE payments SET status = 'IN_PROGRESS', attempt_payment_key = $2, approval_sent_at = $3 WHERE id = $1`,
          [order.paymentId, order.confirm.paymentKey, clock.now()],
        );
      const before = confirms();
      expect(await confirm(order.confirm)).toMatchObject({
        status: 409,
        body: { code: 'PAYMENT_IN_PROGRESS', retryable: true, field: null },
      });
      const payments = host.app.get(PaymentsService);
      expect(await payments.confirm(order.confirm)).toMatchObject({ status: PaymentStatus.IN_PROGRESS });
      await expect(payments.confirm(order.confirm, { onPending: 'throw' })).rejects.toMatchObject({
        code: 'PAYMENT_IN_PROGRESS',
        httpStatus: 409,
      });
      await expect(payments.confirm(order.confirm, { onPending: 'later' as never })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        field: 'onPending',
      });
      expect(confirms()).toBe(before);
    });

    it('an answer still unknown is a retryable 503 PAYMENT_OUTCOME_UNKNOWN to the shop, the row to the default', async () => {
      const order = await checkout();
      // Another attempt's approval whose answer was lost moments ago: a read-back within its bound proves nothing.
      await host.app.get(DataSource).query(
        `UPDATE payments SET status = 'UNKNOWN', attempt_payment_key = 'tviva_other_attempt', approval_sent_at = $2
           WHERE id = $1`,
        [order.paymentId, clock.now()],
      );
      const before = confirms();
      expect(await confirm(order.confirm)).toMatchObject({
        status: 503,
        body: { code: 'PAYMENT_OUTCOME_UNKNOWN', retryable: true },
      });
      const payments = host.app.get(PaymentsService);
      expect(await payments.confirm(order.confirm)).toMatchObject({ status: PaymentStatus.UNKNOWN });
      expect(confirms()).toBe(before);
    });

    it('a lost approval answer is a retryable 503 PAYMENT_OUTCOME_UNKNOWN; the retry reads back and answers 200', async () => {
      const order = await checkout();
      toss.failNext({ method: 'POST', path: CONFIRM_PATH }, { kind: 'drop-after-commit' });
      expect(await confirm(order.confirm)).toMatchObject({
        status: 503,
        body: { statusCode: 503, code: 'PAYMENT_OUTCOME_UNKNOWN', retryable: true },
      });
      expect(await confirm(order.confirm)).toMatchObject({ status: 200, body: { status: 'PAID' } });
    });

    it('an unknown order is 404 PAYMENT_NOT_FOUND and a bad amount 400 INVALID_INPUT naming the field', async () => {
      const missing = await call(host.url, 'GET', '/orders/6d1f7a52-3f0e-4c2a-9a58-3f4f3b0c1d2e');
      expect(missing).toMatchObject({ status: 404, body: { code: 'PAYMENT_NOT_FOUND', field: null } });
      const body = { ...URLS, gateway: 'toss', amount: -1, orderName: '음수' };
      expect(await call(host.url, 'POST', '/checkout', body)).toMatchObject({
        status: 400,
        body: { statusCode: 400, code: 'INVALID_INPUT', field: 'amount', retryable: false, gatewayCode: null },
      });
    });
  });

  publicViewCases(() => ({ app: host.app, toss, nicepay, clock }));
});
