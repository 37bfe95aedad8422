import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../../../libs/testing/src/clock';
import {
  KISPG_TEST_MERCHANT_KEY,
  KISPG_TEST_MID,
  KispgSimulator,
  type KispgSimulatorOptions,
} from '../../../libs/testing/src/kispg';

/*
 * Shared fixtures of the KISPG simulator specs, built here independently of the simulator: hashes, KST timestamps,
 * request bodies as a client would send them, and a merchant endpoint that records notifications.
 */

export const MID = KISPG_TEST_MID;
export const KEY = KISPG_TEST_MERCHANT_KEY;

/** Lowercase hex SHA-256 over mid + ediDate + amount + merchantKey (docs/gateways/kispg.md#request-signing). */
export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
export const encData = (ediDate: string, amount: string, mid = MID, key = KEY): string =>
  sha256(`${mid}${ediDate}${amount}${key}`);

/** yyyyMMddHHmmss in KST (+09:00, no DST). */
export function kst(date: Date): string {
  return new Date(date.getTime() + 9 * 3_600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** 2026-11-22 12:00:00 KST. */
export const START = new Date('2026-11-22T03:00:00Z');

export interface Ctx {
  sim: KispgSimulator;
  clock: ManualClock;
}

const simulators: KispgSimulator[] = [];
const servers: http.Server[] = [];

export async function startSim(options: KispgSimulatorOptions = {}): Promise<Ctx> {
  const clock = new ManualClock(START);
  const sim = await KispgSimulator.start({ clock, ...options });
  simulators.push(sim);
  return { sim, clock };
}

/** Registers the hook that stops every simulator and merchant endpoint a test started. Call once per spec file. */
export function closeSimulatorsAfterEach(): void {
  afterEach(async () => {
    await Promise.all(simulators.splice(0).map((sim) => sim.stop()));
    await Promise.all(
      servers.splice(0).map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  });
}

let orderSeq = 0;
export const newOrdNo = () => `ord${Date.now()}${++orderSeq}`;

/** The form a shop page posts to /v2/auth (docs/gateways/kispg.md#checkout). */
export function authForm(clock: ManualClock, overrides: Record<string, string> = {}): Record<string, string> {
  const ediDate = overrides.ediDate ?? kst(clock.now());
  const goodsAmt = overrides.goodsAmt ?? '1004';
  return {
    payMethod: 'card',
    trxCd: '0',
    mid: MID,
    goodsNm: '테스트 상품',
    currencyType: 'KRW',
    ordNo: newOrdNo(),
    goodsAmt,
    ordNm: '홍길동',
    ordTel: '01020001234',
    model: 'WEB',
    returnUrl: 'https://shop.example.com/checkout/kispg/return',
    mbsReserved: 'cart=42',
    ediDate,
    encData: encData(ediDate, goodsAmt, overrides.mid ?? MID),
    ...overrides,
  };
}

export interface Reply {
  status: number;
  body: any;
  text: string;
  contentType: string;
}

export async function post(
  sim: KispgSimulator,
  path: string,
  body: unknown,
  contentType = 'application/json',
): Promise<Reply> {
  const response = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    body: type.startsWith('application/json') ? JSON.parse(text) : undefined,
    text,
    contentType: type,
  };
}

export function approvalBody(
  clock: ManualClock,
  tid: string,
  goodsAmt: string,
  overrides: Record<string, string> = {},
) {
  const ediDate = overrides.ediDate ?? kst(clock.now());
  return { mid: MID, tid, goodsAmt, ediDate, encData: encData(ediDate, goodsAmt), charset: 'utf-8', ...overrides };
}

export function cancelBody(
  clock: ManualClock,
  tid: string,
  canAmt: string,
  partCanFlg: '0' | '1',
  overrides: Record<string, string> = {},
) {
  const ediDate = overrides.ediDate ?? kst(clock.now());
  return {
    payMethod: 'CARD',
    tid,
    mid: MID,
    canAmt,
    canMsg: '고객요청',
    partCanFlg,
    ediDate,
    encData: encData(ediDate, canAmt),
    ...overrides,
  };
}

export function orderBody(clock: ManualClock, goodsAmt: string, lookup: { tid?: string; ordNo?: string }) {
  const ediDate = kst(clock.now());
  return { mid: MID, ...lookup, goodsAmt, ediDate, encData: encData(ediDate, goodsAmt) };
}

/** Authenticates and approves; returns the auth result and the approval answer. */
export async function approved(
  ctx: Ctx,
  amount = '1004',
  payMethod: 'CARD' | 'BANK' | 'VACNT' = 'CARD',
  form: Record<string, string> = {},
) {
  const auth = ctx.sim.authenticate(
    authForm(ctx.clock, { goodsAmt: amount, payMethod: payMethod.toLowerCase(), ...form }),
  );
  expect(auth.resultCd).toBe('0000');
  const approval = await post(ctx.sim, '/v2/payment', approvalBody(ctx.clock, auth.tid, auth.amt));
  return { auth, approval: approval.body as Record<string, string> };
}

interface Received {
  contentType: string;
  raw: string;
  body: Record<string, string>;
}

/** A merchant notification endpoint; `reply(n)` is the status for the n-th (0-based) request. */
export async function receiver(reply: (n: number) => number = () => 200) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const contentType = req.headers['content-type'] ?? '';
      const body = contentType.startsWith('application/json')
        ? JSON.parse(raw)
        : Object.fromEntries(new URLSearchParams(raw));
      const n = received.length;
      received.push({ contentType, raw, body });
      res.writeHead(reply(n)).end('OK');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/payments/webhooks/kispg`, received };
}

export const allStrings = (record: Record<string, unknown>) =>
  Object.values(record).every((value) => typeof value === 'string');
