import { Payment, PaymentCancel, WebhookEvent } from 'nestjs-kr-payments';
import type { ShopApp } from '../support/harness';

/*
 * Shared by the forged-delivery specs (forged-deliveries.<gateway>.e2e.spec.ts): what "changes nothing" is measured
 * on, and how a delivery is re-posted.
 */

/** Everything about a payment that money depends on: status, amounts, keys, and its cancel rows. */
export async function moneyStateOf(shop: ShopApp, paymentId: string): Promise<Record<string, unknown>> {
  const row = await shop.dataSource.manager.findOneByOrFail(Payment, { id: paymentId });
  const cancels = await shop.dataSource.manager.find(PaymentCancel, { where: { paymentId } });
  return {
    status: row.status,
    amount: row.amount,
    balanceAmount: row.balanceAmount,
    canceledAmount: row.canceledAmount,
    pendingCancelAmount: row.pendingCancelAmount,
    gatewayPaymentKey: row.gatewayPaymentKey,
    approvedAt: row.approvedAt?.toISOString() ?? null,
    cancels: cancels.map((c) => [c.status, c.amount, c.transactionKey]).sort(),
  };
}

/** The inbox rows about one order, oldest first, as [verification, status]. */
export async function inboxOf(shop: ShopApp, gateway: string, orderId: string): Promise<Array<[string, string]>> {
  const events = await shop.dataSource.manager.find(WebhookEvent, {
    where: { gateway, orderId },
    order: { receivedAt: 'ASC' },
  });
  return events.map((e) => [e.verification, e.status]);
}

/** POSTs `body` as the gateway would (JSON unless a form is given) to the app's webhook route of `gateway`. */
export function repost(
  shop: ShopApp,
  gateway: string,
  body: Record<string, unknown>,
  format: 'json' | 'form' = 'json',
): Promise<Response> {
  const form = format === 'form';
  return fetch(`${shop.url}/payments/webhooks/${gateway}`, {
    method: 'POST',
    headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body),
  });
}
