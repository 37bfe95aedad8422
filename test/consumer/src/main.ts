import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PaymentsConfigurationError, PaymentsService, PaymentStatus } from 'nestjs-kr-payments';
import {
  createDatabase,
  createTestPki,
  startPostgres,
  TOSS_TEST_CLIENT_KEY,
  TOSS_TEST_SECRET_KEY,
  TossSimulator,
  type RunningPostgres,
} from 'nestjs-kr-payments/testing';
import { DataSource } from 'typeorm';

/**
 * The consumer check, run by `npm run test:consumer` in an app that installed the packed tarball:
 *   node dist/main.js payment        boots the app on an embedded PostgreSQL and takes a Toss payment through the
 *                                    simulator (prepare → payment window → confirm → PAID), without the optional peers
 *   node dist/main.js peer-mismatch  expects the boot to stop at once with PaymentsConfigurationError naming typeorm
 *                                    and the supported range (the app has another typeorm installed)
 * Prints one line per check and exits 1 on the first that fails.
 */
const mode = process.argv[2];
if (mode !== 'payment' && mode !== 'peer-mismatch') {
  throw new Error(`usage: node dist/main.js payment|peer-mismatch (got ${String(mode)})`);
}

/** A mismatch must stop the boot before TypeORM connects (it used to fail after ~30 s of connect retries). */
const FAIL_FAST_MS = 2_000;

function check(condition: boolean, what: string, detail = ''): void {
  if (!condition) throw new Error(`consumer check failed: ${what}${detail ? `: ${detail}` : ''}`);
  process.stdout.write(`  ✓ ${what}${detail ? `  (${detail})` : ''}\n`);
}

function isInstalled(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  let pg: RunningPostgres | undefined;
  let sim: TossSimulator | undefined;
  let app: INestApplication | undefined;
  try {
    pg = await startPostgres();
    sim = await TossSimulator.start();
    process.env.DATABASE_URL = await createDatabase(pg.adminUrl);
    process.env.TOSS_SECRET_KEY = TOSS_TEST_SECRET_KEY;
    process.env.TOSS_CLIENT_KEY = TOSS_TEST_CLIENT_KEY;
    process.env.TOSS_BASE_URL = sim.url;
    process.env.PAYMENTS_KEY_K1 = randomBytes(32).toString('base64');

    if (mode === 'peer-mismatch') {
      await expectPeerMismatch();
      return;
    }

    // The optional peers are absent, and the library and the testing kit (simulator, PostgreSQL) work without them.
    check(!isInstalled('@nestjs/event-emitter'), '@nestjs/event-emitter is not installed (optional peer)');
    check(!isInstalled('@peculiar/x509'), '@peculiar/x509 is not installed (optional peer of the testing kit)');
    const pki = await createTestPki().then(
      () => 'created',
      (error: Error) => error.message,
    );
    check(
      pki.includes('@peculiar/x509') && pki.includes('npm install'),
      'createTestPki says which package to install',
      pki,
    );

    const { AppModule } = await import('./app.module.js');
    app = await NestFactory.create(AppModule, { rawBody: true, logger: ['error', 'warn'] });
    await app.listen(0, '127.0.0.1');
    sim.setWebhookUrl(`${await app.getUrl()}/payments/webhooks/toss`);
    const dataSource = app.get(DataSource);
    const migrations = (await dataSource.query('SELECT count(*)::int AS n FROM migrations')) as Array<{ n: number }>;
    check(
      migrations[0].n > 0,
      'boots with forRootAsync + ConfigService; the exported migrations ran',
      `${migrations[0].n}`,
    );

    const payments = app.get(PaymentsService);
    const orderId = `consumer_${Date.now().toString(36)}`;
    const order = { orderId, amount: 15_000, orderName: '컨슈머 테스트 주문' };
    const prepared = await payments.prepare({
      gateway: 'toss',
      ...order,
      returnUrl: 'https://shop.example/pay/success',
      failUrl: 'https://shop.example/pay/fail',
    });
    check(prepared.payment.status === PaymentStatus.READY, 'prepare → READY', prepared.payment.status);

    const window = sim.authenticatePayment(order);
    const paid = await payments.confirm({
      gateway: 'toss',
      orderId,
      amount: order.amount,
      paymentKey: window.paymentKey,
    });
    check(paid.status === PaymentStatus.PAID, 'simulator payment window → confirm → PAID', paid.status);
    const confirms = sim.requestsTo('POST', '/v1/payments/confirm');
    check(confirms.length === 1, 'the simulator received one confirm over HTTP', `${confirms.length}`);

    const rows = (await dataSource.query('SELECT status, amount, balance_amount FROM payments WHERE order_id = $1', [
      orderId,
    ])) as Array<{ status: string; amount: string | number; balance_amount: string | number }>;
    check(
      rows.length === 1 && rows[0].status === 'PAID' && Number(rows[0].balance_amount) === order.amount,
      'the ledger row is PAID with the full balance',
      JSON.stringify(rows),
    );
  } finally {
    await app?.close();
    await sim?.stop();
    await pg?.stop();
  }
}

async function expectPeerMismatch(): Promise<void> {
  const started = performance.now();
  let failure: unknown;
  try {
    const { AppModule } = await import('./app.module.js');
    const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
    await app.close();
  } catch (error) {
    failure = error;
  }
  const elapsedMs = Math.round(performance.now() - started);
  const message = failure instanceof Error ? failure.message : String(failure);
  check(failure instanceof PaymentsConfigurationError, 'boot refused with PaymentsConfigurationError', message);
  check(/typeorm 0\.3\.\d+ is installed/.test(message), 'the message names typeorm and the installed version');
  check(/supports typeorm \^1\.\d+\.\d+/.test(message), 'the message names the supported range');
  check(elapsedMs < FAIL_FAST_MS, `the boot stopped within ${FAIL_FAST_MS} ms`, `${elapsedMs} ms`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
