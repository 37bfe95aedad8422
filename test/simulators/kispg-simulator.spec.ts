import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../../libs/testing/src/clock';
import {
  KISPG_TEST_MERCHANT_KEY,
  KISPG_TEST_MID,
  KispgSimulator,
  type KispgSimulatorOptions,
} from '../../libs/testing/src/kispg';

// ---- helpers (built here independently of the simulator) ------------------------------------------------------

const MID = KISPG_TEST_MID;
const KEY = KISPG_TEST_MERCHANT_KEY;

/** kispg.md §2.1: lowercase hex SHA-256 over mid + ediDate + amount + merchantKey. */
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const encData = (ediDate: string, amount: string, mid = MID, key = KEY): string => sha256(`${mid}${ediDate}${amount}${key}`);

/** yyyyMMddHHmmss in KST (+09:00, no DST). */
function kst(date: Date): string {
  return new Date(date.getTime() + 9 * 3_600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** 2026-11-22 12:00:00 KST. */
const START = new Date('2026-11-22T03:00:00Z');

interface Ctx {
  sim: KispgSimulator;
  clock: ManualClock;
}

const simulators: KispgSimulator[] = [];
const servers: http.Server[] = [];

async function startSim(options: KispgSimulatorOptions = {}): Promise<Ctx> {
  const clock = new ManualClock(START);
  const sim = await KispgSimulator.start({ clock, ...options });
  simulators.push(sim);
  return { sim, clock };
}

afterEach(async () => {
  await Promise.all(simulators.splice(0).map((sim) => sim.stop()));
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
});

let orderSeq = 0;
const newOrdNo = () => `ord${Date.now()}${++orderSeq}`;

/** The form a shop page posts to /v2/auth (kispg.md §4). */
function authForm(clock: ManualClock, overrides: Record<string, string> = {}): Record<string, string> {
  const ediDate = overrides.ediDate ?? kst(clock.now());
  const goodsAmt = overrides.goodsAmt ?? '1004';
  return {
    payMethod: 'card',
    trxCd: '0',
    mid: MID,
    goodsNm: '테스트 상품',
    currencyType: 'KRW',
    ordNo: newOrdNo(),
    goodsAmt,
    ordNm: '홍길동',
    ordTel: '01020001234',
    model: 'WEB',
    returnUrl: 'https://shop.example.com/checkout/kispg/return',
    mbsReserved: 'cart=42',
    ediDate,
    encData: encData(ediDate, goodsAmt, overrides.mid ?? MID),
    ...overrides,
  };
}

interface Reply {
  status: number;
  body: any;
  text: string;
  contentType: string;
}

async function post(sim: KispgSimulator, path: string, body: unknown, contentType = 'application/json'): Promise<Reply> {
  const response = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, body: type.startsWith('application/json') ? JSON.parse(text) : undefined, text, contentType: type };
}

function approvalBody(clock: ManualClock, tid: string, goodsAmt: string, overrides: Record<string, string> = {}) {
  const ediDate = overrides.ediDate ?? kst(clock.now());
  return { mid: MID, tid, goodsAmt, ediDate, encData: encData(ediDate, goodsAmt), charset: 'utf-8', ...overrides };
}

function cancelBody(clock: ManualClock, tid: string, canAmt: string, partCanFlg: '0' | '1', overrides: Record<string, string> = {}) {
  const ediDate = overrides.ediDate ?? kst(clock.now());
  return {
    payMethod: 'CARD',
    tid,
    mid: MID,
    canAmt,
    canMsg: '고객요청',
    partCanFlg,
    ediDate,
    encData: encData(ediDate, canAmt),
    ...overrides,
  };
}

function orderBody(clock: ManualClock, goodsAmt: string, lookup: { tid?: string; ordNo?: string }) {
  const ediDate = kst(clock.now());
  return { mid: MID, ...lookup, goodsAmt, ediDate, encData: encData(ediDate, goodsAmt) };
}

/** Authenticates and approves; returns the auth result and the approval answer. */
async function approved(ctx: Ctx, amount = '1004', payMethod: 'CARD' | 'BANK' | 'VACNT' = 'CARD', form: Record<string, string> = {}) {
  const auth = ctx.sim.authenticate(authForm(ctx.clock, { goodsAmt: amount, payMethod: payMethod.toLowerCase(), ...form }));
  expect(auth.resultCd).toBe('0000');
  const approval = await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, auth.amt));
  return { auth, approval: approval.body as Record<string, string> };
}

interface Received {
  contentType: string;
  raw: string;
  body: Record<string, string>;
}

/** A merchant notification endpoint; `reply(n)` is the status for the n-th (0-based) request. */
async function receiver(reply: (n: number) => number = () => 200) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const contentType = req.headers['content-type'] ?? '';
      const body = contentType.startsWith('application/json') ? JSON.parse(raw) : Object.fromEntries(new URLSearchParams(raw));
      const n = received.length;
      received.push({ contentType, raw, body });
      res.writeHead(reply(n)).end('OK');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/payments/webhooks/kispg`, received };
}

const allStrings = (record: Record<string, unknown>) => Object.values(record).every((value) => typeof value === 'string');

// ---- /v2/auth ---------------------------------------------------------------------------------------------------

describe('KispgSimulator /v2/auth (kispg.md §4, §12)', () => {
  it('returns exactly the returnUrl fields, with a §12 tid and a verifiable encData', async () => {
    const ctx = await startSim();
    const form = authForm(ctx.clock);
    const result = ctx.sim.authenticate(form);

    expect(Object.keys(result).sort()).toEqual(
      ['amt', 'ediDate', 'encData', 'mbsReserved', 'ordNo', 'payMethod', 'resultCd', 'resultMsg', 'tid'].sort(),
    );
    expect(allStrings(result)).toBe(true);
    expect(result).toMatchObject({ resultCd: '0000', payMethod: 'CARD', ordNo: form.ordNo, amt: '1004', mbsReserved: 'cart=42' });
    expect(result.ediDate).toBe('20261122120000');
    expect(result.encData).toBe(encData(result.ediDate, '1004'));
    // mid(10) + 0101 + yyMMddHHmmss (KST) + 4-digit sequence = 30 characters.
    expect(result.tid).toMatch(/^kistest00m0101261122120000\d{4}$/);
    expect(result.tid).toHaveLength(30);
    expect(ctx.sim.getTransaction(result.tid)).toMatchObject({ state: 'AUTHENTICATED', amt: 1004, ordNo: form.ordNo });
    expect(ctx.sim.requestsTo('POST', '/v2/auth')[0].body).toEqual(form);
  });

  it('refuses an unknown mid (SIM1), a wrong encData (SIM2) and an amount not hashed as sent (SIM2)', async () => {
    const ctx = await startSim();
    const ediDate = kst(ctx.clock.now());
    expect(ctx.sim.authenticate(authForm(ctx.clock, { mid: 'kis000001m' }))).toEqual({ resultCd: 'SIM1', resultMsg: '가맹점 정보 없음' });
    expect(ctx.sim.authenticate(authForm(ctx.clock, { encData: encData(ediDate, '1005') }))).toEqual({
      resultCd: 'SIM2',
      resultMsg: '해쉬값 불일치',
    });
    // Wrong key: the hash is right in form, wrong in secret.
    expect(ctx.sim.authenticate(authForm(ctx.clock, { encData: encData(ediDate, '1004', MID, 'another-key') })).resultCd).toBe('SIM2');
  });

  it('accepts an ediDate 9 minutes old, refuses 11 minutes old or 2 minutes ahead (SIM3)', async () => {
    const ctx = await startSim();
    const at = (offsetMs: number) => kst(new Date(ctx.clock.now().getTime() + offsetMs));
    expect(ctx.sim.authenticate(authForm(ctx.clock, { ediDate: at(-9 * 60_000) })).resultCd).toBe('0000');
    expect(ctx.sim.authenticate(authForm(ctx.clock, { ediDate: at(-11 * 60_000) }))).toEqual({
      resultCd: 'SIM3',
      resultMsg: '전문요청일시 오류',
    });
    expect(ctx.sim.authenticate(authForm(ctx.clock, { ediDate: at(2 * 60_000) })).resultCd).toBe('SIM3');
    expect(ctx.sim.authenticate(authForm(ctx.clock, { ediDate: '20261130250000' })).resultCd).toBe('SIM3');
    // The window is configurable.
    const wide = await startSim({ ediDatePastMs: 20 * 60_000 });
    expect(wide.sim.authenticate(authForm(wide.clock, { ediDate: kst(new Date(START.getTime() - 11 * 60_000)) })).resultCd).toBe('0000');
  });

  it('counts byte limits in UTF-8 bytes (goodsNm 100 bytes: 33 한글 fit, 34 do not), 2 bytes per 한글 for EUC-KR', async () => {
    const ctx = await startSim();
    expect(ctx.sim.authenticate(authForm(ctx.clock, { goodsNm: '가'.repeat(33) + 'a' })).resultCd).toBe('0000'); // 100 bytes
    expect(ctx.sim.authenticate(authForm(ctx.clock, { goodsNm: '가'.repeat(34) }))).toEqual({ resultCd: 'SIM10', resultMsg: '요청 항목 오류' });
    expect(ctx.sim.authenticate(authForm(ctx.clock, { goodsNm: '가'.repeat(50), charset: 'EUC-KR' })).resultCd).toBe('0000');
    expect(ctx.sim.authenticate(authForm(ctx.clock, { goodsNm: '가'.repeat(51), charset: 'EUC-KR' })).resultCd).toBe('SIM10');
    expect(ctx.sim.authenticate(authForm(ctx.clock, { ordNm: '가'.repeat(11) })).resultCd).toBe('SIM10'); // 33 > 30 bytes
    expect(ctx.sim.authenticate(authForm(ctx.clock, { ordNo: 'x'.repeat(41) })).resultCd).toBe('SIM10');
  });

  it('refuses missing required fields and malformed amounts (SIM10)', async () => {
    const ctx = await startSim();
    const withoutTel = authForm(ctx.clock);
    delete withoutTel.ordTel;
    expect(ctx.sim.authenticate(withoutTel).resultCd).toBe('SIM10');
    const ediDate = kst(ctx.clock.now());
    expect(ctx.sim.authenticate(authForm(ctx.clock, { goodsAmt: '1004.0', encData: encData(ediDate, '1004.0') })).resultCd).toBe('SIM10');
    expect(ctx.sim.authenticate(authForm(ctx.clock, { model: '1' })).resultCd).toBe('SIM10');
    expect(ctx.sim.authenticate(authForm(ctx.clock, { currencyType: 'USD' })).resultCd).toBe('SIM10');
  });

  it('refuses a second auth for the same ordNo (SIM9); a declined window returns only resultCd/resultMsg', async () => {
    const ctx = await startSim();
    const form = authForm(ctx.clock);
    expect(ctx.sim.authenticate(form).resultCd).toBe('0000');
    expect(ctx.sim.authenticate(form)).toEqual({ resultCd: 'SIM9', resultMsg: '중복된 주문번호' });
    expect(ctx.sim.authenticate(authForm(ctx.clock), { outcome: 'failure' })).toEqual({ resultCd: 'SIM11', resultMsg: '사용자 결제 취소' });
  });

  it('lets the buyer choose the method when the form leaves payMethod empty; honours configured failure codes', async () => {
    const ctx = await startSim({ failureCodes: { duplicateOrder: 'X009' } });
    const result = ctx.sim.authenticate(authForm(ctx.clock, { payMethod: '' }), { payMethod: 'VACNT' });
    expect(result.payMethod).toBe('VACNT');
    expect(result.tid.slice(10, 14)).toBe('0301');
    expect(() => ctx.sim.authenticate(authForm(ctx.clock, { payMethod: 'card' }), { payMethod: 'BANK' })).toThrow(/fixes payMethod CARD/);
    const form = authForm(ctx.clock);
    ctx.sim.authenticate(form);
    expect(ctx.sim.authenticate(form).resultCd).toBe('X009');
  });

  it('serves the form post over HTTP: an auto-submitting page that posts the result to returnUrl', async () => {
    const ctx = await startSim();
    const form = authForm(ctx.clock);
    const reply = await post(ctx.sim, '/v2/auth', new URLSearchParams(form).toString(), 'application/x-www-form-urlencoded');
    expect(reply.status).toBe(200);
    expect(reply.contentType).toMatch(/^text\/html/);
    expect(reply.text).toContain('action="https://shop.example.com/checkout/kispg/return"');
    expect(reply.text).toContain('name="resultCd" value="0000"');
    const tid = /name="tid" value="([^"]+)"/.exec(reply.text)?.[1];
    expect(tid).toMatch(/^kistest00m0101\d{16}$/);
    expect(ctx.sim.getTransaction(tid!)).toMatchObject({ state: 'AUTHENTICATED', ordNo: form.ordNo });
    expect(ctx.sim.requestsTo('POST', '/v2/auth')[0].body).toEqual(form);

    const failed = await post(ctx.sim, '/v2/auth', new URLSearchParams({ ...form, ordNo: newOrdNo(), mid: 'nobody0000' }).toString(), 'application/x-www-form-urlencoded');
    expect(failed.text).toContain('name="resultCd" value="SIM1"');
    expect(failed.text).not.toContain('name="tid"');
  });
});

// ---- /v2/payment ------------------------------------------------------------------------------------------------

describe('KispgSimulator /v2/payment (kispg.md §5)', () => {
  it('approves a card once with 3001 and string values only', async () => {
    const ctx = await startSim();
    const { auth, approval } = await approved(ctx, '50000');
    expect(allStrings(approval)).toBe(true);
    expect(approval).toMatchObject({
      resultCd: '3001',
      resultMsg: '카드 결제 성공',
      payMethod: 'CARD',
      tid: auth.tid,
      ordNo: auth.ordNo,
      amt: '50000',
      goodsName: '테스트 상품',
      cancelYN: 'N',
      appDtm: '20261122120000',
      quota: '00',
      cardNo: '12345678****1234',
      mbsReserved: 'cart=42',
    });
    expect(approval.appNo).toMatch(/^\d{8}$/);
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'APPROVED', trxStatus: '승인', balanceAmt: 50000 });

    const again = await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '50000'));
    expect(again.body).toEqual({ resultCd: 'SIM6', resultMsg: '이미 승인된 거래' });
    expect(ctx.sim.requestsTo('POST', '/v2/payment')).toHaveLength(2);
  });

  it('answers BANK with 4000 and VACNT with 4100, a vacntNo and a lmtDay', async () => {
    const ctx = await startSim();
    expect((await approved(ctx, '2000', 'BANK')).approval).toMatchObject({ resultCd: '4000', payMethod: 'BANK', vacntNo: '' });
    const { auth, approval } = await approved(ctx, '3000', 'VACNT');
    expect(approval).toMatchObject({ resultCd: '4100', payMethod: 'VACNT', amt: '3000', lmtDay: '20261129' });
    expect(approval.vacntNo).toMatch(/^\d{14}$/);
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'WAITING_DEPOSIT', trxStatus: '입금대기' });
  });

  it('refuses an amount other than the authenticated one (SIM4) and an unknown tid (SIM5)', async () => {
    const ctx = await startSim();
    const auth = ctx.sim.authenticate(authForm(ctx.clock, { goodsAmt: '12000' }));
    expect((await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '1200'))).body).toEqual({ resultCd: 'SIM4', resultMsg: '금액 불일치' });
    expect((await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, `${MID}01012611221200009999`, '12000'))).body.resultCd).toBe('SIM5');
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'AUTHENTICATED' });
  });

  it('needs a fresh ediDate and a hash over goodsAmt (SIM3, SIM2), and mid first (SIM1)', async () => {
    const ctx = await startSim();
    const auth = ctx.sim.authenticate(authForm(ctx.clock, { goodsAmt: '12000' }));
    ctx.clock.advance(11 * 60_000);
    // The auth result's ediDate is now 11 minutes old: approval must generate a new one (kispg.md §2.1).
    const stale = await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '12000', { ediDate: auth.ediDate, encData: auth.encData }));
    expect(stale.body).toEqual({ resultCd: 'SIM3', resultMsg: '전문요청일시 오류' });
    const ediDate = kst(ctx.clock.now());
    const badHash = await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '12000', { encData: encData(ediDate, '1200') }));
    expect(badHash.body.resultCd).toBe('SIM2');
    const badMid = await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '12000', { mid: 'unknown000' }));
    expect(badMid.body.resultCd).toBe('SIM1');
    expect((await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '12000'))).body.resultCd).toBe('3001');
  });

  it('takes JSON with string values only (SIM10 for numbers or a form body)', async () => {
    const ctx = await startSim();
    const auth = ctx.sim.authenticate(authForm(ctx.clock));
    const numeric = await post(ctx.sim, '/v2/payment', { ...approvalBody(ctx.clock, auth.tid, '1004'), goodsAmt: 1004 });
    expect(numeric.body).toEqual({ resultCd: 'SIM10', resultMsg: '요청 항목 오류' });
    const form = await post(ctx.sim, '/v2/payment', new URLSearchParams(approvalBody(ctx.clock, auth.tid, '1004')).toString(), 'application/x-www-form-urlencoded');
    expect(form.body.resultCd).toBe('SIM10');
    expect(form.contentType).toMatch(/^application\/json/);
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'AUTHENTICATED' });
  });
});

// ---- /v2/cancel -------------------------------------------------------------------------------------------------

describe('KispgSimulator /v2/cancel and /v2/cancelTrans.do (kispg.md §6)', () => {
  it('cancels partially (2001, stays 승인) on /v2/cancel and the rest on /v2/cancelTrans.do (취소)', async () => {
    const ctx = await startSim();
    const { auth } = await approved(ctx, '50000');
    const first = await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '10000', '1'));
    expect(first.body).toEqual({
      resultCd: '2001',
      resultMsg: '취소 성공',
      payMethod: 'CARD',
      tid: auth.tid,
      appDtm: '20261122120000',
      appNo: expect.stringMatching(/^\d{8}$/),
      ordNo: auth.ordNo,
      amt: '10000',
      cancelYN: 'Y',
      mbsReserved: 'cart=42',
    });
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ trxStatus: '승인', balanceAmt: 40000, canceledAmt: 10000 });

    const over = await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '40001', '1'));
    expect(over.body).toEqual({ resultCd: 'SIM7', resultMsg: '취소 가능 금액 초과' });
    const fullButShort = await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '30000', '0'));
    expect(fullButShort.body.resultCd).toBe('SIM4');

    const rest = await post(ctx.sim, '/v2/cancelTrans.do', cancelBody(ctx.clock, auth.tid, '40000', '0', { payMethod: 'card' }));
    expect(rest.body).toMatchObject({ resultCd: '2001', amt: '40000' });
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'CANCELED', trxStatus: '취소', balanceAmt: 0 });
    const afterAll = await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '1', '1'));
    expect(afterAll.body.resultCd).toBe('SIM7');
  });

  it('hashes canAmt, not goodsAmt (SIM2), and refuses unknown or unapproved tids (SIM5)', async () => {
    const ctx = await startSim();
    const { auth } = await approved(ctx, '1004');
    const ediDate = kst(ctx.clock.now());
    const goodsAmtHash = await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '500', '1', { encData: encData(ediDate, '1004') }));
    expect(goodsAmtHash.body.resultCd).toBe('SIM2');
    const onlyAuthenticated = ctx.sim.authenticate(authForm(ctx.clock));
    expect((await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, onlyAuthenticated.tid, '1004', '0'))).body.resultCd).toBe('SIM5');
    expect((await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '1004', '0', { payMethod: 'BANK' }))).body.resultCd).toBe('SIM10');
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ canceledAmt: 0 });
  });

  it('refuses partial cancel of a cup-deposit order (SIM8) but cancels it in full', async () => {
    const ctx = await startSim();
    const { auth } = await approved(ctx, '6000', 'CARD', { cupDepositAmt: '1000' });
    expect((await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '1000', '1'))).body).toEqual({
      resultCd: 'SIM8',
      resultMsg: '부분취소 불가 거래',
    });
    expect((await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '6000', '0'))).body.resultCd).toBe('2001');
  });

  it('virtual accounts: closes an unpaid one whole (2001), refunds a paid one only to a named account (2211)', async () => {
    const ctx = await startSim();
    const unpaid = await approved(ctx, '3000', 'VACNT');
    expect((await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, unpaid.auth.tid, '1000', '1', { payMethod: 'VACNT' }))).body.resultCd).toBe('SIM8');
    expect((await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, unpaid.auth.tid, '3000', '0', { payMethod: 'vacnt' }))).body.resultCd).toBe('2001');
    expect(ctx.sim.getTransaction(unpaid.auth.tid)).toMatchObject({ trxStatus: '취소' });

    const paid = await approved(ctx, '30000', 'VACNT');
    ctx.sim.deposit(paid.auth.tid);
    const noAccount = await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, paid.auth.tid, '10000', '1', { payMethod: 'VACNT' }));
    expect(noAccount.body.resultCd).toBe('SIM10');
    const refund = await post(
      ctx.sim,
      '/v2/cancel',
      cancelBody(ctx.clock, paid.auth.tid, '10000', '1', { payMethod: 'VACNT', refundBankCd: '004', refundAccnt: '123456789', refundNm: '임꺽정' }),
    );
    expect(refund.body).toMatchObject({ resultCd: '2211', resultMsg: '환불 성공', amt: '10000' });
    expect(ctx.sim.getTransaction(paid.auth.tid)).toMatchObject({
      trxStatus: '승인',
      balanceAmt: 20000,
      cancels: [expect.objectContaining({ canAmt: 10000, refundAccount: { bankCode: '004', accountNumber: '123456789', holderName: '임꺽정' } })],
    });
  });
});

// ---- /v2/order --------------------------------------------------------------------------------------------------

describe('KispgSimulator /v2/order (kispg.md §7)', () => {
  it('reports trxStatus 승인 / 입금대기 / 취소, by tid or ordNo, tid winning', async () => {
    const ctx = await startSim();
    const card = await approved(ctx, '50000');
    const vacnt = await approved(ctx, '30000', 'VACNT');

    const byTid = await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '50000', { tid: card.auth.tid }));
    expect(allStrings(byTid.body)).toBe(true);
    expect(byTid.body).toMatchObject({ resultCd: '0000', tid: card.auth.tid, amt: '50000', payMethod: 'CARD', trxStatus: '승인', cancelYN: 'N' });
    expect(byTid.body.cancelData).toBeUndefined();

    const byOrdNo = await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '30000', { ordNo: vacnt.auth.ordNo }));
    expect(byOrdNo.body).toMatchObject({ tid: vacnt.auth.tid, trxStatus: '입금대기', vacntNo: vacnt.approval.vacntNo, lmtDay: vacnt.approval.lmtDay });
    ctx.sim.deposit(vacnt.auth.tid);
    expect((await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '30000', { tid: vacnt.auth.tid }))).body.trxStatus).toBe('승인');

    // Both sent: the tid lookup wins (and the ordNo of the other payment is ignored).
    const both = await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '50000', { tid: card.auth.tid, ordNo: vacnt.auth.ordNo }));
    expect(both.body.tid).toBe(card.auth.tid);

    await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, card.auth.tid, '50000', '0'));
    expect((await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '50000', { tid: card.auth.tid }))).body).toMatchObject({ trxStatus: '취소', cancelYN: 'Y' });
  });

  it('renders cancelData through the serializer (default: simulator-invented JSON string)', async () => {
    const ctx = await startSim();
    const { auth } = await approved(ctx, '50000');
    await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '500', '1'));
    ctx.clock.advance(60_000);
    await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '700', '1'));
    const query = await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '50000', { tid: auth.tid }));
    expect(query.body.trxStatus).toBe('승인');
    expect(query.body.cancelData).toBe(
      '[{"canAmt":"500","canDtm":"20261122120000","canNo":"1"},{"canAmt":"700","canDtm":"20261122120100","canNo":"2"}]',
    );

    const custom = await startSim({ cancelDataSerializer: (cancels) => cancels.map((c) => `${c.canNo}:${c.canAmt}`).join('|') });
    const other = await approved(custom, '9000');
    await post(custom.sim, '/v2/cancel', cancelBody(custom.clock, other.auth.tid, '1000', '1'));
    expect((await post(custom.sim, '/v2/order', orderBody(custom.clock, '9000', { tid: other.auth.tid }))).body.cancelData).toBe('1:1000');
  });

  it('refuses a wrong goodsAmt (SIM4), a bad hash (SIM2), an unapproved tid (SIM5) and no lookup key (SIM10)', async () => {
    const ctx = await startSim();
    const { auth } = await approved(ctx, '50000');
    expect((await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '5000', { tid: auth.tid }))).body.resultCd).toBe('SIM4');
    expect((await post(ctx.sim, '/v2/order', { ...orderBody(ctx.clock, '50000', { tid: auth.tid }), goodsAmt: '5000' })).body.resultCd).toBe('SIM2');
    const onlyAuthenticated = ctx.sim.authenticate(authForm(ctx.clock));
    expect((await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '1004', { tid: onlyAuthenticated.tid }))).body.resultCd).toBe('SIM5');
    expect((await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '1004', {}))).body.resultCd).toBe('SIM10');
  });
});

// ---- notifications ----------------------------------------------------------------------------------------------

describe('KispgSimulator notifications (kispg.md §9)', () => {
  it('posts a form-encoded, correctly hashed approval notice and stops at the first 2xx', async () => {
    const merchant = await receiver((n) => (n < 2 ? 500 : 204));
    const ctx = await startSim({ notifyUrl: merchant.url });
    const { auth } = await approved(ctx, '50000');
    await ctx.sim.notificationsIdle();

    expect(merchant.received).toHaveLength(3);
    const notice = merchant.received[0];
    expect(notice.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(notice.body).toMatchObject({
      mid: MID,
      tid: auth.tid,
      ordNo: auth.ordNo,
      amt: '50000',
      payMethod: 'CARD',
      resultCd: '3001',
      resultMsg: '카드 결제 성공',
      cancelYN: 'N',
      goodsName: '테스트 상품',
    });
    expect(notice.body.hashStr).toBe(sha256(`${MID}${notice.body.ediDate}50000${KEY}`));
    expect(ctx.sim.notifications.map((d) => [d.attempt, d.status, d.resultCd])).toEqual([
      [0, 500, '3001'],
      [1, 500, '3001'],
      [2, 204, '3001'],
    ]);
  });

  it('gives up after the first try + 5 retries; JSON by option', async () => {
    const merchant = await receiver(() => 503);
    const ctx = await startSim({ notifyUrl: merchant.url, notifyFormat: 'json' });
    await approved(ctx, '1004');
    await ctx.sim.notificationsIdle();
    expect(merchant.received).toHaveLength(6);
    expect(merchant.received[0].contentType).toMatch(/^application\/json/);
    expect(ctx.sim.notifications.map((d) => d.attempt)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('notifies the deposit (4110), cancels (2001) and refunds (2211); nothing for the issue by default', async () => {
    const merchant = await receiver();
    const ctx = await startSim({ notifyUrl: merchant.url });
    const vacnt = await approved(ctx, '30000', 'VACNT');
    await ctx.sim.notificationsIdle();
    expect(merchant.received).toHaveLength(0);
    ctx.sim.deposit(vacnt.auth.tid);
    await post(
      ctx.sim,
      '/v2/cancel',
      cancelBody(ctx.clock, vacnt.auth.tid, '30000', '0', { payMethod: 'VACNT', refundBankCd: '088', refundAccnt: '110123456789', refundNm: '홍길동' }),
    );
    const card = await approved(ctx, '8000');
    await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, card.auth.tid, '3000', '1'));
    await ctx.sim.notificationsIdle();

    const codes = merchant.received.map((r) => [r.body.tid, r.body.resultCd, r.body.cancelYN, r.body.canAmt]);
    expect(codes).toEqual(
      expect.arrayContaining([
        [vacnt.auth.tid, '4110', 'N', undefined],
        [vacnt.auth.tid, '2211', 'Y', '30000'],
        [card.auth.tid, '3001', 'N', undefined],
        [card.auth.tid, '2001', 'Y', '3000'],
      ]),
    );
    expect(merchant.received).toHaveLength(4);
    for (const { body } of merchant.received) expect(body.hashStr).toBe(sha256(`${MID}${body.ediDate}${body.amt}${KEY}`));
  });

  it('builds notification bodies on demand and can start without a URL', async () => {
    const ctx = await startSim();
    const { auth } = await approved(ctx, '1004');
    const body = ctx.sim.notificationFor(auth.tid);
    expect(body).toMatchObject({ tid: auth.tid, resultCd: '3001', amt: '1004' });
    expect(body.hashStr).toBe(sha256(`${MID}${body.ediDate}1004${KEY}`));
    expect(() => ctx.sim.notificationFor(auth.tid, 'cancel')).toThrow(/no cancel/);
    expect(ctx.sim.notifications).toHaveLength(0);
    const merchant = await receiver();
    ctx.sim.setNotifyUrl(merchant.url);
    await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, auth.tid, '1004', '0'));
    await ctx.sim.notificationsIdle();
    expect(merchant.received.map((r) => r.body.resultCd)).toEqual(['2001']);
    expect(ctx.sim.notificationFor(auth.tid, 'cancel')).toMatchObject({ resultCd: '2001', cancelYN: 'Y', canAmt: '1004' });
  });
});

// ---- faults, auto-cancel, housekeeping ----------------------------------------------------------------------------

describe('KispgSimulator faults (kispg.md §13)', () => {
  it('drop-after-commit: the approval happened, only the answer is lost; /v2/order shows 승인', async () => {
    const ctx = await startSim();
    const auth = ctx.sim.authenticate(authForm(ctx.clock, { goodsAmt: '50000' }));
    ctx.sim.failNext({ method: 'POST', path: '/v2/payment' }, { kind: 'drop-after-commit' });
    await expect(post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '50000'))).rejects.toThrow();
    expect((await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '50000', { tid: auth.tid }))).body.trxStatus).toBe('승인');
    expect((await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '50000'))).body.resultCd).toBe('SIM6');
    expect(ctx.sim.requestsTo('POST', '/v2/payment').map((r) => r.status)).toEqual([0, 200]);
  });

  it('drop-before-commit: nothing happened; the tid is still only authenticated', async () => {
    const ctx = await startSim();
    const auth = ctx.sim.authenticate(authForm(ctx.clock));
    ctx.sim.failNext({ path: '/v2/payment' }, { kind: 'drop-before-commit' });
    await expect(post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '1004'))).rejects.toThrow();
    expect((await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '1004', { tid: auth.tid }))).body.resultCd).toBe('SIM5');
    expect((await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '1004'))).body.resultCd).toBe('3001');
  });

  it('hang-after-commit: the client times out, the approval stands', async () => {
    const ctx = await startSim();
    const auth = ctx.sim.authenticate(authForm(ctx.clock));
    ctx.sim.failNext({ path: '/v2/payment' }, { kind: 'hang-after-commit', ms: 30_000 });
    const hung = fetch(`${ctx.sim.url}/v2/payment`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(approvalBody(ctx.clock, auth.tid, '1004')),
      signal: AbortSignal.timeout(50),
    });
    await expect(hung).rejects.toThrow();
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'APPROVED' });
  });

  it('error, html-error-page and non-json answers, before or after commit', async () => {
    const ctx = await startSim();
    const auth = ctx.sim.authenticate(authForm(ctx.clock));
    ctx.sim.failNext({ path: '/v2/payment' }, { kind: 'error', resultCd: '9999', resultMsg: '시스템 점검' });
    expect((await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '1004'))).body).toEqual({ resultCd: '9999', resultMsg: '시스템 점검' });
    ctx.sim.failNext({ path: '/v2/payment' }, { kind: 'html-error-page' });
    const html = await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '1004'));
    expect([html.status, html.contentType.startsWith('text/html')]).toEqual([502, true]);
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'AUTHENTICATED' });

    ctx.sim.failNext({ path: '/v2/payment' }, { kind: 'non-json', afterCommit: true });
    const garbled = await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '1004'));
    expect(garbled.status).toBe(200);
    expect(() => JSON.parse(garbled.text)).toThrow();
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'APPROVED' });

    ctx.sim.failNext({ path: /^\/v2\/cancel/ }, { kind: 'latency', ms: 5 }, 2);
    ctx.sim.clearFaults();
    expect((await post(ctx.sim, '/v2/cancelTrans.do', cancelBody(ctx.clock, auth.tid, '1004', '0'))).body.resultCd).toBe('2001');
  });

  it('altered-answer: applies the request, then answers its real JSON with fields replaced or removed', async () => {
    const ctx = await startSim();
    const auth = ctx.sim.authenticate(authForm(ctx.clock, { goodsAmt: '2000' }));
    ctx.sim.failNext({ path: '/v2/payment' }, { kind: 'altered-answer', fields: { resultCd: null, amt: '20000' } });
    const altered = await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, '2000'));
    expect(altered.status).toBe(200);
    expect(altered.body).not.toHaveProperty('resultCd');
    expect(altered.body).toMatchObject({ amt: '20000', tid: auth.tid, payMethod: 'CARD' });
    expect(ctx.sim.getTransaction(auth.tid)).toMatchObject({ state: 'APPROVED', amt: 2000 });
    expect(() => ctx.sim.failNext({ path: '/v2/cancel' }, { kind: 'altered-answer' } as never)).toThrow(RangeError);
  });

  it('answers unknown paths with a 404 page', async () => {
    const ctx = await startSim();
    const reply = await post(ctx.sim, '/v2/approve', {});
    expect(reply.status).toBe(404);
  });
});

describe('KispgSimulator test-MID auto-cancel at 23:30 KST (kispg.md §3)', () => {
  const OTHER_MID = 'kis000001m';
  const OTHER_KEY = 'another-merchant-key';

  it('runAutoCancel cancels today\'s approved test-MID payments only', async () => {
    const ctx = await startSim({
      merchants: [
        { mid: MID, merchantKey: KEY, test: true },
        { mid: OTHER_MID, merchantKey: OTHER_KEY },
      ],
    });
    const yesterday = await approved(ctx, '1000');
    ctx.clock.advance(24 * 3_600_000);
    const today = await approved(ctx, '2000');
    await post(ctx.sim, '/v2/cancel', cancelBody(ctx.clock, today.auth.tid, '500', '1'));
    const unpaid = await approved(ctx, '3000', 'VACNT');
    const ediDate = kst(ctx.clock.now());
    const live = ctx.sim.authenticate(
      authForm(ctx.clock, { mid: OTHER_MID, goodsAmt: '4000', encData: encData(ediDate, '4000', OTHER_MID, OTHER_KEY) }),
    );
    await post(ctx.sim, '/v2/payment', { mid: OTHER_MID, tid: live.tid, goodsAmt: '4000', ediDate, encData: encData(ediDate, '4000', OTHER_MID, OTHER_KEY) });

    expect(ctx.sim.runAutoCancel()).toBe(1);
    expect(ctx.sim.getTransaction(today.auth.tid)).toMatchObject({ trxStatus: '취소', canceledAmt: 2000 });
    expect(ctx.sim.getTransaction(yesterday.auth.tid)).toMatchObject({ trxStatus: '승인' });
    expect(ctx.sim.getTransaction(unpaid.auth.tid)).toMatchObject({ trxStatus: '입금대기' });
    expect(ctx.sim.getTransaction(live.tid)).toMatchObject({ trxStatus: '승인' });
    expect(ctx.sim.runAutoCancel()).toBe(0);
  });

  it('with autoCancelTestMidsAt2330, the first request after 23:30 KST triggers it once', async () => {
    const ctx = await startSim({ autoCancelTestMidsAt2330: true });
    const paid = await approved(ctx, '1000');
    ctx.clock.set(new Date('2026-11-22T14:29:00Z')); // 23:29 KST
    await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '1000', { tid: paid.auth.tid }));
    expect(ctx.sim.getTransaction(paid.auth.tid)).toMatchObject({ trxStatus: '승인' });
    ctx.clock.set(new Date('2026-11-22T14:31:00Z')); // 23:31 KST
    const after = await post(ctx.sim, '/v2/order', orderBody(ctx.clock, '1000', { tid: paid.auth.tid }));
    expect(after.body).toMatchObject({ trxStatus: '취소' });
  });

  it('reset forgets transactions, requests and notifications', async () => {
    const ctx = await startSim();
    const { auth } = await approved(ctx, '1000');
    ctx.sim.reset();
    expect(ctx.sim.getTransaction(auth.tid)).toBeUndefined();
    expect(ctx.sim.requests).toHaveLength(0);
  });
});
