import { ManualClock } from '../../../libs/testing/src/clock';
import {
  approvedCard,
  basicAuth,
  call,
  CLIENT_ID,
  encA2,
  encAes128,
  expectSigned,
  newOrderId,
  NICE_DATE,
  sha256,
  SK,
  startReceiver,
  startSim,
  stopStartedAfterEach,
  tidPattern,
  windowFor,
} from './nicepay-simulator.fixtures';

// The NicePay simulator's machinery: known answers, authentication, the payment window, webhooks and faults.
stopStartedAfterEach();

// ---- known answers ----------------------------------------------------------------------------------------------

describe("known answers (NicePay's manual)", () => {
  it("builds the manual's Basic headers", () => {
    expect(basicAuth('S2_af4543a0be4d49a98122e01ec2059a56', '9eb85607103646da9f9c02b128f2e5ee')).toBe(
      'Basic UzJfYWY0NTQzYTBiZTRkNDlhOTgxMjJlMDFlYzIwNTlhNTY6OWViODU2MDcxMDM2NDZkYTlmOWMwMmIxMjhmMmU1ZWU=',
    );
    expect(basicAuth('af0d116236df437f831483ee9c500bc4', '433a8421be754b34989048cf148a5ffc')).toBe(
      'Basic YWYwZDExNjIzNmRmNDM3ZjgzMTQ4M2VlOWM1MDBiYzQ6NDMzYTg0MjFiZTc1NGIzNDk4OTA0OGNmMTQ4YTVmZmM=',
    );
  });

  it("reproduces the manual's four signatures", () => {
    expect(
      sha256('NICEUNTTB06096FF8F653AA366E7EEED1101AAAE' + 'S2_af4543a0be4d49a98122e01ec2059a56' + '1004' + SK),
    ).toBe('99ea68bf15681741e793ece56ab87891b9bdc94cd54abdcb55b2884f4336155a');
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

  it("reproduces the manual's encData vectors", () => {
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

describe('authentication', () => {
  const TOKEN_CLIENT = 'S2_0000000000000000000000000000token';
  const TOKEN_SK = 'abcdefabcdefabcdefabcdefabcdef01';

  it('refuses missing or wrong credentials on business APIs with HTTP 401 U104', async () => {
    const sim = await startSim();
    for (const authorization of [
      null,
      basicAuth(CLIENT_ID, 'ffffffffffffffffffffffffffffffff'),
      'Bearer deadbeef',
      'Basic !!!',
    ]) {
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

    const form = sim.authenticate({
      clientId: TOKEN_CLIENT,
      orderId: newOrderId(),
      amount: 1000,
      method: 'card',
      goodsName: 'x',
      returnUrl: 'https://a.example/r',
    });
    const viaBearer = await call(sim, 'POST', `/v1/payments/${form.tid}`, {
      body: { amount: 1000 },
      authorization: `Bearer ${first.body.accessToken}`,
    });
    expect(viaBearer.body.resultCode).toBe('0000');
    expectSigned(viaBearer.body, TOKEN_SK);

    clock.advance(60_000); // 30 min after issue: expired
    const expired = await call(sim, 'GET', `/v1/payments/${form.tid}`, {
      authorization: `Bearer ${first.body.accessToken}`,
    });
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

  it('answers the access-token error codes', async () => {
    const sim = await startSim({
      keys: [
        { clientId: CLIENT_ID, secretKey: SK },
        { clientId: TOKEN_CLIENT, secretKey: TOKEN_SK, authType: 'token' },
      ],
    });
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

describe('payment window', () => {
  it('returns exactly the returnUrl fields as strings with a verifiable signature', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 1004, { mallReserved: '{key:1}' });
    expect(Object.keys(form).sort()).toEqual(
      [
        'amount',
        'authResultCode',
        'authResultMsg',
        'authToken',
        'clientId',
        'mallReserved',
        'orderId',
        'signature',
        'tid',
      ].sort(),
    );
    for (const value of Object.values(form)) expect(typeof value).toBe('string');
    expect(form).toMatchObject({
      authResultCode: '0000',
      authResultMsg: '인증 성공',
      clientId: CLIENT_ID,
      amount: '1004',
      mallReserved: '{key:1}',
    });
    expect(form.tid).toMatch(tidPattern('01'));
    expect(form.authToken).toMatch(/^NICEUNTT[0-9A-F]{32}$/);
    expect(form.signature).toBe(sha256(`${form.authToken}${form.clientId}${form.amount}${SK}`));
    expect(windowFor(sim, 1000, { method: 'vbank', vbankHolder: '홍길동' }).tid).toMatch(tidPattern('03'));
    expect(windowFor(sim, 1000).mallReserved).toBe('');
  });

  it('throws for a bad clientId, an unknown method, a missing vbankHolder or a Client-approval key', async () => {
    const sim = await startSim({
      keys: [
        { clientId: CLIENT_ID, secretKey: SK },
        { clientId: 'S1_client', secretKey: SK, model: 'client' },
      ],
    });
    expect(() => windowFor(sim, 1000, { clientId: 'S2_nobody' })).toThrow(/unknown clientId/);
    expect(() => windowFor(sim, 1000, { method: 'bitcoin' })).toThrow(/unknown method/);
    expect(() => windowFor(sim, 1000, { method: 'vbank' })).toThrow(/vbankHolder/);
    expect(() => windowFor(sim, 1000, { clientId: 'S1_client' })).toThrow(/Client-approval/);
    expect(() => windowFor(sim, 1000, { goodsName: '가'.repeat(21) })).toThrow(/40 bytes/);
  });

  it('describes a failed or closed window without tid or signature', async () => {
    const sim = await startSim();
    const failed = sim.authenticateFailure({ clientId: CLIENT_ID, orderId: 'o-1', amount: 1000 });
    expect(failed).toEqual({
      authResultCode: 'I002',
      authResultMsg: '사용자가 결제를 취소하였습니다',
      clientId: CLIENT_ID,
      orderId: 'o-1',
      amount: '1000',
      mallReserved: '',
    });
    expect(
      sim.authenticateFailure({ clientId: CLIENT_ID, orderId: 'o-2', amount: 5, code: 'U508', message: 'x' })
        .authResultCode,
    ).toBe('U508');
  });
});

// ---- webhooks ---------------------------------------------------------------------------------------------------

describe('webhooks', () => {
  it('counts only HTTP 200 with body OK; retries up to webhookMaxAttempts', async () => {
    const answers = [
      { status: 200, body: 'ok' },
      { status: 500, body: 'OK' },
      { status: 200, body: ' OK\n' },
    ];
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
    expect([failed.status, failed.body]).toEqual([
      200,
      { resultCode: 'S999', resultMsg: '기타오류가 발생하였습니다.' },
    ]);
    sim.failNext(
      { path: /\/v1\/payments\// },
      { kind: 'error', status: 500, resultCode: '9999', resultMsg: 'temporary' },
    );
    expect((await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 1_000 } })).status).toBe(500);
    expect(sim.getPayment(form.tid)).toBeUndefined();
    expect((await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 1_000 } })).body.resultCode).toBe(
      '0000',
    );
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
    sim.failNext(
      { method: 'POST', path: `/v1/payments/${form.tid}` },
      { kind: 'tamper-after-commit', patch: { signature: 'f'.repeat(64), ediDate: undefined } },
    );
    const tampered = await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 1_000 } });
    expect(tampered.body).toMatchObject({
      resultCode: '0000',
      tid: form.tid,
      amount: 1_000,
      signature: 'f'.repeat(64),
    });
    expect('ediDate' in tampered.body).toBe(false);
    expect(sim.getPayment(form.tid)).toMatchObject({ status: 'paid' });
    expect(() =>
      sim.failNext({ path: '/v1/payments/' }, { kind: 'tamper-after-commit', patch: null as never }),
    ).toThrow(RangeError);
  });

  it('latency: answers normally, later', async () => {
    const sim = await startSim();
    const form = windowFor(sim, 1_000);
    sim.failNext({ method: 'POST', path: '/v1/payments/' }, { kind: 'latency', ms: 30 });
    expect((await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount: 1_000 } })).body.resultCode).toBe(
      '0000',
    );
  });

  it('reset forgets everything', async () => {
    const sim = await startSim();
    const { form } = await approvedCard(sim, 1_000);
    sim.reset();
    expect(sim.getPayment(form.tid)).toBeUndefined();
    expect(sim.requests).toHaveLength(0);
  });
});
