import { randomUUID } from 'node:crypto';
import {
  ReconciliationService,
  type PaymentView,
  type PaymentsModuleOptions,
  type ReconciliationItem,
  type ReconciliationOptions,
} from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator, type Clock } from 'nestjs-kr-payments/testing';
import { bootPaymentsApp, CapturingLogger, TEST_ENCRYPTION, URLS, type ShopApp } from '../support/harness';

/**
 * The KST business day every scenario happens on, whatever the wall clock says. Our rows in the last 10 minutes of a
 * day are deferred to the next day's run by design, so scenarios stamped by the real clock went missing from "today"
 * when a suite ran after 23:50 KST, and split across two days when it crossed midnight.
 */
export const BUSINESS_DATE = '2026-03-17';
/** Noon KST: half a day from either boundary margin, far more than a suite takes. */
export const SCENARIO_START = new Date(`${BUSINESS_DATE}T12:00:00+09:00`);

/**
 * A clock that starts at `start` and then runs at real speed. Pinned to a day like a ManualClock, but it still
 * moves: the run a rerun supersedes and a day's latest run are found by `started_at`, and the gateway's transactions
 * are listed in time order, as in production; a frozen clock would tie them all.
 */
export class ScenarioClock implements Clock {
  private readonly origin = performance.now();

  constructor(private readonly start: Date = SCENARIO_START) {}

  now(): Date {
    return new Date(this.start.getTime() + Math.floor(performance.now() - this.origin));
  }
}

/**
 * A Toss shop for reconciliation specs: real PostgreSQL, the library in a Nest app, the Toss simulator over loopback.
 * No webhook URL is given to the simulator, so nothing but reconciliation tells the ledger about changes made at the
 * gateway behind its back.
 */
export class TossReconciliationShop {
  /** Shared by the library and the simulator: our stamps and the gateway's land on BUSINESS_DATE together. */
  readonly clock = new ScenarioClock();
  sim!: TossSimulator;
  shop!: ShopApp;
  reconciliation!: ReconciliationService;
  readonly logger = new CapturingLogger();
  private seq = 0;

  static async start(reconciliation: ReconciliationOptions = {}): Promise<TossReconciliationShop> {
    const fixture = new TossReconciliationShop();
    fixture.sim = await TossSimulator.start({ port: 0, clock: fixture.clock });
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
      clock: fixture.clock,
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

  async prepare(amount: number, orderId = this.nextOrderId()): Promise<PaymentView> {
    const { payment } = await this.shop.payments.prepare({
      ...URLS,
      gateway: 'toss',
      orderId,
      amount,
      orderName: '대사 상품',
    });
    return payment;
  }

  async paid(amount: number): Promise<PaymentView> {
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

  async row(paymentId: string): Promise<PaymentView> {
    return this.shop.payments.get(paymentId);
  }

  async items(runId: string): Promise<ReconciliationItem[]> {
    return this.reconciliation.items(runId);
  }

  /** A PAID row the gateway never saw, approved now on the scenario clock (see insertForeignPaidRow). */
  async insertForeignPaidRow(
    gateway: string,
    amount: number,
    gatewayKey: string,
    approvedAt = this.clock.now(),
  ): Promise<string> {
    return insertForeignPaidRow(this.shop, gateway, amount, gatewayKey, approvedAt);
  }
}

/**
 * A PAID row the gateway never saw, written behind the ledger's back: the case MISSING_GATEWAY exists for. Its
 * approval time is given, not the database's now(), so it falls in the day the scenario reconciles.
 */
export async function insertForeignPaidRow(
  shop: ShopApp,
  gateway: string,
  amount: number,
  gatewayKey: string,
  approvedAt: Date,
): Promise<string> {
  const id = randomUUID();
  await shop.dataSource.query(
    `INSERT INTO "payments" ("id", "gateway", "order_id", "gateway_payment_key", "type", "status", "currency",
       "amount", "balance_amount", "canceled_amount", "pending_cancel_amount", "tax_free_amount", "order_name",
       "approved_at", "version")
     VALUES ($1, $2, $3, $4, 'NORMAL', 'PAID', 'KRW', $5, $5, 0, 0, 0, 'ghost', $6, 1)`,
    [id, gateway, `ghost_${id.slice(0, 8)}`, gatewayKey, amount, approvedAt],
  );
  return id;
}

/**
 * For a ledger whose rows were made on the real clock (a shared world with no clock of its own): moves one gateway's
 * payments and cancels, as one block with their spacing kept, so the earliest lands at `at`. Matching compares
 * amounts, keys and statuses, never times; the times only choose which day's run checks a row.
 */
export async function moveGatewayDay(shop: ShopApp, gateway: string, at: Date = SCENARIO_START): Promise<void> {
  await shop.dataSource.transaction(async (manager) => {
    const [{ earliest }] = await manager.query(
      `SELECT min(LEAST(p."created_at", p."approval_sent_at", p."approved_at")) AS earliest
         FROM "payments" p WHERE p."gateway" = $1`,
      [gateway],
    );
    if (earliest === null) return;
    const shift = `${at.getTime() - new Date(earliest).getTime()} milliseconds`;
    await manager.query(
      `UPDATE "payments" SET "created_at" = "created_at" + $2::interval,
              "approval_sent_at" = "approval_sent_at" + $2::interval, "approved_at" = "approved_at" + $2::interval
        WHERE "gateway" = $1`,
      [gateway, shift],
    );
    await manager.query(
      `UPDATE "payment_cancels" c SET "created_at" = c."created_at" + $2::interval,
              "canceled_at" = c."canceled_at" + $2::interval
         FROM "payments" p WHERE p."id" = c."payment_id" AND p."gateway" = $1`,
      [gateway, shift],
    );
  });
}
