import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReconciliationReportJson } from 'nestjs-kr-payments';
import { parseReconcileArgs } from '../../src/cli/reconcile-args';
import { progressPrinter } from '../../src/cli/reconcile-progress';
import { cliEnv, cliWorkdir, runCli, startCli } from './reconcile-cli.support';
import { BUSINESS_DATE, TossReconciliationShop } from './reconciliation.fixtures';

/**
 * `npm run reconcile` as an operator runs it: a separate process against DATABASE_URL and the gateway configured from
 * the environment, one plain progress line per page when stdout is not a terminal, the report files in --out. The
 * run it starts is the library's: killed mid-paging it resumes from its cursor, and two at once → one runs.
 */
// Each spawn boots Nest and the library (seconds on a loaded machine); the two-at-once case also waits out a slow page.
jest.setTimeout(90_000);

describe('the reconcile CLI (child process, non-TTY)', () => {
  let t: TossReconciliationShop;
  let cwd: string;
  let env: NodeJS.ProcessEnv;
  let strangerOrder: string;
  // The CLI runs on the real clock; only the day it is asked for (--date) matters to what it finds, and that is the
  // day the fixture's clock stamped every row with, on our side and at the simulator.
  beforeAll(async () => {
    t = await TossReconciliationShop.start();
    cwd = await cliWorkdir();
    env = cliEnv(t.shop.database.url, t.sim.url);
    for (const amount of [1_000, 2_000, 3_000, 4_000]) await t.paid(amount);
    const canceled = await t.paid(5_000);
    await t.tossApi('POST', `/v1/payments/${canceled.gatewayPaymentKey}/cancel`, {
      cancelReason: '대시보드 부분취소',
      cancelAmount: 1_500,
    });
    strangerOrder = t.nextOrderId();
    await t.approveAtGateway(strangerOrder, 700);
  });
  afterAll(async () => {
    await t?.stop();
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  const listCalls = () => t.sim.requestsTo('GET', '/v1/transactions');
  const runsOfTheDay = async (): Promise<Array<Record<string, any>>> =>
    t.shop.dataSource.query(
      `SELECT "id", "status", "cursor", "pages", "staged_rows" AS staged FROM "reconciliation_runs"
        WHERE "business_date" = $1 ORDER BY "started_at"`,
      [BUSINESS_DATE],
    );

  it('refuses bad flags naming the flag, before touching the database', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--date', BUSINESS_DATE], /^--gateway: required/],
      [['--gateway', 'toss', '--date', '2026-02-30'], /^--date: '2026-02-30' is not a calendar date yyyy-MM-dd$/],
      [['--gateway', 'toss', '--date=2026-13-01'], /^--date: '2026-13-01' is not a calendar date/],
      [['--gateway', 'toss', '--page-size', '0'], /^--page-size: '0' must be an integer from 1 to 5000$/],
      [['--gateway', 'toss', '--gatewy', 'toss'], /^--gatewy: unknown flag/],
      [['--gateway'], /^--gateway: needs a value$/],
      [['--gateway', 'toss', '--gateway', 'nicepay'], /^--gateway: given twice$/],
    ];
    for (const [args, message] of cases) expect(() => parseReconcileArgs(args)).toThrow(message);
    expect(parseReconcileArgs(['--gateway=toss', '--date', '2026-12-01', '--out', 'r', '--page-size', '5000'])).toEqual(
      { gateway: 'toss', date: '2026-12-01', out: 'r', pageSize: 5_000, help: false },
    );

    const badDate = await runCli(['--gateway', 'toss', '--date', '2026-02-30'], env, cwd);
    expect(badDate).toMatchObject({ code: 2, stdout: '' });
    expect(badDate.stderr).toMatch(/^reconcile: --date: '2026-02-30' is not a calendar date yyyy-MM-dd\n/);
    expect(badDate.stderr).toContain('Usage: npm run reconcile');
    const unconfigured = await runCli(['--gateway', 'kispg', '--date', BUSINESS_DATE], env, cwd);
    expect(unconfigured.code).toBe(2);
    expect(unconfigured.stderr).toMatch(
      /--gateway: 'kispg' is not configured \(configured from the environment: toss\)/,
    );
    const noDatabase = await runCli(['--gateway', 'toss'], { ...env, DATABASE_URL: '' }, cwd);
    expect(noDatabase).toMatchObject({ code: 2, stderr: expect.stringMatching(/DATABASE_URL: not set/) });
    expect(await runsOfTheDay()).toEqual([]);
  });

  it('on a terminal, redraws one progress line (bar, pages, rows, ETA) and ends it before the summary', () => {
    const written: string[] = [];
    let clock = 1_000;
    const printer = progressPrinter({ isTTY: true, columns: 100, write: (text) => written.push(text) }, () => clock);
    const event = { runId: 'r1', pages: 0, rows: 0, done: 0, expected: 8, resumed: false };
    printer.update({ ...event, stage: 'START' });
    clock += 2_000;
    printer.update({ ...event, stage: 'PAGE', pages: 2, rows: 4, done: 4 });
    printer.update({ ...event, stage: 'MATCH', pages: 2, rows: 8 });
    printer.finish();
    expect(written).toEqual([
      '\rrun r1: ~8 to go\x1b[K',
      '\r[############............] 50% pages 2 · rows 4 · ETA 2s\x1b[K',
      '\rmatching 8 gateway rows with the ledger\x1b[K',
      '\n',
    ]);
  });

  it('runs the day page by page, prints one line per page and writes the JSON, CSV and HTML report', async () => {
    const before = listCalls().length;
    const outcome = await runCli(
      ['--gateway', 'toss', '--date', BUSINESS_DATE, '--page-size', '2', '--out', 'out'],
      env,
      cwd,
    );
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);

    const [run] = await runsOfTheDay();
    expect(run).toMatchObject({ status: 'SUCCEEDED', pages: 4, staged: 7 });
    expect(
      listCalls()
        .slice(before)
        .map((call) => call.query.limit),
    ).toEqual(['2', '2', '2', '2']);
    const lines = outcome.stdout.trimEnd().split('\n');
    // ~5: the ledger's approvals of the day, the estimate of the list's size (Toss gives no total).
    expect(lines[0]).toBe(`run ${run.id}: ~5 to go`);
    expect(lines.filter((line) => line.startsWith('page '))).toEqual([
      expect.stringMatching(/^page 1: 2 rows staged, 2 of ~5 \(40%\), ETA \d+s$/),
      expect.stringMatching(/^page 2: 4 rows staged, 4 of ~5 \(80%\), ETA \d+s$/),
      'page 3: 6 rows staged, 6 of ~5 (100%), ETA ?',
      'page 4: 7 rows staged, 7 of ~5 (100%), ETA ?',
    ]);
    expect(lines).toContain(`run ${run.id} toss ${BUSINESS_DATE} SUCCEEDED: 4 pages, 7 gateway rows`);
    expect(lines).toContain('categories: MATCHED 5, MISSING_LOCAL 2; auto-fixed 1');

    const base = join(cwd, 'out', `toss-${BUSINESS_DATE}-${run.id}`);
    for (const ext of ['json', 'csv', 'html']) expect(lines).toContain(`wrote ${base}.${ext}`);
    const json = JSON.parse(await readFile(`${base}.json`, 'utf8')) as ReconciliationReportJson;
    expect(json).toMatchObject({
      runId: run.id,
      gateway: 'toss',
      businessDate: BUSINESS_DATE,
      status: 'SUCCEEDED',
      exceptions: { total: 2, open: 1, autoFixed: 1, resolved: 0 },
      totals: { gateway: { gross: 15_700, cancel: 1_500, net: 14_200 } },
    });
    const csv = (await readFile(`${base}.csv`, 'utf8')).trimEnd().split('\r\n');
    expect(csv).toHaveLength(3);
    expect(csv.find((line) => line.includes(strangerOrder))).toMatch(/MISSING_LOCAL,APPROVAL,,/);
    expect(csv.some((line) => /MISSING_LOCAL,CANCEL,.*,1500,.*IMPORT_CANCEL,AUTO_FIXED/.test(line))).toBe(true);
    const html = await readFile(`${base}.html`, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(html).toContain(strangerOrder);
  });

  it('killed mid-paging, the next invocation resumes from the committed cursor and ends with the same counts', async () => {
    // Pages 1 and 2 answer at once; page 3 hangs long enough for the process to be killed while waiting for it.
    t.sim.failNext({ method: 'GET', path: '/v1/transactions' }, { kind: 'latency', ms: 0 }, 2);
    t.sim.failNext({ method: 'GET', path: '/v1/transactions' }, { kind: 'latency', ms: 5_000 });
    const args = ['--gateway', 'toss', '--date', BUSINESS_DATE, '--page-size', '2', '--out', 'out'];
    const first = startCli(args, env, cwd);
    await first.waitForLine(/^page 2:/);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    t.sim.clearFaults();

    const killed = (await runsOfTheDay()).at(-1)!;
    expect(killed).toMatchObject({ status: 'RUNNING', pages: 2, staged: 4 });
    // The dead process's lease would run out after leaseMs (5 min); end it now rather than wait.
    await t.shop.dataSource.query(
      `UPDATE "reconciliation_runs" SET "lease_until" = now() - interval '1 second' WHERE "id" = $1`,
      [killed.id],
    );

    const before = listCalls().length;
    const resumed = await runCli(args, env, cwd);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`run ${killed.id} resumed after page 2 (4 rows staged)`);
    expect(listCalls()[before].query.startingAfter).toBe(killed.cursor);
    expect(listCalls().length - before).toBe(2);
    expect(resumed.stdout.split('\n').filter((line) => line.startsWith('page '))).toEqual([
      expect.stringMatching(/^page 3: 6 rows staged, /),
      expect.stringMatching(/^page 4: 7 rows staged, /),
    ]);
    const finished = await t.reconciliation.getRun(killed.id);
    expect(finished).toMatchObject({ status: 'SUCCEEDED', pages: 4, stagedRows: 7 });

    const uninterrupted = await t.reconciliation.run({ gateway: 'toss', date: BUSINESS_DATE });
    expect(uninterrupted.run.summary).toEqual(finished.summary);
    expect(finished.summary!.MATCHED.count).toBe(6);
  });

  it('two invocations for one day at once: one runs, the other exits 3 naming the run that holds the day', async () => {
    // The first page is slow enough that whichever process wins holds the day while the other boots, however far
    // apart a loaded machine starts them.
    t.sim.failNext({ method: 'GET', path: '/v1/transactions' }, { kind: 'latency', ms: 10_000 });
    const args = ['--gateway', 'toss', '--date', BUSINESS_DATE, '--out', 'out'];
    const outcomes = await Promise.all([runCli(args, env, cwd), runCli(args, env, cwd)]);
    t.sim.clearFaults();
    expect(outcomes.map((outcome) => outcome.code).sort()).toEqual([0, 3]);
    const winner = outcomes.find((outcome) => outcome.code === 0)!;
    const loser = outcomes.find((outcome) => outcome.code === 3)!;
    const runId = /^run (\S+): /.exec(winner.stdout)![1];
    expect(loser.stderr).toContain(`is being reconciled by run ${runId}`);
    expect(existsSync(join(cwd, 'out', `toss-${BUSINESS_DATE}-${runId}.html`))).toBe(true);
  });
});
