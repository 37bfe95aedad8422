import 'reflect-metadata';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, requireChromium } from './chromium';
import { createDatabase, startPostgres, type RunningPostgres } from 'nestjs-kr-payments/testing';
import { DEMO_DATE, playDemoDay, startDemoWorld, type DemoWorld } from './reconciliation-demo-day';

/**
 * `npm run docs:screenshot`: plays a day of Toss payments with one of each reconciliation difference against the
 * simulator (embedded PostgreSQL unless TEST_DATABASE_URL is set), writes the run's HTML report, opens it in headless
 * Chromium (the Debian `chromium` package) and saves docs/images/reconciliation-report.png for the README. Not part
 * of `npm test`: CI has no Chromium.
 */
const OUTPUT = resolve(__dirname, '../docs/images/reconciliation-report.png');

async function main(): Promise<void> {
  let pg: RunningPostgres | undefined;
  let world: DemoWorld | undefined;
  const work = await mkdtemp(join(tmpdir(), 'reconciliation-screenshot-'));
  try {
    pg = await startPostgres();
    world = await startDemoWorld(await createDatabase(pg.adminUrl));
    const runId = await playDemoDay(world);
    const report = await world.reconciliation.report(runId);
    const page = join(work, `toss-${DEMO_DATE}-${runId}.html`);
    await writeFile(page, report.html, 'utf8');
    await screenshot(page, join(work, 'profile'));
    const { exceptions, totals } = report.json;
    process.stdout.write(
      `run ${runId}: ${exceptions.total} exceptions (${exceptions.autoFixed} auto-fixed, ${exceptions.open} open), ` +
        `ledger net ${totals.ledger.net} KRW, gateway net ${totals.gateway.net} KRW\nwrote ${OUTPUT}\n`,
    );
  } finally {
    await world?.close();
    await pg?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Headless, offline and with a fresh profile (a persistent context is how Playwright takes --user-data-dir): the page
 * is one self-contained file, nothing is fetched.
 */
async function screenshot(file: string, profile: string): Promise<void> {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: requireChromium(),
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
  });
  try {
    const page = await context.newPage();
    // Anything but the file itself would mean the page is not self-contained: refuse it rather than wait on it.
    await page.route(/^(?!file:)/, (route) => route.abort());
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    await mkdir(resolve(OUTPUT, '..'), { recursive: true });
    await page.screenshot({ path: OUTPUT, fullPage: true });
  } finally {
    await context.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `screenshot-report: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
