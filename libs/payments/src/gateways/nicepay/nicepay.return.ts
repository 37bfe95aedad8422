import {
  AmountMismatchError,
  GatewayDeclinedError,
  InvalidInputError,
  OrderMismatchError,
  SignatureMismatchError,
} from '../../domain/errors';
import { isRecord } from '../gateway-fields';
import type { ConfirmInput, PreparedPayment } from '../gateway.port';
import { nicePayReturnSignature, nicePaySignatureMatches } from './nicepay.crypto';
import { assertOrderId, parseAmountText, TID_PATTERN } from './nicepay.fields';
import type { NicePayReturnBody, ResolvedNicePayOptions } from './nicepay.types';

/*
 * The returnUrl POST of NicePay's payment window (docs/gateways/nicepay.md#return-and-approval): what the browser
 * brought back, read into a ConfirmInput and checked before any network call. Pure functions.
 */

/** The fields of the returnUrl POST; anything else in the body is dropped. */
const RETURN_FIELDS: readonly (keyof NicePayReturnBody)[] = [
  'authResultCode',
  'authResultMsg',
  'tid',
  'clientId',
  'orderId',
  'amount',
  'mallReserved',
  'authToken',
  'signature',
];

/**
 * The returnUrl POST body as a ConfirmInput: orderId as posted, amount from its string strictly (digits only, no
 * sign, no leading zero, at most 12 digits). Only the documented fields are kept, as strings.
 */
export function confirmInputFromReturnBody(body: Record<string, unknown>): ConfirmInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidInputError('body', 'must be the returnUrl form fields');
  }
  const authResult: Record<string, string> = {};
  for (const field of RETURN_FIELDS) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new InvalidInputError(field, 'must be a single string value');
    if (value.length > 600) throw new InvalidInputError(field, 'is too long');
    authResult[field] = value;
  }
  const orderId = authResult['orderId'];
  if (orderId === undefined) throw new InvalidInputError('orderId', 'is required (a field of the returnUrl POST)');
  assertOrderId(orderId, 'orderId');
  const amountText = authResult['amount'];
  if (amountText === undefined) throw new InvalidInputError('amount', 'is required (a field of the returnUrl POST)');
  const amount = parseAmountText(amountText, 'amount');
  const tid = authResult['tid'];
  return {
    orderId,
    amount,
    paymentKey: tid !== undefined && TID_PATTERN.test(tid) ? tid : undefined,
    authResult,
  };
}

/**
 * Local checks before approval: authResultCode 0000 (else a GatewayDeclinedError carrying NicePay's code and message),
 * our clientId, the prepared orderId and amount, and signature = sha256(authToken + clientId + amount + SK) over the
 * posted strings, timing-safe. The signature covers neither the tid nor the orderId: `approve` finds out at NicePay
 * whether the tid belongs to this order.
 */
export function verifyNicePayReturn(
  prepared: PreparedPayment,
  input: ConfirmInput,
  options: Pick<ResolvedNicePayOptions, 'clientId' | 'secretKey'>,
): void {
  const auth = input.authResult;
  if (!isRecord(auth)) throw new InvalidInputError('authResult', 'is required (the returnUrl POST body)');
  const code = auth['authResultCode'];
  if (typeof code !== 'string' || code.length === 0)
    throw new InvalidInputError('authResult.authResultCode', 'is required');
  if (code !== '0000') {
    const message = typeof auth['authResultMsg'] === 'string' ? auth['authResultMsg'].slice(0, 200) : '';
    throw new GatewayDeclinedError('nicepay', code.slice(0, 20), message);
  }
  if (auth['clientId'] !== options.clientId) {
    throw new InvalidInputError('authResult.clientId', 'is not the clientId this gateway is configured with');
  }
  if (input.orderId !== prepared.orderId)
    throw new OrderMismatchError(prepared.orderId, String(input.orderId).slice(0, 64));
  if (auth['orderId'] !== prepared.orderId) {
    throw new OrderMismatchError(prepared.orderId, String(auth['orderId']).slice(0, 64), {
      field: 'authResult.orderId',
    });
  }
  const postedAmount = parseAmountText(auth['amount'], 'authResult.amount');
  if (postedAmount !== prepared.amount)
    throw new AmountMismatchError(prepared.amount, postedAmount, { field: 'authResult.amount' });
  if (input.amount !== prepared.amount) throw new AmountMismatchError(prepared.amount, input.amount);
  const tid = auth['tid'];
  if (typeof tid !== 'string' || !TID_PATTERN.test(tid)) {
    throw new InvalidInputError('authResult.tid', 'must be the 30-character NicePay tid');
  }
  if (input.paymentKey !== undefined && input.paymentKey !== tid) {
    throw new InvalidInputError('paymentKey', 'must equal authResult.tid');
  }
  const authToken = auth['authToken'];
  if (typeof authToken !== 'string' || !/^[A-Za-z0-9]{1,64}$/.test(authToken)) {
    throw new InvalidInputError('authResult.authToken', 'must be the NicePay authToken');
  }
  const expected = nicePayReturnSignature(
    authToken,
    auth['clientId'] as string,
    auth['amount'] as string,
    options.secretKey,
  );
  if (!nicePaySignatureMatches(auth['signature'], expected)) {
    throw new SignatureMismatchError('nicepay', 'returnUrl');
  }
}
