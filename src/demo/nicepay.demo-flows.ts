import { randomUUID } from 'node:crypto';
import type { NicePaySimulator } from 'nestjs-kr-payments/testing';
import type { BillingKeyView, CancelView, CashReceiptView, OrderView } from '../shop/shop.views';
import { DemoFailure, expectEqual } from './demo-client';
import { krw } from './demo-report';
import { type CheckoutResponse, type DemoStepContext, expectOrder, orderAfterDelivery, step } from './demo-steps';

/**
 * The NicePay flows of `npm run demo`, over HTTP against the shop's REST API. The NicePay simulator plays the buyer's
 * browser (the JS-SDK window of the Server-approval model, docs/gateways/nicepay.md#return-and-approval) and the bank
 * (virtual-account deposits).
 * For the deposit flow the simulator must be started with `webhookUrl` = the shop's `/payments/webhooks/nicepay`
 * and the shop must allow 127.0.0.1 as a NicePay webhook source (NicePay's real sources are 121.133.126.86/87,
 * docs/gateways/nicepay.md#webhooks).
 */
export interface NicePayDemoContext extends DemoStepContext {
  sim: NicePaySimulator;
}

const BUYER = { name: '김나이스', email: 'buyer@example.com' };

/** Requests NicePay received on exactly this path (the RegExp is anchored so `/v1/payments/{tid}` excludes `/cancel`). */
function nicepayRequests(sim: NicePaySimulator, path: RegExp): Array<Record<string, unknown>> {
  return sim.requestsTo('POST', path).map((request) => (request.body ?? {}) as Record<string, unknown>);
}

const exactPath = (path: string): RegExp => new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

async function checkout(
  ctx: NicePayDemoContext,
  label: string,
  body: Record<string, unknown>,
  method: string,
): Promise<CheckoutResponse> {
  return step(ctx, label, async () => {
    const response = await ctx.shop.expect<CheckoutResponse>('POST', '/checkout', 201, {
      gateway: 'nicepay',
      returnUrl: `${ctx.shop.baseUrl}/checkout/nicepay/return`,
      customer: BUYER,
      ...body,
    });
    const { order, checkout: params } = response.body;
    expectOrder(order, { status: 'READY', amount: body.amount as number });
    // The fields are AUTHNICE.requestPay's parameters (docs/gateways/nicepay.md#checkout).
    expectEqual(params.kind, 'sdk', 'checkout.kind');
    expectEqual(params.fields.method, method, 'checkout.fields.method');
    expectEqual(params.fields.orderId, order.orderId, 'checkout.fields.orderId');
    expectEqual(Number(params.fields.amount), order.amount, 'checkout.fields.amount');
    return [
      response.body,
      { http: response.status, status: 'READY', amount: order.amount, note: `requestPay method ${method}` },
    ];
  });
}

/** The buyer in NicePay's window: requestPay is called with exactly the checkout fields the shop returned. */
async function paymentWindow(ctx: NicePayDemoContext, prepared: CheckoutResponse): Promise<Record<string, string>> {
  return step(ctx, `payment window (simulated, ${String(prepared.checkout.fields.method)})`, async () => {
    const fields = prepared.checkout.fields;
    const text = (name: string): string | undefined =>
      fields[name] === undefined || fields[name] === null ? undefined : String(fields[name]);
    const form = ctx.sim.authenticate({
      clientId: String(fields.clientId),
      orderId: String(fields.orderId),
      amount: Number(fields.amount),
      method: String(fields.method),
      goodsName: String(fields.goodsName),
      returnUrl: String(fields.returnUrl),
      vbankHolder: text('vbankHolder'),
      buyerName: text('buyerName'),
      buyerEmail: text('buyerEmail'),
      buyerTel: text('buyerTel'),
      mallReserved: text('mallReserved'),
    });
    expectEqual(form.authResultCode, '0000', 'authResultCode');
    return [form, { note: `returnUrl ← authResultCode 0000, tid ${form.tid.slice(0, 14)}…, amount ${form.amount}` }];
  });
}

/** What the browser does next: a form POST (application/x-www-form-urlencoded) of the window's fields to returnUrl. */
async function postReturn(ctx: NicePayDemoContext, form: Record<string, string>): Promise<OrderView> {
  const response = await fetch(`${ctx.shop.baseUrl}/checkout/nicepay/return`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const text = await response.text();
  if (response.status !== 200)
    throw new DemoFailure(`POST /checkout/nicepay/return: expected HTTP 200, got ${response.status} ${text}`);
  return JSON.parse(text) as OrderView;
}

// ------------------------------------------------------------------------------------------------------------------

export async function nicepayCardPayment(ctx: NicePayDemoContext): Promise<{ paid: OrderView; tid: string }> {
  const amount = 50_000;
  const prepared = await checkout(
    ctx,
    'POST /checkout (nicepay, CARD)',
    { amount, orderName: '기계식 키보드', method: 'CARD' },
    'card',
  );
  const form = await paymentWindow(ctx, prepared);
  const approvals = () => nicepayRequests(ctx.sim, exactPath(`/v1/payments/${form.tid}`));

  const paid = await step(ctx, 'POST /checkout/nicepay/return', async () => {
    const order = await postReturn(ctx, form);
    expectOrder(order, {
      paymentId: prepared.order.paymentId,
      status: 'PAID',
      amount,
      balanceAmount: amount,
      canceledAmount: 0,
      method: 'CARD',
    });
    expectEqual(ctx.sim.getPayment(form.tid)?.status, 'paid', 'NicePay status');
    expectEqual(approvals()[0]?.amount, amount, 'amount NicePay was asked to approve');
    return [order, { http: 200, status: 'PAID', amount, note: `NicePay paid, balance ${krw(order.balanceAmount)}` }];
  });

  await step(ctx, 'POST /checkout/nicepay/return again (browser retry)', async () => {
    const order = await postReturn(ctx, form);
    expectOrder(order, { paymentId: paid.paymentId, status: 'PAID', amount });
    expectEqual(approvals().length, 1, 'approvals NicePay received for this tid');
    return [null, { http: 200, status: 'PAID', amount, note: 'same payment; NicePay saw 1 approval' }];
  });
  return { paid, tid: form.tid };
}

export async function nicepayCancels(ctx: NicePayDemoContext, paid: OrderView, tid: string): Promise<OrderView> {
  const path = `/orders/${paid.paymentId}/cancel`;
  const cancelRequests = () => nicepayRequests(ctx.sim, exactPath(`/v1/payments/${tid}/cancel`));

  await step(ctx, 'POST /orders/:id/cancel 10,000', async () => {
    const response = await ctx.shop.expect<{ cancel: CancelView; order: OrderView }>('POST', path, 200, {
      amount: 10_000,
      reason: '키캡 세트 반품',
    });
    expectEqual(response.body.cancel.status, 'DONE', 'cancel.status');
    expectOrder(response.body.order, { status: 'PARTIALLY_CANCELED', balanceAmount: 40_000, canceledAmount: 10_000 });
    // The field is cancelAmt (not amount), with a fresh orderId per cancel (docs/gateways/nicepay.md#cancel).
    const sent = cancelRequests();
    expectEqual(sent.length, 1, 'cancel requests NicePay received');
    expectEqual(sent[0].cancelAmt, 10_000, 'cancelAmt NicePay received');
    expectEqual(ctx.sim.getPayment(tid)?.status, 'partialCancelled', 'NicePay status');
    return [null, { http: response.status, status: 'PARTIALLY_CANCELED', amount: 10_000, note: 'balance 40,000 KRW' }];
  });

  await step(ctx, 'POST /orders/:id/cancel (the rest)', async () => {
    const response = await ctx.shop.expect<{ cancel: CancelView; order: OrderView }>('POST', path, 200, {
      reason: '주문 취소',
    });
    expectEqual(response.body.cancel.status, 'DONE', 'cancel.status');
    expectOrder(response.body.order, { status: 'CANCELED', balanceAmount: 0, canceledAmount: 50_000 });
    const sent = cancelRequests();
    expectEqual(sent.length, 2, 'cancel requests NicePay received');
    if (sent[0].orderId === sent[1].orderId)
      throw new DemoFailure('both cancels used the same orderId (NicePay answers U112)');
    const atNicePay = ctx.sim.getPayment(tid);
    expectEqual(atNicePay?.status, 'cancelled', 'NicePay status');
    expectEqual(atNicePay?.balanceAmt, 0, 'NicePay balanceAmt');
    return [null, { http: response.status, status: 'CANCELED', amount: 40_000, note: 'NicePay cancelled, balance 0' }];
  });

  return step(ctx, 'GET /orders/:id', async () => {
    const response = await ctx.shop.expect<OrderView>('GET', `/orders/${paid.paymentId}`, 200);
    expectOrder(response.body, { status: 'CANCELED', balanceAmount: 0, canceledAmount: 50_000 });
    const refunds = (response.body.cancels ?? []).filter((c) => c.status === 'DONE');
    expectEqual(refunds.map((c) => c.amount).join(' + '), '10000 + 40000', 'refunds in order');
    return [
      response.body,
      { http: response.status, status: 'CANCELED', amount: 50_000, note: '2 refunds: 10,000 + 40,000' },
    ];
  });
}

export async function nicepayVirtualAccount(ctx: NicePayDemoContext): Promise<OrderView> {
  const amount = 30_000;
  const prepared = await checkout(
    ctx,
    'POST /checkout (nicepay, VIRTUAL_ACCOUNT)',
    { amount, orderName: '스탠딩 책상', method: 'VIRTUAL_ACCOUNT' },
    'vbank',
  );
  const form = await paymentWindow(ctx, prepared);

  const waiting = await step(ctx, 'POST /checkout/nicepay/return', async () => {
    const order = await postReturn(ctx, form);
    // A vbank approval is status "ready", not paid (docs/gateways/nicepay.md#virtual-accounts).
    expectOrder(order, { status: 'WAITING_FOR_DEPOSIT', amount, method: 'VIRTUAL_ACCOUNT' });
    const account = order.virtualAccount;
    if (!account?.accountNumber || !account.bankCode) throw new DemoFailure('virtual account number or bank missing');
    expectEqual(ctx.sim.getPayment(form.tid)?.status, 'ready', 'NicePay status');
    return [
      order,
      {
        http: 200,
        status: 'WAITING_FOR_DEPOSIT',
        amount,
        note: `bank ${account.bankCode}, account ${account.accountNumber}`,
      },
    ];
  });

  const delivered = await step(ctx, 'buyer transfers the money (simulated bank)', async () => {
    const before = ctx.sim.webhookDeliveries.length;
    ctx.sim.deposit(form.tid);
    // Until every delivery is answered and no retry is due: the last attempt of each event is then the answer.
    await ctx.sim.webhooksIdle();
    const deliveries = ctx.sim.webhookDeliveries.slice(before).filter((delivery) => {
      const body = delivery.body as { tid?: unknown; status?: unknown };
      return body.tid === form.tid && body.status === 'paid';
    });
    const seen =
      deliveries.map((delivery) => `${delivery.status} ${JSON.stringify(delivery.responseBody)}`).join(', ') || 'none';
    if (!deliveries.some((delivery) => delivery.accepted)) {
      throw new DemoFailure(`the deposit webhook was not answered 200 "OK" (deliveries: ${seen})`);
    }
    return [seen, { status: 'paid at NicePay', amount, note: 'webhook → shop answered 200 OK' }];
  });

  return step(ctx, 'GET /orders/:id (after the webhook)', async () => {
    const order = await orderAfterDelivery(
      ctx,
      waiting.paymentId,
      { status: 'PAID', amount, balanceAmount: amount },
      delivered,
    );
    return [order, { http: 200, status: 'PAID', amount, note: 'applied from the verified webhook' }];
  });
}

export async function nicepayBilling(ctx: NicePayDemoContext): Promise<OrderView> {
  const customerKey = `cust_${randomUUID()}`;
  const billingKey = await step(ctx, 'POST /billing/keys (nicepay, test card)', async () => {
    const response = await ctx.shop.expect<BillingKeyView>('POST', '/billing/keys', 201, {
      gateway: 'nicepay',
      customerKey,
      card: {
        number: '5361123456781234',
        expiryYear: '30',
        expiryMonth: '12',
        identityNumber: '800101',
        passwordFirst2: '12',
      },
    });
    expectEqual(response.body.status, 'ACTIVE', 'billingKey.status');
    expectEqual(response.body.customerKey, customerKey, 'billingKey.customerKey');
    // The card travels only as AES-encrypted encData (docs/gateways/nicepay.md#billing-keys).
    const regist = nicepayRequests(ctx.sim, exactPath('/v1/subscribe/regist')).at(-1);
    if (!regist || typeof regist.encData !== 'string' || JSON.stringify(regist).includes('5361123456781234')) {
      throw new DemoFailure('NicePay did not receive the card as encData only');
    }
    return [
      response.body,
      { http: response.status, status: 'ACTIVE', note: 'bid issued; card sent as encData, key stored encrypted' },
    ];
  });

  const amount = 9_900;
  const charge = {
    amount,
    orderName: 'Pro 요금제 2026년 11월',
    idempotencyKey: `sub_${customerKey.slice(5, 13)}_2026-11`,
  };
  const charges = (orderId: string) =>
    nicepayRequests(ctx.sim, /^\/v1\/subscribe\/[^/]+\/payments$/).filter((body) => body.orderId === orderId).length;
  const paid = await step(ctx, 'POST /billing/keys/:id/charge 9,900', async () => {
    const response = await ctx.shop.expect<OrderView>(
      'POST',
      `/billing/keys/${billingKey.billingKeyId}/charge`,
      201,
      charge,
    );
    expectOrder(response.body, { status: 'PAID', type: 'BILLING', amount, balanceAmount: amount });
    return [response.body, { http: response.status, status: 'PAID', amount, note: 'type BILLING' }];
  });
  await step(ctx, 'POST /billing/keys/:id/charge again (same cycle)', async () => {
    const response = await ctx.shop.expect<OrderView>(
      'POST',
      `/billing/keys/${billingKey.billingKeyId}/charge`,
      201,
      charge,
    );
    expectOrder(response.body, { paymentId: paid.paymentId, status: 'PAID', amount });
    expectEqual(charges(paid.orderId), 1, 'billing charges NicePay received for this cycle');
    return [null, { http: response.status, status: 'PAID', amount, note: 'same payment; NicePay saw 1 charge' }];
  });
  return paid;
}

export async function nicepayCashReceipt(ctx: NicePayDemoContext, payment: OrderView): Promise<CashReceiptView> {
  const issued = await step(ctx, 'POST /cash-receipts (for the virtual-account payment)', async () => {
    const response = await ctx.shop.expect<CashReceiptView>('POST', '/cash-receipts', 201, {
      paymentId: payment.paymentId,
      type: 'INCOME_DEDUCTION',
      identityNumber: '01012345678',
    });
    expectEqual(response.body.status, 'ISSUED', 'cashReceipt.status');
    expectEqual(response.body.amount, payment.amount, 'cashReceipt.amount');
    const sent = nicepayRequests(ctx.sim, /^\/v1\/receipt\/?$/).at(-1);
    expectEqual(sent?.amount, payment.amount, 'amount NicePay received');
    expectEqual(sent?.receiptType, 'individual', 'receiptType NicePay received');
    return [
      response.body,
      {
        http: response.status,
        status: 'ISSUED',
        amount: response.body.amount,
        note: 'accepted; NTS issues it the next day',
      },
    ];
  });
  return step(ctx, 'POST /cash-receipts/:id/cancel', async () => {
    const response = await ctx.shop.expect<CashReceiptView>(
      'POST',
      `/cash-receipts/${issued.cashReceiptId}/cancel`,
      200,
      {
        reason: '잘못된 번호로 발급',
      },
    );
    expectEqual(response.body.status, 'CANCELED', 'cashReceipt.status');
    return [response.body, { http: response.status, status: 'CANCELED', amount: response.body.amount }];
  });
}

/** Walks every NicePay flow; returns the orders for the summary. */
export async function runNicePayDemo(ctx: NicePayDemoContext): Promise<OrderView[]> {
  const { paid, tid } = await nicepayCardPayment(ctx);
  const canceled = await nicepayCancels(ctx, paid, tid);
  const deposited = await nicepayVirtualAccount(ctx);
  const subscription = await nicepayBilling(ctx);
  await nicepayCashReceipt(ctx, deposited);
  return [canceled, deposited, subscription];
}
