import { spawn } from 'node:child_process';
import { createDatabase, startPostgres } from './embedded-database';

/**
 * `node with-database.js [--migrate] <command> [args...]`: runs a command with DATABASE_URL pointing at a fresh
 * database: the one DATABASE_URL names when set, else an embedded PostgreSQL started for the command and stopped
 * after. `--migrate` first applies the library's migrations (used by `npm run migration:check`, which compares the
 * migrated schema with the entities).
 */
async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const migrate = args[0] === '--migrate';
  if (migrate) args.shift();
  if (args.length === 0) throw new Error('usage: with-database [--migrate] <command> [args...]');

  const pg = await startPostgres({ envVar: 'DATABASE_URL' });
  try {
    const databaseUrl = pg.embedded ? await createDatabase(pg.adminUrl, 'kr_payments_cli') : pg.adminUrl;
    const env = { ...process.env, DATABASE_URL: databaseUrl };
    if (migrate) {
      const code = await run('npx', ['typeorm', 'migration:run', '-d', 'dist/ormconfig.js'], env);
      if (code !== 0) return code;
    }
    return await run(args[0] === 'typeorm' ? 'npx' : args[0], args[0] === 'typeorm' ? args : args.slice(1), env);
  } finally {
    await pg.stop();
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
