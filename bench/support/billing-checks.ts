import type { DataSource } from 'typeorm';
import type { TossSimulator } from 'nestjs-kr-payments/testing';
import type { SeededSubscription } from './billing-seeds';

/** `POST /v1/billing/{billingKey}`: a charge. The issue endpoints live under /v1/billing/authorizations/. */
export const TOSS_CHARGE_PATH = /^\/v1\/billing\/(?!authorizations\/)[^/]+$/;

/**
 * Every billing charge the simulator receives from now on is answered `ms` late (the simulator's `latency` fault,
 * armed for as many requests as a run can send). Only charges: issuing the seed's billing keys stays fast, and a
 * read-back (`GET /v1/payments/orders/…`) would show up undelayed rather than hide inside the charge figure.
 */
export function armChargeLatency(sim: TossSimulator, ms: number): void {
  sim.failNext({ method: 'POST', path: TOSS_CHARGE_PATH }, { kind: 'latency', ms }, Number.MAX_SAFE_INTEGER);
}

/** What the gateway itself recorded for one seeded set: its own log is the witness of a double charge, not our DB. */
export interface GatewayChargeCount {
  /** Charge requests received for the set's customers, whatever their answer. */
  requests: number;
  /** Of those, answered 200 (the card was charged). */
  approved: number;
  /** Subscriptions (one due cycle each, one customerKey each) charged more than once. Must be 0. */
  doubleCharges: number;
  /** orderIds approved more than once (the simulator refuses a reused orderId, so any count here is a bug there). */
  duplicateOrderIds: number;
  /** Seeded subscriptions the gateway never charged. */
  notCharged: number;
}

export function countGatewayCharges(sim: TossSimulator, set: readonly SeededSubscription[]): GatewayChargeCount {
  const customers = new Set(set.map((subscription) => subscription.customerKey));
  const perCustomer = new Map<string, number>();
  const perOrder = new Map<string, number>();
  let requests = 0;
  let approved = 0;
  for (const request of sim.requestsTo('POST', TOSS_CHARGE_PATH)) {
    const body = request.body as { customerKey?: unknown; orderId?: unknown } | undefined;
    if (typeof body?.customerKey !== 'string' || !customers.has(body.customerKey)) continue;
    requests += 1;
    if (request.status !== 200) continue;
    approved += 1;
    perCustomer.set(body.customerKey, (perCustomer.get(body.customerKey) ?? 0) + 1);
    perOrder.set(String(body.orderId), (perOrder.get(String(body.orderId)) ?? 0) + 1);
  }
  const moreThanOnce = (counts: Map<string, number>) => [...counts.values()].filter((n) => n > 1).length;
  return {
    requests,
    approved,
    doubleCharges: moreThanOnce(perCustomer),
    duplicateOrderIds: moreThanOnce(perOrder),
    notCharged: customers.size - perCustomer.size,
  };
}

/**
 * When the gateway received the set's first charge: how long the engine's pool sat idle before its first send
 * (a pass that sweeps the whole batch before charging any of it shows up here).
 */
export function firstChargeAt(sim: TossSimulator, set: readonly SeededSubscription[]): Date | null {
  const customers = new Set(set.map((subscription) => subscription.customerKey));
  const first = sim.requestsTo('POST', TOSS_CHARGE_PATH).find((request) => {
    const body = request.body as { customerKey?: unknown } | undefined;
    return typeof body?.customerKey === 'string' && customers.has(body.customerKey);
  });
  return first?.at ?? null;
}

const ids = (set: readonly SeededSubscription[]) => set.map((subscription) => subscription.id);

/** The engine's set in the ledger: one cycle per subscription, PAID, on a PAID payment of the cycle's amount. */
export async function verifyEngineLedger(
  dataSource: DataSource,
  set: readonly SeededSubscription[],
): Promise<string[]> {
  const [row] = (await dataSource.query(
    `SELECT count(*)::int AS cycles,
            count(DISTINCT c.subscription_id)::int AS subscriptions,
            count(*) FILTER (WHERE c.status = 'PAID' AND p.status = 'PAID' AND p.amount = c.amount)::int AS paid,
            coalesce(sum(c.attempt_count), 0)::int AS attempts
       FROM billing_cycles c LEFT JOIN payments p ON p.id = c.payment_id
      WHERE c.subscription_id = ANY($1::uuid[])`,
    [ids(set)],
  )) as Array<{ cycles: number; subscriptions: number; paid: number; attempts: number }>;
  const problems: string[] = [];
  if (row.cycles !== set.length || row.subscriptions !== set.length) {
    problems.push(`engine: ${row.cycles} cycles for ${row.subscriptions} of ${set.length} subscriptions (want 1 each)`);
  }
  if (row.paid !== set.length) problems.push(`engine: ${row.paid} of ${set.length} cycles PAID on a PAID payment`);
  if (row.attempts !== set.length) problems.push(`engine: ${row.attempts} attempts for ${set.length} cycles`);
  return problems;
}

/** The sequential loop's set in the ledger: one PAID BILLING payment per billing key. */
export async function verifySequentialLedger(
  dataSource: DataSource,
  set: readonly SeededSubscription[],
): Promise<string[]> {
  const [row] = (await dataSource.query(
    `SELECT count(*)::int AS payments, count(DISTINCT billing_key_id)::int AS keys,
            count(*) FILTER (WHERE status = 'PAID')::int AS paid
       FROM payments WHERE billing_key_id = ANY($1::uuid[])`,
    [set.map((subscription) => subscription.billingKeyId)],
  )) as Array<{ payments: number; keys: number; paid: number }>;
  if (row.payments === set.length && row.keys === set.length && row.paid === set.length) return [];
  return [`sequential: ${row.paid} PAID of ${row.payments} payments on ${row.keys} of ${set.length} billing keys`];
}

/** Problems found in the gateway's count of one set. */
export function gatewayProblems(label: string, count: GatewayChargeCount, expected: number): string[] {
  const problems: string[] = [];
  if (count.doubleCharges > 0) problems.push(`${label}: ${count.doubleCharges} subscriptions charged twice`);
  if (count.duplicateOrderIds > 0) problems.push(`${label}: ${count.duplicateOrderIds} orderIds approved twice`);
  if (count.notCharged > 0) problems.push(`${label}: ${count.notCharged} subscriptions never charged`);
  if (count.approved !== expected) problems.push(`${label}: ${count.approved} approved charges, want ${expected}`);
  return problems;
}
