import type { Clock } from '../clock';
import { assertHttpUrl } from '../common/simulator-http';

/**
 * What a test can set on `NicePaySimulator.start`. The settings that stand for facts NicePay documents loosely are
 * listed in docs/gateways/nicepay.md#testing-against-the-simulator.
 */
export interface NicePaySimulatorOptions {
  /** Default 0: the OS picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  clock?: Clock;
  /** Accepted keys; default the test key, Basic auth, Server-approval model. */
  keys?: Array<{ clientId: string; secretKey: string; authType?: 'basic' | 'token'; model?: 'server' | 'client' }>;
  /** Where 결제통보 (webhooks) go; unset → no webhooks. */
  webhookUrl?: string;
  /** Gap between webhook attempts; default 60_000 (NicePay re-sends "1분 간격", every minute). */
  webhookRetryIntervalMs?: number;
  /**
   * Webhook attempts in all, the first included; default 10. The manual's "1분 간격으로 10회 재전송" is read as ten
   * deliveries in all (the manual does not say which); pass 11 for "the first + 10 re-sends".
   */
  webhookMaxAttempts?: number;
  /** Multiplies the retry interval (tests use e.g. 0.001: 1 minute → 60 ms); default 1. */
  webhookTimeScale?: number;
  /** Per-attempt timeout; default 15_000 (the merchant is reported to have 15 s to answer). */
  webhookTimeoutMs?: number;
  /** Added to every response; default 0. */
  latencyMs?: number;
  /** The sandbox refuses any `cancelAmt` with U128; default false (production behaviour). */
  sandboxRejectsPartialCancel?: boolean;
  /** How long after an approval net-cancel is accepted; default 1 hour, as at NicePay. Later → 2020. */
  netCancelWindowMs?: number;
  /** Access-token lifetime; default 30 minutes, as at NicePay. */
  tokenTtlMs?: number;
  /** Clock time until a requested cash receipt shows `issued` (the tax service issues it the next day; the exact
   * delay is not documented); default 1 day. */
  cashReceiptIssueDelayMs?: number;
  /** Deposit deadline of an issued virtual account; default 7 days (requestPay's default, D+7). */
  vbankValidMs?: number;
  /**
   * The status an unpaid virtual account shows once its deposit deadline passed on the simulator's clock. NicePay's
   * manual lists `expired`; accounts have been reported to stay `ready` instead. Default 'ready'. Either way the
   * account takes no deposit and no cancel after the deadline.
   */
  vbankExpiredStatus?: 'ready' | 'expired';
  /** The 10-character MID at the start of every tid/bid; default `nictest00m`. */
  mid?: string;
}

export function validateOptions(options: NicePaySimulatorOptions): void {
  if (options.webhookUrl !== undefined) assertHttpUrl(options.webhookUrl, 'webhookUrl', 'NicePaySimulator');
  const nonNegative: Array<keyof NicePaySimulatorOptions> = [
    'webhookRetryIntervalMs',
    'webhookTimeScale',
    'webhookTimeoutMs',
    'latencyMs',
    'netCancelWindowMs',
    'tokenTtlMs',
    'cashReceiptIssueDelayMs',
    'vbankValidMs',
  ];
  for (const name of nonNegative) {
    const value = options[name];
    if (value !== undefined && !(typeof value === 'number' && value >= 0)) {
      throw new Error(`NicePaySimulator: ${name} must be a non-negative number`);
    }
  }
  if (
    options.webhookMaxAttempts !== undefined &&
    !(Number.isSafeInteger(options.webhookMaxAttempts) && options.webhookMaxAttempts >= 1)
  ) {
    throw new Error('NicePaySimulator: webhookMaxAttempts must be a positive integer');
  }
  if (options.vbankExpiredStatus !== undefined && !['ready', 'expired'].includes(options.vbankExpiredStatus)) {
    throw new Error("NicePaySimulator: vbankExpiredStatus must be 'ready' or 'expired'");
  }
  if (options.mid !== undefined && !/^[A-Za-z0-9]{10}$/.test(options.mid)) {
    throw new Error('NicePaySimulator: mid must be 10 alphanumeric characters');
  }
  for (const key of options.keys ?? []) {
    if (!key.clientId || !key.secretKey)
      throw new Error('NicePaySimulator: every key needs a clientId and a secretKey');
    // The billing cipher AES-256 needs a 32-byte key; the secret key itself is that key.
    if (!/^[\x21-\x7e]{32}$/.test(key.secretKey))
      throw new Error('NicePaySimulator: secret keys are 32 ASCII characters');
  }
  if (options.keys !== undefined && options.keys.length === 0)
    throw new Error('NicePaySimulator: keys must not be empty');
}
