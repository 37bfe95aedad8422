import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoggerService } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, type TossSimulator } from '../../../libs/testing/src';
import type { PreparedPayment } from '../../../libs/payments/src/gateways/gateway.port';
import { TossGateway } from '../../../libs/payments/src/gateways/toss/toss.gateway';
import { TossGatewayModule } from '../../../libs/payments/src/gateways/toss/toss.module';
import { TossGatewayOptions } from '../../../libs/payments/src/gateways/toss/toss.types';
import { CapturingLogger } from '../../support/logger';

/** `Basic base64(TOSS_TEST_SECRET_KEY + ':')`, computed by hand: what Toss expects for the public test key. */
export const BASIC_TEST_KEY = 'Basic dGVzdF9za196WExrS0V5cE5BcldtbzUwblgzbG1lYXhZRzVSOg==';
export const PAYOUT_KEY = 'a3f1c2d4e5b60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';

/**
 * The adapter as PaymentsModule builds it: options validated like at boot (whitelist, forbidNonWhitelisted, then the
 * module's cross-field checks), then the module's factory.
 */
export function createGateway(
  baseUrl: string,
  logger: LoggerService,
  clock: { now(): Date },
  extra: Partial<TossGatewayOptions> = {},
): TossGateway {
  const options = plainToInstance(TossGatewayOptions, {
    secretKey: TOSS_TEST_SECRET_KEY,
    clientKey: TOSS_TEST_CLIENT_KEY,
    baseUrl,
    timeouts: { connectMs: 2_000, readMs: 5_000, slowReadMs: 5_000 },
    webhook: { payoutSecurityKeys: [PAYOUT_KEY] },
    ...extra,
  });
  expect(validateSync(options, { whitelist: true, forbidNonWhitelisted: true })).toEqual([]);
  expect(TossGatewayModule.validateOptions(options)).toEqual([]);
  const gateway = TossGatewayModule.createGateway(options, { logger, clock });
  expect(gateway).toBeInstanceOf(TossGateway);
  return gateway as TossGateway;
}

let orderSeq = 0;
export function newOrderId(): string {
  orderSeq += 1;
  return `order-${Date.now().toString(36)}-${orderSeq}`;
}

export function prepared(orderId: string, amount: number, extra: Partial<PreparedPayment> = {}): PreparedPayment {
  return {
    paymentId: `pay_${orderId}`,
    gateway: 'toss',
    orderId,
    amount,
    taxFreeAmount: 0,
    orderName: '토스 티셔츠 외 2건',
    ...extra,
  };
}

/** A request the stand-in received. */
export interface StandInRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export type StandInRoute = (req: StandInRequest) => { status: number; body: unknown };

/**
 * A tiny Toss stand-in on loopback HTTP: answers whatever `route` says (bodies copied from Toss's documentation in the
 * mapping specs) and records every request, so the adapter's wire mapping is checked against Toss's real shapes rather
 * than the simulator's. `use()` starts it for a spec file and clears `received` before each test.
 */
export class TossStandIn {
  readonly received: StandInRequest[] = [];
  gateway!: TossGateway;
  private server!: http.Server;

  private constructor(private readonly route: StandInRoute) {}

  static use(route: StandInRoute): TossStandIn {
    const standIn = new TossStandIn(route);
    beforeAll(() => standIn.start());
    afterAll(() => new Promise<void>((resolve) => standIn.server.close(() => resolve())));
    beforeEach(() => {
      standIn.received.length = 0;
    });
    return standIn;
  }

  private async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const text = Buffer.concat(chunks).toString('utf8');
        const entry = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body: text ? JSON.parse(text) : undefined,
        };
        this.received.push(entry);
        const answer = this.route(entry);
        res
          .writeHead(answer.status, { 'content-type': 'application/json' })
          .end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const port = (this.server.address() as AddressInfo).port;
    this.gateway = createGateway(`http://127.0.0.1:${port}`, new CapturingLogger(), { now: () => new Date() });
  }
}

/** A merchant webhook endpoint that answers 200 and keeps the raw deliveries, for `parseWebhook`. */
export async function startWebhookSink(): Promise<{
  url: string;
  deliveries: Array<{ headers: http.IncomingHttpHeaders; rawBody: Buffer }>;
  close(): Promise<void>;
}> {
  const deliveries: Array<{ headers: http.IncomingHttpHeaders; rawBody: Buffer }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      deliveries.push({ headers: req.headers, rawBody: Buffer.concat(chunks) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/payments/webhooks/toss`,
    deliveries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Opens the simulated window and confirms through the adapter; returns the truth and the successUrl params. */
export async function paidCardPayment(sim: TossSimulator, gateway: TossGateway, amount = 15_000) {
  const orderId = newOrderId();
  const success = sim.authenticatePayment({ orderId, amount, orderName: '토스 티셔츠 외 2건' });
  const truth = await gateway.approve({
    prepared: prepared(orderId, amount),
    input: { orderId, amount, paymentKey: success.paymentKey },
    idempotencyKey: `confirm:pay_${orderId}`,
  });
  return { orderId, paymentKey: success.paymentKey, truth };
}
