import { createCipheriv, createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  NICEPAY_TEST_CLIENT_ID,
  NICEPAY_TEST_SECRET_KEY,
  NicePaySimulator,
  type NicePaySimulatorOptions,
} from '../../../libs/testing/src/nicepay';

/*
 * Helpers of the NicePay simulator specs, built here independently of the simulator: hashes, ciphers and HTTP calls
 * a client would make, so a simulator bug cannot hide behind a shared implementation.
 */

export const CLIENT_ID = NICEPAY_TEST_CLIENT_ID;
export const SK = NICEPAY_TEST_SECRET_KEY;
export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
export const basicAuth = (clientId: string, secretKey: string): string =>
  `Basic ${Buffer.from(`${clientId}:${secretKey}`, 'utf8').toString('base64')}`;
export const encA2 = (text: string, sk: string): string => {
  const cipher = createCipheriv('aes-256-cbc', Buffer.from(sk, 'utf8'), Buffer.from(sk.slice(0, 16), 'utf8'));
  return Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]).toString('hex');
};
export const encAes128 = (text: string, sk: string): string => {
  const cipher = createCipheriv('aes-128-ecb', Buffer.from(sk.slice(0, 16), 'utf8'), null);
  return Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]).toString('hex');
};

/** KST `yyyy-MM-dd'T'HH:mm:ss.SSS+0900`, as NicePay writes timestamps. */
export const NICE_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0900$/;
/** tid = MID(10) + method(2) + 01 + yyMMddHHmmss + 4 alphanumerics (the shape of NicePay's example tids). */
export const tidPattern = (methodCode: string) => new RegExp(`^nictest00m${methodCode}01\\d{12}[A-Za-z0-9]{4}$`);

export interface CallResult {
  status: number;
  body: any;
  headers: Headers;
}

export interface CallOptions {
  body?: unknown;
  query?: Record<string, string>;
  authorization?: string | null;
  signal?: AbortSignal;
}

export async function call(
  sim: NicePaySimulator,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = {};
  if (options.authorization !== null) headers.authorization = options.authorization ?? basicAuth(CLIENT_ID, SK);
  if (options.body !== undefined) headers['content-type'] = 'application/json;charset=utf-8';
  const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
  const response = await fetch(`${sim.url}${path}${query}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

export interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** A merchant webhook endpoint; `reply(n)` decides the answer to the n-th (0-based) delivery. */
export async function startReceiver(
  reply: (n: number) => { status: number; body: string } = () => ({ status: 200, body: 'OK' }),
) {
  const received: ReceivedWebhook[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = received.length;
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const answer = reply(n);
      res.writeHead(answer.status, { 'content-type': 'text/html' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const handle = {
    url: `http://127.0.0.1:${port}/webhooks/nicepay`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  receivers.push(handle);
  return handle;
}

const simulators: NicePaySimulator[] = [];
const receivers: Array<{ close(): Promise<void> }> = [];

export async function startSim(options: NicePaySimulatorOptions = {}): Promise<NicePaySimulator> {
  const sim = await NicePaySimulator.start(options);
  simulators.push(sim);
  return sim;
}

/** Stops every simulator and webhook receiver a test started; call once at the top of each spec file. */
export function stopStartedAfterEach(): void {
  afterEach(async () => {
    await Promise.all(simulators.splice(0).map((s) => s.stop()));
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
}

let orderSeq = 0;
export const newOrderId = () => `np_${Date.now()}_${++orderSeq}`;

export function windowFor(
  sim: NicePaySimulator,
  amount: number,
  extra: Partial<Parameters<NicePaySimulator['authenticate']>[0]> = {},
) {
  return sim.authenticate({
    clientId: CLIENT_ID,
    orderId: newOrderId(),
    amount,
    method: 'card',
    goodsName: '나이스페이-상품',
    returnUrl: 'https://shop.example.com/checkout/nicepay/return',
    ...extra,
  });
}

export async function approvedCard(
  sim: NicePaySimulator,
  amount: number,
  extra: Partial<Parameters<NicePaySimulator['authenticate']>[0]> = {},
) {
  const form = windowFor(sim, amount, extra);
  const approved = await call(sim, 'POST', `/v1/payments/${form.tid}`, { body: { amount } });
  expect(approved.body.resultCode).toBe('0000');
  return { form, payment: approved.body };
}

export const expectSigned = (body: any, secretKey = SK) =>
  expect(body.signature).toBe(sha256(`${body.tid}${body.amount}${body.ediDate}${secretKey}`));
