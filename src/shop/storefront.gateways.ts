import type { CheckoutParams, PrepareDto } from 'nestjs-kr-payments';

/*
 * What the storefront knows per gateway: where its clickable payment window is, what to prepare, and how the browser
 * gets from the prepared checkout into the window. Real gateways open their window from their JS SDK; this example
 * only ever talks to the in-repo simulators, which serve the windows over HTTP (`npm start` sets the *_WINDOW_URL
 * variables to them). A gateway without a window URL is not offered.
 */

export type StorefrontGatewayId = 'toss' | 'nicepay' | 'kispg' | 'appsInToss';

export interface StorefrontGateway {
  id: StorefrontGatewayId;
  label: string;
  blurb: string;
  windowUrl: string;
  sample: { orderName: string; amount: number };
}

const CATALOGUE: ReadonlyArray<Omit<StorefrontGateway, 'windowUrl'> & { env: string }> = [
  {
    id: 'toss',
    env: 'TOSS_WINDOW_URL',
    label: 'Toss Payments',
    blurb: 'SDK window; back on successUrl, then confirm.',
    sample: { orderName: 'Mechanical keyboard', amount: 50_000 },
  },
  {
    id: 'nicepay',
    env: 'NICEPAY_WINDOW_URL',
    label: 'NicePay',
    blurb: 'Window POSTs a signed result to returnUrl.',
    sample: { orderName: 'Wireless mouse', amount: 32_000 },
  },
  {
    id: 'kispg',
    env: 'KISPG_WINDOW_URL',
    label: 'KISPG',
    blurb: 'Form POST with encData; result to returnUrl.',
    sample: { orderName: 'USB-C cable', amount: 12_000 },
  },
  {
    id: 'appsInToss',
    env: 'APPS_IN_TOSS_WINDOW_URL',
    label: 'Apps-in-Toss TossPay',
    blurb: 'payToken approved in the Toss app, executed over mTLS.',
    sample: { orderName: 'Sticker pack', amount: 15_000 },
  },
];

/** Read per request, so a test (or `npm start`) can point the shop at simulators started after the module was built. */
export function storefrontGateways(env: NodeJS.ProcessEnv = process.env): StorefrontGateway[] {
  return CATALOGUE.flatMap(({ env: name, ...gateway }) => {
    const windowUrl = env[name];
    return windowUrl ? [{ ...gateway, windowUrl }] : [];
  });
}

/**
 * The one buyer of this example (a real shop takes them from its session). Apps-in-Toss needs the buyer's Toss userKey
 * as customerKey; 443731104 is the sample userKey in Toss's documentation.
 */
const BUYER = { name: '김구매', email: 'buyer@example.com', phone: '01012345678' };
const APPS_IN_TOSS_USER_KEY = '443731104';

/** The library's PrepareDto for one order; `shopUrl` is where the window sends the browser back. */
export function prepareInput(
  gateway: StorefrontGatewayId,
  order: { orderName: string; amount: number },
  shopUrl: string,
): PrepareDto {
  const back = `${shopUrl}/shop/checkout/${gateway}`;
  switch (gateway) {
    case 'toss':
      return {
        gateway,
        ...order,
        method: 'CARD',
        returnUrl: `${back}/success`,
        failUrl: `${back}/fail`,
        customer: { name: BUYER.name, email: BUYER.email },
      };
    case 'nicepay':
      return { gateway, ...order, method: 'CARD', returnUrl: `${back}/return`, customer: BUYER };
    case 'kispg':
      return { gateway, ...order, method: 'CARD', returnUrl: `${back}/return`, customer: BUYER };
    case 'appsInToss':
      return { gateway, ...order, customer: { customerKey: APPS_IN_TOSS_USER_KEY } };
  }
}

/** How the browser enters the window: a redirect (GET with the SDK's parameters) or a form POST (KISPG). */
export type WindowStep =
  { kind: 'redirect'; url: string } | { kind: 'form'; url: string; fields: Record<string, string> };

export function windowStep(gateway: StorefrontGateway, checkout: CheckoutParams, shopUrl: string): WindowStep {
  const fields = flatFields(checkout.fields);
  switch (gateway.id) {
    case 'toss':
    case 'nicepay':
      // The SDK call's parameters, as the window's query.
      return { kind: 'redirect', url: withQuery(gateway.windowUrl, fields) };
    case 'kispg':
      // The form the library built for /v2/auth, posted to the window instead.
      return { kind: 'form', url: gateway.windowUrl, fields };
    case 'appsInToss':
      return {
        kind: 'redirect',
        url: withQuery(gateway.windowUrl, {
          payToken: fields.payToken,
          returnUrl: `${shopUrl}/shop/checkout/appsInToss/return`,
        }),
      };
  }
}

/** Checkout fields as strings; Toss's `amount: { currency, value }` becomes its value. */
function flatFields(fields: CheckoutParams['fields']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'object') {
      if ('value' in value) flat[name] = String(value.value);
      continue;
    }
    flat[name] = String(value);
  }
  return flat;
}

function withQuery(url: string, params: Record<string, string>): string {
  const target = new URL(url);
  for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
  return target.toString();
}
