import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY } from 'nestjs-kr-payments/testing';
import { TEST_ENCRYPTION } from '../support/harness';

const ROOT = resolve(__dirname, '../..');

export interface CliOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  /** Resolves once stdout has a line matching `pattern`. */
  waitForLine(pattern: RegExp): Promise<string>;
  done: Promise<CliOutcome>;
}

/** A folder of its own per spec: the CLI's cwd, so no developer .env is read and reports land in it. */
export async function cliWorkdir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'reconcile-cli-'));
}

/** The environment the CLI reads, as .env.example describes it, pointed at the test database and the simulator. */
export function cliEnv(databaseUrl: string, tossUrl: string): NodeJS.ProcessEnv {
  const keys = Object.entries(TEST_ENCRYPTION.keys)
    .map(([id, key]) => `${id}:${key}`)
    .join(',');
  return {
    PATH: process.env.PATH,
    DATABASE_URL: databaseUrl,
    TOSS_SECRET_KEY: TOSS_TEST_SECRET_KEY,
    TOSS_CLIENT_KEY: TOSS_TEST_CLIENT_KEY,
    TOSS_BASE_URL: tossUrl,
    PAYMENTS_ENCRYPTION_KEYS: keys,
    PAYMENTS_ACTIVE_KEY_ID: TEST_ENCRYPTION.activeKeyId,
    PAYMENTS_LOOKUP_KEY_ID: TEST_ENCRYPTION.lookupKeyId,
  };
}

/**
 * `src/cli/reconcile.ts` in a child `node` (TypeScript through SWC, as `npm run reconcile` runs its build). Its stdout
 * is a pipe, so the CLI prints one plain line per page, the non-TTY mode.
 */
export function startCli(args: string[], env: NodeJS.ProcessEnv, cwd: string): CliProcess {
  const child = spawn(
    process.execPath,
    ['-r', join(ROOT, 'scripts/ts-register.cjs'), join(ROOT, 'src/cli/reconcile.ts'), ...args],
    { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  const watchers: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    for (const watcher of [...watchers]) {
      const line = stdout.split('\n').find((candidate) => watcher.pattern.test(candidate));
      if (line !== undefined) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.resolve(line);
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const done = new Promise<CliOutcome>((resolveDone) =>
    child.on('close', (code, signal) => resolveDone({ code, signal, stdout, stderr })),
  );
  const waitForLine = (pattern: RegExp): Promise<string> =>
    new Promise((resolveLine, reject) => {
      watchers.push({ pattern, resolve: resolveLine });
      void done.then((outcome) =>
        reject(new Error(`the CLI ended before printing ${pattern}: ${outcome.stdout}${outcome.stderr}`)),
      );
    });
  return { child, waitForLine, done };
}

export async function runCli(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<CliOutcome> {
  return startCli(args, env, cwd).done;
}
