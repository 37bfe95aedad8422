import type { DataSource } from 'typeorm';
import { PaymentsError } from 'nestjs-kr-payments';
import { FUZZ_SEED, toJsonText } from '../support/fuzz-values';

/*
 * Bookkeeping shared by the DTO fuzz specs (dto-fuzz.e2e.spec.ts, shop-fuzz.e2e.spec.ts): what "wrote a row" is
 * measured on, and how unexpected outcomes are collected so one run reports every kind.
 */

/**
 * Per table of the app's database: the row count and a digest of every row's content, minus the bookkeeping a
 * released reservation leaves behind (`version`, `updated_at`). An insert, update or delete that stays changes it; a
 * row written and removed again in the same call (a refused prepare, a cancel reservation the adapter refused) does not.
 * The digest is only recomputed when a cheap check (row count and newest row version, xmin) says a table was touched.
 */
export class WriteProbe {
  private tables: string[] = [];
  private touched: Record<string, string> = {};
  private content: Record<string, string> = {};

  constructor(private readonly dataSource: DataSource) {}

  async fingerprint(): Promise<Record<string, string>> {
    if (this.tables.length === 0) {
      const rows: Array<{ name: string }> = await this.dataSource.query(
        `SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT LIKE '%migrations%'
          ORDER BY table_name`,
      );
      this.tables = rows.map((row) => row.name);
    }
    const touched = await this.states(
      (name) => `SELECT count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM "${name}"`,
      this.tables,
    );
    const changed = this.tables.filter((name) => touched[name] !== this.touched[name]);
    this.touched = touched;
    if (changed.length > 0) {
      const digests = await this.states(
        (name) =>
          `SELECT count(*) || ':' || md5(coalesce(string_agg(r::text, ',' ORDER BY r::text), ''))
             FROM (SELECT to_jsonb(t) - 'version' - 'updated_at' AS r FROM "${name}" t) rows`,
        changed,
      );
      this.content = { ...this.content, ...digests };
    }
    return { ...this.content };
  }

  private async states(query: (table: string) => string, tables: string[]): Promise<Record<string, string>> {
    const sql = tables.map((name) => `SELECT '${name}' AS name, (${query(name)}) AS state`).join(' UNION ALL ');
    const rows: Array<{ name: string; state: string }> = await this.dataSource.query(sql);
    return Object.fromEntries(rows.map((row) => [row.name, row.state]));
  }
}

/** Tables whose fingerprint differs. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys({ ...before, ...after }).filter((table) => before[table] !== after[table]);
}

/**
 * A refusal the criterion accepts: a PaymentsError below 500, or the documented 501 of UnsupportedOperationError (the
 * gateway cannot do this at all: KISPG has no cash-receipt API, Apps-in-Toss no billing). Anything else is a finding.
 */
export function acceptableRefusal(error: unknown): boolean {
  if (!(error instanceof PaymentsError)) return false;
  return error.httpStatus < 500 || error.code === 'UNSUPPORTED_OPERATION';
}

/** The first example of each kind of unexpected outcome, keyed by what kind it is. */
export class Findings {
  private readonly found = new Map<string, string>();
  count = 0;

  add(kind: string, example: string): void {
    this.count++;
    if (!this.found.has(kind)) this.found.set(kind, example);
  }

  /** `{ seed, findings }`, for an `expect(...).toEqual({ seed, findings: [] })` that prints the seed on failure. */
  report(): { seed: number; findings: string[] } {
    return { seed: FUZZ_SEED, findings: [...this.found].map(([kind, example]) => `${kind}\n    ${example}`) };
  }
}

/** The kind of an unexpected outcome: the error's class, code and status, and its message without quoted values. */
export function kindOf(error: unknown): string {
  return describeError(error)
    .replace(/"[^"]*"/g, '"…"')
    .slice(0, 100);
}

/** How a thrown value is named in a finding (class, code, status, message start). */
export function describeError(error: unknown): string {
  if (error instanceof PaymentsError) return `${error.name} ${error.code} ${error.httpStatus}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `non-error thrown: ${String(error)}`;
}

/** An input as a finding quotes it (JSON, deep nesting written out, cut to 400 characters). */
export function describeInput(input: unknown): string {
  if (['symbol', 'function', 'bigint', 'undefined'].includes(typeof input)) return `[${typeof input} ${String(input)}]`;
  let text: string;
  try {
    text = toJsonText(input);
  } catch {
    // BigInt, cycles, nesting too deep to serialise.
    text = `[${typeof input} ${Object.prototype.toString.call(input)}]`;
  }
  return text.length > 400 ? `${text.slice(0, 400)}… (${text.length} chars)` : text;
}
