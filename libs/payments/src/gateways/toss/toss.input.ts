/**
 * Input rules Toss enforces, checked before anything is sent so a bad field fails with an InvalidInputError naming
 * it instead of a gateway round trip (docs/gateways/toss.md#identifiers-and-amounts). Nothing here calls the network.
 */
import { AmountMismatchError, InvalidInputError, OrderMismatchError } from '../../domain/errors';
import { assertKrwAmount, assertNonNegativeKrw } from '../../domain/money';
import type { BillingKeyIssueRequest } from '../gateway-capabilities';
import { assertMatches } from '../gateway-fields';
import type { ConfirmInput, PreparedPayment, PrepareRequest } from '../gateway.port';

const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{6,64}$/;
const CUSTOMER_KEY_PATTERN = /^[A-Za-z0-9\-_=.@]{2,300}$/;
/** Toss issues paymentKeys of at most 200 characters. */
export const MAX_PAYMENT_KEY_LENGTH = 200;
const MAX_IDEMPOTENCY_KEY_LENGTH = 300;
/** A server-issued virtual account stays open at most 90 days (docs/gateways/toss.md#limits). */
const MAX_VALID_HOURS = 2160;

/** Payment methods `requestPayment({ method })` accepts (Toss JS SDK v2). */
const SDK_METHODS = new Set([
  'CARD',
  'TRANSFER',
  'VIRTUAL_ACCOUNT',
  'MOBILE_PHONE',
  'CULTURE_GIFT_CERTIFICATE',
  'FOREIGN_EASY_PAY',
]);

export function assertOrderId(orderId: unknown): void {
  assertMatches(orderId, 'orderId', ORDER_ID_PATTERN, 'must be 6-64 characters of A-Z a-z 0-9 _ -');
}

export function assertCustomerKey(customerKey: unknown, field: string): void {
  assertMatches(customerKey, field, CUSTOMER_KEY_PATTERN, 'must be 2-300 characters of A-Z a-z 0-9 - _ = . @');
}

export function assertText(value: unknown, field: string, min: number, max: number): void {
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    throw new InvalidInputError(field, `must be a string of ${min}-${max} characters`);
  }
}

/** Toss refuses longer keys (docs/gateways/toss.md#idempotency). */
export function assertIdempotencyKey(key: unknown): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new InvalidInputError('idempotencyKey', `must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
}

/** The fields of a checkout, in the order a caller would fix them. */
export function assertPrepareRequest(request: PrepareRequest): void {
  assertOrderId(request.orderId);
  assertKrwAmount(request.amount, 'amount');
  assertNonNegativeKrw(request.taxFreeAmount, 'taxFreeAmount');
  if (request.taxFreeAmount > request.amount) {
    throw new InvalidInputError('taxFreeAmount', 'must not exceed amount');
  }
  assertText(request.orderName, 'orderName', 1, 100);
  if (request.customer?.name !== undefined) assertText(request.customer.name, 'customer.name', 1, 100);
  if (request.customer?.email !== undefined) assertText(request.customer.email, 'customer.email', 1, 100);
  if (request.customer?.customerKey !== undefined)
    assertCustomerKey(request.customer.customerKey, 'customer.customerKey');
  if (request.method !== undefined && !SDK_METHODS.has(request.method)) {
    throw new InvalidInputError('method', `must be one of ${[...SDK_METHODS].join(', ')}`);
  }
}

/** `extra` of a server-issued virtual account: bank code, optional validity, depositor name (default customer.name). */
export function virtualAccountRequestOf(request: PrepareRequest): {
  bank: string;
  validHours: number | undefined;
  customerName: string;
} {
  const extra = request.extra ?? {};
  const bank = extra['bank'];
  if (typeof bank !== 'string' || !/^[0-9A-Za-z]{2,3}$/.test(bank)) {
    throw new InvalidInputError('extra.bank', 'must be a Toss bank code such as "20" or "88"');
  }
  const validHours = extra['validHours'];
  if (
    validHours !== undefined &&
    !(Number.isSafeInteger(validHours) && (validHours as number) >= 1 && (validHours as number) <= MAX_VALID_HOURS)
  ) {
    throw new InvalidInputError('extra.validHours', `must be an integer between 1 and ${MAX_VALID_HOURS}`);
  }
  const customerName = extra['customerName'] ?? request.customer?.name;
  assertText(customerName, 'extra.customerName', 1, 100);
  return { bank, validHours: validHours as number | undefined, customerName: customerName as string };
}

/** The successUrl query must name the payment we prepared, for the amount we stored (docs/gateways/toss.md#confirm). */
export function assertConfirmInput(prepared: PreparedPayment, input: ConfirmInput): void {
  const paymentKey = input.paymentKey;
  if (typeof paymentKey !== 'string' || paymentKey.length === 0) {
    throw new InvalidInputError('paymentKey', 'is required (from the successUrl query)');
  }
  if (paymentKey.length > MAX_PAYMENT_KEY_LENGTH) {
    throw new InvalidInputError('paymentKey', `must be at most ${MAX_PAYMENT_KEY_LENGTH} characters`);
  }
  if (input.orderId !== prepared.orderId) throw new OrderMismatchError(prepared.orderId, input.orderId);
  if (input.amount !== prepared.amount) throw new AmountMismatchError(prepared.amount, input.amount);
}

type BillingCard = NonNullable<BillingKeyIssueRequest['card']>;

/** Card data for the card-data billing endpoint; the identity number (birth date or business number) is required. */
export function assertBillingCard(card: BillingCard): BillingCard & { identityNumber: string } {
  if (!/^[0-9]{1,20}$/.test(card.number)) throw new InvalidInputError('card.number', 'must be up to 20 digits');
  if (!/^[0-9]{2}$/.test(card.expiryYear)) throw new InvalidInputError('card.expiryYear', 'must be 2 digits (YY)');
  if (!/^(0[1-9]|1[0-2])$/.test(card.expiryMonth))
    throw new InvalidInputError('card.expiryMonth', 'must be 2 digits (MM)');
  if (!card.identityNumber || !/^([0-9]{6}|[0-9]{10})$/.test(card.identityNumber)) {
    throw new InvalidInputError('card.identityNumber', 'is required: YYMMDD or a 10-digit business number');
  }
  if (card.passwordFirst2 !== undefined && !/^[0-9]{2}$/.test(card.passwordFirst2)) {
    throw new InvalidInputError('card.passwordFirst2', 'must be 2 digits');
  }
  return card as BillingCard & { identityNumber: string };
}
