import type { DataSource } from 'typeorm';

/**
 * What the money depends on, read straight from PostgreSQL: every column of the given payments and of their cancel
 * rows (status, balance, canceled and pending amounts, keys, timestamps, the stored gateway answer). Compared whole,
 * so a forged delivery that moved anything at all — even a "truth observed" timestamp — shows up.
 */
export interface LedgerSnapshot {
  /** `payment <id>` / `cancel <id>` → the row as JSON. */
  rows: Map<string, Record<string, unknown>>;
}

export async function ledgerSnapshot(dataSource: DataSource, paymentIds: readonly string[]): Promise<LedgerSnapshot> {
  const payments: Array<{ id: string; row: Record<string, unknown> }> = await dataSource.query(
    `SELECT p.id, to_jsonb(p) AS row FROM payments p WHERE p.id = ANY($1::uuid[])`,
    [paymentIds],
  );
  const cancels: Array<{ id: string; row: Record<string, unknown> }> = await dataSource.query(
    `SELECT c.id, to_jsonb(c) AS row FROM payment_cancels c WHERE c.payment_id = ANY($1::uuid[])`,
    [paymentIds],
  );
  const rows = new Map<string, Record<string, unknown>>();
  for (const { id, row } of payments) rows.set(`payment ${id}`, row);
  for (const { id, row } of cancels) rows.set(`cancel ${id}`, row);
  return { rows };
}

/** One line per row that appeared, disappeared or changed, naming the changed columns and the order. */
export function ledgerChanges(before: LedgerSnapshot, after: LedgerSnapshot): string[] {
  const changes: string[] = [];
  const label = (key: string, row: Record<string, unknown> | undefined): string =>
    row?.['order_id'] ? `${key} (order ${String(row['order_id'])})` : key;
  for (const [key, row] of before.rows) {
    const now = after.rows.get(key);
    if (!now) {
      changes.push(`${label(key, row)} disappeared`);
      continue;
    }
    const columns = Object.keys({ ...row, ...now }).filter(
      (column) => JSON.stringify(row[column]) !== JSON.stringify(now[column]),
    );
    if (columns.length > 0) {
      const shown = columns.map((c) => `${c}: ${JSON.stringify(row[c])} → ${JSON.stringify(now[c])}`);
      changes.push(`${label(key, row)} changed: ${shown.join('; ').slice(0, 400)}`);
    }
  }
  for (const [key, row] of after.rows) if (!before.rows.has(key)) changes.push(`${label(key, row)} appeared`);
  return changes;
}

export interface InboxSize {
  /** `pg_total_relation_size('webhook_events')`: heap, TOAST and indexes, in bytes (grows by 8 KB pages). */
  bytes: number;
  rows: number;
}

export async function inboxSize(dataSource: DataSource): Promise<InboxSize> {
  const [row]: Array<{ bytes: string; rows: string }> = await dataSource.query(
    `SELECT pg_total_relation_size('webhook_events')::bigint AS bytes, (SELECT count(*) FROM webhook_events) AS rows`,
  );
  return { bytes: Number(row.bytes), rows: Number(row.rows) };
}

/** Inbox rows received since `since`, grouped: `gateway verification STATUS` → count and stored bytes. */
export interface InboxRows {
  groups: Array<{ gateway: string; verification: string; status: string; rows: number; rowBytes: number }>;
  /**
   * Rows whose delivery passed an authenticity check or was PROCESSED: anything but 'none' (nothing to check) and
   * 'failed' (its signature did not verify, stored REJECTED as a digest).
   */
  verifiedOrProcessed: number;
}

/** An inbox group that passed an authenticity check or was acted on. */
export function storedAsAuthentic(group: { verification: string; status: string }): boolean {
  return !['none', 'failed'].includes(group.verification) || group.status === 'PROCESSED';
}

export async function inboxRowsSince(dataSource: DataSource, since: Date): Promise<InboxRows> {
  const groups: Array<{ gateway: string; verification: string; status: string; rows: string; row_bytes: string }> =
    await dataSource.query(
      `SELECT gateway, verification, status, count(*) AS rows, coalesce(sum(pg_column_size(w.*)), 0) AS row_bytes
         FROM webhook_events w
        WHERE received_at >= $1
        GROUP BY gateway, verification, status
        ORDER BY gateway, verification, status`,
      [since],
    );
  const parsed = groups.map((g) => ({
    gateway: g.gateway,
    verification: g.verification,
    status: g.status,
    rows: Number(g.rows),
    rowBytes: Number(g.row_bytes),
  }));
  return {
    groups: parsed,
    verifiedOrProcessed: parsed.filter(storedAsAuthentic).reduce((sum, g) => sum + g.rows, 0),
  };
}

/** The inbox rows of one order received since `since`: event type, status and how many deliveries each absorbed. */
export async function inboxRowsOfOrder(
  dataSource: DataSource,
  gateway: string,
  orderId: string,
  since: Date,
): Promise<Array<{ eventType: string; status: string; attempts: number }>> {
  const rows: Array<{ event_type: string; status: string; attempts: number }> = await dataSource.query(
    `SELECT event_type, status, attempts FROM webhook_events
      WHERE gateway = $1 AND order_id = $2 AND received_at >= $3 ORDER BY received_at`,
    [gateway, orderId, since],
  );
  return rows.map((row) => ({ eventType: row.event_type, status: row.status, attempts: Number(row.attempts) }));
}
