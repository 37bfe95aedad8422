import { randomBytes } from 'node:crypto';
import {
  APPS_IN_TOSS_TEST_USER_KEY,
  type AppsInTossRecordedRequest,
  type AppsInTossSimulator,
} from 'nestjs-kr-payments/testing';
import type { CancelView, OrderView } from '../shop/shop.views';
import { DemoFailure, expectEqual, type ShopErrorBody } from './demo-client';
import { krw } from './demo-report';
import { type CheckoutResponse, type DemoStepContext, expectOrder, expectRefused, step } from './demo-steps';

/**
 * Apps-in-Toss TossPay flows (docs/gateways/apps-in-toss.md#flows): the shop calls make-payment at checkout, the buyer
 * authenticates in the Toss app (`checkoutPayment`, played here by `sim.authenticate`), the shop executes over mTLS on
 * confirm, then refunds (full only: refund-payment has no amount field). The simulator demands a client certificate from its CA, so every call the shop
 * makes proves the gateway's mTLS wiring.
 */
export type AppsInTossDemoContext = DemoStepContext & { sim: AppsInTossSimulator };

const GATEWAY = 'appsInToss';
const PAY_PATH = '/api-partner/v1/apps-in-toss/pay';

/** orderNo: ≤ 50 chars of digits, letters and `_-:.^@` (docs/gateways/apps-in-toss.md#field-limits); this id fits. */
const newOrderId = (): string => `ait-${Date.now()}-${randomBytes(4).toString('hex')}`;

/** The requests the simulator received on `endpoint` that name this payToken or orderNo in their body. */
function received(
  sim: AppsInTossSimulator,
  endpoint: string,
  match: { payToken?: string; orderNo?: string },
): AppsInTossRecordedRequest[] {
  return sim.requestsTo(`${PAY_PATH}/${endpoint}`).filter((request) => {
    const body = request.body as { payToken?: unknown; orderNo?: unknown } | undefined;
    return (
      (match.payToken !== undefined && body?.payToken === match.payToken) ||
      (match.orderNo !== undefined && body?.orderNo === match.orderNo)
    );
  });
}

/** Fails unless the request carried the buyer's userKey and a client certificate the simulator's CA verified. */
function expectMutualTls(request: AppsInTossRecordedRequest, what: string): void {
  expectEqual(request.headers['x-toss-user-key'], APPS_IN_TOSS_TEST_USER_KEY, `${what}: x-toss-user-key`);
  if (!request.clientCertificate?.authorized)
    throw new DemoFailure(`${what}: no verified client certificate was presented`);
}

export async function runAppsInTossDemo(ctx: AppsInTossDemoContext): Promise<OrderView[]> {
  const { sim } = ctx;
  const amount = 15_000;
  const orderId = newOrderId();

  const prepared = await step(ctx, 'POST /checkout (appsInToss)', async () => {
    const response = await ctx.shop.expect<CheckoutResponse>('POST', '/checkout', 201, {
      gateway: GATEWAY,
      orderId,
      amount,
      orderName: 'Mini-app sticker pack',
      customer: { customerKey: APPS_IN_TOSS_TEST_USER_KEY },
    });
    expectOrder(response.body.order, { status: 'READY', amount, orderId });
    const payToken = response.body.checkout.fields.payToken;
    if (typeof payToken !== 'string' || payToken.length === 0)
      throw new DemoFailure('checkout.fields.payToken missing');
    expectEqual(response.body.checkout.paymentKey, payToken, 'checkout.paymentKey');
    const made = received(sim, 'make-payment', { orderNo: orderId });
    expectEqual(made.length, 1, 'make-payment requests the simulator received');
    expectMutualTls(made[0], 'make-payment');
    expectEqual((made[0].body as { amount?: unknown }).amount, amount, 'make-payment amount');
    expectEqual(sim.getPayment(payToken)?.payStatus, 'PAY_STANDBY', 'payStatus at Toss');
    return [
      { order: response.body.order, payToken },
      { http: response.status, status: 'READY', amount, note: `payToken ${payToken.slice(0, 8)}…` },
    ];
  });
  const { payToken } = prepared;

  await step(ctx, 'buyer authenticates in the Toss app (simulated)', async () => {
    sim.authenticate(payToken, { payMethod: 'CARD' });
    expectEqual(sim.getPayment(payToken)?.payStatus, 'PAY_APPROVED', 'payStatus at Toss');
    return [
      null,
      { status: 'PAY_APPROVED at Toss', amount, note: 'checkoutPayment({ params: { payToken } }) succeeded' },
    ];
  });

  const paid = await step(ctx, 'POST /checkout/confirm', async () => {
    const response = await ctx.shop.expect<OrderView>('POST', '/checkout/confirm', 200, {
      gateway: GATEWAY,
      orderId,
      amount,
      payToken,
    });
    expectOrder(response.body, { status: 'PAID', amount, balanceAmount: amount, canceledAmount: 0 });
    const executes = received(sim, 'execute-payment', { payToken });
    expectEqual(executes.length, 1, 'execute-payment requests the simulator received');
    expectMutualTls(executes[0], 'execute-payment');
    expectEqual(sim.getPayment(payToken)?.payStatus, 'PAY_COMPLETE', 'payStatus at Toss');
    const { verified, rejected } = sim.handshakes;
    return [
      response.body,
      {
        http: response.status,
        status: 'PAID',
        amount,
        note: `executed over mTLS; simulator saw ${verified} verified handshake(s), ${rejected} rejected`,
      },
    ];
  });

  await step(ctx, 'POST /orders/:id/cancel 5,000 (partial)', async () => {
    const response = await ctx.shop.post<ShopErrorBody>(`/orders/${paid.paymentId}/cancel`, {
      amount: 5_000,
      reason: '부분환불요청',
    });
    // Refused before anything is sent: by input validation (400 naming amount) or as an unsupported operation (501).
    if (response.status === 400) expectRefused(response.body, 'INVALID_INPUT', 'amount');
    else if (response.status === 501) expectEqual(response.body.code, 'UNSUPPORTED_OPERATION', 'error.code');
    else throw new DemoFailure(`expected HTTP 400 or 501, got ${response.status} ${JSON.stringify(response.body)}`);
    expectEqual(
      received(sim, 'refund-payment', { payToken }).length,
      0,
      'refund-payment requests the simulator received',
    );
    const after = await ctx.shop.expect<OrderView>('GET', `/orders/${paid.paymentId}`, 200);
    expectOrder(after.body, { status: 'PAID', balanceAmount: amount, canceledAmount: 0, pendingCancelAmount: 0 });
    return [
      null,
      {
        http: response.status,
        status: response.body.code,
        amount: 5_000,
        note: 'refund-payment has no amount field; nothing sent',
      },
    ];
  });

  const canceled = await step(ctx, 'POST /orders/:id/cancel (full refund)', async () => {
    const response = await ctx.shop.expect<{ cancel: CancelView; order: OrderView }>(
      'POST',
      `/orders/${paid.paymentId}/cancel`,
      200,
      {
        reason: '고객요청_단순변심',
      },
    );
    expectEqual(response.body.cancel.status, 'DONE', 'cancel.status');
    expectEqual(response.body.cancel.amount, amount, 'cancel.amount');
    expectOrder(response.body.order, { status: 'CANCELED', balanceAmount: 0, canceledAmount: amount });
    const refunds = received(sim, 'refund-payment', { payToken });
    expectEqual(refunds.length, 1, 'refund-payment requests the simulator received');
    expectMutualTls(refunds[0], 'refund-payment');
    expectEqual(sim.getPayment(payToken)?.payStatus, 'REFUND_SUCCESS', 'payStatus at Toss');
    return [
      response.body.order,
      { http: response.status, status: 'CANCELED', amount, note: `refunded ${krw(amount)}; Toss shows REFUND_SUCCESS` },
    ];
  });

  await step(ctx, 'POST /checkout without customer.customerKey', async () => {
    const before = sim.requestsTo(`${PAY_PATH}/make-payment`).length;
    const response = await ctx.shop.expect<ShopErrorBody>('POST', '/checkout', 400, {
      gateway: GATEWAY,
      orderId: newOrderId(),
      amount: 9_000,
      orderName: 'Mini-app sticker pack',
    });
    expectRefused(response.body, 'INVALID_INPUT', 'customer.customerKey');
    expectEqual(
      sim.requestsTo(`${PAY_PATH}/make-payment`).length,
      before,
      'make-payment requests the simulator received',
    );
    return [
      null,
      { http: response.status, status: 'INVALID_INPUT', note: 'x-toss-user-key comes from customer.customerKey' },
    ];
  });

  return [canceled];
}
