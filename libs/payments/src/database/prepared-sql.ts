import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { PAYMENTS_DATA_SOURCE } from '../payments.tokens';

/** The part of pg's Pool this needs (TypeORM's postgres driver keeps one as `master`). */
interface PgPool {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/** Beyond this many distinct statements the rest run unnamed: a runaway set of texts must not grow every session. */
const MAX_NAMED_STATEMENTS = 256;

/**
 * The hot path's hand-written statements (claims, guarded updates, settlements), run as named prepared statements on
 * TypeORM's own connection pool: PostgreSQL parses and plans each text once per connection instead of on every call,
 * and the query builder is not involved. A statement is one round trip and its own transaction; callers that need
 * more than one statement atomically use the DataSource's transactions as before.
 */
@Injectable()
export class PreparedSql {
  private readonly names = new Map<string, string>();
  private readonly pool: PgPool | null;

  constructor(@Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource) {
    const master = (dataSource.driver as unknown as { master?: Partial<PgPool> }).master;
    this.pool = typeof master?.query === 'function' ? (master as PgPool) : null;
  }

  async rows<R>(text: string, values: unknown[]): Promise<R[]> {
    if (!this.pool) return this.dataSource.query<R[]>(text, values);
    const result = await this.pool.query({ name: this.nameOf(text), text, values });
    return result.rows as R[];
  }

  private nameOf(text: string): string | undefined {
    const known = this.names.get(text);
    if (known || this.names.size >= MAX_NAMED_STATEMENTS) return known;
    const name = `krp_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    this.names.set(text, name);
    return name;
  }
}
