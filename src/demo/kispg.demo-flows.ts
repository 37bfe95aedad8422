import type { KispgSimulator } from 'nestjs-kr-payments/testing';
import type { CancelView, OrderView } from '../shop/shop.views';
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
 * The KISPG flows of `npm run demo`, over HTTP against the shop's REST API. The KISPG simulator plays the buyer's
 * browser (the /v2/auth window, docs/gateways/kispg.md#checkout) and the bank (virtual-account deposits). KISPG has no per-request
 * notification URL (docs/gateways/kispg.md#notifications): the simulator must be started with `notifyUrl` = the shop's
 * `/payments/webhooks/kispg`, and the shop must allow 127.0.0.1 for kispg webhooks, for the deposit flow to pass.
 */
export interface KispgDemoContext extends DemoStepContext {
  sim: KispgSimulator;
}

/** Requests KISPG received on `path` whose JSON body names this tid. */
function kispgRequestsFor(sim: KispgSimulator, path: string | RegExp, tid: string): Array<Record<string, unknown>> {
  return sim
    .requestsTo('POST', path)
    .map((request) => request.body as Record<string, unknown> | undefined)
    .filter((body): body is Record<string, unknown> => body !== undefined && body.tid === tid);
}

const BUYER = { name: '김키스', phone: '01012345678', email: 'buyer@example.com' };

async function checkout(
  ctx: KispgDemoContext,
  label: string,
  body: Record<string, unknown>,
  payMethod: string,
): Promise<CheckoutResponse> {
  return step(ctx, label, async () => {
    const response = await ctx.shop.expect<CheckoutResponse>('POST', '/checkout', 201, {
      gateway: 'kispg',
      returnUrl: `${ctx.shop.baseUrl}/checkout/kispg/return`,
      customer: BUYER,
      ...body,
    });
    const { order, checkout: params } = response.body;
    expectOrder(order, { status: 'READY', amount: body.amount as number });
    // A browser form POST to /v2/auth, amounts as digit strings (docs/gateways/kispg.md#checkout).
    expectEqual(params.kind, 'form', 'checkout.kind');
    expectEqual(params.method, 'POST', 'checkout.method');
    expectEqual(params.actionUrl, `${ctx.sim.url}/v2/auth`, 'checkout.actionUrl');
    expectEqual(params.fields.goodsAmt, String(body.amount), 'checkout.fields.goodsAmt');
    expectEqual(params.fields.ordNo, order.orderId, 'checkout.fields.ordNo');
    expectEqual(params.fields.payMethod, payMethod, 'checkout.fields.payMethod');
    return [
      response.body,
      { http: response.status, status: 'READY', amount: order.amount, note: `form → /v2/auth, payMethod ${payMethod}` },
    ];
  });
}

/** The buyer's browser submits the shop's form to KISPG's window, which posts its result back to returnUrl. */
async function paymentWindow(ctx: KispgDemoContext, prepared: CheckoutResponse): Promise<Record<string, string>> {
  return step(ctx, 'payment window (simulated /v2/auth)', async () => {
    const form: Record<string, string> = {};
    for (const [name, value] of Object.entries(prepared.checkout.fields)) {
      if (value !== undefined && value !== null) form[name] = String(value);
    }
    const result = ctx.sim.authenticate(form);
    expectEqual(result.resultCd, '0000', 'auth resultCd');
    expectEqual(result.amt, String(prepared.order.amount), 'auth amt');
    return [result, { note: `returnUrl ← resultCd 0000, tid ${result.tid.slice(0, 14)}…, amt ${result.amt}` }];
  });
}

async function returnFromWindow(ctx: KispgDemoContext, authResult: Record<string, string>): Promise<OrderView> {
  const response = await ctx.shop.expect<OrderView>('POST', '/checkout/kispg/return', 200, authResult);
  return response.body;
}

// ------------------------------------------------------------------------------------------------------------------

/** Returns the paid order and KISPG's tid (the cancel checks look for it in what KISPG received). */
export async function kispgCardPayment(ctx: KispgDemoContext): Promise<{ paid: OrderView; tid: string }> {
  const amount = 50_000;
  const prepared = await checkout(
    ctx,
    'POST /checkout (kispg, CARD)',
    { amount, orderName: '기계식 키보드', method: 'CARD' },
    'CARD',
  );
  const authResult = await paymentWindow(ctx, prepared);

  const paid = await step(ctx, 'POST /checkout/kispg/return', async () => {
    const order = await returnFromWindow(ctx, authResult);
    expectOrder(order, {
      paymentId: prepared.order.paymentId,
      status: 'PAID',
      amount,
      balanceAmount: amount,
      canceledAmount: 0,
      method: 'CARD',
    });
    const approval = ctx.sim.getTransaction(authResult.tid);
    expectEqual(approval?.trxStatus, '승인', 'KISPG trxStatus');
    return [order, { http: 200, status: 'PAID', amount, note: `KISPG 3001, balance ${krw(order.balanceAmount)}` }];
  });

  await step(ctx, 'POST /checkout/kispg/return again (browser retry)', async () => {
    const order = await returnFromWindow(ctx, authResult);
    expectOrder(order, { paymentId: paid.paymentId, status: 'PAID', amount });
    expectEqual(
      kispgRequestsFor(ctx.sim, '/v2/payment', authResult.tid).length,
      1,
      'approvals KISPG received for this tid',
    );
    return [null, { http: 200, status: 'PAID', amount, note: 'same payment; KISPG saw 1 approval' }];
  });
  return { paid, tid: authResult.tid };
}

export async function kispgPartialCancel(ctx: KispgDemoContext, paid: OrderView, tid: string): Promise<OrderView> {
  const path = `/orders/${paid.paymentId}/cancel`;
  const cancelPath = /^\/v2\/cancel(Trans\.do)?$/;
  const cancel = (
    label: string,
    body: Record<string, unknown>,
    expected: Partial<OrderView>,
    wire: { canAmt: string; partCanFlg: string },
  ) =>
    step(ctx, label, async () => {
      const response = await ctx.shop.expect<{ cancel: CancelView; order: OrderView }>('POST', path, 200, body);
      expectEqual(response.body.cancel.status, 'DONE', 'cancel.status');
      expectOrder(response.body.order, expected);
      const sent = kispgRequestsFor(ctx.sim, cancelPath, tid).at(-1);
      expectEqual(sent?.canAmt, wire.canAmt, 'KISPG canAmt');
      expectEqual(sent?.partCanFlg, wire.partCanFlg, 'KISPG partCanFlg');
      const { order } = response.body;
      return [
        order,
        {
          http: response.status,
          status: order.status,
          amount: response.body.cancel.amount,
          note: `balance ${krw(order.balanceAmount)}, partCanFlg ${wire.partCanFlg}`,
        },
      ];
    });

  await cancel(
    'POST /orders/:id/cancel 10,000',
    { amount: 10_000, reason: 'one keycap set returned' },
    { status: 'PARTIALLY_CANCELED', balanceAmount: 40_000, canceledAmount: 10_000 },
    { canAmt: '10000', partCanFlg: '1' },
  );
  await step(ctx, 'POST /orders/:id/cancel 45,000 (over balance)', async () => {
    const before = ctx.sim.requests.length;
    const response = await ctx.shop.expect<ShopErrorBody>('POST', path, 400, { amount: 45_000, reason: 'too much' });
    expectRefused(response.body, 'CANCEL_AMOUNT_EXCEEDS_BALANCE', 'amount');
    expectEqual(ctx.sim.requests.length, before, 'requests KISPG received');
    return [
      null,
      { http: response.status, status: response.body.code, amount: 45_000, note: 'refused before calling KISPG' },
    ];
  });
  await cancel(
    'POST /orders/:id/cancel (the rest)',
    { reason: 'order canceled' },
    { status: 'CANCELED', balanceAmount: 0, canceledAmount: 50_000 },
    { canAmt: '40000', partCanFlg: '0' },
  );
  return step(ctx, 'GET /orders/:id', async () => {
    const response = await ctx.shop.expect<OrderView>('GET', `/orders/${paid.paymentId}`, 200);
    expectOrder(response.body, { status: 'CANCELED', balanceAmount: 0, canceledAmount: 50_000 });
    const refunds = (response.body.cancels ?? []).filter((c) => c.status === 'DONE');
    expectEqual(refunds.map((c) => c.amount).join(' + '), '10000 + 40000', 'refunds in order');
    expectEqual(ctx.sim.getTransaction(tid)?.trxStatus, '취소', 'KISPG trxStatus');
    return [
      response.body,
      { http: response.status, status: 'CANCELED', amount: 50_000, note: '2 refunds: 10,000 + 40,000; KISPG 취소' },
    ];
  });
}

export async function kispgVirtualAccount(ctx: KispgDemoContext): Promise<OrderView> {
  const amount = 30_000;
  const prepared = await checkout(
    ctx,
    'POST /checkout (kispg, VIRTUAL_ACCOUNT)',
    { amount, orderName: '스탠딩 데스크', method: 'VIRTUAL_ACCOUNT' },
    'VACNT',
  );
  const authResult = await paymentWindow(ctx, prepared);

  const waiting = await step(ctx, 'POST /checkout/kispg/return', async () => {
    const order = await returnFromWindow(ctx, authResult);
    expectOrder(order, {
      paymentId: prepared.order.paymentId,
      status: 'WAITING_FOR_DEPOSIT',
      amount,
      balanceAmount: amount,
    });
    const issued = ctx.sim.getTransaction(authResult.tid);
    expectEqual(order.virtualAccount?.accountNumber, issued?.vacntNo, 'virtualAccount.accountNumber');
    return [
      order,
      { http: 200, status: 'WAITING_FOR_DEPOSIT', amount, note: `KISPG 4100, account ${String(issued?.vacntNo)}` },
    ];
  });

  const delivered = await step(ctx, 'buyer transfers the money (simulated bank)', async () => {
    const before = ctx.sim.notifications.length;
    ctx.sim.deposit(authResult.tid);
    // Until every notification is answered and no retry is due: the last attempt of each is then the answer.
    await ctx.sim.notificationsIdle();
    const deliveries = ctx.sim.notifications
      .slice(before)
      .filter((d) => d.tid === authResult.tid && d.resultCd === '4110');
    const seen = deliveries.map((d) => `#${d.attempt} → ${d.status}`).join(', ');
    if (!deliveries.some((d) => typeof d.status === 'number' && d.status >= 200 && d.status < 300)) {
      throw new DemoFailure(
        `the 4110 deposit notification was not accepted by the shop (deliveries: ${seen || 'none; is notifyUrl set?'})`,
      );
    }
    return [seen, { status: '승인 at KISPG', amount, note: `notification 4110 → shop: ${seen}` }];
  });

  return step(ctx, 'GET /orders/:id (after the notification)', async () => {
    const order = await orderAfterDelivery(
      ctx,
      waiting.paymentId,
      { status: 'PAID', amount, balanceAmount: amount },
      delivered,
    );
    return [order, { http: 200, status: 'PAID', amount, note: 'applied from the verified notification' }];
  });
}

export async function kispgCashReceiptRefused(ctx: KispgDemoContext, payment: OrderView): Promise<void> {
  await step(ctx, 'POST /cash-receipts (kispg)', async () => {
    const response = await ctx.shop.expect<ShopErrorBody>('POST', '/cash-receipts', 501, {
      paymentId: payment.paymentId,
      type: 'INCOME_DEDUCTION',
      identityNumber: '01012345678',
    });
    expectRefused(response.body, 'UNSUPPORTED_OPERATION', null);
    return [
      null,
      {
        http: response.status,
        status: response.body.code,
        note: 'KISPG takes receipts only at checkout (extra.crctType/crctNo)',
      },
    ];
  });
}

/** Walks the KISPG flows; returns the orders for the summary. */
export async function runKispgDemo(ctx: KispgDemoContext): Promise<OrderView[]> {
  const { paid, tid } = await kispgCardPayment(ctx);
  const canceled = await kispgPartialCancel(ctx, paid, tid);
  const deposited = await kispgVirtualAccount(ctx);
  await kispgCashReceiptRefused(ctx, deposited);
  return [canceled, deposited];
}
