import { createHash } from 'node:crypto';
import { parseKispgDateTime } from './kispg.crypto';
import { readAmount, stringOf } from './kispg.fields';
import type { KispgResult } from './kispg.types';

/*
 * `/v2/order` answers carry a partial-cancel history, `cancelData`, whose shape KISPG does not document
 * (docs/gateways/kispg.md#query-and-cancel-history). It is read here by amounts alone, never by key names.
 */

/** One cancel as read from `/v2/order` cancelData (or derived from the amounts when the history shows no more). */
export interface ReadCancel {
  transactionKey: string;
  amount: number;
  canceledAt: Date | null;
  /** Every string value of the entry, to recognise it by content (appNo / appDtm of a cancel answer). */
  values: string[];
}

/**
 * cancelData → the cancels it lists, or null when it cannot be read. Accepted: absent/empty (no cancels), a JSON
 * string (possibly encoded twice), an array, or an object holding one array or standing for one cancel. Each entry is
 * a bare amount or an object in which exactly one amount can be recognised (a digit value under a key that says
 * amount/amt; the key names are not relied on beyond that). Transaction keys are derived from each entry's whole
 * content, so they stay the same on every read whatever the order of the list.
 */
export function readCancelHistory(cancelData: unknown, tid: string): ReadCancel[] | null {
  const entries = cancelEntries(cancelData);
  if (entries === null) return null;
  const seen = new Map<string, number>();
  const cancels: ReadCancel[] = [];
  for (const entry of entries) {
    const amount = entryAmount(entry);
    if (amount === null || amount <= 0) return null;
    const values = entryValues(entry);
    const digest = createHash('sha256').update(stableJson(entry)).digest('hex').slice(0, 16);
    const occurrence = (seen.get(digest) ?? 0) + 1;
    seen.set(digest, occurrence);
    cancels.push({
      transactionKey: `${tid}:cancel:${digest}${occurrence > 1 ? `-${occurrence}` : ''}`,
      amount,
      // A yyyyMMddHHmmss value in the entry is its time, whatever the key is called.
      canceledAt:
        values
          .filter((v) => v.length === 14)
          .map(parseKispgDateTime)
          .find((d) => d !== null) ?? null,
      values,
    });
  }
  return cancels;
}

/** The list of entries cancelData holds, or null when it is not something we can read. */
function cancelEntries(cancelData: unknown): unknown[] | null {
  let data = cancelData;
  for (let depth = 0; typeof data === 'string' && depth < 3; depth++) {
    const text = data.trim();
    if (text === '') return [];
    try {
      data = JSON.parse(text);
    } catch {
      return null;
    }
  }
  if (data === undefined || data === null) return [];
  if (Array.isArray(data)) return data;
  if (typeof data !== 'object') return null;
  const arrays = Object.values(data as Record<string, unknown>).filter(Array.isArray);
  if (arrays.length > 1) return null;
  return arrays.length === 1 ? (arrays[0] as unknown[]) : [data];
}

function entryAmount(entry: unknown): number | null {
  if (typeof entry === 'string' || typeof entry === 'number') return readAmount(entry);
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return null;
  const candidates = Object.entries(entry as Record<string, unknown>).filter(
    ([key, value]) => /amt|amount/i.test(key) && readAmount(value) !== null,
  );
  if (candidates.length === 1) return readAmount(candidates[0][1]);
  // Several amount-like fields (e.g. a cancel amount and a remaining amount): take the one that says cancel.
  const cancelAmounts = candidates.filter(([key]) => /can/i.test(key));
  return cancelAmounts.length === 1 ? readAmount(cancelAmounts[0][1]) : null;
}

function entryValues(entry: unknown): string[] {
  if (entry === null || typeof entry !== 'object') return [];
  return Object.values(entry as Record<string, unknown>)
    .map((value) => stringOf(value))
    .filter((value): value is string => value !== undefined);
}

function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const keys = Object.keys(value as Record<string, unknown>).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/**
 * How far KISPG's clock may run behind ours when its cancel times are compared with the moment we sent a cancel. Ten
 * minutes is the clock difference KISPG itself tolerates in an ediDate (docs/gateways/kispg.md#request-signing); a
 * wider window costs nothing, since the newest entry is taken anyway.
 */
export const KISPG_CLOCK_ALLOWANCE_MS = 10 * 60_000;

/**
 * Our cancel among those read back after a successful cancel answer (docs/gateways/kispg.md#which-history-entry-is-ours).
 * The core sends one cancel per payment at a time, so ours is the newest cancel of that amount, and never one older
 * than the moment we sent it:
 * - entries of another amount, or timed before `sentAt` (less the clock allowance), are not ours;
 * - of the rest, those that carry the answer's appNo / appDtm, if any, are KISPG naming this very cancel;
 * - the newest wins: the latest time, then the later place in the list (a history without times is read in order).
 * Undefined when nothing qualifies: the read-back does not list our cancel yet.
 */
export function findOurCancel(
  readCancels: readonly ReadCancel[],
  amount: number,
  answer: KispgResult,
  sentAt: Date,
): ReadCancel | undefined {
  const notBefore = Math.floor(sentAt.getTime() / 1000) * 1000 - KISPG_CLOCK_ALLOWANCE_MS;
  const candidates = readCancels.filter(
    (c) => c.amount === amount && (c.canceledAt === null || c.canceledAt.getTime() >= notBefore),
  );
  const answerValues = [stringOf(answer.appNo), stringOf(answer.appDtm)].filter((v): v is string => !!v);
  const named = candidates.filter((c) => answerValues.some((v) => c.values.includes(v)));
  return newest(named.length > 0 ? named : candidates);
}

/** The latest by time; equal or missing times fall back to the place in the list (later = newer). */
function newest(cancels: readonly ReadCancel[]): ReadCancel | undefined {
  let latest: ReadCancel | undefined;
  for (const cancel of cancels) {
    const later =
      latest === undefined ||
      latest.canceledAt === null ||
      cancel.canceledAt === null ||
      cancel.canceledAt.getTime() >= latest.canceledAt.getTime();
    if (later) latest = cancel;
  }
  return latest;
}

/** The key of a cancel no read-back shows: derived from the cancel answer and our arithmetic, stable for the answer. */
export function kispgAnsweredCancelKey(
  tid: string,
  answer: KispgResult,
  amount: number,
  balanceBefore: number,
): string {
  const digest = createHash('sha256')
    .update(
      `${stringOf(answer.tid) ?? ''}|${stringOf(answer.appNo) ?? ''}|${stringOf(answer.appDtm) ?? ''}|${amount}|${balanceBefore}`,
    )
    .digest('hex')
    .slice(0, 16);
  return `${tid}:cancel:${digest}`;
}
