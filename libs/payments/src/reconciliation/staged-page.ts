import type { EntityManager } from 'typeorm';
import type { ReconciliationGatewayRow } from '../entities/reconciliation-gateway-row.entity';

export type StagedRow = Omit<ReconciliationGatewayRow, 'runId'>;

type Columns = { [K in keyof StagedRow]: Array<StagedRow[K]> };

/**
 * Rows about to be staged, held as one array per column: a list page of 5,000 rows is ten arrays, not 5,000 objects
 * kept until the commit. It goes to PostgreSQL as one JSON text that V8 writes in one pass; pg's own array parameters
 * are built by concatenating and escaping element by element (≈ 13 MB of short-lived strings for a page of 5,000,
 * against ≈ 1.2 MB of JSON), and that churn set off scavenges while the page was still alive, which is how pages
 * ended up promoted to the old generation.
 */
export class StagedPage {
  private readonly columns: Columns = {
    transactionKey: [],
    kind: [],
    paymentKey: [],
    orderId: [],
    amount: [],
    status: [],
    transactedAt: [],
    paymentId: [],
    source: [],
    note: [],
  };

  static of(rows: readonly StagedRow[]): StagedPage {
    const page = new StagedPage();
    for (const row of rows) page.add(row);
    return page;
  }

  get size(): number {
    return this.columns.transactionKey.length;
  }

  /** The last row's transaction key: a list page's cursor. */
  get lastTransactionKey(): string | null {
    return this.columns.transactionKey[this.size - 1] ?? null;
  }

  add(row: StagedRow): void {
    const c = this.columns;
    c.transactionKey.push(row.transactionKey);
    c.kind.push(row.kind);
    c.paymentKey.push(row.paymentKey ?? null);
    c.orderId.push(row.orderId ?? null);
    c.amount.push(row.amount ?? null);
    c.status.push(row.status ?? null);
    c.transactedAt.push(row.transactedAt ?? null);
    c.paymentId.push(row.paymentId ?? null);
    c.source.push(row.source);
    c.note.push(row.note ?? null);
  }

  /**
   * Inserts the rows for `runId` (one statement whatever the size; a row already staged, same run and transaction
   * key, is kept once). Returns how many rows were new.
   */
  async insert(manager: EntityManager, runId: string): Promise<number> {
    if (this.size === 0) return 0;
    // Dates become ISO-8601 UTC strings (Date.prototype.toJSON); null stays null.
    const json = JSON.stringify(this.columns);
    const [{ staged }]: Array<{ staged: number }> = await manager.query(INSERT_STAGED, [runId, json]);
    return staged;
  }
}

/** $1 run id, $2 the columns as one JSON object of arrays (json_to_record turns each into a typed array). */
const INSERT_STAGED = `WITH inserted AS (
  INSERT INTO "reconciliation_gateway_rows"
    ("run_id", "transaction_key", "kind", "payment_key", "order_id", "amount", "status", "transacted_at",
     "payment_id", "source", "note")
  SELECT $1, r.*
    FROM json_to_record($2::json) AS c("transactionKey" varchar[], "kind" varchar[], "paymentKey" varchar[],
           "orderId" varchar[], "amount" bigint[], "status" varchar[], "transactedAt" timestamptz[],
           "paymentId" uuid[], "source" varchar[], "note" varchar[]),
         unnest(c."transactionKey", c."kind", c."paymentKey", c."orderId", c."amount", c."status",
                c."transactedAt", c."paymentId", c."source", c."note") AS r
  ON CONFLICT ("run_id", "transaction_key") DO NOTHING RETURNING 1)
SELECT count(*)::int AS staged FROM inserted`;
