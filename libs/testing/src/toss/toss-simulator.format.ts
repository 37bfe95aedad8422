import { randomBytes } from 'node:crypto';
import { kstCompact, kstInstant, kstParts, pad } from '../common/kst';
import { randomString } from '../common/random-id';

export { kstCompact } from '../common/kst';
export { randomDigits, randomString } from '../common/random-id';

/** `yyyy-MM-dd'T'HH:mm:ss+09:00`, the format of requestedAt/approvedAt/canceledAt/transactionAt. */
export function formatKst(date: Date): string {
  const p = kstParts(date);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}+09:00`;
}

/** `yyyy-MM-dd'T'HH:mm:ss.SSSSSS` without offset: a payment webhook's `createdAt` (docs/gateways/toss.md#webhooks). */
export function formatWebhookCreatedAt(date: Date): string {
  const p = kstParts(date);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}.${pad(p.ms, 3)}000`;
}

/** `yyyy-MM-dd` of the KST calendar day (cash-receipt `requestDate`). */
export function kstDate(date: Date): string {
  const p = kstParts(date);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?)?$/;

/**
 * Parses the query/body date-times Toss takes without an offset (`yyyy-MM-dd'T'HH:mm:ss[.SSS]`, or a bare date
 * meaning 00:00:00) as KST wall-clock time. Returns undefined for anything else, including dates
 * that do not exist (2024-02-30).
 */
export function parseKstLocal(text: string): Date | undefined {
  const match = LOCAL_DATE_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map((part) => Number(part ?? 0));
  const ms = match[7] ? Number(match[7].padEnd(3, '0')) : 0;
  return kstInstant({ year, month, day, hour, minute, second, ms });
}

const LOWER_ALPHANUMERIC = '0123456789abcdefghjkmnpqrstvwxyz';

/** 32 upper-case hex chars, like `9C62B18EEF0DE3EB7F4422EB6D14BC6E`. */
export const newTransactionKey = (): string => randomBytes(16).toString('hex').toUpperCase();
/** `X-TossPayments-Trace-Id`: 32 hex. */
export const newTraceId = (): string => randomBytes(16).toString('hex');
/** `ps_` + 27 chars, like `ps_eqRGgYO1r57E4Z541ZMW3QnN2Eya`. */
export const newVirtualAccountSecret = (): string => `ps_${randomString(27)}`;
/** base64-like with `=` padding, like `Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=`; URL-safe so it fits a path. */
export const newBillingKey = (): string => `${randomBytes(32).toString('base64url')}=`;
export const newAuthKey = (): string => `bln_${randomString(28)}`;
export const newReceiptKey = (): string => randomString(48);
/** `whtrans_` + 26 lower-case chars, like `whtrans_a01j70335nkqqeg0zwzz2r4py9z`. */
export const newWebhookTransmissionId = (): string => `whtrans_${randomString(26, LOWER_ALPHANUMERIC)}`;

/** mId prefix + yyyyMMddHHmmss + 5 chars, like `tviva20240213121757MvuS8`. */
export function newPaymentKey(now: Date): string {
  return `tviva${kstCompact(now)}${randomString(5)}`;
}

/**
 * Masks a card number the way Toss shows it: first 8 digits, `****`, digits 13..n-1, `*` for the last one
 * (`4330123412341234` → `43301234****123*`). Never returns the full number.
 */
export function maskCardNumber(cardNumber: string): string {
  const digits = cardNumber.replace(/\D/g, '');
  if (digits.length < 13) return `${digits.slice(0, 6)}******`;
  return `${digits.slice(0, 8)}****${digits.slice(12, digits.length - 1)}*`;
}

/**
 * VAT included in a taxable amount: round half-up of (amount − taxFree) / 11, integer arithmetic only
 * (1000→91, 9026→821, 10000 with 3000 tax-free→636; docs/gateways/toss.md#identifiers-and-amounts). Deliberately
 * not imported from the library's domain/money.ts: the simulator is the library's oracle, so it must not share the
 * code it checks.
 */
export function vatOf(amount: number, taxFreeAmount: number): number {
  const taxable = amount - taxFreeAmount;
  if (taxable <= 0) return 0;
  return Math.floor((taxable * 2 + 11) / 22);
}

export const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{6,64}$/;
/** 2–300 chars of `A-Z a-z 0-9 - _ = . @`. */
export const CUSTOMER_KEY_PATTERN = /^[A-Za-z0-9\-_=.@]{2,300}$/;

export const isPositiveInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
export const isNonNegativeInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
export const isNonEmptyString = (value: unknown, maxLength: number): value is string =>
  typeof value === 'string' && value.length >= 1 && value.length <= maxLength;

/** Bank codes accepted for virtual accounts and refund accounts. */
export const BANK_CODES: ReadonlySet<string> = new Set([
  '39',
  '34',
  '12',
  '32',
  '45',
  '64',
  '88',
  '48',
  '27',
  '20',
  '71',
  '50',
  '37',
  '35',
  '90',
  '89',
  '92',
  '81',
  '54',
  '03',
  '06',
  '31',
  '02',
  '11',
  '23',
  '07',
]);
