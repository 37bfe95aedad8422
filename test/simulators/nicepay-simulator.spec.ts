import { createCipheriv, createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../../libs/testing/src/clock';
import {
  NICEPAY_TEST_CLIENT_ID,
  NICEPAY_TEST_SECRET_KEY,
  NicePaySimulator,
  type NicePaySimulatorOptions,
} from '../../libs/testing/src/nicepay';

// ---- helpers, built here independently of the simulator (nicepay.md §1.3, §4) ---------------------------------

const CLIENT_ID = NICEPAY_TEST_CLIENT_ID;
const SK = NICEPAY_TEST_SECRET_KEY;
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const basicAuth = (clientId: string, secretKey: string): string =>
  `Basic ${Buffer.from(`${clientId}:${secretKey}`, 'utf8').toString('base64')}`;
const encA2 = (text: string, sk: string): string => {
  const cipher = createCipheriv('aes-256-cbc', Buffer.from(sk, 'utf8'), Buffer.from(sk.slice(0, 16), 'utf8'));
  return Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]).toString('hex');
};
const encAes128 = (text: string, sk: string): string => {
  const cipher = createCipheriv('aes-128-ecb', Buffer.from(sk.slice(0, 16), 'utf8'), null);
  return Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]).toString('hex');
};

/** KST `yyyy-MM-dd'T'HH:mm:ss.SSS+0900` (nicepay.md §1.5). */
const NICE_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0900$/;
/** tid = MID(10) + method(2) + 01 + yyMMddHHmmss + 4 alphanumerics (nicepay.md §7.6). */
const tidPattern = (methodCode: string) => new RegExp(`^nictest00m${methodCode}01\\d{12}[A-Za-z0-9]{4}$`);

interface CallResult {
  status: number;
  body: any;
  headers: Headers;
}

interface CallOptions {
  body?: unknown;
  query?: Record<string, string>;
  authorization?: string | null;
  signal?: AbortSignal;
}

async function call(sim: NicePaySimulator, method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = {};
  if (options.authorization !== null) headers.authorization = options.authorization ?? basicAuth(CLIENT_ID, SK);
  if (options.body !== undefined) headers['content-type'] = 'application/json;charset=utf-8';
  const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
  const response = await fetch(`${sim.url}${path}${query}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** A merchant webhook endpoint; `reply(n)` decides the answer to the n-th (0-based) delivery. */
async function startReceiver(reply: (n: number) => { status: number; body: string } = () => ({ status: 200, body: 'OK' })) {
  const received: ReceivedWebhook[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = received.length;
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const answer = reply(n);
      res.writeHead(answer.status, { 'content-type': 'text/html' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const handle = {
    url: `http://127.0.0.1:${port}/webhooks/nicepay`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  receivers.push(handle);
  return handle;
}

const simulators: NicePaySimulator[] = [];
const receivers: Array<{ close(): Promise<void> }> = [];

async function startSim(options: NicePaySimulatorOptions = {}): Promise<NicePaySimulator> {
  const sim = await NicePaySimulator.start(options);
  simulators.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(simulators.splice(0).map((s) => s.stop()));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

let orderSeq = 0;
const newOrderId = () => `np_${Date.now()}_${++orderSeq}`;

function windowFor(sim: NicePaySimulator, amount: number, extra: Partial<Parameters<NicePaySimulator['authenticate']>[0]> = {}) {
  return sim.authenticate({
    clientId: CLIENT_ID,
    orderId: newOrderId(),
    amount,
    method: 'card',
    goodsName: '나이스페이-상품',
    returnUrl: 'https://shop.example.com/checkout/nicepay/return',
    ...extra,
  });
}

async function approvedCard(sim: NicePaySimulator, amount: number, extra: Partial<Parameters<NicePaySimulator['authenticate']>[0]> = {}) {
  const form = windowFor(sim, amount, extra);
  const approved = await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount } });
  expect(approved.body.resultCode).toBe('0000');
  return { form, payment: approved.body };
}

const expectSigned = (body: any, secretKey = SK) =>
  expect(body.signature).toBe(sha256(`${body.tid}${body.amount}${body.ediDate}${secretKey}`));

// ---- known answers ----------------------------------------------------------------------------------------------

describe('known answers (nicepay.md §1.3, §4.2, §4.3)', () => {
  it('builds the §1.3 Basic headers', () => {
    expect(basicAuth('S2_af4543a0be4d49a98122e01ec2059a56', '9eb85607103646da9f9c02b128f2e5ee')).toBe(
      'Basic UzJfYWY0NTQzYTBiZTRkNDlhOTgxMjJlMDFlYzIwNTlhNTY6OWViODU2MDcxMDM2NDZkYTlmOWMwMmIxMjhmMmU1ZWU=',
    );
    expect(basicAuth('af0d116236df437f831483ee9c500bc4', '433a8421be754b34989048cf148a5ffc')).toBe(
      'Basic YWYwZDExNjIzNmRmNDM3ZjgzMTQ4M2VlOWM1MDBiYzQ6NDMzYTg0MjFiZTc1NGIzNDk4OTA0OGNmMTQ4YTVmZmM=',
    );
  });

  it('reproduces the four §4.3 signatures', () => {
    expect(sha256('NICEUNTTB06096FF8F653AA366E7EEED1101AAAE' + 'S2_af4543a0be4d49a98122e01ec2059a56' + '1004' + SK)).toBe(
      '99ea68bf15681741e793ece56ab87891b9bdc94cd54abdcb55b2884f4336155a',
    );
    expect(sha256('UT0000113m01012111051714341073' + '1004' + '2021-11-05T17:14:35.150+0900' + SK)).toBe(
      '63b251b31c909eebef1a9f4fcc19e77bdcb8f64fc1066a29670f8627186865cd',
    );
    const sk2 = '4f13ca267dfa4fc6964148bedcda15ef';
    expect(sha256('NICEUNTT9FBBD87FD2393AFEE45A7DCA61C194AA' + '58e3b578555e45738d6b569e53d5ae54' + '1004' + sk2)).toBe(
      '7cc95c592e2a12f0292e1a20d68dd9eb8132fd3c0af675b981a4c1c2ce63a93b',
    );
    expect(sha256('UT0000113m01012110051656331001' + '1004' + '2021-10-05T16:56:34.447+0900' + sk2)).toBe(
      '28c2e8bae912847541d4885db17648f963c7cc8e8249ff010097d6f1395df993',
    );
  });

  it('reproduces the §4.2 encData vectors', () => {
    const plain = 'cardNo=1234567890123456&expYear=25&expMonth=12&idNo=800101&cardPw=12';
    const sk = '2dcc2a0d63bf469490bb19a201be3735';
    expect(encAes128(plain, sk)).toBe(
      '7c4b12eb43324290bd0e522900a892343f57e0d176cdadae757132c7f3cd442f023ef5c3ffa254ed04b6d47624d4c7847e8061f3be0d67adf1b463b46a542052cf47a5206bfd23945fc1851d426468f4',
    );
    expect(encA2(plain, sk)).toBe(
      '6ecfe97e521bc67c3053d74a9dbdba53033d343fc9e8e38e730964b22ef2e4a59607171b00a9da977141b3f79fffa1e80a16c08bc58666b479f554a966a363414347e62f2621f8df220c7a4a545592d0',
    );
  });

  it('signs an approval at the README instant with the README formula (tid+amount+ediDate+SK)', async () => {
    // 2021-11-05T17:14:35.150+0900 = 08:14:35.150Z: the simulator's ediDate and signature for that instant.
    const clock = new ManualClock(new Date('2021-11-05T08:14:35.150Z'));
    const sim = await startSim({ clock });
    const { payment } = await approvedCard(sim, 1004);
    expect(payment.ediDate).toBe('2021-11-05T17:14:35.150+0900');
    expect(payment.paidAt).toBe('2021-11-05T17:14:35.150+0900');
    expect(payment.signature).toBe(sha256(`${payment.tid}1004${'2021-11-05T17:14:35.150+0900'}${SK}`));
  });
});

// ---- authentication ---------------------------------------------------------------------------------------------

describe('authentication (nicepay.md §1.3, §1.4)', () => {
  const TOKEN_CLIENT = 'S2_0000000000000000000000000000token';
  const TOKEN_SK = 'abcdefabcdefabcdefabcdefabcdef01';

  it('refuses missing or wrong credentials on business APIs with HTTP 401 U104', async () => {
    const sim = await startSim();
    for (const authorization of [null, basicAuth(CLIENT_ID, 'ffffffffffffffffffffffffffffffff'), 'Bearer deadbeef', 'Basic !!!']) {
      const response = await call(sim, 'GET', '/v1/payments/nictest00m01012111051714341073', { authorization });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ resultCode: 'U104', resultMsg: '사용자 인증에 실패하였습니다.' });
    }
  });

  it('issues the same Bearer token until expireAt, then a new one; Bearer works on business APIs', async () => {
    const clock = new ManualClock(new Date('2026-11-22T03:00:00.000Z'));
    const sim = await startSim({ clock, keys: [{ clientId: TOKEN_CLIENT, secretKey: TOKEN_SK, authType: 'token' }] });
    const first = await call(sim, 'POST', '/v1/access-token', { authorization: basicAuth(TOKEN_CLIENT, TOKEN_SK) });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      resultCode: '0000',
      resultMsg: '정상 처리되었습니다.',
      accessToken: expect.stringMatching(/^[0-9a-f]{64}$/),
      tokenType: 'Bearer',
      expireAt: '2026-11-22T12:30:00.000+0900',
      now: '2026-11-22T12:00:00.000+0900',
    });
    clock.advance(29 * 60_000);
    const second = await call(sim, 'POST', '/v1/access-token', { authorization: basicAuth(TOKEN_CLIENT, TOKEN_SK) });
    expect(second.body.accessToken).toBe(first.body.accessToken);
    expect(second.body.expireAt).toBe(first.body.expireAt);
    expect(sim.issuedTokens()).toBe(1);

    const form = sim.authenticate({ clientId: TOKEN_CLIENT, orderId: newOrderId(), amount: 1000, method: 'card', goodsName: 'x', returnUrl: 'https://a.example/r' });
    const viaBearer = await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 1000 }, authorization: `Bearer ${first.body.accessToken}` });
    expect(viaBearer.body.resultCode).toBe('0000');
    expectSigned(viaBearer.body, TOKEN_SK);

    clock.advance(60_000); // 30 min after issue: expired
    const expired = await call(sim, 'GET', `/v1/payments/${form.tid}`, { authorization: `Bearer ${first.body.accessToken}` });
    expect(expired.status).toBe(401);
    expect(expired.body.resultCode).toBe('U104');
    const third = await call(sim, 'POST', '/v1/access-token', { authorization: basicAuth(TOKEN_CLIENT, TOKEN_SK) });
    expect(third.body.accessToken).not.toBe(first.body.accessToken);
    expect(sim.issuedTokens()).toBe(2);
  });

  it('refuses Basic on business APIs for a Token-type key (U103)', async () => {
    const sim = await startSim({ keys: [{ clientId: TOKEN_CLIENT, secretKey: TOKEN_SK, authType: 'token' }] });
    const response = await call(sim, 'GET', '/v1/payments/x', { authorization: basicAuth(TOKEN_CLIENT, TOKEN_SK) });
    expect(response.status).toBe(403);
    expect(response.body.resultCode).toBe('U103');
  });

  it('answers the access-token error codes ([E26] §1.4)', async () => {
    const sim = await startSim({ keys: [{ clientId: CLIENT_ID, secretKey: SK }, { clientId: TOKEN_CLIENT, secretKey: TOKEN_SK, authType: 'token' }] });
    const cases: Array<[string | null, number, string]> = [
      [null, 401, 'U304'],
      [`Basic ${Buffer.from('no-colon').toString('base64')}`, 401, 'U304'],
      ['Basic ***', 401, 'U101'],
      [basicAuth(TOKEN_CLIENT, ''), 401, 'U117'],
      [basicAuth(TOKEN_CLIENT, 'ffffffffffffffffffffffffffffffff'), 401, 'U116'],
      [basicAuth(CLIENT_ID, SK), 403, 'U103'], // a Basic-type key cannot issue tokens
    ];
    for (const [authorization, status, code] of cases) {
      const response = await call(sim, 'POST', '/v1/access-token', { authorization });
      expect([response.status, response.body.resultCode]).toEqual([status, code]);
    }
    expect(sim.issuedTokens()).toBe(0);
  });

  it('answers 405 U308 for a wrong method and 404 U108 for an unknown path', async () => {
    const sim = await startSim();
    const wrongMethod = await call(sim, 'DELETE', '/v1/payments/abc');
    expect([wrongMethod.status, wrongMethod.body.resultCode]).toEqual([405, 'U308']);
    const unknown = await call(sim, 'POST', '/v1/nothing-here', { body: {} });
    expect([unknown.status, unknown.body.resultCode]).toEqual([404, 'U108']);
  });
});

// ---- payment window ---------------------------------------------------------------------------------------------

describe('payment window (nicepay.md §5)', () => {
  it('returns exactly the §5.2 fields as strings with a verifiable signature', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 1004, { mallReserved: '{key:1}' });
    expect(Object.keys(form).sort()).toEqual(
      ['amount', 'authResultCode', 'authResultMsg', 'authToken', 'clientId', 'mallReserved', 'orderId', 'signature', 'tid'].sort(),
    );
    for (const value of Object.values(form)) expect(typeof value).toBe('string');
    expect(form).toMatchObject({ authResultCode: '0000', authResultMsg: '인증 성공', clientId: CLIENT_ID, amount: '1004', mallReserved: '{key:1}' });
    expect(form.tid).toMatch(tidPattern('01'));
    expect(form.authToken).toMatch(/^NICEUNTT[0-9A-F]{32}$/);
    expect(form.signature).toBe(sha256(`${form.authToken}${form.clientId}${form.amount}${SK}`));
    expect(windowFor(sim, 1000, { method: 'vbank', vbankHolder: '홍길동' }).tid).toMatch(tidPattern('03'));
    expect(windowFor(sim, 1000).mallReserved).toBe('');
  });

  it('throws for a bad clientId, an unknown method, a missing vbankHolder or a Client-approval key', async () => {
    const sim = await startSim({ keys: [{ clientId: CLIENT_ID, secretKey: SK }, { clientId: 'S1_client', secretKey: SK, model: 'client' }] });
    expect(() => windowFor(sim, 1000, { clientId: 'S2_nobody' })).toThrow(/unknown clientId/);
    expect(() => windowFor(sim, 1000, { method: 'bitcoin' })).toThrow(/unknown method/);
    expect(() => windowFor(sim, 1000, { method: 'vbank' })).toThrow(/vbankHolder/);
    expect(() => windowFor(sim, 1000, { clientId: 'S1_client' })).toThrow(/Client-approval/);
    expect(() => windowFor(sim, 1000, { goodsName: '가'.repeat(21) })).toThrow(/40 bytes/);
  });

  it('describes a failed or closed window without tid or signature', async () => {
    const sim = await startSim();
    const failed = sim.authenticateFailure({ clientId: CLIENT_ID, orderId: 'o-1', amount: 1000 });
    expect(failed).toEqual({ authResultCode: 'I002', authResultMsg: '사용자가 결제를 취소하였습니다', clientId: CLIENT_ID, orderId: 'o-1', amount: '1000', mallReserved: '' });
    expect(sim.authenticateFailure({ clientId: CLIENT_ID, orderId: 'o-2', amount: 5, code: 'U508', message: 'x' }).authResultCode).toBe('U508');
  });
});

// ---- approve ----------------------------------------------------------------------------------------------------

describe('approve POST /v1/payments/{tid} (nicepay.md §3.1, §3.2)', () => {
  it('approves a card payment: paid, sandbox card, signed, recorded as sent', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 15_000, { buyerName: '김나이스' });
    const response = await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 15_000 } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json;charset=utf-8');
    const body = response.body;
    expect(body).toMatchObject({
      resultCode: '0000',
      resultMsg: '정상 처리되었습니다.',
      tid: form.tid,
      cancelledTid: null,
      orderId: form.orderId,
      status: 'paid',
      failedAt: '0',
      cancelledAt: '0',
      payMethod: 'card',
      amount: 15_000,
      balanceAmt: 15_000,
      goodsName: '나이스페이-상품',
      useEscrow: false,
      currency: 'KRW',
      approveNo: '000000',
      buyerName: '김나이스',
      cancels: null,
      vbank: null,
      card: { cardCode: '04', cardName: '삼성', cardNum: '123412******1234', cardQuota: 0, canPartCancel: true, acquCardCode: '04' },
    });
    expect(body.ediDate).toMatch(NICE_DATE);
    expect(body.paidAt).toMatch(NICE_DATE);
    expectSigned(body);
    const [recorded] = sim.requestsTo('POST', `/v1/payments/${form.tid}`);
    expect(recorded.body).toEqual({ amount: 15_000 });
    expect(recorded.headers.authorization).toBe(basicAuth(CLIENT_ID, SK));
    expect(recorded.status).toBe(200);
    expect(sim.getPayment(form.tid)).toMatchObject({ status: 'paid', amount: 15_000, balanceAmt: 15_000 });
    expect(JSON.stringify(sim.getPayment(form.tid))).not.toContain(SK);
  });

  it('accepts the amount as a numeric string, as the official Java/Python samples send it', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 1004);
    const response = await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: '1004' } });
    expect(response.body.resultCode).toBe('0000');
    expect(response.body.amount).toBe(1004);
  });

  it('refuses an amount that differs from the authenticated one (A123) and approves only once (2201)', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 12_000);
    const tampered = await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 1_200 } });
    expect([tampered.status, tampered.body.resultCode]).toEqual([200, 'A123']);
    expect(sim.getPayment(form.tid)).toBeUndefined();
    expect((await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 12_000 } })).body.resultCode).toBe('0000');
    const again = await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 12_000 } });
    expect([again.status, again.body]).toEqual([200, { resultCode: '2201', resultMsg: '기승인존재' }]);
  });

  it('refuses a credit-card approval under 1,000 KRW (3041, nicepay.md §8.20); a bank transfer of 500 is fine', async () => {
    const sim = await startSim();
    const card = windowFor(sim, 999);
    const refused = await call(sim, 'POST', `/v1/payments/${card.tid}`, { body: { amount: 999 } });
    expect([refused.status, refused.body.resultCode]).toEqual([200, '3041']);
    expect(sim.getPayment(card.tid)).toBeUndefined();
    const bank = windowFor(sim, 500, { method: 'bank' });
    expect((await call(sim, 'POST', `/v1/payments/${bank.tid}`, { body: { amount: 500 } })).body.resultCode).toBe('0000');
  });

  it('checks signData when present (A101) and ediDate format (P024)', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 1004);
    const ediDate = '2026-11-22T12:00:00.000+0900';
    const wrong = await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 1004, ediDate, signData: sha256(`${form.tid}1005${ediDate}${SK}`) } });
    expect(wrong.body.resultCode).toBe('A101');
    const badDate = await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 1004, ediDate: '20261122120000' } });
    expect(badDate.body.resultCode).toBe('P024');
    const right = await call(sim, 'POST', `/v1/payments/${form.tid}`, {
      body: { amount: 1004, ediDate, signData: sha256(`${form.tid}1004${ediDate}${SK}`).toUpperCase() },
    });
    expect(right.body.resultCode).toBe('0000');
  });

  it('validates required fields, numbers and lengths (P007, P010, P009) and unknown tids (404 U121)', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 1004);
    expect((await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: {} })).body.resultCode).toBe('P007');
    expect((await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: '10a' } })).body.resultCode).toBe('P010');
    expect((await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 1234567890123 } })).body.resultCode).toBe('P009');
    const unknown = await call(sim, 'POST', '/v1/payments/nictest00m01012611221200000000', { body: { amount: 1004 } });
    expect([unknown.status, unknown.body.resultCode]).toEqual([404, 'U121']);
  });

  it('keeps orderIds unique: a second window for a paid orderId cannot be approved (U112)', async () => {
    const sim = await startSim();
    const { form } = await approvedCard(sim, 1000);
    const second = windowFor(sim, 1000, { orderId: form.orderId });
    expect((await call(sim, 'POST', `/v1/payments/${second.tid}`, { body: { amount: 1000 } })).body.resultCode).toBe('U112');
  });

  it('issues a virtual account (ready + vbank), then deposit → paid with webhooks for both', async () => {
    const receiver = await startReceiver();
    const sim = await startSim({ webhookUrl: receiver.url });
    const form = windowFor(sim, 30_000, { method: 'vbank', vbankHolder: '김나이스' });
    const issued = await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 30_000 } });
    expect(issued.body).toMatchObject({ status: 'ready', payMethod: 'vbank', amount: 30_000, card: null });
    expect(issued.body.vbank).toEqual({
      vbankCode: expect.stringMatching(/^\d{3}$/),
      vbankName: expect.any(String),
      vbankNumber: expect.stringMatching(/^\d{14}$/),
      vbankExpDate: expect.stringMatching(NICE_DATE),
      vbankHolder: '김나이스',
    });
    sim.deposit(form.tid);
    expect(() => sim.deposit(form.tid)).toThrow(/not ready/);
    await sim.webhooksIdle();
    expect(receiver.received.map((r) => r.body.status)).toEqual(['ready', 'paid']);
    const paid = receiver.received[1];
    expect(paid.headers['content-type']).toBe('application/json;charset=utf-8');
    expect(paid.body).toMatchObject({ tid: form.tid, orderId: form.orderId, amount: 30_000, balanceAmt: 30_000, resultCode: '0000' });
    expectSigned(paid.body);
    expect(sim.webhookDeliveries.map((d) => [d.eventType, d.status, d.accepted])).toEqual([
      ['ready', 200, true],
      ['paid', 200, true],
    ]);
  });
});

// ---- cancel -----------------------------------------------------------------------------------------------------

describe('cancel POST /v1/payments/{tid}/cancel (nicepay.md §3.3)', () => {
  it('cancels partially then fully: new cancel tids, balance, status, signature over the original tid+amount', async () => {
    const receiver = await startReceiver();
    const sim = await startSim({ webhookUrl: receiver.url });
    const { form } = await approvedCard(sim, 50_000);
    const partial = await call(sim, 'POST', `/v1/payments/${form.tid}/cancel`, { body: { reason: '부분 반품', orderId: `${form.orderId}-c1`, cancelAmt: 10_000 } });
    expect(partial.body).toMatchObject({ resultCode: '0000', tid: form.tid, orderId: form.orderId, status: 'partialCancelled', amount: 50_000, balanceAmt: 40_000 });
    expect(partial.body.cancelledTid).toMatch(tidPattern('01'));
    expect(partial.body.cancelledTid).not.toBe(form.tid);
    expect(partial.body.cancels).toEqual([
      { tid: partial.body.cancelledTid, amount: 10_000, cancelledAt: partial.body.cancelledAt, reason: '부분 반품', receiptUrl: expect.any(String), couponAmt: 0 },
    ]);
    expect(partial.body.cancelledAt).toMatch(NICE_DATE);
    expectSigned(partial.body);

    const rest = await call(sim, 'POST', `/v1/payments/${form.tid}/cancel`, { body: { reason: '주문 취소', orderId: `${form.orderId}-c2` } });
    expect(rest.body).toMatchObject({ status: 'cancelled', balanceAmt: 0 });
    expect(rest.body.cancels.map((c: any) => c.amount)).toEqual([10_000, 40_000]);
    expect(rest.body.cancelledTid).toBe(rest.body.cancels[1].tid);
    const again = await call(sim, 'POST', `/v1/payments/${form.tid}/cancel`, { body: { reason: 'x', orderId: `${form.orderId}-c3` } });
    expect(again.body.resultCode).toBe('2013');

    await sim.webhooksIdle();
    expect(receiver.received.map((r) => [r.body.status, r.body.cancelledTid])).toEqual([
      ['paid', null],
      ['partialCancelled', partial.body.cancelledTid],
      ['cancelled', rest.body.cancelledTid],
    ]);
    for (const delivery of receiver.received) expectSigned(delivery.body);
  });

  it('requires reason and orderId (P007), and a new cancel orderId every time, even across payments and after a failure (U112)', async () => {
    const sim = await startSim();
    const a = await approvedCard(sim, 10_000);
    const b = await approvedCard(sim, 10_000);
    const cancel = (tid: string, body: Record<string, unknown>) => call(sim, 'POST', `/v1/payments/${tid}/cancel`, { body });
    expect((await cancel(a.form.tid, { orderId: 'c-x' })).body).toEqual({ resultCode: 'P007', resultMsg: '필수 파라미터 reason가 없습니다.' });
    expect((await cancel(a.form.tid, { reason: 'r' })).body.resultCode).toBe('P007');
    expect((await cancel(a.form.tid, { reason: 'r', orderId: `${a.form.orderId}-1`, cancelAmt: 1_000 })).body.resultCode).toBe('0000');
    expect((await cancel(a.form.tid, { reason: 'r', orderId: `${a.form.orderId}-1`, cancelAmt: 1_000 })).body.resultCode).toBe('U112');
    expect((await cancel(b.form.tid, { reason: 'r', orderId: `${a.form.orderId}-1`, cancelAmt: 1_000 })).body.resultCode).toBe('U112');
    expect((await cancel(b.form.tid, { reason: 'r', orderId: a.form.orderId, cancelAmt: 1_000 })).body.resultCode).toBe('U112');
    // Over the balance: 2032, and the orderId is spent anyway.
    expect((await cancel(b.form.tid, { reason: 'r', orderId: `${b.form.orderId}-1`, cancelAmt: 10_001 })).body.resultCode).toBe('2032');
    expect((await cancel(b.form.tid, { reason: 'r', orderId: `${b.form.orderId}-1`, cancelAmt: 1_000 })).body.resultCode).toBe('U112');
    // The payment's own orderId is accepted once (what the official samples send).
    expect((await cancel(b.form.tid, { reason: 'r', orderId: b.form.orderId, cancelAmt: 1_000 })).body.resultCode).toBe('0000');
    expect((await cancel(b.form.tid, { reason: 'r', orderId: b.form.orderId, cancelAmt: 1_000 })).body.resultCode).toBe('U112');
    expect(sim.getPayment(b.form.tid)).toMatchObject({ balanceAmt: 9_000 });
  });

  it('checks taxFreeAmt against the remaining tax-free part (U319), cancelAmt ≤ 0 (2010), signData (tid+ediDate+SK)', async () => {
    const sim = await startSim();
    const { form } = await approvedCard(sim, 10_000, { taxFreeAmt: 2_000 });
    const cancel = (body: Record<string, unknown>) => call(sim, 'POST', `/v1/payments/${form.tid}/cancel`, { body: { reason: 'r', ...body } });
    expect((await cancel({ orderId: 'tf-1', cancelAmt: 5_000, taxFreeAmt: 2_001 })).body.resultCode).toBe('U319');
    expect((await cancel({ orderId: 'tf-2', cancelAmt: 0 })).body.resultCode).toBe('2010');
    const ediDate = '2026-11-22T12:00:00.000+0900';
    expect((await cancel({ orderId: 'tf-3', cancelAmt: 5_000, ediDate, signData: sha256(`${form.tid}5000${ediDate}${SK}`) })).body.resultCode).toBe('A101');
    const ok = await cancel({ orderId: 'tf-4', cancelAmt: 5_000, taxFreeAmt: 2_000, ediDate, signData: sha256(`${form.tid}${ediDate}${SK}`) });
    expect(ok.body).toMatchObject({ resultCode: '0000', balanceAmt: 5_000 });
    expect((await cancel({ orderId: 'tf-5', cancelAmt: 1_000, taxFreeAmt: 1 })).body.resultCode).toBe('U319');
  });

  it('refuses any cancelAmt with U128 in sandbox flavour, a full cancel without it works', async () => {
    const sim = await startSim({ sandboxRejectsPartialCancel: true });
    const { form } = await approvedCard(sim, 10_000);
    const partial = await call(sim, 'POST', `/v1/payments/${form.tid}/cancel`, { body: { reason: 'r', orderId: 's-1', cancelAmt: 10_000 } });
    expect(partial.body.resultCode).toBe('U128');
    const full = await call(sim, 'POST', `/v1/payments/${form.tid}/cancel`, { body: { reason: 'r', orderId: 's-2' } });
    expect(full.body).toMatchObject({ resultCode: '0000', status: 'cancelled', balanceAmt: 0 });
  });

  it('vbank: before deposit full cancel only (2030); after deposit the refund account is required', async () => {
    const sim = await startSim();
    const ready = windowFor(sim, 20_000, { method: 'vbank', vbankHolder: '홍길동' });
    await call(sim, 'POST', `/v1/payments/${ready.tid}`, { body: { amount: 20_000 } });
    expect((await call(sim, 'POST', `/v1/payments/${ready.tid}/cancel`, { body: { reason: 'r', orderId: 'v-1', cancelAmt: 5_000 } })).body.resultCode).toBe('2030');
    expect((await call(sim, 'POST', `/v1/payments/${ready.tid}/cancel`, { body: { reason: 'r', orderId: 'v-2' } })).body).toMatchObject({ status: 'cancelled' });

    const paid = windowFor(sim, 20_000, { method: 'vbank', vbankHolder: '홍길동' });
    await call(sim, 'POST', `/v1/payments/${paid.tid}`, { body: { amount: 20_000 } });
    sim.deposit(paid.tid);
    const noAccount = await call(sim, 'POST', `/v1/payments/${paid.tid}/cancel`, { body: { reason: 'r', orderId: 'v-3', cancelAmt: 5_000 } });
    expect(noAccount.body).toEqual({ resultCode: 'P007', resultMsg: '필수 파라미터 refundAccount가 없습니다.' });
    const refund = await call(sim, 'POST', `/v1/payments/${paid.tid}/cancel`, {
      body: { reason: 'r', orderId: 'v-4', cancelAmt: 5_000, refundAccount: '1234567890', refundBankCode: '004', refundHolder: '홍길동' },
    });
    expect(refund.body).toMatchObject({ resultCode: '0000', status: 'partialCancelled', balanceAmt: 15_000 });
  });

  it('answers U122 for an unknown tid and U106 for a cash-receipt tid', async () => {
    const sim = await startSim();
    expect((await call(sim, 'POST', '/v1/payments/nictest00m01012611221200000000/cancel', { body: { reason: 'r', orderId: 'u-1' } })).body.resultCode).toBe('U122');
    const receipt = await call(sim, 'POST', '/v1/receipt', {
      body: { orderId: newOrderId(), amount: 1_100, goodsName: 'g', receiptType: 'individual', receiptNo: '01012345678' },
    });
    const cancel = await call(sim, 'POST', `/v1/payments/${receipt.body.tid}/cancel`, { body: { reason: 'r', orderId: 'u-2' } });
    expect(cancel.body.resultCode).toBe('U106');
  });
});

// ---- net cancel -------------------------------------------------------------------------------------------------

describe('net cancel POST /v1/payments/netcancel (nicepay.md §3.4)', () => {
  it('cancels an approval whose answer was lost, found by orderId', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 8_000);
    sim.failNext({ method: 'POST', path: `/v1/payments/${form.tid}` }, { kind: 'hang-after-commit', ms: 2_000 });
    await expect(call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 8_000 }, signal: AbortSignal.timeout(100) })).rejects.toThrow();
    expect(sim.getPayment(form.tid)).toMatchObject({ status: 'paid' });
    const ediDate = '2026-11-22T12:00:00.000+0900';
    const net = await call(sim, 'POST', '/v1/payments/netcancel', { body: { orderId: form.orderId, ediDate, signData: sha256(`${form.orderId}${ediDate}${SK}`) } });
    expect(net.body).toMatchObject({ resultCode: '0000', tid: form.tid, status: 'cancelled', balanceAmt: 0, amount: 8_000 });
    expect(net.body.cancelledTid).toMatch(tidPattern('01'));
    expectSigned(net.body);
    expect((await call(sim, 'POST', '/v1/payments/netcancel', { body: { orderId: form.orderId } })).body.resultCode).toBe('2013');
  });

  it('answers 2020 after the window, U126 for unknown or never-approved orderIds', async () => {
    const clock = new ManualClock(new Date('2026-11-22T03:00:00.000Z'));
    const sim = await startSim({ clock });
    const { form } = await approvedCard(sim, 1_000);
    clock.advance(60 * 60_000 + 1);
    expect((await call(sim, 'POST', '/v1/payments/netcancel', { body: { orderId: form.orderId } })).body.resultCode).toBe('2020');
    expect(sim.getPayment(form.tid)).toMatchObject({ status: 'paid' });
    expect((await call(sim, 'POST', '/v1/payments/netcancel', { body: { orderId: 'never-seen' } })).body.resultCode).toBe('U126');
    const onlyAuthenticated = windowFor(sim, 1_000);
    expect((await call(sim, 'POST', '/v1/payments/netcancel', { body: { orderId: onlyAuthenticated.orderId } })).body.resultCode).toBe('U126');
    expect((await call(sim, 'POST', '/v1/payments/netcancel', { body: {} })).body.resultCode).toBe('P007');
  });
});

// ---- inquiry ----------------------------------------------------------------------------------------------------

describe('inquiry (nicepay.md §3.5, §3.6)', () => {
  it('by tid and by orderId: a fresh ediDate and signature each time', async () => {
    const clock = new ManualClock(new Date('2026-11-22T03:00:00.000Z'));
    const sim = await startSim({ clock });
    const { form, payment } = await approvedCard(sim, 2_000);
    clock.advance(5_000);
    const byTid = await call(sim, 'GET', `/v1/payments/${form.tid}`);
    expect(byTid.body).toMatchObject({ resultCode: '0000', tid: form.tid, status: 'paid', ediDate: '2026-11-22T12:00:05.000+0900' });
    expect(byTid.body.ediDate).not.toBe(payment.ediDate);
    expectSigned(byTid.body);
    const ediDate = '2026-11-22T12:00:05.000+0900';
    // Either signData formula of the disputed find-by-orderId (§3.5), orderDate optional; `+` sent as %2B.
    for (const prefix of [form.tid, form.orderId]) {
      const found = await call(sim, 'GET', `/v1/payments/find/${form.orderId}`, { query: { ediDate, signData: sha256(`${prefix}${ediDate}${SK}`), orderDate: '20261122' } });
      expect(found.body).toMatchObject({ resultCode: '0000', tid: form.tid });
      expectSigned(found.body);
    }
    expect(sim.requestsTo('GET', '/v1/payments/find/').at(-1)!.query.ediDate).toBe(ediDate);
    expect((await call(sim, 'GET', `/v1/payments/find/${form.orderId}`)).body.resultCode).toBe('0000');
    const badSign = await call(sim, 'GET', `/v1/payments/${form.tid}`, { query: { ediDate, signData: sha256(`x${ediDate}${SK}`) } });
    expect(badSign.body.resultCode).toBe('A101');
    const missing = await call(sim, 'GET', '/v1/payments/find/no-such-order');
    expect([missing.status, missing.body.resultCode]).toEqual([404, 'U107']);
  });

  it("does not show another merchant's payment", async () => {
    const other = { clientId: 'S2_other', secretKey: 'ffffffffffffffffffffffffffffffff' };
    const sim = await startSim({ keys: [{ clientId: CLIENT_ID, secretKey: SK }, other] });
    const { form } = await approvedCard(sim, 1_000);
    const response = await call(sim, 'GET', `/v1/payments/${form.tid}`, { authorization: basicAuth(other.clientId, other.secretKey) });
    expect([response.status, response.body.resultCode]).toEqual([404, 'U107']);
  });

  it('check-amount: isValid and signature = tid+ediDate+SK', async () => {
    const sim = await startSim();
    const { form } = await approvedCard(sim, 3_000);
    for (const [amount, valid] of [[3_000, true], [300, false]] as const) {
      const response = await call(sim, 'POST', `/v1/check-amount/${form.tid}`, { body: { amount } });
      expect(response.body).toMatchObject({ resultCode: '0000', tid: form.tid, isValid: valid });
      expect(response.body.signature).toBe(sha256(`${form.tid}${response.body.ediDate}${SK}`));
    }
  });
});

// ---- billing ----------------------------------------------------------------------------------------------------

describe('billing (nicepay.md §3.7–§3.9, §4.2)', () => {
  const CARD = 'cardNo=5361123456781234&expYear=30&expMonth=12&idNo=800101&cardPw=12';

  async function regist(sim: NicePaySimulator, encData: string, encMode?: string) {
    return call(sim, 'POST', '/v1/subscribe/regist', { body: { encData, orderId: newOrderId(), ...(encMode ? { encMode } : {}) } });
  }

  it('decrypts encData in both modes and issues a bid', async () => {
    const sim = await startSim();
    for (const [encData, encMode] of [[encA2(CARD, SK), 'A2'], [encAes128(CARD, SK), undefined]] as const) {
      const response = await regist(sim, encData, encMode);
      expect(response.body).toMatchObject({ resultCode: '0000', resultMsg: '빌키가 정상적으로 생성되었습니다.', cardCode: '04', cardName: '[삼성]', status: 'issued' });
      expect(response.body.bid).toMatch(/^BIKYnictest00m\d{16}$/);
      expect(response.body.authDate).toMatch(NICE_DATE);
      expect(response.body.signature).toBeUndefined();
    }
  });

  it('refuses undecryptable encData (F101), missing card fields (P007) and a reused orderId (U112)', async () => {
    const sim = await startSim();
    expect((await regist(sim, encA2(CARD, 'ffffffffffffffffffffffffffffffff'), 'A2')).body.resultCode).toBe('F101');
    expect((await regist(sim, 'zz-not-hex', 'A2')).body.resultCode).toBe('F101');
    // The CBC ciphertext of old docs (§4.2 history trap) does not decrypt as ECB.
    expect((await regist(sim, encA2(CARD, SK))).body.resultCode).toBe('F101');
    const missing = await regist(sim, encA2('cardNo=5361123456781234&expYear=30&expMonth=12&idNo=800101', SK), 'A2');
    expect(missing.body).toEqual({ resultCode: 'P007', resultMsg: '필수 파라미터 encData.cardPw가 없습니다.' });
    const orderId = newOrderId();
    expect((await call(sim, 'POST', '/v1/subscribe/regist', { body: { encData: encA2(CARD, SK), encMode: 'A2', orderId } })).body.resultCode).toBe('0000');
    expect((await call(sim, 'POST', '/v1/subscribe/regist', { body: { encData: encA2(CARD, SK), encMode: 'A2', orderId } })).body.resultCode).toBe('U112');
  });

  it('charges a bid (paid, masked card, signed, webhook with bid); expire; U115 after; A124 for unknown', async () => {
    const receiver = await startReceiver();
    const sim = await startSim({ webhookUrl: receiver.url });
    const { bid } = (await regist(sim, encA2(CARD, SK), 'A2')).body;
    const orderId = newOrderId();
    const ediDate = '2026-11-22T12:00:00.000+0900';
    const chargeBody = { orderId, amount: 9_900, goodsName: 'Pro plan', cardQuota: 0, useShopInterest: false, ediDate, signData: sha256(`${orderId}${bid}${ediDate}${SK}`) };
    const charge = await call(sim, 'POST', `/v1/subscribe/${bid}/payments`, { body: chargeBody });
    expect(charge.body).toMatchObject({ resultCode: '0000', status: 'paid', payMethod: 'card', amount: 9_900, orderId, card: { cardNum: '536112******1234', cardCode: '04' } });
    expectSigned(charge.body);
    expect((await call(sim, 'POST', `/v1/subscribe/${bid}/payments`, { body: chargeBody })).body.resultCode).toBe('U112');
    await sim.webhooksIdle();
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].body).toMatchObject({ bid, tid: charge.body.tid, status: 'paid' });
    expect(JSON.stringify(sim.requests)).toContain(bid); // recorded as sent
    expect(JSON.stringify(sim.getPayment(charge.body.tid))).not.toContain('5361123456781234');

    const small = await call(sim, 'POST', `/v1/subscribe/${bid}/payments`, { body: { ...chargeBody, orderId: newOrderId(), amount: 999, signData: undefined } });
    expect(small.body.resultCode).toBe('3041'); // a billing charge is a credit-card approval (nicepay.md §8.20)

    const expire = await call(sim, 'POST', `/v1/subscribe/${bid}/expire`, { body: { orderId: newOrderId() } });
    expect(expire.body).toMatchObject({ resultCode: '0000', bid, authDate: expect.stringMatching(NICE_DATE) });
    const again = await call(sim, 'POST', `/v1/subscribe/${bid}/expire`, { body: { orderId: newOrderId() } });
    expect(again.body).toMatchObject({ resultCode: 'U115', bid, authDate: expect.stringMatching(NICE_DATE) });
    const deleted = await call(sim, 'POST', `/v1/subscribe/${bid}/payments`, { body: { ...chargeBody, orderId: newOrderId(), signData: undefined } });
    expect(deleted.body.resultCode).toBe('U115');
    const unknown = await call(sim, 'POST', '/v1/subscribe/BIKYnictest00m0000000000000000/payments', { body: { ...chargeBody, orderId: newOrderId(), signData: undefined } });
    expect(unknown.body.resultCode).toBe('A124');
    expect((await call(sim, 'POST', `/v1/subscribe/${bid}/payments`, { body: { orderId: newOrderId(), amount: 100 } })).body.resultCode).toBe('P007');
  });

  it('counts byte lengths the EUC-KR way: 20 Hangul fit goodsName(40), 21 do not (P009)', async () => {
    const sim = await startSim();
    const { bid } = (await regist(sim, encA2(CARD, SK), 'A2')).body;
    const charge = (goodsName: string) =>
      call(sim, 'POST', `/v1/subscribe/${bid}/payments`, { body: { orderId: newOrderId(), amount: 1_000, goodsName, cardQuota: '0', useShopInterest: false } });
    expect((await charge('가'.repeat(20))).body.resultCode).toBe('0000');
    expect((await charge('가'.repeat(21))).body.resultCode).toBe('P009');
    expect((await charge('a'.repeat(41))).body.resultCode).toBe('P009');
  });
});

// ---- cash receipts ----------------------------------------------------------------------------------------------

describe('cash receipts (nicepay.md §3.10)', () => {
  it('issues (signed tid+orderId+ediDate+SK), turns issued after the clock moves, cancels', async () => {
    const clock = new ManualClock(new Date('2026-11-22T03:00:00.000Z'));
    const sim = await startSim({ clock });
    const orderId = newOrderId();
    const parts = { supplyAmt: 9_091, goodsVat: 909, taxFreeAmt: 0, serviceAmt: 0 };
    const badSum = await call(sim, 'POST', '/v1/receipt/', { body: { orderId, amount: 10_000, goodsName: '상품', receiptType: 'individual', receiptNo: '01012345678', ...parts, goodsVat: 900 } });
    expect(badSum.body.resultCode).toBe('P013');
    const issued = await call(sim, 'POST', '/v1/receipt/', { body: { orderId, amount: 10_000, goodsName: '상품', receiptType: 'individual', receiptNo: '01012345678', ...parts } });
    expect(issued.body).toMatchObject({ resultCode: '0000', orderId, approvedAt: expect.stringMatching(NICE_DATE) });
    expect(issued.body.tid).toMatch(tidPattern('04'));
    expect(issued.body.signature).toBe(sha256(`${issued.body.tid}${orderId}${issued.body.ediDate}${SK}`));

    const pending = await call(sim, 'GET', `/v1/receipt/${issued.body.tid}`);
    expect(pending.body).toMatchObject({ resultCode: '0000', status: 'issueRequested', amount: 10_000, balanceAmt: 10_000 });
    expect(pending.body.signature).toBe(sha256(`${issued.body.tid}${orderId}${pending.body.ediDate}${SK}`));
    clock.advance(24 * 60 * 60_000);
    expect((await call(sim, 'GET', `/v1/receipt/${issued.body.tid}`)).body.status).toBe('issued');

    const cancel = await call(sim, 'POST', `/v1/receipt/${issued.body.tid}/cancel`, { body: { orderId: newOrderId(), reason: '잘못 발급' } });
    expect(cancel.body).toMatchObject({ resultCode: '0000', orderId, cancelAmt: 10_000, balanceAmt: 0 });
    expect(cancel.body.signature).toBe(sha256(`${cancel.body.tid}${orderId}${cancel.body.ediDate}${SK}`));
    const after = await call(sim, 'GET', `/v1/receipt/${issued.body.tid}`);
    expect(after.body).toMatchObject({ status: 'cancelled', balanceAmt: 0, receiptCancels: [{ tid: cancel.body.tid, amount: 10_000 }] });
    expect((await call(sim, 'POST', `/v1/receipt/${issued.body.tid}/cancel`, { body: { orderId: newOrderId(), reason: 'x' } })).body.resultCode).toBe('2013');
    expect((await call(sim, 'POST', '/v1/receipt', { body: { orderId, amount: 10_000, goodsName: '상품', receiptType: 'individual', receiptNo: '01012345678' } })).body.resultCode).toBe('U112');
  });
});

// ---- webhooks ---------------------------------------------------------------------------------------------------

describe('webhooks (nicepay.md §6)', () => {
  it('counts only HTTP 200 with body OK; retries up to webhookMaxAttempts', async () => {
    const answers = [{ status: 200, body: 'ok' }, { status: 500, body: 'OK' }, { status: 200, body: ' OK\n' }];
    const receiver = await startReceiver((n) => answers[n] ?? { status: 200, body: 'OK' });
    const sim = await startSim({ webhookUrl: receiver.url, webhookTimeScale: 0.0001 });
    await approvedCard(sim, 1_000);
    await sim.webhooksIdle();
    expect(sim.webhookDeliveries.map((d) => [d.attempt, d.status, d.accepted])).toEqual([
      [0, 200, false],
      [1, 500, false],
      [2, 200, true],
    ]);
    expect(new Set(sim.webhookDeliveries.map((d) => d.id)).size).toBe(1);
  });

  it('gives up after webhookMaxAttempts attempts', async () => {
    const receiver = await startReceiver(() => ({ status: 500, body: 'error' }));
    const sim = await startSim({ webhookUrl: receiver.url, webhookTimeScale: 0.0001, webhookMaxAttempts: 4 });
    await approvedCard(sim, 1_000);
    await sim.webhooksIdle();
    expect(receiver.received).toHaveLength(4);
    expect(sim.webhookDeliveries.every((d) => !d.accepted)).toBe(true);
  });

  it('sends the dashboard TEST payload: empty status, a signature the merchant key cannot verify', async () => {
    const receiver = await startReceiver();
    const sim = await startSim({ webhookUrl: receiver.url });
    await sim.sendTestWebhook();
    expect(receiver.received).toHaveLength(1);
    const body = receiver.received[0].body;
    expect(body).toMatchObject({ resultCode: '0000', resultMsg: '', status: '', payMethod: '', amount: 10000 });
    expect(body.tid).toMatch(/^UTWEBHOOK/);
    expect(body.ediDate).toMatch(NICE_DATE);
    expect(body.signature).toMatch(/^[0-9a-f]{64}$/);
    expect(body.signature).not.toBe(sha256(`${body.tid}${body.amount}${body.ediDate}${SK}`));
    expect(sim.webhookDeliveries).toMatchObject([{ eventType: 'test', status: 200, accepted: true }]);
  });
});

// ---- faults -----------------------------------------------------------------------------------------------------

describe('faults', () => {
  it('error: answers the given result without doing anything', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 1_000);
    sim.failNext({ method: 'POST', path: '/v1/payments/' }, { kind: 'error', resultCode: 'S999' });
    const failed = await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 1_000 } });
    expect([failed.status, failed.body]).toEqual([200, { resultCode: 'S999', resultMsg: '기타오류가 발생하였습니다.' }]);
    sim.failNext({ path: /\/v1\/payments\// }, { kind: 'error', status: 500, resultCode: '9999', resultMsg: 'temporary' });
    expect((await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 1_000 } })).status).toBe(500);
    expect(sim.getPayment(form.tid)).toBeUndefined();
    expect((await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 1_000 } })).body.resultCode).toBe('0000');
  });

  it('drop-after-commit applies the approval; drop-before-commit does not', async () => {
    const sim = await startSim();
    const committed = windowFor(sim, 1_000);
    sim.failNext({ path: `/v1/payments/${committed.tid}` }, { kind: 'drop-after-commit' });
    await expect(call(sim, 'POST', `/v1/payments/${committed.tid}`, { body: { amount: 1_000 } })).rejects.toThrow();
    expect(sim.getPayment(committed.tid)).toMatchObject({ status: 'paid' });

    const notCommitted = windowFor(sim, 1_000);
    sim.failNext({ path: `/v1/payments/${notCommitted.tid}` }, { kind: 'drop-before-commit' });
    await expect(call(sim, 'POST', `/v1/payments/${notCommitted.tid}`, { body: { amount: 1_000 } })).rejects.toThrow();
    expect(sim.getPayment(notCommitted.tid)).toBeUndefined();
    expect(sim.requestsTo('POST', `/v1/payments/${notCommitted.tid}`)).toHaveLength(1);
  });

  it('tamper-after-commit applies the request, then alters (or removes) answer fields', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 1_000);
    sim.failNext({ method: 'POST', path: `/v1/payments/${form.tid}` }, { kind: 'tamper-after-commit', patch: { signature: 'f'.repeat(64), ediDate: undefined } });
    const tampered = await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 1_000 } });
    expect(tampered.body).toMatchObject({ resultCode: '0000', tid: form.tid, amount: 1_000, signature: 'f'.repeat(64) });
    expect('ediDate' in tampered.body).toBe(false);
    expect(sim.getPayment(form.tid)).toMatchObject({ status: 'paid' });
    expect(() => sim.failNext({ path: '/v1/payments/' }, { kind: 'tamper-after-commit', patch: null as never })).toThrow(RangeError);
  });

  it('latency: answers normally, later', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 1_000);
    sim.failNext({ method: 'POST', path: '/v1/payments/' }, { kind: 'latency', ms: 30 });
    expect((await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 1_000 } })).body.resultCode).toBe('0000');
  });

  it('reset forgets everything', async () => {
    const sim = await startSim();
    const { form } = await approvedCard(sim, 1_000);
    sim.reset();
    expect(sim.getPayment(form.tid)).toBeUndefined();
    expect(sim.requests).toHaveLength(0);
  });
});
