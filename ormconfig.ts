import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { PAYMENTS_MIGRATIONS_TABLE } from './libs/payments/src/database/typeorm-options';
import { PAYMENTS_ENTITIES } from './libs/payments/src/entities';
import { PAYMENTS_MIGRATIONS } from './migrations';

/**
 * DataSource for the typeorm CLI (`npm run migration:*`). DATABASE_URL points at the database; the npm scripts
 * start an embedded PostgreSQL when it is not set (libs/testing/src/postgres/with-database.ts).
 */
export default new DataSource({
  type: 'postgres',
  url: process.env.DATABASE_URL,
  entities: [...PAYMENTS_ENTITIES],
  migrations: [...PAYMENTS_MIGRATIONS],
  migrationsTableName: PAYMENTS_MIGRATIONS_TABLE,
  synchronize: false,
  logging: false,
});
