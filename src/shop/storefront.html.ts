import { randomBytes } from 'node:crypto';
import type { Response } from 'express';

/*
 * The storefront's tiny template helper: `html\`...\`` escapes every interpolated value unless it is itself Html, so a
 * page cannot echo an orderId, a product name or a gateway message as markup by forgetting to escape it.
 */

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function render(value: unknown): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  values.forEach((value, i) => (out += render(value) + strings[i + 1]));
  return new Html(out);
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:0;background:#f8fafc;color:#0f172a}
header{background:#0f172a;color:#fff;padding:14px 32px;display:flex;gap:24px;align-items:center}
header a{color:#cbd5e1;text-decoration:none}header strong{font-size:18px}
main{max-width:960px;margin:24px auto;padding:0 24px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:16px}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:12px;padding:16px}
.card h2{font-size:16px;margin:0 0 4px}.card p{color:#64748b;font-size:13px;margin:0 0 12px;min-height:34px}
label{display:block;font-size:12px;color:#475569;margin:8px 0 2px}
input{width:100%;box-sizing:border-box;padding:6px 8px;border:1px solid #cbd5e1;border-radius:6px}
button{margin-top:12px;padding:8px 12px;border:0;border-radius:8px;background:#2563eb;color:#fff;cursor:pointer}
button.secondary{background:#dc2626}
table{width:100%;border-collapse:collapse;background:#fff}td,th{padding:8px;border-bottom:1px solid #e2e8f0;text-align:left;font-size:14px}
.status{font-weight:600}.notice{padding:12px 16px;border-radius:8px;background:#fef2f2;border:1px solid #fecaca}
dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px}dt{color:#64748b}dd{margin:0}`;

/** The page shell: one inline stylesheet and, when given, one inline script allowed by its nonce. */
export function layout(title: string, body: Html, script?: { nonce: string; code: string }): string {
  return html`<!DOCTYPE html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width" />
        <title>${title}</title>
        <style>
          ${new Html(STYLE)}
        </style>
      </head>
      <body>
        <header>
          <strong>Example shop</strong><a href="/shop/checkout">Checkout</a><a href="/shop/orders">Orders</a>
        </header>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
        ${script ? new Html(`<script nonce="${script.nonce}">${script.code}</script>`) : ''}
      </body>
    </html>`.value;
}

/**
 * Sends a page with headers that keep it inert: no script but the page's own (by nonce), nothing fetched from
 * elsewhere, forms only to http(s), not framed, never cached (an order's status changes).
 */
export function sendPage(res: Response, status: number, page: (nonce: string) => string): void {
  const nonce = randomBytes(16).toString('base64');
  res
    .status(status)
    .set({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; form-action 'self' http: https:; base-uri 'none'; frame-ancestors 'none'`,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    })
    .send(page(nonce));
}

export const krw = (amount: number): string => `${amount.toLocaleString('en-US')} KRW`;
