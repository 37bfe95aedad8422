import {
  AmountMismatchError,
  GatewayDeclinedError,
  InvalidInputError,
  OrderMismatchError,
  SignatureMismatchError,
} from '../../domain/errors';
import { assertKrwAmount, assertNonNegativeKrw } from '../../domain/money';
import type { ConfirmInput, PreparedPayment, PrepareRequest } from '../gateway.port';
import { verifyKispgHash } from './kispg.crypto';
import {
  assertKispgText,
  KISPG_AMOUNT_PATTERN,
  KISPG_EXTRA_SWITCHES,
  KISPG_OPTIONAL_AUTH_FIELDS,
  KISPG_TID_PATTERN,
  kispgMethodOf,
} from './kispg.fields';
import type { ResolvedKispgOptions } from './kispg.types';

/*
 * The browser leg of a KISPG payment: the checks on what goes into the `/v2/auth` form and on what the payment window
 * POSTs back to returnUrl. Nothing here calls the network (docs/gateways/kispg.md#checkout,
 * docs/gateways/kispg.md#checks-on-the-return-body).
 */

/** Auth-window result code of a successful authentication. */
const AUTH_SUCCESS_CODE = '0000';
const EDI_DATE_PATTERN = /^[0-9]{14}$/;
/** ordNo ≤ 40 bytes; our orderIds are [A-Za-z0-9_-], so bytes = characters. */
const ORDER_NO_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;

/** A PrepareRequest checked field by field against KISPG's rules, as the form will carry it. */
export interface KispgCheckoutValues {
  /** '' when no method was chosen: KISPG then shows all methods. */
  payMethod: string;
  escrow: boolean;
  ordNo: string;
  goodsAmt: string;
  goodsNm: string;
  ordNm: string;
  ordTel: string;
  ordEmail: string;
  returnUrl: string;
  model: 'WEB' | 'MOB';
  /** Optional auth fields from `extra`, each within its byte limit. */
  optional: Record<string, string>;
}

/**
 * Every required field of the form, checked; optional ones from `extra`, checked against KISPG's byte limits. Throws
 * InvalidInputError naming the first field that does not fit, before anything is stored.
 */
export function validateKispgCheckout(request: PrepareRequest): KispgCheckoutValues {
  const ordNo = assertKispgText(request.orderId, 'orderId', {
    maxBytes: 40,
    pattern: ORDER_NO_PATTERN,
    patternHint: 'must be 1-40 characters of A-Z a-z 0-9 _ - (KISPG ordNo)',
  });
  const amount = assertKrwAmount(request.amount, 'amount');
  assertNonNegativeKrw(request.taxFreeAmount, 'taxFreeAmount');
  const goodsAmt = String(amount);
  if (goodsAmt.length > 15) throw new InvalidInputError('amount', 'must fit 15 digits (KISPG goodsAmt)');
  const goodsNm = assertKispgText(request.orderName, 'orderName', { maxBytes: 100 });
  const buyer = buyerFieldsOf(request);
  const returnUrl = assertKispgText(request.returnUrl, 'returnUrl', {
    maxBytes: 255,
    pattern: /^https?:\/\/\S+$/,
    patternHint: 'must be an http(s) URL (receives the KISPG auth result)',
  });
  const payMethod = payMethodOf(request.method);
  const extra = extraFieldsOf(request.extra, amount);
  return { payMethod, ordNo, goodsAmt, goodsNm, ...buyer, returnUrl, ...extra };
}

function buyerFieldsOf(request: PrepareRequest): Pick<KispgCheckoutValues, 'ordNm' | 'ordTel' | 'ordEmail'> {
  const ordNm = assertKispgText(request.customer?.name, 'customer.name', { maxBytes: 30 });
  const phone = request.customer?.phone;
  const ordTel = assertKispgText(typeof phone === 'string' ? phone.replace(/[-\s]/g, '') : phone, 'customer.phone', {
    maxBytes: 20,
    pattern: /^[0-9]+$/,
    patternHint: 'must be a phone number (digits, hyphens allowed; KISPG ordTel)',
  });
  const ordEmail =
    request.customer?.email !== undefined
      ? assertKispgText(request.customer.email, 'customer.email', {
          maxBytes: 60,
          pattern: /^[^\s@]+@[^\s@]+$/,
          patternHint: 'must be an e-mail address',
        })
      : '';
  return { ordNm, ordTel, ordEmail };
}

function payMethodOf(method: string | undefined): string {
  if (method === undefined || method === '') return '';
  const mapped = kispgMethodOf(method);
  if (!mapped) {
    throw new InvalidInputError(
      'method',
      'must be CARD, TRANSFER, VIRTUAL_ACCOUNT or MOBILE_PHONE (KISPG CARD/BANK/VACNT/PHONE)',
    );
  }
  return mapped;
}

/** `extra`: KISPG's optional auth fields, plus `model` (WEB/MOB) and `escrow` (trxCd 1). */
function extraFieldsOf(
  extraInput: unknown,
  amount: number,
): Pick<KispgCheckoutValues, 'optional' | 'model' | 'escrow'> {
  const extra = (extraInput ?? {}) as Record<string, unknown>;
  if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) {
    throw new InvalidInputError('extra', 'must be an object');
  }
  const optional: Record<string, string> = {};
  for (const [key, value] of Object.entries(extra)) {
    if (KISPG_EXTRA_SWITCHES.has(key)) continue;
    const rule = Object.prototype.hasOwnProperty.call(KISPG_OPTIONAL_AUTH_FIELDS, key)
      ? KISPG_OPTIONAL_AUTH_FIELDS[key]
      : undefined;
    if (!rule) throw new InvalidInputError(`extra.${key}`, 'is not an optional KISPG auth field');
    if (value === undefined || value === null) continue;
    optional[key] = assertKispgText(
      typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value,
      `extra.${key}`,
      rule,
    );
  }
  const model = extra['model'] ?? 'WEB';
  if (model !== 'WEB' && model !== 'MOB') throw new InvalidInputError('extra.model', "must be 'WEB' or 'MOB'");
  const escrow = extra['escrow'] ?? false;
  if (typeof escrow !== 'boolean') throw new InvalidInputError('extra.escrow', 'must be a boolean');
  if (optional['crctNo'] !== undefined && (optional['crctType'] ?? '1') === '0') {
    throw new InvalidInputError('extra.crctNo', "must not be set when crctType is '0' (no cash receipt)");
  }
  if (optional['crctType'] !== undefined && optional['crctType'] !== '0' && optional['crctNo'] === undefined) {
    throw new InvalidInputError('extra.crctNo', 'is required for a cash receipt (crctType 1 or 2)');
  }
  if (optional['cupDepositAmt'] !== undefined && Number(optional['cupDepositAmt']) > amount) {
    throw new InvalidInputError('extra.cupDepositAmt', 'must not exceed amount (goodsAmt includes the deposit)');
  }
  return { optional, model, escrow };
}

/**
 * The body KISPG's window POSTs to returnUrl → ConfirmInput. `ordNo` is the orderId, `amt` the amount (digits only),
 * `tid` the paymentKey; the whole body travels on as `authResult` for `verifyKispgAuthResult`. A failed auth carries
 * only resultCd/resultMsg: that is a decline.
 */
export function kispgConfirmInputFromReturn(body: Record<string, unknown>): ConfirmInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidInputError('body', 'must be the returnUrl form body');
  }
  const authResult: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string') authResult[key] = value;
    else if (value !== undefined && value !== null) throw new InvalidInputError(`body.${key}`, 'must be a string');
  }
  const resultCd = authResult['resultCd'];
  const ordNo = authResult['ordNo'];
  const amt = authResult['amt'];
  if (resultCd !== undefined && resultCd !== AUTH_SUCCESS_CODE && (ordNo === undefined || amt === undefined)) {
    throw new GatewayDeclinedError('kispg', resultCd, authResult['resultMsg'] ?? '');
  }
  if (ordNo === undefined || ordNo === '') throw new InvalidInputError('ordNo', 'is required (KISPG auth result)');
  assertKispgText(ordNo, 'ordNo', { maxBytes: 40 });
  if (amt === undefined || !KISPG_AMOUNT_PATTERN.test(amt))
    throw new InvalidInputError('amt', 'must be 1-15 digits (KISPG auth result)');
  const amount = Number(amt);
  if (!Number.isSafeInteger(amount)) throw new InvalidInputError('amt', 'is not an integer KRW amount');
  const tid = authResult['tid'];
  return {
    orderId: ordNo,
    amount,
    ...(tid !== undefined && tid !== '' ? { paymentKey: tid } : {}),
    authResult,
  };
}

/**
 * Local checks of the auth result before any approval: resultCd 0000 with a tid, amt and ordNo equal to what we
 * prepared (the browser is never trusted, whatever the hash says), and encData per `returnHashFormula`.
 */
export function verifyKispgAuthResult(
  prepared: PreparedPayment,
  input: ConfirmInput,
  options: Pick<ResolvedKispgOptions, 'mid' | 'merchantKey' | 'returnHashFormula'>,
): void {
  const auth = input.authResult;
  if (!auth || typeof auth !== 'object')
    throw new InvalidInputError('authResult', 'is required (the KISPG returnUrl body)');
  const resultCd = auth['resultCd'];
  if (typeof resultCd !== 'string' || resultCd.length === 0)
    throw new InvalidInputError('authResult.resultCd', 'is required');
  if (resultCd !== AUTH_SUCCESS_CODE) {
    throw new GatewayDeclinedError('kispg', resultCd, typeof auth['resultMsg'] === 'string' ? auth['resultMsg'] : '');
  }
  const tid = auth['tid'];
  if (typeof tid !== 'string' || !KISPG_TID_PATTERN.test(tid)) {
    throw new InvalidInputError('authResult.tid', 'is required on a successful auth: 1-30 letters/digits');
  }
  if (input.paymentKey !== undefined && input.paymentKey !== tid) {
    throw new InvalidInputError('paymentKey', 'must equal authResult.tid');
  }
  const amt = auth['amt'];
  if (typeof amt !== 'string' || !KISPG_AMOUNT_PATTERN.test(amt))
    throw new InvalidInputError('authResult.amt', 'must be 1-15 digits');
  assertAuthResultIsPrepared(prepared, input, amt);
  if (options.returnHashFormula === 'mid+ediDate+amt+merchantKey') assertAuthResultHash(auth, amt, options);
}

function assertAuthResultIsPrepared(prepared: PreparedPayment, input: ConfirmInput, amt: string): void {
  const auth = input.authResult ?? {};
  if (input.orderId !== prepared.orderId)
    throw new OrderMismatchError(prepared.orderId, input.orderId, { gateway: 'kispg' });
  if (auth['ordNo'] !== prepared.orderId) {
    throw new OrderMismatchError(prepared.orderId, String(auth['ordNo'] ?? ''), { gateway: 'kispg' });
  }
  if (input.amount !== prepared.amount)
    throw new AmountMismatchError(prepared.amount, input.amount, { gateway: 'kispg' });
  if (amt !== String(prepared.amount)) {
    throw new AmountMismatchError(prepared.amount, Number(amt), { gateway: 'kispg', field: 'authResult.amt' });
  }
}

/** sha256(mid + ediDate + amt + merchantKey) over the body's own ediDate and amt, compared in constant time. */
function assertAuthResultHash(
  auth: Record<string, string>,
  amt: string,
  options: Pick<ResolvedKispgOptions, 'mid' | 'merchantKey'>,
): void {
  const ediDate = auth['ediDate'];
  if (typeof ediDate !== 'string' || !EDI_DATE_PATTERN.test(ediDate)) {
    throw new SignatureMismatchError('kispg', 'auth result (ediDate missing or malformed)');
  }
  const valid = verifyKispgHash(auth['encData'], {
    mid: options.mid,
    ediDate,
    amount: amt,
    merchantKey: options.merchantKey,
  });
  if (!valid) throw new SignatureMismatchError('kispg', 'auth result encData');
}
