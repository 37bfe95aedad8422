import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BillingService, type PaymentsErrorBody as ShopErrorBody } from 'nestjs-kr-payments';
import { ManualClock, TossSimulator } from 'nestjs-kr-payments/testing';
import type { CycleView, SubscriptionView } from '../../src/shop/subscriptions.views';
import { bootShopApp, type ShopHttpApp } from '../support/shop-app';

const CHARGE_PATH = /^\/v1\/billing\/(?!authorizations\/)[^/]+$/;

/**
 * The example shop's `/subscriptions` routes over HTTP: each is a thin call to BillingService, bad input is a 400
 * naming the field with no row written, a wrong state a 409, and the views show what the rows hold.
 */
describe('example shop: /subscriptions', () => {
  let shop: ShopHttpApp;
  let toss: TossSimulator;
  let app: INestApplication;
  let url: string;
  const clock = new ManualClock(new Date('2027-01-30T00:00:00Z'));
  let seq = 0;

  beforeAll(async () => {
    toss = await TossSimulator.start({ port: 0 });
    shop = await bootShopApp(toss, { clock });
    app = shop.app;
    url = shop.url;
  });
  // Each test's subscriptions end with it, so a later runDue (and the fault it arms) only meets that test's own.
  afterEach(async () => {
    await app.get(DataSource).query(`UPDATE subscriptions SET status = 'CANCELED', next_charge_at = NULL`);
  });
  afterAll(async () => {
    await shop?.close();
    await toss?.stop();
  });

  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  /** Row counts of every billing table: a refusal leaves them as they were. */
  async function rowCounts(): Promise<Record<string, number>> {
    const [row] = await app.get(DataSource).query(
      `SELECT (SELECT count(*) FROM subscriptions)::int AS subscriptions,
              (SELECT count(*) FROM billing_cycles)::int AS cycles,
              (SELECT count(*) FROM billing_attempts)::int AS attempts,
              (SELECT count(*) FROM payments)::int AS payments`,
    );
    return row as Record<string, number>;
  }

  async function billingKey(customerKey: string): Promise<string> {
    const { authKey } = toss.authenticateBilling({ customerKey });
    const response = await call<{ billingKeyId: string }>('POST', '/billing/keys', {
      gateway: 'toss',
      customerKey,
      authKey,
    });
    expect(response.status).toBe(201);
    return response.body.billingKeyId;
  }

  async function subscribe(): Promise<SubscriptionView> {
    const customerKey = `cust_shop_${++seq}`;
    const response = await call<SubscriptionView>('POST', '/subscriptions', {
      gateway: 'toss',
      customerKey,
      billingKeyId: await billingKey(customerKey),
      amount: 9_900,
      orderName: 'Pro plan',
      interval: { unit: 'MONTH', anchorDay: 31 },
      startDate: '2027-01-31',
    });
    expect(response.status).toBe(201);
    return response.body;
  }

  it('create, get, list by customer: the view shows the calendar the rows hold', async () => {
    const created = await subscribe();
    expect(created).toMatchObject({
      status: 'ACTIVE',
      amount: 9_900,
      pendingAmount: null,
      interval: { unit: 'MONTH', every: 1, anchorDay: 31, anchorMonth: null },
      firstChargeDate: '2027-01-31',
      chargeTime: '10:00',
      timeZone: 'Asia/Seoul',
      nextChargeAt: '2027-01-31T01:00:00.000Z',
      dunning: { retryDays: [1, 3, 5, 7], finalAction: 'UNPAID' },
    });
    expect(Object.keys(created)).not.toContain('version');
    const got = await call<SubscriptionView>('GET', `/subscriptions/${created.subscriptionId}`);
    expect(got).toEqual({ status: 200, body: created });
    const listed = await call<SubscriptionView[]>('GET', `/subscriptions?customerKey=${created.customerKey}`);
    expect(listed.body.map((s) => s.subscriptionId)).toEqual([created.subscriptionId]);
  });

  it('amount, pause, resume, cancel at period end and now: each answers the row after it, a wrong state is 409', async () => {
    const sub = await subscribe();
    const post = (action: string, body?: unknown) =>
      call<SubscriptionView & ShopErrorBody>('POST', `/subscriptions/${sub.subscriptionId}/${action}`, body);
    expect((await post('amount', { amount: 12_900 })).body).toMatchObject({ amount: 9_900, pendingAmount: 12_900 });
    expect(await post('pause')).toMatchObject({ status: 200, body: { status: 'PAUSED' } });
    expect(await post('resume')).toMatchObject({ status: 200, body: { status: 'ACTIVE' } });
    expect(await post('resume')).toMatchObject({ status: 409, body: { code: 'INVALID_SUBSCRIPTION_STATE' } });
    const atEnd = await post('cancel', { atPeriodEnd: true });
    expect(atEnd).toMatchObject({ status: 200, body: { status: 'ACTIVE', cancelAtPeriodEnd: true } });
    const now = await post('cancel', {});
    expect(now).toMatchObject({ status: 200, body: { status: 'CANCELED', nextChargeAt: null } });
    expect((await app.get(BillingService).get(sub.subscriptionId)).status).toBe('CANCELED');
  });

  it('cycles and retry: a declined cycle is charged again on a new key through the route', async () => {
    const sub = await subscribe();
    toss.failNext({ method: 'POST', path: CHARGE_PATH }, { kind: 'error', status: 400, code: 'INVALID_STOPPED_CARD' });
    clock.set(new Date('2027-01-31T01:00:00Z'));
    await app.get(BillingService).runDue();
    const [declined] = (await call<CycleView[]>('GET', `/subscriptions/${sub.subscriptionId}/cycles`)).body;
    expect(declined).toMatchObject({ cycleNo: 1, status: 'RETRY_SCHEDULED', amount: 9_900, nextAttemptAt: null });
    expect(declined.attempts).toEqual([
      expect.objectContaining({ status: 'FAILED', decline: expect.objectContaining({ code: 'INVALID_STOPPED_CARD' }) }),
    ]);
    const newKey = await billingKey(sub.customerKey);
    const retried = await call<CycleView>('POST', `/subscriptions/${sub.subscriptionId}/retry`, {
      billingKeyId: newKey,
    });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ cycleId: declined.cycleId, status: 'PAID', amount: 9_900 });
    expect(retried.body.attempts.map((a) => a.status)).toEqual(['FAILED', 'SUCCEEDED']);
    const orderIds = retried.body.attempts.map((a) => a.orderId);
    const charged = toss
      .requestsTo('POST', CHARGE_PATH)
      .filter((r) => orderIds.includes((r.body as { orderId: string }).orderId));
    expect(charged).toHaveLength(2);
  });

  it.each([
    ['POST', '/subscriptions', { amount: 9900.5 }, 'amount'],
    ['POST', '/subscriptions', { interval: { unit: 'WEEK' } }, 'interval.unit'],
    ['POST', '/subscriptions', { startDate: '31/01/2027' }, 'startDate'],
    ['POST', '/subscriptions', { coupon: 'FREE' }, 'coupon'],
    ['GET', '/subscriptions', undefined, 'customerKey'],
    ['GET', '/subscriptions/not-a-uuid', undefined, 'subscriptionId'],
    ['GET', '/subscriptions/not-a-uuid/cycles', undefined, 'subscriptionId'],
    ['POST', '/subscriptions/{id}/amount', { amount: 0 }, 'amount'],
    ['POST', '/subscriptions/{id}/amount', { amount: 5_000, subscriptionId: 'x' }, 'subscriptionId'],
    ['POST', '/subscriptions/{id}/pause', { reason: 'holiday' }, 'reason'],
    ['POST', '/subscriptions/not-a-uuid/resume', {}, 'subscriptionId'],
    ['POST', '/subscriptions/{id}/cancel', { atPeriodEnd: 'yes' }, 'atPeriodEnd'],
    ['POST', '/subscriptions/{id}/retry', { billingKeyId: 'k' }, 'billingKeyId'],
  ] as const)('%s %s %j: 400 naming %s, nothing written', async (method, route, patch, field) => {
    const sub = await subscribe();
    const base = route === '/subscriptions' && method === 'POST' ? await validCreateBody() : {};
    const before = await rowCounts();
    const body = patch === undefined ? undefined : { ...base, ...patch };
    const response = await call<ShopErrorBody>(method, route.replace('{id}', sub.subscriptionId), body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'INVALID_INPUT', field });
    expect(await rowCounts()).toEqual(before);
    expect((await call<SubscriptionView>('GET', `/subscriptions/${sub.subscriptionId}`)).body).toEqual(sub);
  });

  async function validCreateBody(): Promise<Record<string, unknown>> {
    const customerKey = `cust_shop_${++seq}`;
    return {
      gateway: 'toss',
      customerKey,
      billingKeyId: await billingKey(customerKey),
      amount: 9_900,
      orderName: 'Pro plan',
      interval: { unit: 'MONTH' },
    };
  }

  it('an unknown subscription is 404 naming subscriptionId', async () => {
    const response = await call<ShopErrorBody>('GET', '/subscriptions/00000000-0000-4000-8000-000000000000');
    expect(response).toMatchObject({ status: 404, body: { field: 'subscriptionId' } });
  });
});
