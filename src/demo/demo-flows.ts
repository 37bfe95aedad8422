import { randomUUID } from 'node:crypto';
import type { TossSimulator } from 'nestjs-kr-payments/testing';
import type { BillingKeyView, CancelView, CashReceiptView, OrderView } from '../shop/shop.views';
import { DemoFailure, expectEqual, type ShopErrorBody } from './demo-client';
import { krw } from './demo-report';
import {
  type CheckoutResponse,
  type DemoStepContext,
  expectOrder,
  expectRefused,
  orderAfterDelivery,
  step,
} from './demo-steps';

/**
 * The flows `npm run demo` walks through, each over HTTP against the shop's own REST API, with the Toss simulator
 * playing the buyer's browser (payment windows) and the bank (deposits). Every step checks the exact outcome
 * (HTTP status, payment status, amounts, and where it matters the requests Toss received) and fails the demo
 * otherwise.
 */
export interface DemoContext extends DemoStepContext {
  sim: TossSimulator;
  /** The Toss client key the shop hands to the browser (checked by the simulated windows). */
  clientKey: string;
}

/** The shop front end's success page. The simulated window does not navigate there: it returns what it would get. */
const RETURN_URL = 'https://shop.example.com/checkout/success';

/** How many requests Toss received on `path` for this order (the body names the orderId). */
function tossRequestsFor(sim: TossSimulator, path: string | RegExp, orderId: string): number {
  return sim
    .requestsTo('POST', path)
    .filter((request) => (request.body as { orderId?: unknown } | undefined)?.orderId === orderId).length;
}

async function checkout(ctx: DemoContext, label: string, body: Record<string, unknown>): Promise<CheckoutResponse> {
  return step(ctx, label, async () => {
    const response = await ctx.shop.expect<CheckoutResponse>('POST', '/checkout', 201, {
      gateway: 'toss',
      returnUrl: RETURN_URL,
      ...body,
    });
    expectOrder(response.body.order, { status: 'READY', amount: body.amount as number });
    expectEqual(response.body.checkout.fields.clientKey, ctx.clientKey, 'checkout.fields.clientKey');
    return [
      response.body,
      { http: response.status, status: 'READY', amount: response.body.order.amount, note: response.body.order.orderId },
    ];
  });
}

/** The buyer in Toss's window: the SDK is called with exactly the checkout fields the shop returned. */
async function paymentWindow(ctx: DemoContext, prepared: CheckoutResponse, method: 'CARD' | 'VIRTUAL_ACCOUNT') {
  return step(ctx, `payment window (simulated, ${method})`, async () => {
    const fields = prepared.checkout.fields;
    const success = ctx.sim.authenticatePayment({
      orderId: String(fields.orderId),
      amount: (fields.amount as { value: number }).value,
      orderName: String(fields.orderName),
      method,
      clientKey: String(fields.clientKey),
      customerName: fields.customerName === undefined ? undefined : String(fields.customerName),
    });
    return [success, { note: `successUrl ← paymentKey ${success.paymentKey.slice(0, 14)}…, amount ${success.amount}` }];
  });
}

// ------------------------------------------------------------------------------------------------------------------

export async function cardPayment(ctx: DemoContext): Promise<OrderView> {
  const amount = 50_000;
  const prepared = await checkout(ctx, 'POST /checkout (CARD)', {
    amount,
    orderName: 'Mechanical keyboard',
    method: 'CARD',
    customer: { customerKey: `cust_${randomUUID()}`, name: '김토스', email: 'buyer@example.com' },
  });
  const success = await paymentWindow(ctx, prepared, 'CARD');
  const confirmBody = {
    orderId: success.orderId,
    amount: success.amount,
    paymentKey: success.paymentKey,
    paymentType: success.paymentType,
  };

  const paid = await step(ctx, 'POST /checkout/confirm', async () => {
    const response = await ctx.shop.expect<OrderView>('POST', '/checkout/confirm', 200, confirmBody);
    expectOrder(response.body, { status: 'PAID', amount, balanceAmount: amount, canceledAmount: 0 });
    return [
      response.body,
      { http: response.status, status: 'PAID', amount, note: `balance ${krw(response.body.balanceAmount)}` },
    ];
  });

  await step(ctx, 'POST /checkout/confirm again (browser retry)', async () => {
    const response = await ctx.shop.expect<OrderView>('POST', '/checkout/confirm', 200, confirmBody);
    expectOrder(response.body, { paymentId: paid.paymentId, status: 'PAID', amount });
    const confirms = tossRequestsFor(ctx.sim, '/v1/payments/confirm', success.orderId);
    expectEqual(confirms, 1, 'confirm requests Toss received for this order');
    return [null, { http: response.status, status: 'PAID', amount, note: 'same payment; Toss saw 1 confirm' }];
  });

  return paid;
}

export async function partialCancels(ctx: DemoContext, paid: OrderView): Promise<OrderView> {
  const path = `/orders/${paid.paymentId}/cancel`;
  const cancel = (label: string, body: Record<string, unknown>, expected: Partial<OrderView>) =>
    step(ctx, label, async () => {
      const response = await ctx.shop.expect<{ cancel: CancelView; order: OrderView }>('POST', path, 200, body);
      expectEqual(response.body.cancel.status, 'DONE', 'cancel.status');
      expectOrder(response.body.order, expected);
      const { order } = response.body;
      return [
        order,
        {
          http: response.status,
          status: order.status,
          amount: response.body.cancel.amount,
          note: `balance ${krw(order.balanceAmount)}`,
        },
      ];
    });

  await cancel(
    'POST /orders/:id/cancel 10,000',
    { amount: 10_000, reason: 'one keycap set returned' },
    {
      status: 'PARTIALLY_CANCELED',
      balanceAmount: 40_000,
      canceledAmount: 10_000,
    },
  );
  await cancel(
    'POST /orders/:id/cancel 5,000',
    { amount: 5_000, reason: 'late delivery discount' },
    {
      status: 'PARTIALLY_CANCELED',
      balanceAmount: 35_000,
      canceledAmount: 15_000,
    },
  );
  await step(ctx, 'POST /orders/:id/cancel 40,000 (over balance)', async () => {
    const response = await ctx.shop.expect<ShopErrorBody>('POST', path, 400, { amount: 40_000, reason: 'too much' });
    expectRefused(response.body, 'CANCEL_AMOUNT_EXCEEDS_BALANCE', 'amount');
    return [
      null,
      { http: response.status, status: response.body.code, amount: 40_000, note: 'refused; balance stays 35,000 KRW' },
    ];
  });
  await cancel(
    'POST /orders/:id/cancel (the rest)',
    { reason: 'order canceled' },
    {
      status: 'CANCELED',
      balanceAmount: 0,
      canceledAmount: 50_000,
    },
  );
  return step(ctx, 'GET /orders/:id', async () => {
    const response = await ctx.shop.expect<OrderView>('GET', `/orders/${paid.paymentId}`, 200);
    expectOrder(response.body, { status: 'CANCELED', balanceAmount: 0, canceledAmount: 50_000 });
    const refunds = (response.body.cancels ?? []).filter((c) => c.status === 'DONE');
    expectEqual(refunds.map((c) => c.amount).join(' + '), '10000 + 5000 + 35000', 'refunds in order');
    return [
      response.body,
      { http: response.status, status: 'CANCELED', amount: 50_000, note: '3 refunds: 10,000 + 5,000 + 35,000' },
    ];
  });
}

export async function virtualAccount(ctx: DemoContext): Promise<OrderView> {
  const amount = 30_000;
  const prepared = await checkout(ctx, 'POST /checkout (VIRTUAL_ACCOUNT)', {
    amount,
    orderName: 'Standing desk',
    method: 'VIRTUAL_ACCOUNT',
    customer: { name: '김토스' },
  });
  const success = await paymentWindow(ctx, prepared, 'VIRTUAL_ACCOUNT');
  const waiting = await step(ctx, 'POST /checkout/confirm', async () => {
    const response = await ctx.shop.expect<OrderView>('POST', '/checkout/confirm', 200, {
      orderId: success.orderId,
      amount: success.amount,
      paymentKey: success.paymentKey,
    });
    expectOrder(response.body, { status: 'WAITING_FOR_DEPOSIT', amount });
    const account = response.body.virtualAccount;
    if (!account?.accountNumber || !account.bankCode) throw new DemoFailure('virtual account number or bank missing');
    return [
      response.body,
      {
        http: response.status,
        status: 'WAITING_FOR_DEPOSIT',
        amount,
        note: `bank ${account.bankCode}, account ${account.accountNumber}`,
      },
    ];
  });

  const delivered = await step(ctx, 'buyer transfers the money (simulated bank)', async () => {
    const before = ctx.sim.webhookDeliveries.length;
    ctx.sim.deposit({ orderId: success.orderId });
    // Until every delivery is answered and no retry is due: the last attempt of each event is then the answer.
    await ctx.sim.webhooksIdle();
    // Only the deliveries about the deposit (status DONE): the account's issue sent its own events earlier.
    const deliveries = ctx.sim.webhookDeliveries
      .slice(before)
      .filter(
        (delivery) =>
          deliveryFacts(delivery.body)?.orderId === success.orderId && deliveryFacts(delivery.body)?.status === 'DONE',
      );
    const seen = deliveries.map((delivery) => `${delivery.eventType} #${delivery.attempt} → ${delivery.status}`);
    if (!deliveries.some((delivery) => delivery.eventType === 'DEPOSIT_CALLBACK' && delivery.status === 200)) {
      throw new DemoFailure(`DEPOSIT_CALLBACK was not answered 200 (deliveries: ${seen.join(', ') || 'none'})`);
    }
    return [seen.join(', '), { status: 'DONE at Toss', amount, note: `webhooks → shop: ${seen.join(', ')}` }];
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

export async function billing(ctx: DemoContext): Promise<OrderView> {
  const customerKey = `cust_${randomUUID()}`;
  const auth = await step(ctx, 'billing-auth window (simulated)', async () => {
    const result = ctx.sim.authenticateBilling({ customerKey, clientKey: ctx.clientKey });
    return [result, { note: 'successUrl ← customerKey, authKey' }];
  });
  const billingKey = await step(ctx, 'POST /billing/keys', async () => {
    const response = await ctx.shop.expect<BillingKeyView>('POST', '/billing/keys', 201, {
      gateway: 'toss',
      customerKey: auth.customerKey,
      authKey: auth.authKey,
    });
    expectEqual(response.body.status, 'ACTIVE', 'billingKey.status');
    expectEqual(response.body.customerKey, customerKey, 'billingKey.customerKey');
    return [
      response.body,
      {
        http: response.status,
        status: 'ACTIVE',
        note: `card ${response.body.card.maskedNumber ?? '?'}, key stored encrypted`,
      },
    ];
  });

  const amount = 9_900;
  const charge = {
    amount,
    orderName: 'Pro plan, November 2026',
    idempotencyKey: `sub_${customerKey.slice(5, 13)}_2026-11`,
  };
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
    const charges = tossRequestsFor(ctx.sim, /^\/v1\/billing\/(?!authorizations\/)[^/]+$/, paid.orderId);
    expectEqual(charges, 1, 'billing charges Toss received for this cycle');
    return [null, { http: response.status, status: 'PAID', amount, note: 'same payment; Toss saw 1 charge' }];
  });
  return paid;
}

export async function cashReceipt(ctx: DemoContext, payment: OrderView): Promise<CashReceiptView> {
  const issued = await step(ctx, 'POST /cash-receipts (for the transfer)', async () => {
    const response = await ctx.shop.expect<CashReceiptView>('POST', '/cash-receipts', 201, {
      paymentId: payment.paymentId,
      type: 'INCOME_DEDUCTION',
      identityNumber: '01012345678',
    });
    expectEqual(response.body.status, 'ISSUED', 'cashReceipt.status');
    expectEqual(response.body.amount, payment.amount, 'cashReceipt.amount');
    return [
      response.body,
      {
        http: response.status,
        status: 'ISSUED',
        amount: response.body.amount,
        note: `issue no. ${response.body.issueNumber ?? '?'}`,
      },
    ];
  });
  return step(ctx, 'POST /cash-receipts/:id/cancel', async () => {
    const response = await ctx.shop.expect<CashReceiptView>(
      'POST',
      `/cash-receipts/${issued.cashReceiptId}/cancel`,
      200,
      {
        reason: 'issued to the wrong number',
      },
    );
    expectEqual(response.body.status, 'CANCELED', 'cashReceipt.status');
    return [response.body, { http: response.status, status: 'CANCELED', amount: response.body.amount }];
  });
}

export async function refusedInput(ctx: DemoContext): Promise<void> {
  const tampered = await checkout(ctx, 'POST /checkout (CARD)', {
    amount: 12_000,
    orderName: 'USB cable',
    method: 'CARD',
  });
  const window = await paymentWindow(ctx, tampered, 'CARD');
  await step(ctx, 'POST /checkout/confirm, amount edited to 1,200', async () => {
    const response = await ctx.shop.expect<ShopErrorBody>('POST', '/checkout/confirm', 400, {
      ...window,
      amount: 1_200,
    });
    expectRefused(response.body, 'AMOUNT_MISMATCH', 'amount');
    expectEqual(tossRequestsFor(ctx.sim, '/v1/payments/confirm', window.orderId), 0, 'confirm requests Toss received');
    const after = await ctx.shop.expect<OrderView>('GET', `/orders/${tampered.order.paymentId}`, 200);
    expectOrder(after.body, { status: 'READY', amount: 12_000 });
    return [
      null,
      {
        http: response.status,
        status: response.body.code,
        amount: 1_200,
        note: 'refused before calling Toss; order stays READY',
      },
    ];
  });
  await step(ctx, 'POST /checkout, amount 1000.5', async () => {
    const response = await ctx.shop.expect<ShopErrorBody>('POST', '/checkout', 400, {
      gateway: 'toss',
      amount: 1000.5,
      orderName: 'Half a won',
      returnUrl: RETURN_URL,
    });
    expectRefused(response.body, 'INVALID_INPUT', 'amount');
    return [null, { http: response.status, status: 'INVALID_INPUT', note: response.body.message }];
  });
  await step(ctx, 'POST /checkout, unknown field', async () => {
    const response = await ctx.shop.expect<ShopErrorBody>('POST', '/checkout', 400, {
      gateway: 'toss',
      amount: 1000,
      orderName: 'Coupon',
      returnUrl: RETURN_URL,
      discount: 1000,
    });
    expectRefused(response.body, 'INVALID_INPUT', 'discount');
    return [null, { http: response.status, status: 'INVALID_INPUT', note: `field ${response.body.field}` }];
  });
  await step(ctx, 'GET /orders/not-a-uuid', async () => {
    const response = await ctx.shop.expect<ShopErrorBody>('GET', '/orders/not-a-uuid', 400);
    expectRefused(response.body, 'INVALID_INPUT', 'paymentId');
    return [null, { http: response.status, status: 'INVALID_INPUT', note: `field ${response.body.field}` }];
  });
}

/**
 * orderId and Toss status of a webhook body: flat for DEPOSIT_CALLBACK, under `data` for the others
 * (docs/gateways/toss.md#webhooks).
 */
function deliveryFacts(body: unknown): { orderId?: unknown; status?: unknown } | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const record = body as { orderId?: unknown; status?: unknown; data?: { orderId?: unknown; status?: unknown } };
  return record.data ?? record;
}
