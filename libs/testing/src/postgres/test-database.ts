import { createDatabase, dropDatabase, startPostgres, type RunningPostgres } from './embedded-database';

/**
 * A fresh, empty database for one test file (or one user e2e suite). Uses the server the jest global setup
 * started (KR_PAYMENTS_TEST_ADMIN_URL), else TEST_DATABASE_URL's server, else starts an embedded one.
 */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  let server: RunningPostgres | undefined;
  let adminUrl = process.env.KR_PAYMENTS_TEST_ADMIN_URL;
  if (!adminUrl) {
    server = await startPostgres();
    adminUrl = server.adminUrl;
  }
  const url = await createDatabase(adminUrl);
  const admin = adminUrl;
  return {
    url,
    drop: async () => {
      await dropDatabase(admin, url);
      await server?.stop();
    },
  };
}
