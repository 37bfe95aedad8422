import type { PaymentsError } from '../../domain/errors';
import { buildErrorCodeTable, gatewayErrorFor, type GatewayErrorCategory } from '../gateway-errors';
import { nonEmptyString } from '../gateway-fields';

/**
 * What a NicePay `resultCode` means for us (docs/gateways/nicepay.md#errors; NicePay's own table has about 400 rows).
 * Decided by `resultCode`, never by HTTP status alone: most business errors arrive as HTTP 200.
 * - retryable:     transient (NicePay or a partner system failed); a money-moving call's outcome is unknown until read back.
 * - decline:       a definitive refusal about the card, account, amount limits or the payment's state. Nothing happened.
 * - configuration: our keys/contract/IP registration are wrong; a human must fix the merchant setup.
 * - request:       the request itself is wrong (a bug on our side, or input that slipped validation), including
 *                  duplicates (orderId/tid already used) and amount mismatches.
 * - not-found:     the addressed payment, order, billing key or receipt does not exist at NicePay.
 */
export type NicePayErrorCategory = GatewayErrorCategory;

const RETRYABLE = [
  'S999', // 기타오류 (reported to be temporary)
  '9999',
  '9002', // Try-Catch-Exception
  '2000', // DB오류
  '2159', // 해당은행장애
  'A226', // 전문통신 과정 오류
  'A299', // API 지연처리
  'A300',
  'A301',
  'A304',
  'A306',
  'A307',
  'A400',
  'A401',
  'A402',
  'A403',
  'A252',
  'A253',
  'A254',
  'A256',
  'A257',
  'U301',
  'U302',
  'U303',
  'U310',
  'U501',
  'U506',
  'U507',
  'U508',
  'U509',
  'U322',
  'U323',
  'P002',
  'P003',
  'P004',
  'P026',
  'P027',
  'P101',
  'P102',
  'P103',
  'T001',
  'T002',
  'T003',
  'T004',
  'T005',
  'X001',
  'X002',
  'X003',
  'X004',
  'F106',
  'F107',
  'F108',
  'F109',
  'F110',
] as const;

const CONFIGURATION = [
  // authentication: wrong key, wrong environment, wrong auth type
  'U101',
  'U102',
  'U103',
  'U104',
  'U108',
  'U109',
  'U116',
  'U117',
  'U118',
  'U304',
  'U305',
  'U306',
  'U307',
  'U317',
  // IP not registered
  'A224',
  'U315',
  // merchant setup / contract
  'U313',
  'U316',
  'P001',
  'P005',
  'P006',
  'P014',
  'P016',
  'A109',
  'A114',
  'A302',
  'A303',
  'A305',
  'A128',
  'A150',
  'A148',
  'A149',
  '2151',
  '2152',
  '2017',
  'F115',
  'F116',
  'F117',
  'U110',
  'U119',
  'V001',
  '3012',
  '3013',
  '3014',
  '3033',
  '3051',
  '4105',
  '4106',
  '4108',
  '4111',
  '4126',
  '4127',
  '4142',
  '7008',
] as const;

const REQUEST = [
  // missing / malformed parameters
  'P007',
  'U100',
  '9000',
  'A117',
  'P008',
  'P009',
  'U105',
  'A147',
  '9001',
  'U124',
  'P010',
  'P011',
  'P012',
  'P024',
  'U130',
  'U131',
  'U132',
  'A106',
  'A102',
  'A212',
  'U125',
  'U308',
  'P038',
  'U332',
  'A227',
  // signatures (our signData did not verify)
  'A101',
  'U312',
  'A211',
  // duplicates: orderId / tid already used, already approved
  'P015',
  'U112',
  'A127',
  'U114',
  'A225',
  '2201',
  '2156',
  // amounts (A123: the approval amount differs from the authenticated one)
  'A123',
  'P034',
  'U127',
  'U502',
  'A116',
  'P013',
  '1615',
  'P017',
  'P036',
  'U321',
  // cash receipt of a payment must use the receipt API (U106)
  'U106',
] as const;

const NOT_FOUND = [
  'U107',
  'U111',
  'U120',
  'U121',
  'U126',
  'U122',
  '2012',
  'A118',
  'A210',
  'A214',
  'A215',
  'A216',
  'A217',
  'A218',
  'A243',
  'A251',
  'P019',
  'W001',
  'W002',
  'A115',
  // billing keys
  'A124',
  'A125',
  'A223',
  'U309',
] as const;

const DECLINE = [
  // card (30xx)
  '3011',
  '3021',
  '3022',
  '3023',
  '3024',
  '3031',
  '3032',
  '3034',
  '3041',
  '3052',
  '3053',
  '3054',
  '3055',
  '3056',
  '3057',
  '3061',
  '3062',
  '3081',
  '3091',
  '3095',
  // bank transfer and virtual account
  '4001',
  '4002',
  '4003',
  '4004',
  '4005',
  '4006',
  '4007',
  '4008',
  '4101',
  '4102',
  '4103',
  '4104',
  '4107',
  '4109',
  '4115',
  '4116',
  '4117',
  '4118',
  '4119',
  '4122',
  '4123',
  '4141',
  // cash receipts
  '7002',
  '7003',
  '7004',
  '7005',
  '7006',
  '7007',
  '7009',
  '7010',
  '7011',
  '7012',
  '7013',
  '7014',
  '7015',
  '7041',
  '7042',
  // cellphone
  'A001',
  'A041',
  // cancel
  '1534',
  '2003',
  '2010',
  '2011',
  '2013',
  '2014',
  '2015',
  '2016',
  '2018',
  '2019',
  '2021',
  '2022',
  '2023',
  '2024',
  '2025',
  '2026',
  '2027',
  '2028',
  '2029',
  '2030',
  '2031',
  '2032',
  '2033',
  '2052',
  'U123',
  'U128',
  'U318',
  'U319',
  // net-cancel: window passed, refused
  '2020',
  'P035',
  'U503',
  'U504',
  // billing
  'F102',
  'F103',
  'F104',
  'F105',
  'F111',
  'F112',
  'F113',
  'F114',
  'F118',
  'F201',
  'A126',
  'U113',
  'U115',
  'A255',
  // window / authentication outcomes and limits
  'A107',
  'A108',
  'A113',
  'A245',
  'A246',
  'A250',
  'P021',
  'P022',
  'P023',
  'P029',
  'P030',
  'P031',
  'P032',
  'P033',
  'P037',
  'P091',
  'I002',
  'C001',
  'C002',
  'N001',
  'U311',
  'V003',
  'V004',
  'U129',
] as const;

/** Every NicePay result code we classify, with its category. */
export const NICEPAY_ERROR_TABLE: ReadonlyMap<string, NicePayErrorCategory> = buildErrorCodeTable('nicepay.errors', [
  [RETRYABLE, 'retryable'],
  [CONFIGURATION, 'configuration'],
  [REQUEST, 'request'],
  [NOT_FOUND, 'not-found'],
  [DECLINE, 'decline'],
]);

/** Codes meaning "this orderId was already used". */
export const NICEPAY_DUPLICATE_ORDER_CODES: ReadonlySet<string> = new Set(['P015', 'U112', 'A127']);
/** Codes meaning "this tid was already used or approved". */
export const NICEPAY_ALREADY_APPROVED_CODES: ReadonlySet<string> = new Set(['U114', 'A225', '2201']);
/**
 * Codes meaning "the approval amount is not the one this tid was authenticated for". Our approval always sends the
 * prepared amount and the returnUrl amount was checked against it, so the tid came from another order's window.
 */
export const NICEPAY_OTHER_AMOUNT_AUTHENTICATED_CODES: ReadonlySet<string> = new Set(['A123']);
/** A billing key already deleted (a repeated expire answers U115). */
export const NICEPAY_BILLING_KEY_GONE_CODES: ReadonlySet<string> = new Set(['U115', 'A126']);

/**
 * Category of a failed answer. A known code decides by the table. Without a code: HTTP 401/403 -> configuration
 * (NicePay pairs 401 with U104/U108 and 403 with U109), 404 and 5xx -> retryable (outcome unknown), other statuses
 * -> request. NicePay always names what it does not have (U107, U121 ...); a 404 without its code comes from
 * something in front of it (a proxy, a wrong path), which proves nothing about the payment, while "not found" is
 * read by the core as proof that an approval never happened (docs/gateways/nicepay.md#no-record-at-nicepay). A code
 * we do not know is a decline with the code kept: NicePay's table has ~400 rows and most of them are refusals, and a
 * decline never moves money or retries blindly.
 */
export function classifyNicePayError(httpStatus: number, code: string | undefined | null): NicePayErrorCategory {
  const known = code ? NICEPAY_ERROR_TABLE.get(code) : undefined;
  if (known) return known;
  if (!code) {
    if (httpStatus === 401 || httpStatus === 403) return 'configuration';
    if (httpStatus >= 500 || httpStatus === 429 || httpStatus === 404) return 'retryable';
    return 'request';
  }
  if (httpStatus === 401 || httpStatus === 403) return 'configuration';
  if (httpStatus >= 500) return 'retryable';
  return 'decline';
}

export type NicePayResourceKind = 'payment' | 'billing_key' | 'cash_receipt' | 'access_token';

export interface NicePayErrorContext {
  operation: string;
  resource: NicePayResourceKind;
  /** Printable reference (orderId / tid). Never a billing key. */
  reference?: string;
}

/** Turns a non-`0000` NicePay answer (or a non-2xx without one) into the library's typed error. */
export function nicePayErrorFromResult(httpStatus: number, body: unknown, context: NicePayErrorContext): PaymentsError {
  const envelope =
    body !== null && typeof body === 'object' ? (body as { resultCode?: unknown; resultMsg?: unknown }) : {};
  const code = nonEmptyString(envelope.resultCode);
  const message = typeof envelope.resultMsg === 'string' ? envelope.resultMsg.slice(0, 200) : '';
  // 'retryable': NicePay answered, but a partner or internal failure leaves whether a money-moving call took effect unknown.
  return gatewayErrorFor(classifyNicePayError(httpStatus, code), {
    gateway: 'nicepay',
    gatewayCode: code ?? `HTTP_${httpStatus}`,
    gatewayMessage: message,
    operation: context.operation,
    resource: context.resource,
    reference: context.reference ?? context.operation,
  });
}
