import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { Agent, fetch } from 'undici';
import { ManualClock } from '../../libs/testing/src/clock';
import {
  APPS_IN_TOSS_PAY_PATH,
  APPS_IN_TOSS_TEST_USER_KEY,
  AppsInTossSimulator,
  type AppsInTossSimulatorOptions,
  type TestPki,
  createTestPki,
} from '../../libs/testing/src/apps-in-toss';

// ---- helpers ----------------------------------------------------------------------------------------------------

let pki: TestPki;
let foreignPki: TestPki;

beforeAll(async () => {
  [pki, foreignPki] = await Promise.all([createTestPki(), createTestPki({ caName: 'some other CA' })]);
});

const simulators: AppsInTossSimulator[] = [];
const agents: Agent[] = [];

afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
  await Promise.all(simulators.splice(0).map((sim) => sim.stop()));
});

async function startSim(options: AppsInTossSimulatorOptions = {}): Promise<AppsInTossSimulator> {
  const sim = await AppsInTossSimulator.start({ pki, ...options });
  simulators.push(sim);
  return sim;
}

function agent(connect: { ca?: string; cert?: string; key?: string }): Agent {
  const created = new Agent({ connect });
  agents.push(created);
  return created;
}

type Endpoint = 'make-payment' | 'execute-payment' | 'refund-payment' | 'get-payment-status';

interface CallResult {
  status: number;
  body: any;
  text: string;
  contentType: string | null;
}

interface CallOptions {
  userKey?: string | null;
  dispatcher?: Agent;
  rawBody?: string;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  method?: string;
}

/** One mTLS agent per simulator, presenting the client certificate its CA signed. */
const defaultAgents = new WeakMap<AppsInTossSimulator, Agent>();
function mtlsAgent(sim: AppsInTossSimulator): Agent {
  let existing = defaultAgents.get(sim);
  if (!existing) {
    existing = agent({ ca: sim.pki.caCert, cert: sim.pki.clientCert, key: sim.pki.clientKey });
    defaultAgents.set(sim, existing);
  }
  return existing;
}

async function rawCall(sim: AppsInTossSimulator, path: string, body: unknown, options: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.userKey !== null) headers['x-toss-user-key'] = options.userKey ?? APPS_IN_TOSS_TEST_USER_KEY;
  const response = await fetch(`${sim.url}${path}`, {
    method: options.method ?? 'POST',
    headers,
    body: options.method === 'GET' ? undefined : (options.rawBody ?? JSON.stringify(body)),
    dispatcher: options.dispatcher ?? mtlsAgent(sim),
    signal: options.signal,
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, text, contentType: response.headers.get('content-type') };
}

const call = (sim: AppsInTossSimulator, endpoint: Endpoint, body: unknown, options?: CallOptions) =>
  rawCall(sim, `${APPS_IN_TOSS_PAY_PATH}/${endpoint}`, body, options);

let orderSeq = 0;
const newOrderNo = () => `order-${process.pid}-${Date.now()}-${++orderSeq}`;

function makeBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { orderNo: newOrderNo(), productDesc: '토스 티셔츠', amount: 10_000, amountTaxFree: 0, isTestPayment: true, ...overrides };
}

async function makePayment(sim: AppsInTossSimulator, overrides: Record<string, unknown> = {}, options?: CallOptions) {
  const body = makeBody(overrides);
  const made = await call(sim, 'make-payment', body, options);
  expect(made.status).toBe(200);
  expect(made.body.resultType).toBe('SUCCESS');
  return { payToken: made.body.success.payToken as string, orderNo: body.orderNo as string, body };
}

async function executedPayment(sim: AppsInTossSimulator, overrides: Record<string, unknown> = {}, payMethod: 'CARD' | 'TOSS_MONEY' = 'CARD') {
  const made = await makePayment(sim, overrides);
  sim.authenticate(made.payToken, { payMethod });
  const executed = await call(sim, 'execute-payment', { payToken: made.payToken, orderNo: made.orderNo, isTestPayment: made.body.isTestPayment });
  expect(executed.status).toBe(200);
  expect(executed.body.resultType).toBe('SUCCESS');
  return { ...made, executed: executed.body.success };
}

async function status(sim: AppsInTossSimulator, payToken: string, isTestPayment = true) {
  const answer = await call(sim, 'get-payment-status', { payToken, isTestPayment });
  expect(answer.status).toBe(200);
  return answer.body.success;
}

function expectFail(result: CallResult, httpStatus: number, errorCode: string): void {
  expect({ status: result.status, resultType: result.body?.resultType, errorCode: result.body?.error?.errorCode }).toEqual({
    status: httpStatus,
    resultType: 'FAIL',
    errorCode,
  });
  expect(typeof result.body.error.reason).toBe('string');
}

/**
 * Polls until the server has seen an asynchronous event (a TLS alert lands on the server after the client already
 * failed). Bounded by a number of polls; nothing asserts on elapsed time.
 */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(condition()).toBe(true);
}

async function transportError(promise: Promise<unknown>): Promise<Error & { cause?: { code?: string; message?: string } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { cause?: { code?: string } };
  }
  throw new Error('expected the request to fail at the transport layer');
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const KST_DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

// ---- mTLS ---------------------------------------------------------------------------------------------------------

describe('AppsInTossSimulator mTLS (apps-in-toss.md §1.2, §9)', () => {
  it('refuses a client without a certificate at the TLS layer; nothing reaches HTTP', async () => {
    const sim = await startSim();
    const error = await transportError(call(sim, 'make-payment', makeBody(), { dispatcher: agent({ ca: pki.caCert }) }));
    expect(error.message).toBe('fetch failed');
    expect(error.cause?.code).toMatch(/^(UND_ERR_SOCKET|ECONNRESET|ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED|EPIPE)$/);
    await until(() => sim.handshakes.rejected === 1);
    expect(sim.handshakes).toEqual({ verified: 0, rejected: 1, unverified: 0 });
    expect(sim.requests).toHaveLength(0);
  });

  it('refuses a client certificate signed by another CA', async () => {
    const sim = await startSim();
    const error = await transportError(
      call(sim, 'make-payment', makeBody(), { dispatcher: agent({ ca: pki.caCert, cert: foreignPki.clientCert, key: foreignPki.clientKey }) }),
    );
    expect(error.message).toBe('fetch failed');
    await until(() => sim.handshakes.rejected === 1);
    expect(sim.handshakes.verified).toBe(0);
    expect(sim.requests).toHaveLength(0);
  });

  it('accepts the CA-signed client certificate and records it on every request', async () => {
    const sim = await startSim();
    const made = await makePayment(sim);
    await status(sim, made.payToken);
    expect(sim.handshakes.verified).toBeGreaterThanOrEqual(1);
    expect(sim.handshakes.rejected).toBe(0);
    const expectedFingerprint = new X509Certificate(pki.clientCert).fingerprint256;
    expect(sim.requests.map((r) => r.clientCertificate)).toEqual([
      { subjectCN: 'apps-in-toss-test-client', fingerprint256: expectedFingerprint, authorized: true },
      { subjectCN: 'apps-in-toss-test-client', fingerprint256: expectedFingerprint, authorized: true },
    ]);
  });

  it('accepts a second certificate from the same CA (rotation) and tells them apart', async () => {
    const sim = await startSim();
    const rotated = await pki.issueClientCertificate('rotated-client-2026');
    await makePayment(sim, {}, { dispatcher: agent({ ca: pki.caCert, cert: rotated.cert, key: rotated.key }) });
    expect(sim.requests[0].clientCertificate).toEqual({
      subjectCN: 'rotated-client-2026',
      fingerprint256: new X509Certificate(rotated.cert).fingerprint256,
      authorized: true,
    });
    expect(rotated.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('generates its own PKI when none is given; the server certificate names 127.0.0.1 and localhost', async () => {
    const sim = await AppsInTossSimulator.start();
    simulators.push(sim);
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.pki.caCert).not.toBe(pki.caCert);
    const server = new X509Certificate(sim.pki.serverCert);
    expect(server.checkIssued(new X509Certificate(sim.pki.caCert))).toBe(true);
    expect(server.subjectAltName).toBe('IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost');
    await makePayment(sim);
    expect(sim.handshakes.verified).toBe(1);
  });

  it('with requireClientCertificate: false lets an anonymous client through and records no certificate', async () => {
    const sim = await startSim({ requireClientCertificate: false });
    await makePayment(sim, {}, { dispatcher: agent({ ca: pki.caCert }) });
    expect(sim.requests[0].clientCertificate).toBeNull();
    expect(sim.handshakes).toEqual({ verified: 0, rejected: 0, unverified: 1 });
  });

  it('a client that does not trust the test CA refuses the server', async () => {
    const sim = await startSim();
    const error = await transportError(call(sim, 'make-payment', makeBody(), { dispatcher: agent({ cert: pki.clientCert, key: pki.clientKey }) }));
    expect(error.cause?.code).toMatch(/^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/);
    expect(sim.requests).toHaveLength(0);
  });
});

// ---- envelope and common rules ----------------------------------------------------------------------------------

describe('AppsInTossSimulator envelope and headers (apps-in-toss.md §2, §4)', () => {
  it.each(['make-payment', 'execute-payment', 'refund-payment', 'get-payment-status'] as const)(
    '%s without x-toss-user-key → 400 FAIL INVALID_PARAMETER',
    async (endpoint) => {
      const sim = await startSim();
      const result = await call(sim, endpoint, makeBody(), { userKey: null });
      expectFail(result, 400, 'INVALID_PARAMETER');
      expect(result.body.error.reason).toContain('x-toss-user-key');
      expect(result.contentType).toBe('application/json; charset=utf-8');
    },
  );

  it('reads the header case-insensitively (X-Toss-User-Key as in the reference cURL) and records it', async () => {
    const sim = await startSim();
    const made = await call(sim, 'make-payment', makeBody(), { userKey: null, headers: { 'X-Toss-User-Key': '4200000000001' } });
    expect(made.status).toBe(200);
    expect(sim.requests[0].headers['x-toss-user-key']).toBe('4200000000001');
    expect(sim.getPayment(made.body.success.payToken)?.userKey).toBe('4200000000001');
  });

  it('a blank user key counts as missing', async () => {
    const sim = await startSim();
    expectFail(await call(sim, 'make-payment', makeBody(), { userKey: '   ' }), 400, 'INVALID_PARAMETER');
  });

  it('non-JSON and non-object bodies → 400 INVALID_PARAMETER', async () => {
    const sim = await startSim();
    expectFail(await call(sim, 'make-payment', undefined, { rawBody: 'orderNo=1' }), 400, 'INVALID_PARAMETER');
    expectFail(await call(sim, 'make-payment', [makeBody()]), 400, 'INVALID_PARAMETER');
    expect(sim.requests[0].body).toBe('orderNo=1');
  });

  it('a JSON body without Content-Type: application/json → 400 INVALID_PARAMETER, nothing created (§4)', async () => {
    const sim = await startSim();
    const body = makeBody();
    expectFail(await call(sim, 'make-payment', body, { headers: { 'content-type': 'text/plain' } }), 400, 'INVALID_PARAMETER');
    expect((await call(sim, 'make-payment', body, { headers: { 'content-type': 'application/json; charset=utf-8' } })).status).toBe(200);
  });

  it('unknown paths and other methods → 404 FAIL NOT_FOUND', async () => {
    const sim = await startSim();
    expectFail(await rawCall(sim, `${APPS_IN_TOSS_PAY_PATH}/cancel-payment`, {}), 404, 'NOT_FOUND');
    expectFail(await rawCall(sim, '/v1/payments/confirm', {}), 404, 'NOT_FOUND');
    expectFail(await rawCall(sim, `${APPS_IN_TOSS_PAY_PATH}/make-payment`, undefined, { method: 'GET' }), 404, 'NOT_FOUND');
  });

  it('merchantKeyConfigured: false → every pay call answers 400 FAIL COMMON_INVALID_API_KEY', async () => {
    const sim = await startSim({ merchantKeyConfigured: false });
    expectFail(await call(sim, 'make-payment', makeBody()), 400, 'COMMON_INVALID_API_KEY');
    expectFail(await call(sim, 'execute-payment', { payToken: 'x', isTestPayment: true }), 400, 'COMMON_INVALID_API_KEY');
    expectFail(await call(sim, 'refund-payment', { payToken: 'x', reason: '취소', isTestPayment: true }), 400, 'COMMON_INVALID_API_KEY');
    expectFail(await call(sim, 'get-payment-status', { payToken: 'x', isTestPayment: true }), 400, 'COMMON_INVALID_API_KEY');
  });
});

// ---- make-payment -------------------------------------------------------------------------------------------------

describe('AppsInTossSimulator make-payment (apps-in-toss.md §4.1, §9)', () => {
  it('answers the §10 shape with a 22-char base62 payToken and stores PAY_STANDBY', async () => {
    const sim = await startSim();
    const body = { orderNo: 'test-20250417-3', productDesc: 'test02', amount: 10, amountTaxFree: 0, isTestPayment: true };
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
    expect(sim.getPayment(derived.payToken)).toMatchObject({ amountTaxFree: 1_000, amountVat: 819, amountTaxable: 8_181 });
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
    const made = await makePayment(sim, { orderNo, productDesc: '가'.repeat(255), amount: 9_999_999, amountTaxFree: 9_999_999 });
    expect(sim.getPayment(made.payToken)).toMatchObject({ orderNo, amount: 9_999_999 });
  });

  it('allowTildeInOrderNo: true accepts ~ (seed guide, §4.1)', async () => {
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
    expectFail(await call(sim, 'make-payment', makeBody({ orderNo: first.orderNo, isTestPayment: false })), 400, 'PAYMENT_EXISTING_PAYMENT');
    sim.cancelWindow(first.payToken);
    expectFail(await call(sim, 'make-payment', makeBody({ orderNo: first.orderNo })), 400, 'PAYMENT_EXISTING_PAYMENT');
  });

  it('bank maintenance refuses a TOSS_MONEY-only payment with COMMON_BREAK_TIME_OF_BANK, not a CARD one', async () => {
    const sim = await startSim();
    sim.setBankMaintenance(true);
    expectFail(await call(sim, 'make-payment', makeBody({ enablePayMethods: 'TOSS_MONEY' })), 400, 'COMMON_BREAK_TIME_OF_BANK');
    await makePayment(sim, { enablePayMethods: 'CARD' });
    sim.setBankMaintenance(false);
    await makePayment(sim, { enablePayMethods: 'TOSS_MONEY' });
  });
});

// ---- execute-payment ----------------------------------------------------------------------------------------------

describe('AppsInTossSimulator execute-payment (apps-in-toss.md §4.2, §10)', () => {
  const SAMPLE_KEYS = [
    'code', 'mode', 'orderNo', 'amount', 'approvalTime', 'stateMsg', 'discountedAmount', 'paidAmount', 'payMethod', 'payToken',
    'transactionId', 'cardCompanyCode', 'cardCompanyName', 'cardAuthorizationNo', 'spreadOut', 'noInterest', 'salesCheckLinkUrl',
    'cardMethodType', 'cardNumber', 'cardUserType', 'cardNum4Print', 'cardBinNumber', 'cashReceiptMgtKey', 'accountBankCode',
    'accountBankName', 'accountNumber', 'msg', 'errorCode',
  ];

  it('TOSS_MONEY in TEST mode answers exactly the §10 sample shape', async () => {
    const clock = new ManualClock(new Date('2025-04-17T03:32:10Z'));
    const sim = await startSim({ clock });
    const made = await makePayment(sim, { orderNo: '20250417-2', amount: 10, productDesc: 'test02' });
    sim.authenticate(made.payToken, { payMethod: 'TOSS_MONEY' });
    const executed = await call(sim, 'execute-payment', { payToken: made.payToken, orderNo: '20250417-2', isTestPayment: true });
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
    expectFail(await call(sim, 'execute-payment', { payToken: made.payToken, isTestPayment: true }), 400, 'EXECUTE_PAY_NOT_APPROVED');
    expect(sim.getPayment(made.payToken)?.payStatus).toBe('PAY_STANDBY');
  });

  it('after the buyer closed the window → EXECUTE_PAY_NOT_APPROVED, stays PAY_CANCEL', async () => {
    const sim = await startSim();
    const made = await makePayment(sim);
    sim.cancelWindow(made.payToken);
    expectFail(await call(sim, 'execute-payment', { payToken: made.payToken, isTestPayment: true }), 400, 'EXECUTE_PAY_NOT_APPROVED');
    expect(sim.getPayment(made.payToken)?.payStatus).toBe('PAY_CANCEL');
  });

  it('refuses a mismatched isTestPayment, another user, another orderNo and an unknown payToken; nothing moves', async () => {
    const sim = await startSim();
    const made = await makePayment(sim);
    sim.authenticate(made.payToken);
    expectFail(await call(sim, 'execute-payment', { payToken: made.payToken, isTestPayment: false }), 400, 'INVALID_PARAMETER');
    expectFail(await call(sim, 'execute-payment', { payToken: made.payToken, isTestPayment: true }, { userKey: '999' }), 400, 'FORBIDDEN_REQUEST');
    expectFail(await call(sim, 'execute-payment', { payToken: made.payToken, orderNo: 'other-order', isTestPayment: true }), 400, 'INVALID_PARAMETER');
    expectFail(await call(sim, 'execute-payment', { payToken: 'A'.repeat(22), isTestPayment: true }), 400, 'PAYMENT_NOT_FOUND');
    expectFail(await call(sim, 'execute-payment', { payToken: 'A'.repeat(31), isTestPayment: true }), 400, 'INVALID_PARAMETER');
    expectFail(await call(sim, 'execute-payment', { payToken: made.payToken }), 400, 'INVALID_PARAMETER');
    expect(sim.getPayment(made.payToken)).toMatchObject({ payStatus: 'PAY_APPROVED', transactions: [] });
  });

  it('a second execute → 400 FAIL EXECUTE_ALREADY_COMPLETED (default), one PAY transaction', async () => {
    const sim = await startSim();
    const paid = await executedPayment(sim);
    expectFail(await call(sim, 'execute-payment', { payToken: paid.payToken, isTestPayment: true }), 400, 'EXECUTE_ALREADY_COMPLETED');
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
    expectFail(await call(sim, 'execute-payment', { payToken: sandbox.payToken, isTestPayment: true }), 400, 'EXECUTE_PAY_NOT_APPROVED');
    expect(sim.getPayment(sandbox.payToken)?.payStatus).toBe('PAY_APPROVED');
    await executedPayment(sim, { isTestPayment: false });

    const custom = await startSim({ sandboxRejectsExecute: true, sandboxRejectCode: 'COMMON_INVALID_API_KEY' });
    const other = await makePayment(custom);
    custom.authenticate(other.payToken);
    expectFail(await call(custom, 'execute-payment', { payToken: other.payToken, isTestPayment: true }), 400, 'COMMON_INVALID_API_KEY');
  });

  it('bank maintenance fails TOSS_MONEY executes with COMMON_BREAK_TIME_OF_BANK; CARD is unaffected', async () => {
    const sim = await startSim();
    const money = await makePayment(sim);
    sim.authenticate(money.payToken, { payMethod: 'TOSS_MONEY' });
    sim.setBankMaintenance(true);
    expectFail(await call(sim, 'execute-payment', { payToken: money.payToken, isTestPayment: true }), 400, 'COMMON_BREAK_TIME_OF_BANK');
    expect(sim.getPayment(money.payToken)?.payStatus).toBe('PAY_APPROVED');
    await executedPayment(sim, {}, 'CARD');
    sim.setBankMaintenance(false);
    expect((await call(sim, 'execute-payment', { payToken: money.payToken, isTestPayment: true })).body.resultType).toBe('SUCCESS');
  });
});

// ---- refund-payment ------------------------------------------------------------------------------------------------

describe('AppsInTossSimulator refund-payment (apps-in-toss.md §4.3)', () => {
  it('refunds the full amount (an amount field is ignored) → REFUND_SUCCESS with a REFUND transaction', async () => {
    const clock = new ManualClock(new Date('2026-11-22T01:00:00Z'));
    const sim = await startSim({ clock });
    const paid = await executedPayment(sim, { amount: 30_000 });
    clock.advance(60_000);
    const refunded = await call(sim, 'refund-payment', { payToken: paid.payToken, reason: '고객요청(단순변심)#1', isTestPayment: true, amount: 10_000 });
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
      { stepType: 'PAY', transactionId: paid.executed.transactionId, paidAmount: 30_000, transactionAmount: 30_000, discountedAmount: 0, pointAmount: 0, regTs: '2026-11-22 10:00:00' },
      { stepType: 'REFUND', transactionId: success.transactionId, paidAmount: -30_000, transactionAmount: -30_000, discountedAmount: 0, pointAmount: 0, regTs: '2026-11-22 10:01:00' },
    ]);
  });

  it('refuses a refund before execute and a second refund with REFUND_NOT_REFUNDABLE', async () => {
    const sim = await startSim();
    const made = await makePayment(sim);
    sim.authenticate(made.payToken);
    expectFail(await call(sim, 'refund-payment', { payToken: made.payToken, reason: '취소', isTestPayment: true }), 400, 'REFUND_NOT_REFUNDABLE');
    const paid = await executedPayment(sim);
    expect((await call(sim, 'refund-payment', { payToken: paid.payToken, reason: '취소', isTestPayment: true })).status).toBe(200);
    expectFail(await call(sim, 'refund-payment', { payToken: paid.payToken, reason: '취소', isTestPayment: true }), 400, 'REFUND_NOT_REFUNDABLE');
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
    expectFail(await call(sim, 'refund-payment', { payToken: paid.payToken, reason, isTestPayment: true }), 400, 'INVALID_PARAMETER');
    expect(sim.getPayment(paid.payToken)?.payStatus).toBe('PAY_COMPLETE');
  });

  it('accepts every documented reason symbol and 55 chars; options relax the space and required rules', async () => {
    const sim = await startSim();
    const first = await executedPayment(sim);
    expect((await call(sim, 'refund-payment', { payToken: first.payToken, reason: '환불_-:.^@()[]#/!%?&Ab1', isTestPayment: true })).status).toBe(200);
    const second = await executedPayment(sim);
    expect((await call(sim, 'refund-payment', { payToken: second.payToken, reason: 'r'.repeat(55), isTestPayment: true })).status).toBe(200);

    const relaxed = await startSim({ refundReasonAllowsSpace: true, refundReasonRequired: false });
    const third = await executedPayment(relaxed);
    expect((await call(relaxed, 'refund-payment', { payToken: third.payToken, reason: 'customer request', isTestPayment: true })).status).toBe(200);
    const fourth = await executedPayment(relaxed);
    expect((await call(relaxed, 'refund-payment', { payToken: fourth.payToken, isTestPayment: true })).status).toBe(200);
  });

  it('refuses another user, the other mode and an unknown payToken', async () => {
    const sim = await startSim();
    const paid = await executedPayment(sim);
    expectFail(await call(sim, 'refund-payment', { payToken: paid.payToken, reason: '취소', isTestPayment: true }, { userKey: '1' }), 400, 'FORBIDDEN_REQUEST');
    expectFail(await call(sim, 'refund-payment', { payToken: paid.payToken, reason: '취소', isTestPayment: false }), 400, 'INVALID_PARAMETER');
    expectFail(await call(sim, 'refund-payment', { payToken: 'Z'.repeat(22), reason: '취소', isTestPayment: true }), 400, 'PAYMENT_NOT_FOUND');
    expect(sim.getPayment(paid.payToken)?.payStatus).toBe('PAY_COMPLETE');
  });

  it('bank maintenance fails a TOSS_MONEY refund with COMMON_BREAK_TIME_OF_BANK', async () => {
    const sim = await startSim();
    const paid = await executedPayment(sim, {}, 'TOSS_MONEY');
    sim.setBankMaintenance(true);
    expectFail(await call(sim, 'refund-payment', { payToken: paid.payToken, reason: '취소', isTestPayment: true }), 400, 'COMMON_BREAK_TIME_OF_BANK');
    expect(sim.getPayment(paid.payToken)?.payStatus).toBe('PAY_COMPLETE');
  });
});

// ---- get-payment-status -------------------------------------------------------------------------------------------

describe('AppsInTossSimulator get-payment-status (apps-in-toss.md §4.4)', () => {
  it('finds a payment by payToken, by orderNo or by both, with the nested, differently typed card block', async () => {
    const clock = new ManualClock(new Date('2026-01-02T15:04:05Z'));
    const sim = await startSim({ clock });
    const paid = await executedPayment(sim, { amount: 20_000 });
    const byToken = await call(sim, 'get-payment-status', { payToken: paid.payToken, isTestPayment: true });
    const byOrder = await call(sim, 'get-payment-status', { orderNo: paid.orderNo, isTestPayment: true });
    const byBoth = await call(sim, 'get-payment-status', { payToken: paid.payToken, orderNo: paid.orderNo, isTestPayment: true });
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
        { stepType: 'PAY', transactionId: paid.executed.transactionId, paidAmount: 20_000, transactionAmount: 20_000, discountedAmount: 0, pointAmount: 0, regTs: '2026-01-03 00:04:05' },
      ],
      createdTs: '2026-01-03 00:04:05',
      paidTs: '2026-01-03 00:04:05',
    });
  });

  it('unknown, mismatched, another user and the other mode → 404 FAIL PAYMENT_NOT_FOUND', async () => {
    const sim = await startSim();
    const made = await makePayment(sim);
    const other = await makePayment(sim);
    expectFail(await call(sim, 'get-payment-status', { payToken: 'Q'.repeat(22), isTestPayment: true }), 404, 'PAYMENT_NOT_FOUND');
    expectFail(await call(sim, 'get-payment-status', { orderNo: 'no-such-order', isTestPayment: true }), 404, 'PAYMENT_NOT_FOUND');
    expectFail(await call(sim, 'get-payment-status', { payToken: made.payToken, orderNo: other.orderNo, isTestPayment: true }), 404, 'PAYMENT_NOT_FOUND');
    expectFail(await call(sim, 'get-payment-status', { payToken: made.payToken, isTestPayment: true }, { userKey: '77' }), 404, 'PAYMENT_NOT_FOUND');
    expectFail(await call(sim, 'get-payment-status', { payToken: made.payToken, isTestPayment: false }), 404, 'PAYMENT_NOT_FOUND');
  });

  it('neither payToken nor orderNo, or no isTestPayment → 400 INVALID_PARAMETER', async () => {
    const sim = await startSim();
    const made = await makePayment(sim);
    expectFail(await call(sim, 'get-payment-status', { isTestPayment: true }), 400, 'INVALID_PARAMETER');
    expectFail(await call(sim, 'get-payment-status', { payToken: made.payToken }), 400, 'INVALID_PARAMETER');
  });
});

// ---- the payStatus machine ---------------------------------------------------------------------------------------

describe('AppsInTossSimulator payStatus machine (apps-in-toss.md §4.5)', () => {
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
    expect((await call(sim, 'refund-payment', { payToken: made.payToken, reason: '정산후환불', isTestPayment: true })).status).toBe(200);
    seen.push((await status(sim, made.payToken)).payStatus);
    sim.settle(made.payToken);
    seen.push((await status(sim, made.payToken)).payStatus);
    expect(seen).toEqual(['PAY_STANDBY', 'PAY_APPROVED', 'PAY_COMPLETE', 'SETTLEMENT_COMPLETE', 'REFUND_SUCCESS', 'SETTLEMENT_REFUND_COMPLETE']);
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

describe('AppsInTossSimulator faults (apps-in-toss.md §9)', () => {
  async function approved(sim: AppsInTossSimulator) {
    const made = await makePayment(sim);
    sim.authenticate(made.payToken);
    return made;
  }
  const execute = (sim: AppsInTossSimulator, payToken: string, options?: CallOptions) =>
    call(sim, 'execute-payment', { payToken, isTestPayment: true }, options);

  it('an HTTP_TIMEOUT envelope without commit leaves the payment approved; the retry executes', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext({ path: `${APPS_IN_TOSS_PAY_PATH}/execute-payment` }, { kind: 'envelope', resultType: 'HTTP_TIMEOUT' });
    const answer = await execute(sim, made.payToken);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ resultType: 'HTTP_TIMEOUT', error: { errorCode: 'HTTP_TIMEOUT', reason: expect.any(String) } });
    expect(sim.getPayment(made.payToken)?.payStatus).toBe('PAY_APPROVED');
    expect((await execute(sim, made.payToken)).body.resultType).toBe('SUCCESS');
  });

  it('a NETWORK_ERROR envelope with commit: true has executed the payment behind the failure', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext({ path: /execute-payment$/ }, { kind: 'envelope', resultType: 'NETWORK_ERROR', errorCode: 'NETWORK_ERROR', status: 500, commit: true });
    const answer = await execute(sim, made.payToken);
    expect(answer.status).toBe(500);
    expect(answer.body.resultType).toBe('NETWORK_ERROR');
    const truth = await status(sim, made.payToken);
    expect(truth.payStatus).toBe('PAY_COMPLETE');
    expect(truth.transactions).toHaveLength(1);
  });

  it('a fail fault answers FAIL with the given code and applies nothing', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext({ path: /execute-payment$/ }, { kind: 'fail', errorCode: 'REJECT_CARD_COMPANY', reason: '카드사 거절' });
    const answer = await execute(sim, made.payToken);
    expect(answer.body).toEqual({ resultType: 'FAIL', error: { errorCode: 'REJECT_CARD_COMPANY', reason: '카드사 거절' } });
    expect(answer.status).toBe(400);
    expect(sim.getPayment(made.payToken)?.payStatus).toBe('PAY_APPROVED');
  });

  it('tamper executes for real but answers with the given success fields overwritten; a FAIL passes unchanged', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext({ path: /execute-payment$/ }, { kind: 'tamper', success: { amount: 1, orderNo: 'someone-else' } });
    const answer = await execute(sim, made.payToken);
    expect(answer.status).toBe(200);
    expect(answer.body.resultType).toBe('SUCCESS');
    expect(answer.body.success).toMatchObject({ amount: 1, orderNo: 'someone-else', payToken: made.payToken, stateMsg: '결제 완료' });
    const truth = await status(sim, made.payToken);
    expect(truth).toMatchObject({ payStatus: 'PAY_COMPLETE', amount: made.body.amount, orderNo: made.orderNo });
    sim.failNext({ path: /execute-payment$/ }, { kind: 'tamper', success: { amount: 1 } });
    expect((await execute(sim, made.payToken)).body).toMatchObject({ resultType: 'FAIL', error: { errorCode: 'EXECUTE_ALREADY_COMPLETED' } });
    expect(() => sim.failNext({ path: /x/ }, { kind: 'tamper' } as never)).toThrow(RangeError);
  });

  it('drop-after-commit loses the answer of an execute that happened', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext({ path: /execute-payment$/ }, 'drop-after-commit');
    const error = await transportError(execute(sim, made.payToken));
    expect(error.message).toBe('fetch failed');
    expect(sim.requestsTo(/execute-payment$/).map((r) => r.status)).toEqual([0]);
    expect((await status(sim, made.payToken)).payStatus).toBe('PAY_COMPLETE');
  });

  it('drop-after-commit on a refund: the refund happened', async () => {
    const sim = await startSim();
    const paid = await executedPayment(sim);
    sim.failNext({ path: /refund-payment$/ }, { kind: 'drop-after-commit' });
    await transportError(call(sim, 'refund-payment', { payToken: paid.payToken, reason: '취소', isTestPayment: true }));
    expect((await status(sim, paid.payToken)).payStatus).toBe('REFUND_SUCCESS');
  });

  it('drop-before-commit loses the request: still approved', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext({ path: /execute-payment$/ }, 'drop-before-commit');
    await transportError(execute(sim, made.payToken));
    expect((await status(sim, made.payToken)).payStatus).toBe('PAY_APPROVED');
  });

  it('hang-after-commit executes but does not answer before the client gives up', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext({ path: /execute-payment$/ }, { kind: 'hang-after-commit', ms: 60_000 });
    const controller = new AbortController();
    const pending = transportError(execute(sim, made.payToken, { signal: controller.signal }));
    await until(() => sim.getPayment(made.payToken)?.payStatus === 'PAY_COMPLETE');
    controller.abort();
    expect((await pending).name).toBe('AbortError');
    expect(sim.requestsTo(/execute-payment$/)[0].status).toBe(0);
  });

  it('latency answers normally, later', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext({ path: /execute-payment$/ }, { kind: 'latency', ms: 20 });
    expect((await execute(sim, made.payToken)).body.success.stateMsg).toBe('결제 완료');
  });

  it('wrong-content-type answers 200 text/html and applies nothing', async () => {
    const sim = await startSim();
    const made = await approved(sim);
    sim.failNext({ path: /execute-payment$/ }, 'wrong-content-type');
    const answer = await execute(sim, made.payToken);
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('text/html; charset=utf-8');
    expect(answer.body).toBeUndefined();
    expect(answer.text).toContain('<html>');
    expect(sim.getPayment(made.payToken)?.payStatus).toBe('PAY_APPROVED');
  });

  it('faults fire `times` times on matching paths only, first armed first served; clearFaults and reset disarm', async () => {
    const sim = await startSim();
    sim.failNext({ path: `${APPS_IN_TOSS_PAY_PATH}/make-payment` }, { kind: 'fail', errorCode: 'FIRST' }, 2);
    sim.failNext({ path: APPS_IN_TOSS_PAY_PATH }, { kind: 'fail', errorCode: 'SECOND' });
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const answer = await call(sim, 'make-payment', makeBody());
      codes.push(answer.body.error?.errorCode ?? answer.body.resultType);
    }
    expect(codes).toEqual(['FIRST', 'FIRST', 'SECOND', 'SUCCESS']);

    sim.failNext({ path: APPS_IN_TOSS_PAY_PATH }, 'drop-before-commit');
    sim.clearFaults();
    expect((await call(sim, 'make-payment', makeBody())).status).toBe(200);
    expect(() => sim.failNext({ path: '/' }, 'latency', 0)).toThrow(RangeError);

    sim.failNext({ path: APPS_IN_TOSS_PAY_PATH }, 'drop-before-commit');
    sim.reset();
    expect(sim.requests).toHaveLength(0);
    expect(sim.handshakes).toEqual({ verified: 0, rejected: 0, unverified: 0 });
    const made = await makePayment(sim);
    expect(sim.requests).toHaveLength(1);
    expect(sim.getPayment(made.payToken)?.payStatus).toBe('PAY_STANDBY');
  });

  it('latencyMs delays every answer without changing it', async () => {
    const sim = await startSim({ latencyMs: 5 });
    const made = await makePayment(sim);
    expect(sim.getPayment(made.payToken)?.payStatus).toBe('PAY_STANDBY');
  });

  it('stop() answers nothing further and is idempotent', async () => {
    const sim = await startSim();
    await makePayment(sim);
    await sim.stop();
    await sim.stop();
    await transportError(call(sim, 'make-payment', makeBody(), { dispatcher: agent(sim.clientTlsOptions()) }));
  });
});
