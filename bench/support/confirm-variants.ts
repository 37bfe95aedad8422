import { Pool } from 'pg';
import type { DataSource, Repository } from 'typeorm';
import { Payment, PaymentStatus, type PaymentsService } from 'nestjs-kr-payments';
import type { TossSimulator } from 'nestjs-kr-payments/testing';
import { runWorkerPool } from './pool';
import { RawTossConfirmClient, type RawConfirmResult } from './raw-toss';

/**
 * The three ways confirm-overhead confirms a Toss payment, plus the bare HTTP call. All of them confirm real
 * authenticated sessions on the same in-process Toss simulator, against the same `payments` table (rows made by
 * `PaymentsService.prepare`), and any answer but a PAID payment of the prepared amount aborts the run.
 */
export type VariantName = 'library' | 'limit' | 'naive';
export const VARIANTS: readonly VariantName[] = ['library', 'limit', 'naive'];

/** Integer KRW, above Toss's card minimum of 100 KRW. */
export const AMOUNT_KRW = 15_000;
const ORDER_NAME = 'bench confirm';
const RETURN_URL = 'http://127.0.0.1/bench/toss/success';

export interface Session {
  orderId: string;
  paymentKey: string;
  /** The prepared row; undefined for a bare HTTP session (no row). */
  paymentId?: string;
}

export type ConfirmFn = (session: Session) => Promise<void>;

export interface PoolSettings {
  max: number;
  idleTimeoutMillis: number;
}

/** Untimed setup of one confirm: a READY payment prepared by the library, and the buyer finishing the window. */
export async function prepareSessions(
  payments: PaymentsService,
  sim: TossSimulator,
  orderPrefix: string,
  count: number,
  concurrency: number,
): Promise<Session[]> {
  const sessions = new Array<Session>(count);
  const indices = Array.from({ length: count }, (_, i) => i);
  await runWorkerPool(indices, concurrency, async (i) => {
    const orderId = `${orderPrefix}_${i}`;
    const { payment } = await payments.prepare({
      gateway: 'toss',
      orderId,
      amount: AMOUNT_KRW,
      orderName: ORDER_NAME,
      returnUrl: RETURN_URL,
    });
    const window = sim.authenticatePayment({ orderId, amount: AMOUNT_KRW, orderName: ORDER_NAME });
    sessions[i] = { paymentId: payment.id, orderId, paymentKey: window.paymentKey };
  });
  return sessions;
}

/** Sessions for the bare HTTP call: authenticated at the simulator, no row. */
export function authenticateOnly(sim: TossSimulator, orderPrefix: string, count: number): Session[] {
  return Array.from({ length: count }, (_, i) => {
    const orderId = `${orderPrefix}_${i}`;
    return {
      orderId,
      paymentKey: sim.authenticatePayment({ orderId, amount: AMOUNT_KRW, orderName: ORDER_NAME }).paymentKey,
    };
  });
}

/** "library": the public API, as a shop calls it. */
export function libraryConfirm(payments: PaymentsService): ConfirmFn {
  return async (session) => {
    const payment = await payments.confirm({
      gateway: 'toss',
      orderId: session.orderId,
      amount: AMOUNT_KRW,
      paymentKey: session.paymentKey,
    });
    if (payment.status !== PaymentStatus.PAID || payment.amount !== AMOUNT_KRW) {
      throw new Error(`library confirm of ${session.orderId} ended ${payment.status} (${payment.amount} KRW)`);
    }
  };
}

/** The bare `POST /v1/payments/confirm` with undici alone: the floor under every variant's latency. */
export function rawHttpConfirm(http: RawTossConfirmClient): ConfirmFn {
  return async (session) => {
    assertDone(session, await http.confirm({ ...session, amount: AMOUNT_KRW }));
  };
}

const LIMIT_CLAIM = {
  name: 'bench_limit_claim',
  text: `UPDATE payments SET status = 'IN_PROGRESS', updated_at = now()
          WHERE gateway = $1 AND order_id = $2 AND status = 'READY' AND amount = $3 RETURNING id`,
};
const LIMIT_SETTLE = {
  name: 'bench_limit_settle',
  text: `UPDATE payments SET status = 'PAID', gateway_payment_key = $2, approved_at = $3, updated_at = now(),
                version = version + 1
          WHERE id = $1 AND status = 'IN_PROGRESS'`,
};

/**
 * "limit": the least a race-safe confirm can do. The compare-and-set checks state and amount and claims the row in
 * one statement (exactly one caller wins it, before any gateway call), then the HTTP call, then one guarded UPDATE
 * that stores the answer only if the row is still the one this caller claimed. Both are named prepared statements
 * on a pg pool of its own, sized and configured like the library's.
 */
export class LimitConfirm {
  readonly pool: Pool;

  constructor(
    connectionString: string,
    settings: PoolSettings,
    private readonly http: RawTossConfirmClient,
  ) {
    this.pool = new Pool({ connectionString, max: settings.max, idleTimeoutMillis: settings.idleTimeoutMillis });
  }

  readonly confirm: ConfirmFn = async (session) => {
    const claimed = await this.pool.query<{ id: string }>({
      ...LIMIT_CLAIM,
      values: ['toss', session.orderId, AMOUNT_KRW],
    });
    if (claimed.rowCount !== 1) throw new Error(`limit confirm of ${session.orderId}: the row was not READY`);
    const id = claimed.rows[0].id;
    const answer = await this.http.confirm({ ...session, amount: AMOUNT_KRW }, `confirm:${id}`);
    assertDone(session, answer);
    const settled = await this.pool.query({
      ...LIMIT_SETTLE,
      values: [id, answer.body.paymentKey, new Date(String(answer.body.approvedAt))],
    });
    if (settled.rowCount !== 1) throw new Error(`limit confirm of ${session.orderId}: the claim was lost`);
  };

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * "naive": what a plain TypeORM repository gives without thought: read the row, call the gateway, `save()`. Not
 * race-safe (two concurrent confirms both read READY and both call the gateway), and `save()` reloads the row and
 * diffs it inside a transaction of its own. The benchmark never confirms one payment twice, so every call succeeds.
 */
export function naiveConfirm(dataSource: DataSource, http: RawTossConfirmClient): ConfirmFn {
  const repository: Repository<Payment> = dataSource.getRepository(Payment);
  return async (session) => {
    const payment = await repository.findOneBy({ gateway: 'toss', orderId: session.orderId });
    if (!payment || payment.status !== PaymentStatus.READY || payment.amount !== AMOUNT_KRW) {
      throw new Error(`naive confirm of ${session.orderId}: the row is ${payment?.status ?? 'missing'}`);
    }
    const answer = await http.confirm({ ...session, amount: AMOUNT_KRW }, `confirm:${payment.id}`);
    assertDone(session, answer);
    payment.status = PaymentStatus.PAID;
    payment.gatewayPaymentKey = answer.body.paymentKey ?? null;
    payment.approvedAt = new Date(String(answer.body.approvedAt));
    await repository.save(payment);
  };
}

function assertDone(session: Session, { statusCode, body }: RawConfirmResult): void {
  if (
    statusCode !== 200 ||
    body.status !== 'DONE' ||
    body.orderId !== session.orderId ||
    body.totalAmount !== AMOUNT_KRW
  ) {
    throw new Error(
      `confirm of ${session.orderId} answered ${statusCode} ${body.code ?? body.status}, expected 200 DONE`,
    );
  }
}
