import 'reflect-metadata';
import { runBillingRun } from './billing-run';
import { runConfirmOverhead, type BenchOutcome } from './confirm-overhead';
import { runOutbox } from './outbox';
import { runReconcile } from './reconcile';
import { runWebhookFlood } from './webhook-flood';
import { runWebhookIngest } from './webhook-ingest';

/**
 * `npm run bench -- <name>` runs one benchmark, `npm run bench` runs them all in turn. Each prints its table and
 * writes bench/results/<name>.json. Exit code 1 when a benchmark's own verification fails or it throws; missing a
 * performance target is reported in the table but is not a failure (the figures are still worth keeping).
 */
const BENCHMARKS: ReadonlyMap<string, () => Promise<BenchOutcome>> = new Map([
  ['confirm-overhead', () => runConfirmOverhead()],
  ['webhook-flood', () => runWebhookFlood()],
  ['webhook-ingest', () => runWebhookIngest()],
  ['reconcile', () => runReconcile()],
  ['billing-run', () => runBillingRun()],
  ['outbox', () => runOutbox()],
]);

async function main(argv: readonly string[]): Promise<number> {
  const requested = argv.filter((arg) => !arg.startsWith('-'));
  const unknown = requested.filter((name) => !BENCHMARKS.has(name));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; available: ${[...BENCHMARKS.keys()].join(', ')}`);
    return 2;
  }
  const names = requested.length > 0 ? requested : [...BENCHMARKS.keys()];
  let failed = 0;
  for (const name of names) {
    const benchmark = BENCHMARKS.get(name) as () => Promise<BenchOutcome>;
    try {
      const outcome = await benchmark();
      if (!outcome.ok) failed += 1;
    } catch (error) {
      failed += 1;
      console.error(`${name}: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
  return failed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    // Exit explicitly: a keep-alive socket or pg timer left behind by a failed run must not keep the CLI hanging.
    process.exit(code);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
