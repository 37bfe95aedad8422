import 'reflect-metadata';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  PAYMENTS_ENTITIES,
  PaymentsModule,
  ReconciliationRunningError,
  ReconciliationService,
  type ReconcileResult,
} from 'nestjs-kr-payments';
import { paymentsOptionsFromConfig } from '../payments.config';
import { parseReconcileArgs, USAGE, UsageError, type ReconcileArgs } from './reconcile-args';
import { progressPrinter } from './reconcile-progress';

/** Exit codes: 0 the run succeeded (open exceptions are in the report), 1 it failed, 2 bad flags or setup, 3 busy. */
const EXIT = { ok: 0, failed: 1, usage: 2, busy: 3 } as const;

/**
 * `npm run reconcile -- --gateway toss --date 2026-12-01`: the library against DATABASE_URL, gateways configured from
 * the environment exactly as the example shop reads them (src/payments.config.ts, .env.example), one reconciliation
 * run with its progress on stdout, and the report written as JSON, CSV and HTML. Errors go to stderr.
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let args: ReconcileArgs;
  try {
    args = parseReconcileArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`reconcile: ${error.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  if (!env.DATABASE_URL) {
    process.stderr.write('reconcile: DATABASE_URL: not set (the PostgreSQL database holding the payments ledger)\n');
    return EXIT.usage;
  }
  let app: INestApplicationContext | undefined;
  try {
    app = await NestFactory.createApplicationContext(cliModule(args), {
      logger: ['error', 'warn'],
      abortOnError: false,
    });
    return await reconcile(app, args);
  } catch (error) {
    process.stderr.write(`reconcile: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.usage;
  } finally {
    await app?.close();
  }
}

async function reconcile(app: INestApplicationContext, args: ReconcileArgs): Promise<number> {
  const service = app.get(ReconciliationService);
  const problem = (await missingSchema(app.get(DataSource))) ?? unknownGateway(service, args.gateway);
  if (problem) {
    process.stderr.write(`reconcile: ${problem}\n`);
    return EXIT.usage;
  }
  const progress = progressPrinter(process.stdout);
  let result: ReconcileResult;
  try {
    result = await service.run({
      gateway: args.gateway,
      date: args.date,
      onProgress: (event) => progress.update(event),
    });
  } catch (error) {
    progress.finish();
    const busy = error instanceof ReconciliationRunningError;
    process.stderr.write(`reconcile: ${error instanceof Error ? error.message : String(error)}\n`);
    if (!busy) process.stderr.write('reconcile: the run stays resumable: the next call continues from its cursor\n');
    return busy ? EXIT.busy : EXIT.failed;
  }
  progress.finish();
  const files = await writeReport(service, result, args.out);
  process.stdout.write(summaryLines(result, files).join('\n') + '\n');
  return EXIT.ok;
}

/** The report as <gateway>-<date>-<runId>.{json,csv,html} in `out` (created when missing). */
async function writeReport(service: ReconciliationService, result: ReconcileResult, out: string): Promise<string[]> {
  const { run } = result;
  const report = await service.report(run.id);
  const folder = resolve(out);
  await mkdir(folder, { recursive: true });
  const base = join(folder, `${run.gateway}-${run.businessDate}-${run.id}`);
  const files: Array<[string, string]> = [
    [`${base}.json`, `${JSON.stringify(report.json, null, 2)}\n`],
    [`${base}.csv`, report.csv],
    [`${base}.html`, report.html],
  ];
  for (const [path, content] of files) await writeFile(path, content, 'utf8');
  return files.map(([path]) => path);
}

function summaryLines({ run, resumed, autoFixed }: ReconcileResult, files: string[]): string[] {
  const counts = Object.entries(run.summary ?? {})
    .filter(([, totals]) => totals.count > 0)
    .map(([category, totals]) => `${category} ${totals.count}`);
  return [
    `run ${run.id} ${run.gateway} ${run.businessDate} ${run.status}${resumed ? ' (resumed from its cursor)' : ''}: ` +
      `${run.pages} pages, ${run.stagedRows} gateway rows`,
    `categories: ${counts.join(', ') || 'no transactions'}; auto-fixed ${autoFixed}`,
    ...files.map((file) => `wrote ${file}`),
  ];
}

async function missingSchema(dataSource: DataSource): Promise<string | null> {
  const [{ table }] = await dataSource.query(`SELECT to_regclass('reconciliation_runs')::text AS "table"`);
  return table
    ? null
    : 'DATABASE_URL: the reconciliation tables are missing; run the migrations (npm run migration:run)';
}

function unknownGateway(service: ReconciliationService, gateway: string): string | null {
  const configured = service.scheduledGateways();
  if (configured.includes(gateway)) return null;
  return `--gateway: '${gateway}' is not configured (configured from the environment: ${configured.join(', ')})`;
}

/** The example shop's wiring minus HTTP: its DataSource (no migrations run from here) and PaymentsModule. */
function cliModule(args: ReconcileArgs): DynamicModule {
  @Module({})
  class ReconcileCliModule {}
  return {
    module: ReconcileCliModule,
    imports: [
      ConfigModule.forRoot({ isGlobal: true }),
      TypeOrmModule.forRootAsync({
        inject: [ConfigService],
        useFactory: (config: ConfigService) => ({
          type: 'postgres' as const,
          url: config.getOrThrow<string>('DATABASE_URL'),
          entities: [...PAYMENTS_ENTITIES],
          synchronize: false,
          logging: false,
          retryAttempts: 0,
        }),
      }),
      PaymentsModule.forRootAsync({
        inject: [ConfigService],
        useFactory: (config: ConfigService) => ({
          ...paymentsOptionsFromConfig(config),
          reconciliation: args.pageSize ? { pageSize: args.pageSize } : {},
        }),
      }),
    ],
  };
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`reconcile: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
