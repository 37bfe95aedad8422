import type { Clock } from '../clock';
import type { RecordedRequest } from '../common/simulator-http';
import { assertHttpUrl } from '../common/simulator-http';
import type { KispgFailureKind } from './kispg-simulator.errors';
import type { KispgPayMethod } from './kispg-simulator.model';

/*
 * How a KispgSimulator is started: its options, their checks, and the public test merchant it knows by default.
 */

/** KISPG's public test merchant, from its own sample pages. Test payments are real charges. */
export const KISPG_TEST_MID = 'kistest00m';
export const KISPG_TEST_MERCHANT_KEY =
  '2d6ECGhR1pg/1QGE1lcRI4awsWEgshjEyI8UgYslLPJSuNeyPTkdrT8XWARezvDTUJClWQWhjxzBbu7AsuLZqg==';

/** The request log entry (same shape as the Toss simulator's). `/v2/auth` form posts are recorded with the parsed form as `body`. */
export type KispgRecordedRequest = RecordedRequest;

export interface KispgSimulatorOptions {
  /** Default 0: the OS picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  clock?: Clock;
  /** Default: the public test merchant (test: true). `test` merchants get the 23:30 KST auto-cancel. */
  merchants?: Array<{ mid: string; merchantKey: string; test?: boolean }>;
  /**
   * Where result notifications go; unset → none. KISPG has no per-request notiUrl: the merchant registers one URL
   * with its sales contact.
   */
  notifyUrl?: string;
  /** Default 'form' (`application/x-www-form-urlencoded`, the sister platform's format). */
  notifyFormat?: 'form' | 'json';
  /** Simulated time between retries; default 120_000 (the sister platform retries every 2 minutes). */
  notifyRetryIntervalMs?: number;
  /** Retries after the first try; default 5 (so at most 6 attempts, like the sister platform). */
  notifyMaxAttempts?: number;
  /** Real ms per simulated ms of the retry interval; default 1/60_000 (2 minutes → 2 ms). */
  notifyTimeScale?: number;
  /** Per-attempt timeout (real ms); default 10_000 (a guess). */
  notifyTimeoutMs?: number;
  /** Also notify when a virtual account is issued (4100); default false: the sister platform only documents 4110. */
  notifyOnVacntIssue?: boolean;
  /** How old an ediDate may be; default 600_000 (KISPG: "현재 시각 −10분까지 유효"). */
  ediDatePastMs?: number;
  /** How far ahead of the clock an ediDate may be; default 60_000 (a guess: KISPG says nothing). */
  ediDateFutureMs?: number;
  /** Cancel test-MID approvals of the day once the clock passes 23:30 KST (checked on each request and every second); default false. */
  autoCancelTestMidsAt2330?: boolean;
  /**
   * Renders `/v2/order`'s `cancelData` (a String whose shape KISPG does not document). Default, *simulator-invented*:
   * `JSON.stringify([{ canAmt: "500", canDtm: "yyyyMMddHHmmss", canNo: "1" }, …])`.
   */
  cancelDataSerializer?: (cancels: Array<{ canAmt: number; canDtm: string; canNo: string }>) => string;
  /** Refusal codes; default SIM1..SIM11, invented (docs/gateways/kispg.md#simulator-inventions). */
  failureCodes?: Partial<Record<KispgFailureKind, string>>;
  /** `/v2/order` success resultCd; default '0000' (a guess: the guide lists none, clients check `trxStatus`). */
  queryResultCd?: string;
  /** tid method + sub code (a guess); default CARD 0101, BANK 0201, VACNT 0301, PHONE 0501. */
  tidMethodCodes?: Partial<Record<KispgPayMethod, string>>;
  /** Days until a virtual account's lmtDay; default 7 (a guess). */
  vacntDueDays?: number;
  /** Added to every response; default 0. */
  latencyMs?: number;
}

/** Default `cancelData` rendering; the key names are invented: provider code must not depend on them. */
export const simulatorInventedCancelData = (
  cancels: Array<{ canAmt: number; canDtm: string; canNo: string }>,
): string =>
  JSON.stringify(
    cancels.map((cancel) => ({ canAmt: String(cancel.canAmt), canDtm: cancel.canDtm, canNo: cancel.canNo })),
  );

export function validateKispgSimulatorOptions(options: KispgSimulatorOptions): void {
  if (options.notifyUrl !== undefined) assertHttpUrl(options.notifyUrl, 'notifyUrl', 'KispgSimulator');
  for (const [name, value] of Object.entries({
    notifyRetryIntervalMs: options.notifyRetryIntervalMs,
    notifyTimeScale: options.notifyTimeScale,
    notifyTimeoutMs: options.notifyTimeoutMs,
    ediDatePastMs: options.ediDatePastMs,
    ediDateFutureMs: options.ediDateFutureMs,
    latencyMs: options.latencyMs,
    vacntDueDays: options.vacntDueDays,
  })) {
    if (value !== undefined && !(value >= 0)) throw new Error(`KispgSimulator: ${name} must be a non-negative number`);
  }
  if (
    options.notifyMaxAttempts !== undefined &&
    !(Number.isSafeInteger(options.notifyMaxAttempts) && options.notifyMaxAttempts >= 0)
  ) {
    throw new Error('KispgSimulator: notifyMaxAttempts must be a non-negative integer');
  }
  for (const merchant of options.merchants ?? []) {
    if (merchant.mid.length !== 10) throw new Error(`KispgSimulator: mid ${merchant.mid} must be 10 characters`);
    if (!merchant.merchantKey) throw new Error(`KispgSimulator: merchant ${merchant.mid} needs a merchantKey`);
  }
  for (const code of Object.values(options.tidMethodCodes ?? {})) {
    if (!/^[0-9]{4}$/.test(code)) throw new Error('KispgSimulator: tidMethodCodes must be 4 digits');
  }
}
