import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TOSS_TEST_SECRET_KEY, TossSimulator, type TossSimulatorOptions } from '../../../libs/testing/src/toss';

// Helpers of the Toss simulator specs: raw HTTP calls, a merchant webhook receiver, simulators cleaned up per test.

/** Built independently of the simulator: base64(secretKey + ':') (docs/gateways/toss.md#transport-and-authentication). */
export const basicAuth = (secretKey: string): string =>
  `Basic ${Buffer.from(`${secretKey}:`, 'utf8').toString('base64')}`;

export interface CallResult {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

interface CallOptions {
  body?: unknown;
  authorization?: string | null;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function call(
  sim: TossSimulator,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.authorization !== null) headers.authorization = options.authorization ?? basicAuth(TOSS_TEST_SECRET_KEY);
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, text, headers: response.headers };
}

interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** A merchant webhook endpoint; `reply(n)` decides the status of the n-th (0-based) request, or 'hang'. */
export async function startReceiver(reply: (n: number) => number | 'hang' = () => 200) {
  const received: ReceivedWebhook[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = received.length;
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const status = reply(n);
      if (status === 'hang') return;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/toss`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const simulators: TossSimulator[] = [];
const receivers: Array<{ close(): Promise<void> }> = [];

export async function startSim(options: TossSimulatorOptions = {}): Promise<TossSimulator> {
  const sim = await TossSimulator.start(options);
  simulators.push(sim);
  return sim;
}

export async function receiver(reply?: (n: number) => number | 'hang') {
  const r = await startReceiver(reply);
  receivers.push(r);
  return r;
}

/** Call at the top of a spec file: stops every simulator and receiver a test started, after each test. */
export function stopSimulatorsAfterEach(): void {
  afterEach(async () => {
    await Promise.all(simulators.splice(0).map((s) => s.stop()));
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
}

let orderSeq = 0;
export const newOrderId = () => `order_${Date.now()}_${++orderSeq}`;

export async function confirmedCardPayment(sim: TossSimulator, amount: number, extra: { taxFreeAmount?: number } = {}) {
  const params = sim.authenticatePayment({ orderId: newOrderId(), amount, orderName: '토스 티셔츠 외 2건', ...extra });
  const confirmed = await call(sim, 'POST', '/v1/payments/confirm', {
    body: { paymentKey: params.paymentKey, orderId: params.orderId, amount: params.amount },
  });
  expect(confirmed.status).toBe(200);
  return confirmed.body;
}

export const KST_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00$/;
