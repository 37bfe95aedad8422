import { randomBytes } from 'node:crypto';
import type { KispgSeeds, NicePaySeeds, TossSeeds } from './webhook-seeds';

export type FloodGateway = 'toss' | 'nicepay' | 'kispg';

/** Body sizes of the flood: what the gateway would send, just under the inbox's stored-payload cap, and 90 KB. */
export type BodySize = 'natural' | 'cap' | 'padded';

export const BODY_BYTES: Readonly<Record<Exclude<BodySize, 'natural'>, number>> = {
  /** Just under the 8,192 bytes the inbox stores in full: the most a forged row can hold. */
  cap: 8_000,
  /** The reported attack: 90 KB bodies (under Express's 100 KB parser limit, so they reach the route). */
  padded: 90 * 1024,
};

export interface ForgedDelivery {
  gateway: FloodGateway;
  /** What the forgery claims, e.g. `toss: WAITING_FOR_DEPOSIT → DONE`. */
  kind: string;
  size: BodySize;
  contentType: string;
  body: string;
}

/** Share of each gateway and of each body size in the flood (each a fraction of all deliveries). */
const GATEWAY_SHARES: ReadonlyArray<[FloodGateway, number]> = [
  ['toss', 0.4],
  ['nicepay', 0.3],
  ['kispg', 0.3],
];
const SIZE_SHARES: ReadonlyArray<[BodySize, number]> = [
  ['natural', 0.6],
  ['cap', 0.2],
  ['padded', 0.2],
];

type Variant = (pick: <T>(items: readonly T[]) => T) => { body: Record<string, unknown>; kind: string };

/**
 * Builds the forged deliveries of the flood from genuine bodies the simulators sent while the payments were seeded:
 * what an attacker holds once one real delivery leaked (logs, a replayed request, the shop's own test traffic). Each
 * forgery names a real payment and claims a state it is not in; none carries a valid signature or hash (an attacker
 * does not hold the merchant's key), and every one is different (fresh random signature / hash / keys), so no two
 * collapse into one inbox row. Choices come from a seeded generator: the same seed gives the same flood.
 */
export class Forger {
  private readonly random: () => number;
  private readonly variants: Record<FloodGateway, Variant[]>;

  constructor(seeds: { toss: TossSeeds; nicepay: NicePaySeeds; kispg: KispgSeeds }, seed = 20_261_123) {
    this.random = mulberry32(seed);
    this.variants = {
      toss: tossVariants(seeds.toss),
      nicepay: nicePayVariants(seeds.nicepay),
      kispg: kispgVariants(seeds.kispg),
    };
  }

  next(): ForgedDelivery {
    const gateway = this.weighted(GATEWAY_SHARES);
    const size = this.weighted(SIZE_SHARES);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(this.random() * items.length)];
    const { body, kind } = pick(this.variants[gateway])(pick);
    const form = gateway === 'kispg';
    return {
      gateway,
      kind: `${gateway}: ${kind}`,
      size,
      contentType: form ? 'application/x-www-form-urlencoded' : 'application/json',
      body: padded(body, size, form, gateway),
    };
  }

  private weighted<T>(shares: ReadonlyArray<[T, number]>): T {
    let roll = this.random();
    for (const [value, share] of shares) {
      roll -= share;
      if (roll < 0) return value;
    }
    return shares[shares.length - 1][0];
  }
}

/** Toss forgeries: unsigned events; only the source allowlist stands between them and a read-back. */
function tossVariants(seeds: TossSeeds): Variant[] {
  const done = (pick: <T>(items: readonly T[]) => T) => {
    const event = pick(seeds.doneEvents);
    return { event, data: event['data'] as Record<string, unknown> };
  };
  return [
    (pick) => {
      const { event, data } = done(pick);
      const transactionKey = hex(16);
      const cancel = { transactionKey, cancelAmount: data['totalAmount'], cancelStatus: 'DONE', cancelReason: '환불' };
      const forged = { ...data, status: 'CANCELED', balanceAmount: 0, lastTransactionKey: transactionKey };
      return { kind: 'DONE → CANCELED (invented refund)', body: { ...event, data: { ...forged, cancels: [cancel] } } };
    },
    () => {
      const event = seeds.waiting.statusChanged;
      const data = event['data'] as Record<string, unknown>;
      const paid = { ...data, status: 'DONE', approvedAt: data['requestedAt'], lastTransactionKey: hex(16) };
      return { kind: 'WAITING_FOR_DEPOSIT → DONE', body: { ...event, data: paid } };
    },
    () => ({
      kind: 'DEPOSIT_CALLBACK DONE, guessed secret',
      body: { ...seeds.waiting.deposit, status: 'DONE', secret: hex(20), transactionKey: hex(16) },
    }),
    (pick) => {
      const { event, data } = done(pick);
      const forged = {
        ...data,
        orderId: seeds.readyOrderId,
        paymentKey: `tgen_${hex(10)}`,
        lastTransactionKey: hex(16),
      };
      return { kind: 'READY order claimed DONE', body: { ...event, data: forged } };
    },
  ];
}

/** NicePay forgeries: the signature does not verify (stored UNVERIFIED, answered OK, never acted on). */
function nicePayVariants(seeds: NicePaySeeds): Variant[] {
  return [
    (pick) => {
      const paid = pick(seeds.paidEvents);
      const cancelledTid = `${String(paid['tid']).slice(0, 26)}${hex(2)}`;
      const cancel = { tid: cancelledTid, amount: paid['amount'], cancelledAt: paid['ediDate'], reason: '환불' };
      return {
        kind: 'paid → cancelled (invented refund), wrong signature',
        body: { ...paid, status: 'cancelled', balanceAmt: 0, cancelledTid, cancels: [cancel], signature: hex(32) },
      };
    },
    () => ({
      kind: 'ready → paid (virtual account), wrong signature',
      body: { ...seeds.readyEvent, status: 'paid', paidAt: seeds.readyEvent['ediDate'], signature: hex(32) },
    }),
    (pick) => {
      const { signature: _signature, ...unsigned } = pick(seeds.paidEvents);
      return { kind: 'paid, no signature', body: { ...unsigned, buyerEmail: `buyer${digits(8)}@example.com` } };
    },
    (pick) => ({
      kind: 'READY order claimed paid, wrong signature',
      body: { ...pick(seeds.paidEvents), orderId: seeds.readyOrderId, signature: hex(32) },
    }),
  ];
}

/** KISPG forgeries: the hash is wrong or missing (401 before anything is stored). */
function kispgVariants(seeds: KispgSeeds): Variant[] {
  return [
    (pick) => {
      const approval = pick(seeds.approvals);
      return {
        kind: 'approval → cancel, wrong hashStr',
        body: {
          ...approval,
          resultCd: '2001',
          resultMsg: '취소 성공',
          cancelYN: 'Y',
          canAmt: approval['amt'],
          ccDnt: approval['ediDate'],
          hashStr: hex(32),
        },
      };
    },
    () => ({
      kind: 'issued (4100) → deposited (4110), wrong hashStr',
      body: { ...seeds.vacntIssued, resultCd: '4110', resultMsg: '입금 통보', hashStr: hex(32) },
    }),
    (pick) => {
      const { hashStr: _hashStr, ...unhashed } = pick(seeds.approvals);
      return { kind: 'approval without hashStr', body: { ...unhashed, ediNo: digits(10) } };
    },
    (pick) => {
      const approval = pick(seeds.approvals);
      return {
        kind: 'amount changed under the genuine hashStr',
        body: { ...approval, amt: String(Number(approval['amt']) * 100), ediNo: digits(10) },
      };
    },
  ];
}

/**
 * The body on the wire, grown to `size` with random filler in a merchant-reserved field (`mallReserved` for NicePay,
 * `mbsReserved` for KISPG, `metadata` for Toss), so the padding looks like any other field to the parser.
 */
function padded(body: Record<string, unknown>, size: BodySize, form: boolean, gateway: FloodGateway): string {
  const encode = (value: Record<string, unknown>): string =>
    form ? new URLSearchParams(value as Record<string, string>).toString() : JSON.stringify(value);
  if (size === 'natural') return encode(body);
  const withFiller = (filler: string): Record<string, unknown> => {
    if (gateway === 'toss') {
      const data = body['data'];
      // DEPOSIT_CALLBACK is flat: its filler sits next to its own fields.
      return data && typeof data === 'object'
        ? { ...body, data: { ...data, metadata: { note: filler } } }
        : { ...body, metadata: { note: filler } };
    }
    return { ...body, [gateway === 'kispg' ? 'mbsReserved' : 'mallReserved']: filler };
  };
  const target = BODY_BYTES[size];
  const bare = Buffer.byteLength(encode(withFiller('')));
  return encode(withFiller(filler(Math.max(0, target - bare))));
}

/**
 * Random URL-safe base64 (one byte per character in JSON and in a form): it does not compress, so what the inbox keeps
 * of it is what an attacker who wants to fill the disk would make it keep.
 */
function filler(length: number): string {
  return randomBytes(Math.ceil((length * 3) / 4) + 3)
    .toString('base64url')
    .slice(0, length);
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function digits(count: number): string {
  return Array.from(randomBytes(count), (byte) => String(byte % 10)).join('');
}

/** A small seeded PRNG (uniform in [0, 1)): the flood's mix is reproducible. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
