import { PaymentsConfigurationError } from '../domain/errors';
import { PAYMENTS_ENTITIES } from '../entities';
import { PAYMENTS_MIGRATIONS } from '../migrations';

/** Where the library's own migrations are recorded (apart from the host's `migrations` table). */
export const PAYMENTS_MIGRATIONS_TABLE = 'kr_payments_migrations';

export interface PaymentsTypeOrmOptions {
  /**
   * A PostgreSQL schema for the library's tables (e.g. `kr_payments`), so they live apart from the host's: every
   * connection of this DataSource gets `search_path=<schema>`, so the entities, the migrations and the library's SQL
   * all land there. The schema must exist (`CREATE SCHEMA kr_payments` once). Default: the connection's own
   * search path (usually `public`).
   */
  schema?: string;
}

/** The parts of a TypeORM DataSource's options the library needs: spread them into `TypeOrmModule.forRoot`. */
export interface PaymentsTypeOrmFragment {
  entities: Array<(typeof PAYMENTS_ENTITIES)[number]>;
  migrations: Array<(typeof PAYMENTS_MIGRATIONS)[number]>;
  migrationsTableName: string;
  extra?: { options: string };
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * `TypeOrmModule.forRoot({ type: 'postgres', url, ...paymentsTypeOrmOptions({ schema: 'kr_payments' }) })`, usually
 * as a named DataSource (`name: 'payments'`, then `dataSourceName: 'payments'` next to the PaymentsModule options)
 * so that only the library's connections are pointed at the schema. See docs/architecture.md#database-placement.
 */
export function paymentsTypeOrmOptions(options: PaymentsTypeOrmOptions = {}): PaymentsTypeOrmFragment {
  const fragment: PaymentsTypeOrmFragment = {
    entities: [...PAYMENTS_ENTITIES],
    migrations: [...PAYMENTS_MIGRATIONS],
    migrationsTableName: PAYMENTS_MIGRATIONS_TABLE,
  };
  if (options.schema === undefined) return fragment;
  if (typeof options.schema !== 'string' || !SCHEMA_NAME.test(options.schema)) {
    throw new PaymentsConfigurationError([
      'schema: must be a lower-case PostgreSQL identifier (letters, digits, _; at most 63)',
    ]);
  }
  return { ...fragment, extra: { options: `-c search_path=${options.schema}` } };
}
