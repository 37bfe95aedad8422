import { randomUUID } from 'node:crypto';
import {
  ReconciliationService,
  type Payment,
  type PaymentsModuleOptions,
  type ReconciliationItem,
  type ReconciliationOptions,
} from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { formatKstDate } from '../../libs/payments/src/reconciliation/business-day';
import { bootPaymentsApp, CapturingLogger, TEST_ENCRYPTION, URLS, type ShopApp } from '../support/harness';

/** Today in Asia/Seoul: the business day the scenarios' payments fall in. */
export const today = (): string => formatKstDate(new Date());

/**
 * A Toss shop for reconciliation specs: real PostgreSQL, the library in a Nest app, the Toss simulator over loopback.
 * No webhook URL is given to the simulator, so nothing but reconciliation tells the ledger about changes made at the
 * gateway behind its back.
 */
export class TossReconciliationShop {
  sim!: TossSimulator;
  shop!: ShopApp;
  reconciliation!: ReconciliationService;
  readonly logger = new CapturingLogger();
  private seq = 0;

  static async start(reconciliation: ReconciliationOptions = {}): Promise<TossReconciliationShop> {
    const fixture = new TossReconciliationShop();
    fixture.sim = await TossSimulator.start({ port: 0 });
    const options: PaymentsModuleOptions = {
      gateways: {
        toss: {
          secretKey: TOSS_TEST_SECRET_KEY,
          clientKey: TOSS_TEST_CLIENT_KEY,
          baseUrl: fixture.sim.url,
          timeouts: { connectMs: 1_000, readMs: 1_500 },
          webhookAllowedSources: ['127.0.0.1'],
        },
      },
      encryption: TEST_ENCRYPTION,
      reconciliation,
    };
    fixture.shop = await bootPaymentsApp(options, 'useFactory', fixture.logger);
    fixture.reconciliation = fixture.shop.app.get(ReconciliationService);
    return fixture;
  }

  async stop(): Promise<void> {
    await this.shop?.close();
    await this.sim?.stop();
  }

  readonly nextOrderId = (): string => `recon_${Date.now().toString(36)}_${++this.seq}`;

  async prepare(amount: number, orderId = this.nextOrderId()): Promise<Payment> {
    const { payment } = await this.shop.payments.prepare({
      ...URLS,
      gateway: 'toss',
      orderId,
      amount,
      orderName: '대사 상품',
    });
    return payment;
  }

  async paid(amount: number): Promise<Payment> {
    const payment = await this.prepare(amount);
    const window = this.sim.authenticatePayment({ orderId: payment.orderId, amount, orderName: '대사 상품' });
    return this.shop.payments.confirm({
      gateway: 'toss',
      orderId: payment.orderId,
      amount,
      paymentKey: window.paymentKey,
    });
  }

  /** A call straight to the simulator's API, as the Toss dashboard or another system would make it. */
  async tossApi(method: string, path: string, body?: object): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.sim.url}${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${TOSS_TEST_SECRET_KEY}:`).toString('base64')}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  }

  /** A buyer's window approved at Toss without our confirm (the approval we never heard of). */
  async approveAtGateway(orderId: string, amount: number): Promise<string> {
    const window = this.sim.authenticatePayment({ orderId, amount, orderName: '대사 상품' });
    await this.tossApi('POST', '/v1/payments/confirm', { paymentKey: window.paymentKey, orderId, amount });
    return window.paymentKey;
  }

  async row(paymentId: string): Promise<Payment> {
    return this.shop.payments.get(paymentId);
  }

  async items(runId: string): Promise<ReconciliationItem[]> {
    return this.reconciliation.items(runId);
  }

  /** A PAID row the gateway never saw (see insertForeignPaidRow). */
  async insertForeignPaidRow(gateway: string, amount: number, gatewayKey: string): Promise<string> {
    return insertForeignPaidRow(this.shop, gateway, amount, gatewayKey);
  }
}

/** A PAID row the gateway never saw, written behind the ledger's back: the case MISSING_GATEWAY exists for. */
export async function insertForeignPaidRow(
  shop: ShopApp,
  gateway: string,
  amount: number,
  gatewayKey: string,
): Promise<string> {
  const id = randomUUID();
  await shop.dataSource.query(
    `INSERT INTO "payments" ("id", "gateway", "order_id", "gateway_payment_key", "type", "status", "currency",
       "amount", "balance_amount", "canceled_amount", "pending_cancel_amount", "tax_free_amount", "order_name",
       "approved_at", "version")
     VALUES ($1, $2, $3, $4, 'NORMAL', 'PAID', 'KRW', $5, $5, 0, 0, 0, 'ghost', now(), 1)`,
    [id, gateway, `ghost_${id.slice(0, 8)}`, gatewayKey, amount],
  );
  return id;
}
