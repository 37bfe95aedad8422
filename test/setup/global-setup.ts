import { startPostgres } from '../../libs/testing/src/postgres/embedded-database';

/**
 * One PostgreSQL server for the whole jest run (embedded unless TEST_DATABASE_URL is set). Each test file creates
 * its own database on it (test/setup/database.ts), so files never see each other's rows.
 */
export default async function globalSetup(): Promise<void> {
  const pg = await startPostgres();
  process.env.KR_PAYMENTS_TEST_ADMIN_URL = pg.adminUrl;
  (globalThis as { __KR_PAYMENTS_PG__?: typeof pg }).__KR_PAYMENTS_PG__ = pg;
}
