import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { Payment, PaymentStatus } from 'nestjs-kr-payments';
import { APPS_IN_TOSS_PAY_PATH } from 'nestjs-kr-payments/testing';
import { CHROMIUM_ARGS, requireChromium } from '../../scripts/chromium';
import { ShopModule } from '../../src/shop/shop.module';
import { type FourGatewayWorld, startFourGatewayWorld } from '../support/four-gateway-world';

/**
 * The storefront clicked through in headless Chromium (the Debian `chromium` package): for each gateway, the checkout
 * form → the simulator's payment window → Approve or Decline → back on the shop, then a Refund click. Every outcome is
 * checked where it lives: the payment row, and the requests the simulator received. `CHECKOUT_SCREENSHOT=1` also saves
 * docs/images/checkout.png for the README.
 */
const SCREENSHOT = resolve(__dirname, '../../docs/images/checkout.png');

type GatewayId = 'toss' | 'nicepay' | 'kispg' | 'appsInToss';

const LABELS: Record<GatewayId, string> = {
  toss: 'Toss Payments',
  nicepay: 'NicePay',
  kispg: 'KISPG',
  appsInToss: 'Apps-in-Toss TossPay',
};

let world: FourGatewayWorld;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const executablePath = requireChromium();
  world = await startFourGatewayWorld({ imports: [ShopModule] });
  // The storefront reads the window URLs per request, as `npm start` sets them.
  process.env.TOSS_WINDOW_URL = world.toss.windowUrl;
  process.env.NICEPAY_WINDOW_URL = world.nicepay.windowUrl;
  process.env.KISPG_WINDOW_URL = world.kispg.windowUrl;
  process.env.APPS_IN_TOSS_WINDOW_URL = world.appsInToss.windowUrl;
  browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] });
  page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
});

afterAll(async () => {
  await browser?.close();
  await world?.close();
});

/** From the checkout page into `gateway`'s window with this product and amount; returns once the window shows. */
async function openWindow(gateway: GatewayId, orderName: string, amount: number): Promise<void> {
  await page.goto(`${world.shop.url}/shop/checkout`);
  const card = page.locator(`section[data-gateway="${gateway}"]`);
  await card.locator('input[name="orderName"]').fill(orderName);
  await card.locator('input[name="amount"]').fill(String(amount));
  await card.getByRole('button', { name: `Pay with ${LABELS[gateway]}` }).click();
  await page.getByRole('button', { name: 'Approve' }).waitFor();
  expect(await page.locator('h1').textContent()).toContain('payment window');
  // The window shows what the shop prepared, escaped as text.
  expect(await page.locator('dd').first().textContent()).toBe(orderName);
}

async function rowByOrderName(gateway: GatewayId, orderName: string): Promise<Payment> {
  return world.shop.dataSource.getRepository(Payment).findOneByOrFail({ gateway, orderName });
}

/** The approval / confirm requests the simulator received for this payment. */
function approvalsReceived(gateway: GatewayId, row: Payment): unknown[] {
  const key = row.gatewayPaymentKey;
  switch (gateway) {
    case 'toss':
      return world.toss
        .requestsTo('POST', '/v1/payments/confirm')
        .filter((r) => (r.body as { orderId?: string }).orderId === row.orderId);
    case 'nicepay':
      return world.nicepay
        .requestsTo('POST', /^\/v1\/payments\/[^/]+$/)
        .filter((r) => r.path === `/v1/payments/${key}`);
    case 'kispg':
      return world.kispg.requestsTo('POST', '/v2/payment').filter((r) => (r.body as { tid?: string }).tid === key);
    case 'appsInToss':
      return world.appsInToss
        .requestsTo(`${APPS_IN_TOSS_PAY_PATH}/execute-payment`)
        .filter((r) => (r.body as { payToken?: string }).payToken === key);
  }
}

/** Approval requests for any payment of the order, however the gateway keys them (a declined order has no key). */
function anyApprovalFor(gateway: GatewayId, orderId: string): number {
  switch (gateway) {
    case 'toss':
      return world.toss
        .requestsTo('POST', '/v1/payments/confirm')
        .filter((r) => (r.body as { orderId?: string }).orderId === orderId).length;
    case 'nicepay':
      // NicePay's approve body names no orderId: any approve at all is one too many in a test that approves nothing.
      return world.nicepay
        .requestsTo('POST', /^\/v1\/payments\/[^/]+$/)
        .filter((r) => world.nicepay.getPayment(r.path.split('/')[3])?.orderId === orderId).length;
    case 'kispg':
      return world.kispg
        .requestsTo('POST', '/v2/payment')
        .filter((r) => world.kispg.getTransaction((r.body as { tid: string }).tid)?.ordNo === orderId).length;
    case 'appsInToss':
      return world.appsInToss
        .requestsTo(`${APPS_IN_TOSS_PAY_PATH}/execute-payment`)
        .filter((r) => (r.body as { orderNo?: string }).orderNo === orderId).length;
  }
}

function cancelsReceived(gateway: GatewayId, row: Payment): number {
  const key = row.gatewayPaymentKey;
  switch (gateway) {
    case 'toss':
      return world.toss.requestsTo('POST', `/v1/payments/${key}/cancel`).length;
    case 'nicepay':
      return world.nicepay.requestsTo('POST', `/v1/payments/${key}/cancel`).length;
    case 'kispg':
      return world.kispg
        .requestsTo('POST', /^\/v2\/cancel(Trans\.do)?$/)
        .filter((r) => (r.body as { tid?: string }).tid === key).length;
    case 'appsInToss':
      return world.appsInToss
        .requestsTo(`${APPS_IN_TOSS_PAY_PATH}/refund-payment`)
        .filter((r) => (r.body as { payToken?: string }).payToken === key).length;
  }
}

const GATEWAYS: GatewayId[] = ['toss', 'nicepay', 'kispg', 'appsInToss'];

describe.each(GATEWAYS)('storefront checkout through the %s window', (gateway) => {
  const run = `${gateway}-${Date.now().toString(36)}`;

  it('Approve → the order page shows PAID; the row is PAID and the gateway got exactly one approval', async () => {
    const orderName = `Keyboard ${run}`;
    await openWindow(gateway, orderName, 50_000);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(/\/shop\/orders\/[0-9a-f-]{36}$/);
    expect(await page.locator('#order-status').textContent()).toBe('PAID');

    const row = await rowByOrderName(gateway, orderName);
    expect(page.url()).toBe(`${world.shop.url}/shop/orders/${row.id}`);
    expect(row).toMatchObject({ status: PaymentStatus.PAID, amount: 50_000, canceledAmount: 0 });
    expect(approvalsReceived(gateway, row)).toHaveLength(1);

    // A reload re-reads the order; it never confirms again.
    await page.reload();
    expect(await page.locator('#order-status').textContent()).toBe('PAID');
    expect(approvalsReceived(gateway, row)).toHaveLength(1);
  });

  it('Decline → a page saying so; the row stays READY and the gateway got no approval', async () => {
    const orderName = `Mouse ${run}`;
    await openWindow(gateway, orderName, 32_000);
    await page.getByRole('button', { name: 'Decline' }).click();
    await page.locator('#problem').waitFor();
    expect(await page.locator('h1').textContent()).toMatch(/Payment (declined|not completed)/);

    const row = await rowByOrderName(gateway, orderName);
    expect(row).toMatchObject({ status: PaymentStatus.READY, amount: 32_000, approvedAt: null });
    expect(anyApprovalFor(gateway, row.orderId)).toBe(0);
    if (gateway !== 'kispg') {
      // KISPG's failure result names no order; the others' pages show the order as it stands.
      expect(await page.locator('#order-status').textContent()).toBe('READY');
    }
  });

  it('Refund click on the orders page → CANCELED; the gateway got exactly one cancel', async () => {
    const orderName = `Cable ${run}`;
    await openWindow(gateway, orderName, 12_000);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(/\/shop\/orders\/[0-9a-f-]{36}$/);

    await page.goto(`${world.shop.url}/shop/orders`);
    const row = await rowByOrderName(gateway, orderName);
    const line = page.locator(`tr[data-order-id="${row.orderId}"]`);
    expect(await line.locator('.status').textContent()).toBe('PAID');
    await line.getByRole('button', { name: 'Refund 12,000 KRW' }).click();
    await page.waitForURL(`${world.shop.url}/shop/orders/${row.id}`);
    expect(await page.locator('#order-status').textContent()).toBe('CANCELED');

    const after = await rowByOrderName(gateway, orderName);
    expect(after).toMatchObject({ status: PaymentStatus.CANCELED, canceledAmount: 12_000, balanceAmount: 0 });
    expect(cancelsReceived(gateway, after)).toBe(1);
  });
});

describe('storefront checkout through the Toss window, the other ways out', () => {
  it('Abandon → failUrl with PAY_PROCESS_CANCELED; nothing was authenticated at Toss', async () => {
    const orderName = `Abandoned ${Date.now().toString(36)}`;
    await openWindow('toss', orderName, 20_000);
    await page.getByRole('button', { name: 'Abandon' }).click();
    await page.waitForURL(/\/shop\/checkout\/toss\/fail\?/);
    expect(new URL(page.url()).searchParams.get('code')).toBe('PAY_PROCESS_CANCELED');
    expect(await page.locator('#problem').textContent()).toContain('PAY_PROCESS_CANCELED');
    const row = await rowByOrderName('toss', orderName);
    expect(row.status).toBe(PaymentStatus.READY);
    expect(anyApprovalFor('toss', row.orderId)).toBe(0);
  });

  it('a product name with markup is shown as text in the shop and in the window', async () => {
    const orderName = `<img src=x id=injected>${Date.now().toString(36)}`;
    await openWindow('toss', orderName, 10_000);
    expect(await page.locator('#injected').count()).toBe(0);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(/\/shop\/orders\/[0-9a-f-]{36}$/);
    expect(await page.locator('#injected').count()).toBe(0);
    expect(await page.getByText(orderName).count()).toBe(1);
  });
});

it('the checkout page lists the four gateways (CHECKOUT_SCREENSHOT=1 saves docs/images/checkout.png)', async () => {
  await page.goto(`${world.shop.url}/shop/checkout`);
  const buttons = await page.getByRole('button').allTextContents();
  expect(buttons).toEqual(GATEWAYS.map((gateway) => `Pay with ${LABELS[gateway]}`));
  if (process.env.CHECKOUT_SCREENSHOT === '1') {
    await mkdir(resolve(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  }
});
