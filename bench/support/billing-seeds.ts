import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { BillingService, PaymentsService } from 'nestjs-kr-payments';
import type { TossSimulator } from 'nestjs-kr-payments/testing';
import { runWorkerPool } from './pool';

/** Integer KRW, above Toss's card minimum. */
export const SUBSCRIPTION_AMOUNT_KRW = 9_900;
export const SUBSCRIPTION_ORDER_NAME = 'bench monthly plan';
/** Seeding is not measured; this only keeps it short without starving the 2 cores the run shares. */
const SEED_CONCURRENCY = 16;
/** Subscriptions copied per INSERT. */
const COPY_BATCH = 1_000;

export interface SeededSubscription {
  id: string;
  billingKeyId: string;
  /** Unique per subscription: the gateway's records are grouped by it to count charges per subscription. */
  customerKey: string;
}

/**
 * `count` customers, each with a billing key issued the way a shop gets one (the simulated billing-auth window, then
 * `PaymentsService.issueBillingKey` over HTTP, so the key is stored encrypted by the library) and a monthly
 * subscription on it whose first charge is today 00:00 UTC: due at once. The first subscription is made by
 * `BillingService.createSubscription`; the others are copies of its row (one statement per batch) with their own id,
 * customer and key, because subscriptions hold nothing encrypted and seeding is not what is measured.
 * Every customerKey starts with `prefix`, which tells the engine's set from the sequential loop's.
 */
export async function seedDueSubscriptions(
  services: { payments: PaymentsService; billing: BillingService; dataSource: DataSource },
  sim: TossSimulator,
  prefix: string,
  count: number,
): Promise<SeededSubscription[]> {
  const keys = await issueBillingKeys(services.payments, sim, prefix, count);
  const [first, ...rest] = keys;
  const template = await services.billing.createSubscription({
    gateway: 'toss',
    customerKey: first.customerKey,
    billingKeyId: first.billingKeyId,
    amount: SUBSCRIPTION_AMOUNT_KRW,
    orderName: SUBSCRIPTION_ORDER_NAME,
    interval: { unit: 'MONTH' },
    startDate: new Date().toISOString().slice(0, 10),
    timeZone: 'UTC',
    chargeTime: '00:00',
  });
  if (template.nextChargeAt === null || template.nextChargeAt.getTime() > Date.now()) {
    throw new Error(`seeded subscription ${template.id} is not due (next charge ${template.nextChargeAt})`);
  }
  const seeded: SeededSubscription[] = [{ id: template.id, ...first }];
  for (let start = 0; start < rest.length; start += COPY_BATCH) {
    const batch = rest.slice(start, start + COPY_BATCH).map((key) => ({ id: randomUUID(), ...key }));
    await services.dataSource.query(
      `INSERT INTO subscriptions
       SELECT (jsonb_populate_record(t, jsonb_build_object('id', u.id, 'customer_key', u.customer_key,
                                                          'billing_key_id', u.billing_key_id))).*
         FROM subscriptions t, unnest($2::uuid[], $3::text[], $4::uuid[]) AS u(id, customer_key, billing_key_id)
        WHERE t.id = $1`,
      [template.id, batch.map((b) => b.id), batch.map((b) => b.customerKey), batch.map((b) => b.billingKeyId)],
    );
    seeded.push(...batch);
  }
  return seeded;
}

async function issueBillingKeys(
  payments: PaymentsService,
  sim: TossSimulator,
  prefix: string,
  count: number,
): Promise<Array<Omit<SeededSubscription, 'id'>>> {
  const keys = new Array<Omit<SeededSubscription, 'id'>>(count);
  const indices = Array.from({ length: count }, (_, i) => i);
  await runWorkerPool(indices, SEED_CONCURRENCY, async (i) => {
    const customerKey = `${prefix}_${i}`;
    const { authKey } = sim.authenticateBilling({ customerKey });
    const key = await payments.issueBillingKey({ gateway: 'toss', customerKey, authKey });
    keys[i] = { billingKeyId: key.id, customerKey };
  });
  return keys;
}
