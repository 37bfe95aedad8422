import { randomUUID } from 'node:crypto';
import type { RunDueResult } from 'nestjs-kr-payments';
import type { ManualClock, TossSimulator } from 'nestjs-kr-payments/testing';
import type { BillingKeyView, OrderView } from '../shop/shop.views';
import type { CycleView, SubscriptionView } from '../shop/subscriptions.views';
import { DemoFailure, expectEqual, type ShopErrorBody } from './demo-client';
import { type DemoStepContext, expectOrder, expectRefused, step } from './demo-steps';

/**
 * Recurring billing through the shop's `/subscriptions` API. The library runs on the demo's manual clock, so months
 * pass in a moment: the demo sets the date, then runs one pass of the billing engine (`runDue`), what the sweep
 * (`billing.enabled`) or a CronJob does at that instant. Every step checks the rows the shop shows and the charges
 * the Toss simulator received.
 */
export interface BillingDemoContext extends DemoStepContext {
  sim: TossSimulator;
  clock: ManualClock;
  clientKey: string;
  /** One pass of the billing engine at the clock's current instant. */
  runDue: () => Promise<RunDueResult>;
}

/** Toss's billing charge endpoint (`POST /v1/billing/{billingKey}`), not the key issue under /authorizations. */
const TOSS_CHARGE = /^\/v1\/billing\/(?!authorizations\/)[^/]+$/;
const KST_OFFSET_MS = 9 * 60 * 60_000;

/** 10:00 KST (the default charge time) on a local date, as the instant the library stores. */
function tenAmKst(date: string): Date {
  return new Date(`${date}T01:00:00.000Z`);
}

/** The KST wall-clock date and time of a stored instant: what the subscriber sees on the receipt. */
function kst(iso: string | null): string {
  if (!iso) return 'none';
  return new Date(Date.parse(iso) + KST_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

/** The amounts Toss was asked to charge for these orderIds, in request order. */
function tossCharges(sim: TossSimulator, orderIds: string[]): number[] {
  return sim
    .requestsTo('POST', TOSS_CHARGE)
    .map((request) => request.body as { orderId?: string; amount?: number })
    .filter((body) => orderIds.includes(body.orderId ?? ''))
    .map((body) => body.amount ?? 0);
}

/** Sets the clock and runs one pass; answers the verdicts of this subscription's attempts in that pass. */
async function tick(ctx: BillingDemoContext, at: Date, subscriptionId: string): Promise<string[]> {
  ctx.clock.set(at);
  const result = await ctx.runDue();
  return result.attempts.filter((run) => run.subscriptionId === subscriptionId).map((run) => run.verdict);
}

async function getSubscription(ctx: BillingDemoContext, id: string): Promise<SubscriptionView> {
  return (await ctx.shop.expect<SubscriptionView>('GET', `/subscriptions/${id}`, 200)).body;
}

async function getCycles(ctx: BillingDemoContext, id: string): Promise<CycleView[]> {
  return (await ctx.shop.expect<CycleView[]>('GET', `/subscriptions/${id}/cycles`, 200)).body;
}

function expectFields<T extends object>(actual: T, expected: Partial<T>, what: string): void {
  for (const [key, value] of Object.entries(expected)) {
    expectEqual(actual[key as keyof T], value as never, `${what}.${key}`);
  }
}

async function issueKey(ctx: BillingDemoContext, label: string, customerKey: string): Promise<BillingKeyView> {
  return step(ctx, label, async () => {
    const auth = ctx.sim.authenticateBilling({ customerKey, clientKey: ctx.clientKey });
    const response = await ctx.shop.expect<BillingKeyView>('POST', '/billing/keys', 201, {
      gateway: 'toss',
      customerKey: auth.customerKey,
      authKey: auth.authKey,
    });
    expectFields(response.body, { status: 'ACTIVE', customerKey }, 'billingKey');
    return [
      response.body,
      { http: response.status, status: 'ACTIVE', note: `card ${response.body.card.maskedNumber}` },
    ];
  });
}

async function subscribe(
  ctx: BillingDemoContext,
  label: string,
  key: BillingKeyView,
  plan: { amount: number; orderName: string; startDate: string; anchorDay?: number },
): Promise<SubscriptionView> {
  return step(ctx, label, async () => {
    const { amount, orderName, startDate, anchorDay } = plan;
    const response = await ctx.shop.expect<SubscriptionView>('POST', '/subscriptions', 201, {
      gateway: 'toss',
      customerKey: key.customerKey,
      billingKeyId: key.billingKeyId,
      amount,
      orderName,
      interval: { unit: 'MONTH', ...(anchorDay ? { anchorDay } : {}) },
      startDate,
    });
    const expected = { status: 'ACTIVE', amount, firstChargeDate: startDate, cycleNo: 0, timeZone: 'Asia/Seoul' };
    expectFields(response.body, expected, 'subscription');
    expectEqual(kst(response.body.nextChargeAt), `${startDate} 10:00`, 'first charge (KST)');
    return [response.body, { http: 201, status: 'ACTIVE', amount, note: `first charge ${startDate} 10:00 KST` }];
  });
}

/**
 * One monthly charge at 10:00 KST on `date`: exactly one attempt PAID, the cycle's amount and due date, what Toss was
 * asked, and the next charge date the month-end rule gives.
 */
async function monthlyCharge(
  ctx: BillingDemoContext,
  sub: SubscriptionView,
  expected: { date: string; cycleNo: number; amount: number; next: string },
): Promise<CycleView> {
  return step(ctx, `tick ${expected.date} 10:00 KST: cycle ${expected.cycleNo}`, async () => {
    expectEqual((await tick(ctx, tenAmKst(expected.date), sub.subscriptionId)).join(), 'PAID', 'verdicts');
    const cycle = (await getCycles(ctx, sub.subscriptionId)).find((c) => c.cycleNo === expected.cycleNo);
    if (!cycle) throw new DemoFailure(`cycle ${expected.cycleNo} was not created`);
    expectFields(cycle, { status: 'PAID', amount: expected.amount }, 'cycle');
    expectEqual(kst(cycle.dueAt), `${expected.date} 10:00`, 'cycle due (KST)');
    expectEqual(tossCharges(ctx.sim, [cycle.attempts[0].orderId]).join(), String(expected.amount), 'Toss charges');
    const after = await getSubscription(ctx, sub.subscriptionId);
    expectFields(after, { status: 'ACTIVE', cycleNo: expected.cycleNo }, 'subscription');
    expectEqual(kst(after.nextChargeAt), `${expected.next} 10:00`, 'next charge (KST)');
    return [cycle, { status: 'PAID', amount: cycle.amount, note: `due ${expected.date}; next ${expected.next}` }];
  });
}

/** (a) Anchored on the 31st: Jan 31 → Feb 28 → Mar 31, a repeated tick charging nothing, a price change. */
async function monthEnds(ctx: BillingDemoContext, key: BillingKeyView): Promise<SubscriptionView> {
  ctx.clock.set(new Date('2027-01-30T00:00:00Z'));
  const plan = { amount: 9_900, orderName: 'Pro plan (monthly)', startDate: '2027-01-31', anchorDay: 31 };
  const sub = await subscribe(ctx, 'POST /subscriptions (monthly on the 31st)', key, plan);
  const first = await monthlyCharge(ctx, sub, { date: '2027-01-31', cycleNo: 1, amount: 9_900, next: '2027-02-28' });
  await step(ctx, 'tick again at the same instant', async () => {
    expectEqual((await tick(ctx, tenAmKst('2027-01-31'), sub.subscriptionId)).length, 0, 'attempts');
    expectEqual(tossCharges(ctx.sim, [first.attempts[0].orderId]).length, 1, 'Toss charges for cycle 1');
    return [null, { status: 'PAID', note: 'nothing due; Toss saw 1 charge' }];
  });
  await monthlyCharge(ctx, sub, { date: '2027-02-28', cycleNo: 2, amount: 9_900, next: '2027-03-31' });
  await step(ctx, 'POST /subscriptions/:id/amount 12,900', async () => {
    const path = `/subscriptions/${sub.subscriptionId}/amount`;
    const response = await ctx.shop.expect<SubscriptionView>('POST', path, 200, { amount: 12_900 });
    expectFields(response.body, { amount: 9_900, pendingAmount: 12_900 }, 'subscription');
    return [null, { http: 200, status: response.body.status, amount: 12_900, note: 'from the next cycle' }];
  });
  await monthlyCharge(ctx, sub, { date: '2027-03-31', cycleNo: 3, amount: 12_900, next: '2027-04-30' });
  await step(ctx, 'GET /subscriptions/:id/cycles', async () => {
    const cycles = await getCycles(ctx, sub.subscriptionId);
    const due = cycles.map((c) => kst(c.dueAt).slice(0, 10)).join(', ');
    expectEqual(due, '2027-01-31, 2027-02-28, 2027-03-31', 'due dates (KST)');
    expectEqual(cycles.map((c) => c.amount).join(), '9900,9900,12900', 'amounts');
    for (const cycle of cycles) {
      expectEqual(cycle.attempts.map((a) => a.status).join(), 'SUCCEEDED', `cycle ${cycle.cycleNo} attempts`);
      const order = await ctx.shop.expect<OrderView>('GET', `/orders/${cycle.paymentId}`, 200);
      expectOrder(order.body, { status: 'PAID', type: 'BILLING', amount: cycle.amount });
    }
    return [null, { http: 200, status: '3 cycles PAID', amount: 32_700, note: due }];
  });
  return sub;
}

/** (b) A SOFT decline on the Apr 30 charge; dunning retries at +1 day and collects. */
async function softDecline(ctx: BillingDemoContext, sub: SubscriptionView): Promise<OrderView> {
  await step(ctx, 'tick 2027-04-30: card company declines (SOFT)', async () => {
    const reject = { kind: 'error', status: 403, code: 'REJECT_CARD_COMPANY' } as const;
    ctx.sim.failNext({ method: 'POST', path: TOSS_CHARGE }, reject);
    const verdicts = await tick(ctx, tenAmKst('2027-04-30'), sub.subscriptionId);
    expectEqual(verdicts.join(), 'SOFT_DECLINE', 'verdicts');
    const after = await getSubscription(ctx, sub.subscriptionId);
    expectFields(after, { status: 'PAST_DUE', statusReason: 'payment declined' }, 'subscription');
    const cycle = (await getCycles(ctx, sub.subscriptionId))[3];
    expectFields(cycle, { cycleNo: 4, status: 'RETRY_SCHEDULED', amount: 12_900 }, 'cycle');
    expectEqual(kst(cycle.nextAttemptAt), '2027-05-01 10:00', 'retry (KST)');
    expectEqual(cycle.attempts[0].decline?.class, 'SOFT', 'decline class');
    return [null, { status: 'PAST_DUE', amount: 12_900, note: 'REJECT_CARD_COMPANY; retry 05-01 10:00' }];
  });
  await step(ctx, 'tick 2027-04-30 18:00 KST (before the retry)', async () => {
    expectEqual((await tick(ctx, new Date('2027-04-30T09:00:00Z'), sub.subscriptionId)).length, 0, 'attempts');
    return [null, { status: 'PAST_DUE', note: 'nothing sent' }];
  });
  return step(ctx, 'tick 2027-05-01 10:00 KST: dunning retry', async () => {
    expectEqual((await tick(ctx, tenAmKst('2027-05-01'), sub.subscriptionId)).join(), 'PAID', 'verdicts');
    const after = await getSubscription(ctx, sub.subscriptionId);
    expectFields(after, { status: 'ACTIVE', statusReason: null, amount: 12_900 }, 'subscription');
    expectEqual(kst(after.nextChargeAt), '2027-05-31 10:00', 'next charge (KST)');
    const cycle = (await getCycles(ctx, sub.subscriptionId))[3];
    expectFields(cycle, { status: 'PAID', amount: 12_900 }, 'cycle');
    expectEqual(cycle.attempts.map((a) => a.status).join(), 'FAILED,SUCCEEDED', 'attempts');
    const orderIds = cycle.attempts.map((a) => a.orderId);
    expectEqual(tossCharges(ctx.sim, orderIds).join(), '12900,12900', 'Toss charges (declined, approved)');
    const order = await ctx.shop.expect<OrderView>('GET', `/orders/${cycle.paymentId}`, 200);
    expectOrder(order.body, { status: 'PAID', type: 'BILLING', amount: 12_900 });
    return [order.body, { status: 'ACTIVE', amount: 12_900, note: '2 attempts, 2 orderIds, 1 payment PAID' }];
  });
}

/** (c) A HARD decline: no dunning; the customer's new card collects through the shop's retry route. */
async function hardDecline(ctx: BillingDemoContext): Promise<SubscriptionView> {
  const customerKey = `cust_${randomUUID()}`;
  const key = await issueKey(ctx, 'POST /billing/keys (second customer)', customerKey);
  const plan = { amount: 4_900, orderName: 'Basic plan (monthly)', startDate: '2027-05-02' };
  const sub = await subscribe(ctx, 'POST /subscriptions (monthly on the 2nd)', key, plan);
  await step(ctx, 'tick 2027-05-02: card reported stopped (HARD)', async () => {
    const stopped = { kind: 'error', status: 400, code: 'INVALID_STOPPED_CARD' } as const;
    ctx.sim.failNext({ method: 'POST', path: TOSS_CHARGE }, stopped);
    expectEqual((await tick(ctx, tenAmKst('2027-05-02'), sub.subscriptionId)).join(), 'HARD_DECLINE', 'verdicts');
    const after = await getSubscription(ctx, sub.subscriptionId);
    expectFields(after, { status: 'PAST_DUE', statusReason: 'payment method required' }, 'subscription');
    const [cycle] = await getCycles(ctx, sub.subscriptionId);
    expectFields(cycle, { status: 'RETRY_SCHEDULED', nextAttemptAt: null }, 'cycle');
    return [null, { status: 'PAST_DUE', amount: 4_900, note: 'INVALID_STOPPED_CARD; no retry planned' }];
  });
  await step(ctx, 'ticks on every dunning day (+1, +3, +5, +7)', async () => {
    for (const date of ['2027-05-03', '2027-05-05', '2027-05-07', '2027-05-09']) {
      expectEqual((await tick(ctx, tenAmKst(date), sub.subscriptionId)).length, 0, `attempts on ${date}`);
    }
    const [cycle] = await getCycles(ctx, sub.subscriptionId);
    expectEqual(tossCharges(ctx.sim, [cycle.attempts[0].orderId]).length, 1, 'Toss charges');
    return [null, { status: 'PAST_DUE', note: 'the stopped card is never retried' }];
  });
  const newKey = await issueKey(ctx, 'POST /billing/keys (the new card)', customerKey);
  await step(ctx, 'POST /subscriptions/:id/retry with the new card', async () => {
    const path = `/subscriptions/${sub.subscriptionId}/retry`;
    const response = await ctx.shop.expect<CycleView>('POST', path, 200, { billingKeyId: newKey.billingKeyId });
    expectFields(response.body, { status: 'PAID', amount: 4_900 }, 'cycle');
    expectEqual(response.body.attempts.map((a) => a.status).join(), 'FAILED,SUCCEEDED', 'attempts');
    const after = await getSubscription(ctx, sub.subscriptionId);
    expectFields(after, { status: 'ACTIVE', billingKeyId: newKey.billingKeyId }, 'subscription');
    return [null, { http: 200, status: 'ACTIVE', amount: 4_900, note: 'paid on the new card' }];
  });
  return sub;
}

/** Pause / resume, both kinds of cancel, and the period end doing its work. */
async function lifecycle(ctx: BillingDemoContext, monthly: SubscriptionView, basic: SubscriptionView): Promise<void> {
  const post = (id: string, action: string, status: number, body?: unknown) =>
    ctx.shop.expect<SubscriptionView>('POST', `/subscriptions/${id}/${action}`, status, body);
  await step(ctx, 'GET /subscriptions?customerKey=…', async () => {
    const query = `customerKey=${encodeURIComponent(monthly.customerKey)}`;
    const response = await ctx.shop.expect<SubscriptionView[]>('GET', `/subscriptions?${query}`, 200);
    expectEqual(
      response.body.map((s) => `${s.subscriptionId} ${s.status}`).join(),
      `${monthly.subscriptionId} ACTIVE`,
      'list',
    );
    return [null, { http: 200, status: 'ACTIVE', note: '1 subscription' }];
  });
  await step(ctx, 'POST /subscriptions/:id/pause, resume, resume', async () => {
    expectEqual((await post(monthly.subscriptionId, 'pause', 200)).body.status, 'PAUSED', 'after pause');
    expectEqual((await post(monthly.subscriptionId, 'resume', 200)).body.status, 'ACTIVE', 'after resume');
    const again = await ctx.shop.expect<ShopErrorBody>('POST', `/subscriptions/${monthly.subscriptionId}/resume`, 409);
    expectRefused(again.body, 'INVALID_SUBSCRIPTION_STATE', null);
    return [null, { http: 409, status: 'ACTIVE', note: 'PAUSED → ACTIVE; resuming ACTIVE is 409' }];
  });
  await step(ctx, 'POST /subscriptions/:id/cancel (at period end)', async () => {
    const response = await post(monthly.subscriptionId, 'cancel', 200, { atPeriodEnd: true });
    expectFields(response.body, { status: 'ACTIVE', cancelAtPeriodEnd: true }, 'subscription');
    return [null, { http: 200, status: 'ACTIVE', note: 'runs out the period paid until 05-31' }];
  });
  await step(ctx, 'POST /subscriptions/:id/cancel (now)', async () => {
    const response = await post(basic.subscriptionId, 'cancel', 200, {});
    expectFields(response.body, { status: 'CANCELED', nextChargeAt: null }, 'subscription');
    return [null, { http: 200, status: 'CANCELED', note: 'second customer' }];
  });
  await step(ctx, 'tick 2027-05-31 10:00 KST: the period ends', async () => {
    expectEqual((await tick(ctx, tenAmKst('2027-05-31'), monthly.subscriptionId)).length, 0, 'attempts');
    const after = await getSubscription(ctx, monthly.subscriptionId);
    expectFields(after, { status: 'CANCELED', nextChargeAt: null }, 'subscription');
    expectEqual((await getCycles(ctx, monthly.subscriptionId)).length, 4, 'cycles');
    return [null, { status: 'CANCELED', note: 'no 5th cycle, nothing charged' }];
  });
}

/** Bad input: 400 naming the field, and nothing written. */
async function refusals(ctx: BillingDemoContext, monthly: SubscriptionView, key: BillingKeyView): Promise<void> {
  await step(ctx, 'POST /subscriptions, amount 9900.5', async () => {
    const body = { gateway: 'toss', customerKey: key.customerKey, billingKeyId: key.billingKeyId, amount: 9900.5 };
    const interval = { unit: 'MONTH' };
    const response = await ctx.shop.expect<ShopErrorBody>('POST', '/subscriptions', 400, {
      ...body,
      orderName: 'Half a won',
      interval,
    });
    expectRefused(response.body, 'INVALID_INPUT', 'amount');
    const query = `customerKey=${encodeURIComponent(key.customerKey)}`;
    const list = await ctx.shop.expect<SubscriptionView[]>('GET', `/subscriptions?${query}`, 200);
    expectEqual(list.body.length, 1, 'subscriptions of the customer');
    return [null, { http: 400, status: 'INVALID_INPUT', note: 'field amount; nothing stored' }];
  });
  await step(ctx, 'POST /subscriptions/:id/amount, unknown field', async () => {
    const path = `/subscriptions/${monthly.subscriptionId}/amount`;
    const response = await ctx.shop.expect<ShopErrorBody>('POST', path, 400, { amount: 5_000, discount: 500 });
    expectRefused(response.body, 'INVALID_INPUT', 'discount');
    expectEqual((await getSubscription(ctx, monthly.subscriptionId)).pendingAmount, null, 'pendingAmount');
    return [null, { http: 400, status: 'INVALID_INPUT', note: 'field discount; amount unchanged' }];
  });
  await step(ctx, 'POST /subscriptions/not-a-uuid/pause', async () => {
    const response = await ctx.shop.expect<ShopErrorBody>('POST', '/subscriptions/not-a-uuid/pause', 400);
    expectRefused(response.body, 'INVALID_INPUT', 'subscriptionId');
    return [null, { http: 400, status: 'INVALID_INPUT', note: 'field subscriptionId' }];
  });
}

/** The whole section; answers the payments it collected, for the demo's summary. */
export async function runBillingDemo(ctx: BillingDemoContext): Promise<OrderView[]> {
  const key = await issueKey(ctx, 'POST /billing/keys', `cust_${randomUUID()}`);
  const monthly = await monthEnds(ctx, key);
  const recovered = await softDecline(ctx, monthly);
  const basic = await hardDecline(ctx);
  await refusals(ctx, monthly, key);
  await lifecycle(ctx, monthly, basic);
  return [recovered];
}
