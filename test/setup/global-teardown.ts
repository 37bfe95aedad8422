import type { RunningPostgres } from '../../libs/testing/src/postgres/embedded-database';

export default async function globalTeardown(): Promise<void> {
  const pg = (globalThis as { __KR_PAYMENTS_PG__?: RunningPostgres }).__KR_PAYMENTS_PG__;
  await pg?.stop();
}
