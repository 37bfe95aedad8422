import {
  APPS_IN_TOSS_TEST_USER_KEY,
  AppsInTossSimulator,
  KispgSimulator,
  ManualClock,
  NICEPAY_TEST_CLIENT_ID,
  NicePaySimulator,
  TOSS_TEST_CLIENT_KEY,
  TossSimulator,
} from 'nestjs-kr-payments/testing';
import { createHash } from 'node:crypto';
import { Agent, fetch as undiciFetch } from 'undici';
import { authForm as kispgAuthForm } from './kispg/kispg-simulator.fixtures';

/**
 * The simulators' clickable payment windows over plain HTTP (no browser): what a click does at the simulator, where
 * the browser is sent, and the refusals (a 400 naming the field, markup escaped, only http(s) return targets).
 * test/browser/checkout.browser.ts clicks the same windows through the example shop in Chromium.
 */
const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual' as const,
});

/** The hidden inputs of an auto-submitting page, and where its form goes. */
function postedForm(html: string): { action: string; fields: Record<string, string> } {
  const decode = (text: string) => text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
  const action = decode(/<form method="post" action="([^"]*)"/.exec(html)?.[1] ?? '');
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g))
    fields[decode(match[1])] = decode(match[2]);
  return { action, fields };
}

describe('Toss window', () => {
  let sim: TossSimulator;
  beforeAll(async () => (sim = await TossSimulator.start()));
  afterAll(async () => sim.stop());

  const query = (orderId: string, extra: Record<string, string> = {}) =>
    new URLSearchParams({
      clientKey: TOSS_TEST_CLIENT_KEY,
      orderId,
      orderName: 'Keyboard',
      amount: '50000',
      successUrl: 'https://shop.example/ok?cart=1',
      failUrl: 'https://shop.example/fail',
      ...extra,
    }).toString();

  it('Approve authenticates the payment and sends the browser to successUrl (303), its own query kept', async () => {
    const response = await fetch(`${sim.windowUrl}?${query('order-approve-1')}`, form({ simAction: 'approve' }));
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe('https://shop.example/ok');
    const paymentKey = location.searchParams.get('paymentKey') ?? '';
    expect(Object.fromEntries(location.searchParams)).toEqual({
      cart: '1',
      paymentType: 'NORMAL',
      orderId: 'order-approve-1',
      paymentKey,
      amount: '50000',
    });
    expect(sim.getPayment(paymentKey)).toMatchObject({ status: 'IN_PROGRESS', orderId: 'order-approve-1' });
  });

  it('Decline and Abandon go to failUrl with code, message, orderId and authenticate nothing', async () => {
    for (const [action, code] of [
      ['decline', 'REJECT_CARD_COMPANY'],
      ['abandon', 'PAY_PROCESS_CANCELED'],
    ]) {
      const response = await fetch(`${sim.windowUrl}?${query(`order-${action}-1`)}`, form({ simAction: action }));
      expect(response.status).toBe(303);
      const location = new URL(response.headers.get('location') ?? '');
      expect(location.pathname).toBe('/fail');
      expect(location.searchParams.get('code')).toBe(code);
      expect(location.searchParams.get('orderId')).toBe(`order-${action}-1`);
      expect(location.searchParams.get('message')).toBeTruthy();
    }
    const confirmable = await fetch(`${sim.windowUrl}?${query('order-decline-1')}`, form({ simAction: 'approve' }));
    expect(confirmable.status).toBe(303); // the declined orderId was never used at Toss
  });

  it('shows the order with every echoed value escaped', async () => {
    const response = await fetch(`${sim.windowUrl}?${query('order-show-1', { orderName: '<script>x()</script>' })}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'none'");
    const html = await response.text();
    expect(html).not.toContain('<script>x()');
    expect(html).toContain('&#60;script&#62;x()&#60;/script&#62;');
  });

  it('refuses a missing field, an unknown client key and a javascript: return URL with a 400 naming the field', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ amount: '' }, 'amount is required'],
      [{ amount: '12.5' }, 'amount must be a positive integer'],
      [{ clientKey: 'test_ck_other' }, 'clientKey is not a client key'],
      [{ successUrl: 'javascript:alert(1)' }, 'successUrl must be an http(s) URL'],
    ];
    for (const [extra, message] of cases) {
      const response = await fetch(`${sim.windowUrl}?${query('order-bad-1', extra)}`);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain(message);
    }
  });
});

describe('NicePay window', () => {
  let sim: NicePaySimulator;
  beforeAll(async () => (sim = await NicePaySimulator.start()));
  afterAll(async () => sim.stop());

  const query = (orderId: string) =>
    new URLSearchParams({
      clientId: NICEPAY_TEST_CLIENT_ID,
      method: 'card',
      orderId,
      amount: '32000',
      goodsName: 'Mouse',
      returnUrl: 'http://127.0.0.1:9/return',
    }).toString();

  it('Approve answers a page posting the signed result to returnUrl; Abandon posts I002 without a tid', async () => {
    const approved = await fetch(`${sim.windowUrl}?${query('nice-order-1')}`, form({ simAction: 'approve' }));
    const { action, fields } = postedForm(await approved.text());
    expect(action).toBe('http://127.0.0.1:9/return');
    expect(fields).toMatchObject({ authResultCode: '0000', orderId: 'nice-order-1', amount: '32000' });
    const secretKey = '9eb85607103646da9f9c02b128f2e5ee';
    const signature = createHash('sha256')
      .update(`${fields.authToken}${NICEPAY_TEST_CLIENT_ID}32000${secretKey}`)
      .digest('hex');
    expect(fields.signature).toBe(signature);

    const abandoned = await fetch(`${sim.windowUrl}?${query('nice-order-2')}`, form({ simAction: 'abandon' }));
    const closed = postedForm(await abandoned.text()).fields;
    expect(closed).toMatchObject({ authResultCode: 'I002', orderId: 'nice-order-2' });
    expect(closed.tid).toBeUndefined();
  });

  it('refuses a returnUrl that is not http(s), naming it', async () => {
    const bad = new URLSearchParams(query('nice-order-3'));
    bad.set('returnUrl', 'data:text/html,hi');
    const response = await fetch(`${sim.windowUrl}?${bad.toString()}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('returnUrl must be an http(s) URL');
  });
});

describe('KISPG window', () => {
  const clock = new ManualClock();
  let sim: KispgSimulator;
  beforeAll(async () => (sim = await KispgSimulator.start({ clock })));
  afterAll(async () => sim.stop());

  const authForm = (ordNo: string) =>
    kispgAuthForm(clock, { ordNo, goodsNm: 'Cable', goodsAmt: '12000', returnUrl: 'http://127.0.0.1:9/kispg/return' });

  it('the shop form opens the window; Approve posts a tid to returnUrl, Decline posts the failure code', async () => {
    const sent = authForm('kis-order-1');
    const shown = await fetch(sim.windowUrl, form(sent));
    expect(shown.status).toBe(200);
    const window = postedForm(await shown.text());
    expect(window.fields).toEqual(sent); // carried through to the click unchanged
    expect(sim.requestsTo('POST', '/v2/auth')).toHaveLength(0); // nothing authenticated yet

    const approved = await fetch(sim.windowUrl, form({ ...window.fields, simAction: 'approve' }));
    const result = postedForm(await approved.text());
    expect(result.action).toBe('http://127.0.0.1:9/kispg/return');
    expect(result.fields).toMatchObject({ resultCd: '0000', ordNo: 'kis-order-1', amt: '12000' });
    expect(sim.getTransaction(result.fields.tid)).toMatchObject({ state: 'AUTHENTICATED', ordNo: 'kis-order-1' });

    const declined = await fetch(sim.windowUrl, form({ ...authForm('kis-order-2'), simAction: 'decline' }));
    expect(postedForm(await declined.text()).fields).toEqual({ resultCd: 'SIM11', resultMsg: '사용자 결제 취소' });
  });

  it('refuses a form without goodsAmt, naming it', async () => {
    const { goodsAmt: _dropped, ...rest } = authForm('kis-order-3');
    const response = await fetch(sim.windowUrl, form(rest));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('goodsAmt is required');
  });
});

describe('Apps-in-Toss approval page', () => {
  let sim: AppsInTossSimulator;
  let dispatcher: Agent;
  beforeAll(async () => {
    sim = await AppsInTossSimulator.start();
    dispatcher = new Agent({ connect: sim.clientTlsOptions() });
  });
  afterAll(async () => {
    await dispatcher.close();
    await sim.stop();
  });

  async function makePayment(orderNo: string): Promise<string> {
    const response = await undiciFetch(`${sim.url}/api-partner/v1/apps-in-toss/pay/make-payment`, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json', 'x-toss-user-key': APPS_IN_TOSS_TEST_USER_KEY },
      body: JSON.stringify({ orderNo, productDesc: 'Stickers', amount: 15000, amountTaxFree: 0, isTestPayment: true }),
    });
    const body = (await response.json()) as { success: { payToken: string } };
    return body.success.payToken;
  }

  it('is plain HTTP; Approve → PAY_APPROVED and a 303 to returnUrl, Abandon → PAY_CANCEL', async () => {
    expect(sim.windowUrl.startsWith('http://')).toBe(true);
    const payToken = await makePayment('ait-window-1');
    const returnUrl = 'http://127.0.0.1:9/ait/return';
    const target = `${sim.windowUrl}?${new URLSearchParams({ payToken, returnUrl }).toString()}`;
    expect((await fetch(target)).status).toBe(200);
    const approved = await fetch(target, form({ simAction: 'approve' }));
    expect(approved.status).toBe(303);
    expect(Object.fromEntries(new URL(approved.headers.get('location') ?? '').searchParams)).toEqual({
      payToken,
      orderNo: 'ait-window-1',
      success: 'true',
    });
    expect(sim.getPayment(payToken)?.payStatus).toBe('PAY_APPROVED');
    // Approved: the page no longer opens for it.
    expect((await fetch(target)).status).toBe(400);

    const other = await makePayment('ait-window-2');
    const abandoned = await fetch(`${sim.windowUrl}?payToken=${other}`, form({ simAction: 'abandon' }));
    expect(abandoned.status).toBe(200); // no returnUrl: the result is shown
    expect(await abandoned.text()).toContain('PAY_CANCEL');
    expect(sim.getPayment(other)?.payStatus).toBe('PAY_CANCEL');
  });

  it('refuses an unknown payToken, naming it', async () => {
    const response = await fetch(`${sim.windowUrl}?payToken=nope`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('payToken is not a payment of this simulator');
  });
});
