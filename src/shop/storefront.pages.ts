import { randomUUID } from 'node:crypto';
import type { StorefrontGateway } from './storefront.gateways';
import { html, krw, layout } from './storefront.html';
import type { OrderView } from './shop.views';

/*
 * The storefront's pages. Every value goes through `html`, which escapes it: product names, order ids and gateway
 * messages are echoed from the browser or the gateway and must never become markup.
 */

/** Orders that still hold money the buyer could get back. */
const refundable = (order: OrderView): boolean =>
  (order.status === 'PAID' || order.status === 'PARTIALLY_CANCELED') && order.balanceAmount > 0;

/** A fresh key per rendered button: a double click (or a resubmitted form) refunds once. */
function refundButton(order: OrderView) {
  return html`<form method="post" action="/shop/orders/${order.paymentId}/refund">
    <input type="hidden" name="idempotencyKey" value="${randomUUID()}" />
    <button type="submit" class="secondary">Refund ${krw(order.balanceAmount)}</button>
  </form>`;
}

export function checkoutPage(gateways: StorefrontGateway[]): string {
  const cards = gateways.map(
    (gateway) =>
      html`<section class="card" data-gateway="${gateway.id}">
        <h2>${gateway.label}</h2>
        <p>${gateway.blurb}</p>
        <form method="post" action="/shop/checkout/${gateway.id}">
          <label for="${gateway.id}-name">Product</label>
          <input id="${gateway.id}-name" name="orderName" value="${gateway.sample.orderName}" required maxlength="40" />
          <label for="${gateway.id}-amount">Amount (KRW)</label>
          <input
            id="${gateway.id}-amount"
            name="amount"
            type="number"
            min="1000"
            step="1"
            value="${gateway.sample.amount}"
            required
          />
          <button type="submit">Pay with ${gateway.label}</button>
        </form>
      </section>`,
  );
  const body =
    gateways.length > 0
      ? html`<p>Pick a gateway, then click through its simulated payment window.</p>
          <div class="cards">${cards}</div>`
      : html`<p class="notice">
          No payment window is configured: set TOSS_WINDOW_URL, NICEPAY_WINDOW_URL, KISPG_WINDOW_URL or
          APPS_IN_TOSS_WINDOW_URL (<code>npm start</code> sets them to the simulators).
        </p>`;
  return layout('Checkout', body);
}

export function ordersPage(orders: OrderView[]): string {
  const rows = orders.map(
    (order) =>
      html`<tr data-order-id="${order.orderId}">
        <td><a href="/shop/orders/${order.paymentId}">${order.orderId}</a></td>
        <td>${order.gateway}</td>
        <td>${order.orderName}</td>
        <td>${krw(order.amount)}</td>
        <td class="status">${order.status}</td>
        <td>${refundable(order) ? refundButton(order) : ''}</td>
      </tr>`,
  );
  const body =
    orders.length > 0
      ? html`<table>
          <thead>
            <tr>
              <th>Order</th>
              <th>Gateway</th>
              <th>Product</th>
              <th>Amount</th>
              <th>Status</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${rows}
          </tbody>
        </table>`
      : html`<p>No orders yet. <a href="/shop/checkout">Check out</a> first.</p>`;
  return layout('Recent orders', body);
}

export function orderPage(order: OrderView, notice?: string): string {
  const cancels = (order.cancels ?? []).map(
    (cancel) => html`<li>${cancel.status} ${krw(cancel.amount)} (${cancel.reason})</li>`,
  );
  const body = html`${notice ? html`<p class="notice">${notice}</p>` : ''}
    <dl data-payment-id="${order.paymentId}">
      <dt>Order</dt>
      <dd>${order.orderId}</dd>
      <dt>Product</dt>
      <dd>${order.orderName}</dd>
      <dt>Gateway</dt>
      <dd>${order.gateway}</dd>
      <dt>Status</dt>
      <dd class="status" id="order-status">${order.status}</dd>
      <dt>Amount</dt>
      <dd>${krw(order.amount)}</dd>
      <dt>Refunded</dt>
      <dd>${krw(order.canceledAmount)}</dd>
      ${
        order.failure
          ? html`<dt>Failure</dt>
              <dd>${order.failure.code} ${order.failure.message ?? ''}</dd>`
          : ''
      }
    </dl>
    ${
      cancels.length > 0
        ? html`<h2>Refunds</h2>
            <ul>
              ${cancels}
            </ul>`
        : ''
    }
    ${refundable(order) ? refundButton(order) : ''}
    <p><a href="/shop/orders">All orders</a> · <a href="/shop/checkout">Check out again</a></p>`;
  return layout(`Order ${order.orderId}`, body);
}

/** A checkout that did not end in a paid order (declined, abandoned, refused): what happened, and the order as it is. */
export function problemPage(title: string, detail: string, order?: OrderView): string {
  const body = html`<p class="notice" id="problem">${detail}</p>
    ${order ? html`<p>Order <a href="/shop/orders/${order.paymentId}">${order.orderId}</a> is <strong class="status" id="order-status">${order.status}</strong>.</p>` : ''}
    <p><a href="/shop/checkout">Back to checkout</a></p>`;
  return layout(title, body);
}

/** KISPG's window is entered by a form POST: the page submits the library's form at once (a button without script). */
export function formPostPage(
  nonce: string,
  gatewayLabel: string,
  actionUrl: string,
  fields: Record<string, string>,
): string {
  const inputs = Object.entries(fields).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`,
  );
  const body = html`<p>Opening the ${gatewayLabel} payment window…</p>
    <form method="post" action="${actionUrl}" accept-charset="utf-8">
      ${inputs} <noscript><button type="submit">Continue</button></noscript>
    </form>`;
  return layout('Redirecting', body, { nonce, code: 'document.forms[0].submit();' });
}
