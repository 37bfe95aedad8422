import { InvalidInputError } from '../../domain/errors';
import { assertKrwAmount, assertNonNegativeKrw, vatOf } from '../../domain/money';
import type {
  BillingChargeRequest,
  BillingKeyIssueRequest,
  CashReceiptCancelRequest,
  CashReceiptIssueRequest,
} from '../gateway-capabilities';
import type { CancelRequest, CheckoutParams, CustomerInfo, PrepareRequest } from '../gateway.port';
import { nicePayBillingPlaintext, nicePayEncrypt } from './nicepay.crypto';
import {
  assertBid,
  assertOrderId,
  buyerFields,
  goodsNameOf,
  MIN_CARD_AMOUNT,
  MIN_INSTALLMENT_AMOUNT,
  nicePayRequestOrderId,
  oneOf,
  textWithinBytes,
  textWithinChars,
  url,
} from './nicepay.fields';
import { nicePayMethodOf } from './nicepay.mapping';
import type {
  NicePayBillingChargeBody,
  NicePayBillingRegistBody,
  NicePayCancelBody,
  NicePayCashReceiptCancelBody,
  NicePayCashReceiptIssueBody,
  NicePayEncMode,
} from './nicepay.types';

/*
 * Canonical requests -> NicePay request bodies, each field checked against NicePay's rules first so nothing invalid
 * is sent (docs/gateways/nicepay.md#checkout, #cancel, #billing-keys, #cash-receipts). `ediDate`/`signData` are added
 * by NicePayClient.
 */

/** requestPay methods that end in a credit-card approval. */
const CARD_METHODS = new Set(['card', 'directCard']);

type CheckoutFields = CheckoutParams['fields'];

/** Optional requestPay fields a caller may pass in `extra`, with their checks. */
type ExtraCheck = (value: unknown, field: string, request: PrepareRequest) => string | number | boolean;
const EXTRA_FIELDS: Readonly<Record<string, ExtraCheck>> = {
  vbankHolder: (value, field) => textWithinBytes(value, field, 40),
  vbankValidHours: (value, field) => {
    if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > 24 * 180) {
      throw new InvalidInputError(field, 'must be an integer number of hours between 1 and 4320');
    }
    return value as number;
  },
  vbankExpDate: (value, field) => {
    if (typeof value !== 'string' || !/^\d{8}(\d{4})?$|^\d{4}-\d{2}-\d{2}/.test(value) || value.length > 30) {
      throw new InvalidInputError(field, 'must be a date (yyyyMMdd, yyyyMMddHHmm or ISO 8601)');
    }
    return value;
  },
  cardQuota: (value, field, request) => {
    const text = typeof value === 'number' ? String(value).padStart(2, '0') : value;
    if (typeof text !== 'string' || !/^\d{1,2}(,\d{1,2})*$/.test(text) || text.length > 50) {
      throw new InvalidInputError(field, 'must be installment months such as "00" or "00,03"');
    }
    if (text.split(',').some((months) => Number(months) > 1) && request.amount < MIN_INSTALLMENT_AMOUNT) {
      throw new InvalidInputError(
        field,
        `installments need an amount of at least ${MIN_INSTALLMENT_AMOUNT} (NicePay answers P037)`,
      );
    }
    return text;
  },
  cardCode: (value, field) => {
    if (typeof value !== 'string' || !/^\d{2}(,\d{2})*$/.test(value) || value.length > 100) {
      throw new InvalidInputError(field, 'must be NicePay card codes such as "02" or "02,04"');
    }
    return value;
  },
  cardShowOpt: (value, field) => {
    if (typeof value !== 'string' || !/^[0-9:|]{1,100}$/.test(value))
      throw new InvalidInputError(field, 'must look like "08:3|02:3"');
    return value;
  },
  mallReserved: (value, field) => {
    const text = textWithinBytes(value, field, 500);
    // NicePay echoes it back as part of a JSON answer; a `"` breaks its handling.
    if (text.includes('"'))
      throw new InvalidInputError(field, 'must not contain a double quote (NicePay cannot echo it)');
    return text;
  },
  mallUserId: (value, field) => textWithinBytes(value, field, 20),
  language: (value, field) => oneOf(value, field, ['KO', 'EN', 'CN']),
  skinType: (value, field) => oneOf(value, field, ['red', 'green', 'purple', 'gray', 'dark']),
  useEscrow: (value, field) => {
    if (typeof value !== 'boolean') throw new InvalidInputError(field, 'must be a boolean');
    return value;
  },
  isDigital: (value, field) => {
    if (typeof value !== 'boolean') throw new InvalidInputError(field, 'must be a boolean');
    return value;
  },
  logoImgUrl: (value, field) => url(value, field, 200),
  appScheme: (value, field) => textWithinBytes(value, field, 100),
};

/** What `AUTHNICE.requestPay({...})` needs for this payment, every field checked. */
export function checkoutFields(request: PrepareRequest, clientId: string): CheckoutFields {
  assertOrderId(request.orderId, 'orderId');
  assertKrwAmount(request.amount, 'amount');
  assertNonNegativeKrw(request.taxFreeAmount, 'taxFreeAmount');
  if (request.taxFreeAmount > request.amount) throw new InvalidInputError('taxFreeAmount', 'must not exceed amount');
  const goodsName = goodsNameOf(request.orderName, 'orderName');
  const method = nicePayMethodOf(request.method);
  if (CARD_METHODS.has(method) && request.amount < MIN_CARD_AMOUNT) {
    throw new InvalidInputError(
      'amount',
      `a card payment needs at least ${MIN_CARD_AMOUNT} KRW (NicePay answers 3041)`,
    );
  }
  if (request.returnUrl === undefined || request.returnUrl === '') {
    throw new InvalidInputError('returnUrl', 'is required (NicePay POSTs the authentication result there)');
  }
  const returnUrl = url(request.returnUrl, 'returnUrl', 500);

  const fields: CheckoutFields = {
    clientId,
    method,
    orderId: request.orderId,
    amount: request.amount,
    goodsName,
    returnUrl,
  };
  if (request.taxFreeAmount > 0) fields['taxFreeAmt'] = request.taxFreeAmount;
  const customer = request.customer ?? {};
  Object.assign(fields, checkoutBuyerFields(customer));
  Object.assign(fields, checkoutExtraFields(request));

  if (method === 'vbank' && fields['vbankHolder'] === undefined) {
    // A virtual account needs a holder name; the buyer's name is the natural default.
    if (customer.name === undefined) {
      throw new InvalidInputError('extra.vbankHolder', 'is required for vbank (or give customer.name)');
    }
    fields['vbankHolder'] = textWithinBytes(customer.name, 'extra.vbankHolder', 40);
  }
  if (method === 'cardAndEasyPay' && (fields['cardCode'] !== undefined || fields['cardQuota'] !== undefined)) {
    throw new InvalidInputError(
      'extra.cardCode',
      'cardAndEasyPay cannot be combined with cardCode/cardQuota (NicePay answers U332)',
    );
  }
  return fields;
}

/** buyerName / buyerEmail / buyerTel of the payment window (its phone field takes up to 40 digits). */
function checkoutBuyerFields(customer: CustomerInfo): CheckoutFields {
  const fields: CheckoutFields = {};
  if (customer.name !== undefined) fields['buyerName'] = textWithinBytes(customer.name, 'customer.name', 30);
  if (customer.email !== undefined) {
    const email = textWithinBytes(customer.email, 'customer.email', 60);
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new InvalidInputError('customer.email', 'must be an e-mail address');
    fields['buyerEmail'] = email;
  }
  if (customer.phone !== undefined) {
    const phone = typeof customer.phone === 'string' ? customer.phone.replace(/-/g, '') : customer.phone;
    if (typeof phone !== 'string' || !/^[0-9]{8,40}$/.test(phone)) {
      throw new InvalidInputError('customer.phone', "must be 8-40 digits (the window's buyerTel)");
    }
    fields['buyerTel'] = phone;
  }
  return fields;
}

/** The caller's `extra` requestPay fields: only the known ones, each checked. */
function checkoutExtraFields(request: PrepareRequest): CheckoutFields {
  const fields: CheckoutFields = {};
  for (const [key, value] of Object.entries(request.extra ?? {})) {
    if (value === undefined) continue;
    const check = Object.prototype.hasOwnProperty.call(EXTRA_FIELDS, key) ? EXTRA_FIELDS[key] : undefined;
    if (!check) {
      throw new InvalidInputError(
        `extra.${key.slice(0, 40)}`,
        `is not a supported NicePay requestPay field (${Object.keys(EXTRA_FIELDS).join(', ')})`,
      );
    }
    fields[key] = check(value, `extra.${key}`, request);
  }
  return fields;
}

/**
 * The cancel body. The amount goes in `cancelAmt` (never `amount`, which NicePay ignores and turns into a full
 * cancel); a full cancel of what is left omits it (the real sandbox refuses any cancelAmt). Each cancel carries its
 * own orderId derived from our cancel id, so two partial cancels can never share one (NicePay answers U112).
 */
export function cancelBody(request: CancelRequest): NicePayCancelBody {
  const reason = textWithinBytes(request.reason, 'reason', 100);
  assertKrwAmount(request.amount, 'amount');
  assertNonNegativeKrw(request.balanceBefore, 'balanceBefore');
  const body: NicePayCancelBody = { reason, orderId: nicePayRequestOrderId('cancel', request.cancelId) };
  if (!request.isFull) body.cancelAmt = request.amount;
  if (request.taxFreeAmount !== undefined && request.taxFreeAmount > 0) {
    body.taxFreeAmt = assertNonNegativeKrw(request.taxFreeAmount, 'taxFreeAmount');
  }
  if (request.refundAccount) {
    // A virtual-account refund after the deposit goes to the buyer's account, which NicePay then requires.
    const account = request.refundAccount.accountNumber;
    if (typeof account !== 'string' || !/^[0-9]{1,16}$/.test(account)) {
      throw new InvalidInputError('refundAccount.accountNumber', 'must be up to 16 digits');
    }
    if (typeof request.refundAccount.bankCode !== 'string' || !/^[0-9]{3}$/.test(request.refundAccount.bankCode)) {
      throw new InvalidInputError('refundAccount.bankCode', 'must be a 3-digit NicePay bank code');
    }
    body.refundAccount = account;
    body.refundBankCode = request.refundAccount.bankCode;
    // 10 bytes as NicePay counts them (EUC-KR: a Korean character is 2).
    body.refundHolder = textWithinBytes(request.refundAccount.holderName, 'refundAccount.holderName', 10);
  }
  return body;
}

/**
 * The billing-key registration body: the card data is encrypted into `encData` (A2 = AES-256-CBC by default, or
 * AES-128-ECB) and never leaves this function in clear: not in logs, errors or `raw`.
 */
export function billingRegistBody(
  request: BillingKeyIssueRequest,
  secretKey: string,
  encMode: NicePayEncMode,
): NicePayBillingRegistBody {
  textWithinChars(request.customerKey, 'customerKey', 300);
  const card = request.card;
  if (!card) throw new InvalidInputError('card', 'is required: NicePay registers cards server-side');
  if (typeof card.number !== 'string' || !/^[0-9]{13,16}$/.test(card.number)) {
    throw new InvalidInputError('card.number', 'must be 13-16 digits');
  }
  if (typeof card.expiryYear !== 'string' || !/^[0-9]{2}$/.test(card.expiryYear)) {
    throw new InvalidInputError('card.expiryYear', 'must be 2 digits (YY)');
  }
  if (typeof card.expiryMonth !== 'string' || !/^(0[1-9]|1[0-2])$/.test(card.expiryMonth)) {
    throw new InvalidInputError('card.expiryMonth', 'must be 2 digits (MM)');
  }
  if (
    card.identityNumber !== undefined &&
    (typeof card.identityNumber !== 'string' || !/^([0-9]{6}|[0-9]{10})$/.test(card.identityNumber))
  ) {
    throw new InvalidInputError('card.identityNumber', 'must be a YYMMDD birth date or a 10-digit business number');
  }
  if (
    card.passwordFirst2 !== undefined &&
    (typeof card.passwordFirst2 !== 'string' || !/^[0-9]{2}$/.test(card.passwordFirst2))
  ) {
    throw new InvalidInputError('card.passwordFirst2', 'must be 2 digits');
  }
  const orderId = nicePayRequestOrderId('billing', request.idempotencyKey);
  const plaintext = nicePayBillingPlaintext({
    cardNo: card.number,
    expYear: card.expiryYear,
    expMonth: card.expiryMonth,
    idNo: card.identityNumber,
    cardPw: card.passwordFirst2,
  });
  const body: NicePayBillingRegistBody = {
    encData: nicePayEncrypt(plaintext, secretKey, encMode),
    orderId,
    ...buyerFields(request.customer),
  };
  if (encMode === 'A2') body.encMode = 'A2';
  return body;
}

/** The billing charge body: lump sum (`cardQuota` "0") and `useShopInterest` false, the only value NicePay supports. */
export function billingChargeBody(request: BillingChargeRequest): NicePayBillingChargeBody {
  assertOrderId(request.orderId, 'orderId');
  assertKrwAmount(request.amount, 'amount');
  if (request.amount < MIN_CARD_AMOUNT) {
    throw new InvalidInputError('amount', `a card charge needs at least ${MIN_CARD_AMOUNT} KRW (NicePay answers 3041)`);
  }
  assertNonNegativeKrw(request.taxFreeAmount, 'taxFreeAmount');
  if (request.taxFreeAmount > request.amount) throw new InvalidInputError('taxFreeAmount', 'must not exceed amount');
  assertBid(request.billingKey);
  const body: NicePayBillingChargeBody = {
    orderId: request.orderId,
    amount: request.amount,
    goodsName: goodsNameOf(request.orderName, 'orderName'),
    cardQuota: '0',
    useShopInterest: false,
    ...buyerFields(request.customer),
  };
  if (request.taxFreeAmount > 0) body.taxFreeAmt = request.taxFreeAmount;
  return body;
}

/**
 * The cash-receipt issue body. Supply/VAT/tax-free/service parts must sum to the amount (NicePay answers P013/1615
 * otherwise): VAT is the half-up tenth of the taxable part. A receipt for a NicePay payment cannot reuse the
 * payment's orderId (NicePay orderIds are unique), so it gets one derived from our receipt id; a stand-alone receipt
 * uses the merchant's orderId.
 */
export function cashReceiptIssueBody(request: CashReceiptIssueRequest): NicePayCashReceiptIssueBody {
  assertOrderId(request.orderId, 'orderId');
  assertKrwAmount(request.amount, 'amount');
  assertNonNegativeKrw(request.taxFreeAmount, 'taxFreeAmount');
  if (request.taxFreeAmount > request.amount) throw new InvalidInputError('taxFreeAmount', 'must not exceed amount');
  const receiptType =
    request.type === 'INCOME_DEDUCTION' ? 'individual' : request.type === 'EXPENSE_PROOF' ? 'company' : undefined;
  if (!receiptType) throw new InvalidInputError('type', 'must be INCOME_DEDUCTION or EXPENSE_PROOF');
  const receiptNo = typeof request.identityNumber === 'string' ? request.identityNumber.replace(/-/g, '') : '';
  const receiptNoPattern = receiptType === 'individual' ? /^[0-9]{10,11}$/ : /^[0-9]{10}$/;
  if (!receiptNoPattern.test(receiptNo)) {
    throw new InvalidInputError(
      'identityNumber',
      receiptType === 'individual' ? 'must be a 10-11 digit phone number' : 'must be a 10-digit business number',
    );
  }
  const goodsVat = vatOf(request.amount, request.taxFreeAmount);
  return {
    orderId: request.paymentKey ? nicePayRequestOrderId('receipt', request.receiptId) : request.orderId,
    amount: request.amount,
    goodsName: goodsNameOf(request.orderName, 'orderName'),
    receiptType,
    receiptNo,
    supplyAmt: request.amount - request.taxFreeAmount - goodsVat,
    goodsVat,
    taxFreeAmt: request.taxFreeAmount,
    serviceAmt: 0,
  };
}

/** The cash-receipt cancel body: full unless an amount is given, with an orderId derived from our idempotency key. */
export function cashReceiptCancelBody(request: CashReceiptCancelRequest): NicePayCashReceiptCancelBody {
  return {
    orderId: nicePayRequestOrderId('receipt-cancel', request.idempotencyKey),
    reason: textWithinBytes(request.reason ?? 'canceled by merchant', 'reason', 100),
    ...(request.amount !== undefined ? { cancelAmt: assertKrwAmount(request.amount, 'amount') } : {}),
  };
}
