import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { GatewayTimeoutOptions, resolveGatewayTimeouts } from '../gateway-options';

/*
 * Wire shapes of the NicePay "Start API" /v1. Fields the adapter does not need are optional and
 * unknown fields are tolerated; NicePay documents several fields with one type and sends another (cardQuota,
 * canPartCancel), so those are typed loosely.
 */

/** Payment object `status`; `string & {}` keeps unknown future values type-safe. */
export type NicePayStatus = 'paid' | 'ready' | 'failed' | 'cancelled' | 'partialCancelled' | 'expired' | (string & {});

/** Every answer carries these: success <=> resultCode === '0000'. */
export interface NicePayResultEnvelope {
  resultCode?: string;
  resultMsg?: string;
  [unknownField: string]: unknown;
}

export interface NicePayCard {
  cardCode?: string | null;
  cardName?: string | null;
  /** First 6 + last 4, e.g. `536112******1234`. */
  cardNum?: string | null;
  cardQuota?: number | string | null;
  isInterestFree?: boolean | null;
  cardType?: string | null;
  canPartCancel?: boolean | string | null;
  acquCardCode?: string | null;
  acquCardName?: string | null;
}

export interface NicePayVbank {
  vbankCode?: string | null;
  vbankName?: string | null;
  vbankNumber?: string | null;
  vbankExpDate?: string | null;
  vbankHolder?: string | null;
}

export interface NicePayCancelElement {
  /** The cancel's own tid. */
  tid: string;
  amount: number;
  cancelledAt?: string | null;
  reason?: string | null;
  receiptUrl?: string | null;
  couponAmt?: number | null;
}

/** The payment object: approve, inquiry, cancel, netcancel, billing approve and webhook bodies. */
export interface NicePayPayment extends NicePayResultEnvelope {
  tid: string;
  cancelledTid?: string | null;
  orderId: string;
  ediDate: string;
  signature?: string | null;
  status: NicePayStatus;
  paidAt?: string | null;
  failedAt?: string | null;
  cancelledAt?: string | null;
  payMethod?: string | null;
  amount: number;
  balanceAmt: number;
  goodsName?: string | null;
  mallReserved?: string | null;
  useEscrow?: boolean | null;
  currency?: string | null;
  channel?: string | null;
  approveNo?: string | null;
  buyerName?: string | null;
  buyerTel?: string | null;
  buyerEmail?: string | null;
  issuedCashReceipt?: boolean | null;
  receiptUrl?: string | null;
  mallUserId?: string | null;
  coupon?: { couponAmt?: number } | null;
  card?: NicePayCard | null;
  bank?: { bankCode?: string | null; bankName?: string | null } | null;
  vbank?: NicePayVbank | null;
  cancels?: NicePayCancelElement[] | null;
  cashReceipts?: unknown[] | null;
  /** Billing webhooks only (reported by NicePay's English changelog, not the Korean manual). */
  bid?: string | null;
}

/** POST /v1/access-token answer. NicePay's field table says `expiredAt`, every example `expireAt`. */
export interface NicePayAccessToken extends NicePayResultEnvelope {
  accessToken?: string;
  tokenType?: string;
  expireAt?: string;
  expiredAt?: string;
  now?: string;
}

/** POST /v1/subscribe/regist answer: camelCase on the wire, although the manual's example is PascalCase. */
export interface NicePayBillingRegistration extends NicePayResultEnvelope {
  tid?: string | null;
  orderId?: string | null;
  bid?: string | null;
  authDate?: string | null;
  cardCode?: string | null;
  cardName?: string | null;
  status?: string | null;
}

/** POST /v1/subscribe/{bid}/expire answer. */
export interface NicePayBillingExpiry extends NicePayResultEnvelope {
  tid?: string | null;
  orderId?: string | null;
  bid?: string | null;
  authDate?: string | null;
}

/** Cash receipt issue / cancel / inquiry answers. */
export interface NicePayCashReceipt extends NicePayResultEnvelope {
  tid: string;
  orderId: string;
  ediDate: string;
  signature?: string | null;
  approvedAt?: string | null;
  approveNo?: string | null;
  status?: string | null;
  amount?: number | null;
  cancelAmt?: number | null;
  balanceAmt?: number | null;
  cancelledAt?: string | null;
  receiptUrl?: string | null;
  receiptType?: string | null;
}

/** What NicePay POSTs to returnUrl in the Server-approval model; every value a string. */
export interface NicePayReturnBody {
  authResultCode: string;
  authResultMsg?: string;
  tid?: string;
  clientId?: string;
  orderId: string;
  amount: string;
  mallReserved?: string;
  authToken?: string;
  signature?: string;
}

// Request bodies. ediDate/signData are added by the client when signRequests is on.

export interface NicePaySignedFields {
  ediDate?: string;
  signData?: string;
}

export interface NicePayApproveBody extends NicePaySignedFields {
  amount: number;
}

export interface NicePayCancelBody extends NicePaySignedFields {
  reason: string;
  orderId: string;
  /** Never `amount`: that key is ignored and produces a full cancel. */
  cancelAmt?: number;
  taxFreeAmt?: number;
  refundAccount?: string;
  refundBankCode?: string;
  refundHolder?: string;
}

export interface NicePayNetCancelBody extends NicePaySignedFields {
  orderId: string;
}

export interface NicePayBillingRegistBody extends NicePaySignedFields {
  encData: string;
  orderId: string;
  buyerName?: string;
  buyerEmail?: string;
  buyerTel?: string;
  /** 'A2' = AES-256-CBC; absent = AES-128-ECB. */
  encMode?: 'A2';
}

export interface NicePayBillingChargeBody extends NicePaySignedFields {
  orderId: string;
  amount: number;
  goodsName: string;
  cardQuota: string;
  useShopInterest: false;
  buyerName?: string;
  buyerTel?: string;
  buyerEmail?: string;
  taxFreeAmt?: number;
}

export interface NicePayBillingExpireBody extends NicePaySignedFields {
  orderId: string;
}

export interface NicePayCashReceiptIssueBody extends NicePaySignedFields {
  orderId: string;
  amount: number;
  goodsName: string;
  receiptType: 'individual' | 'company';
  receiptNo: string;
  supplyAmt: number;
  goodsVat: number;
  taxFreeAmt: number;
  serviceAmt: number;
}

export interface NicePayCashReceiptCancelBody extends NicePaySignedFields {
  orderId: string;
  reason: string;
  cancelAmt?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------------------------

export const NICEPAY_PRODUCTION_BASE_URL = 'https://api.nicepay.co.kr';
export const NICEPAY_SANDBOX_BASE_URL = 'https://sandbox-api.nicepay.co.kr';
/** NicePay's recommended timeouts: connect 5 s, read 30 s. */
export const NICEPAY_DEFAULT_CONNECT_MS = 5_000;
export const NICEPAY_DEFAULT_READ_MS = 30_000;
/** Refresh a Bearer token this long before its `expireAt` (NicePay has no refresh API; a token lives 30 minutes). */
export const NICEPAY_DEFAULT_TOKEN_MARGIN_SEC = 60;
/** Webhook source IPs, from NicePay's firewall table (docs/gateways/nicepay.md#webhooks). */
export const NICEPAY_WEBHOOK_SOURCE_IPS: readonly string[] = ['121.133.126.86', '121.133.126.87'];
/** Net-cancel is accepted for 1 hour after the approval request (NicePay answers 2020 after that). */
export const NICEPAY_NET_CANCEL_WINDOW_MS = 60 * 60 * 1000;

/** clientId prefixes: S = sandbox, R = production; 1 = Client-approval, 2 = Server-approval. */
export const NICEPAY_CLIENT_ID_PREFIX = /^([SR])([12])_/;

export type NicePayAuthMode = 'basic' | 'bearer';
export type NicePayEncMode = 'A2' | 'AES128';
export type NicePayUnknownApprovalPolicy = 'netcancel' | 'query-first';

/** NicePay's recommended timeouts (defaults above). */
export class NicePayTimeoutOptions extends GatewayTimeoutOptions {}

/** The `gateways.nicepay` options block. Validated at boot (whitelist + forbidNonWhitelisted). */
export class NicePayGatewayOptions {
  /** 클라이언트 키: S1_/S2_ sandbox, R1_/R2_ production; unprefixed keys need `baseUrl`. */
  @IsString()
  @MinLength(1)
  @MaxLength(50)
  @Matches(/^[A-Za-z0-9_]+$/, { message: 'clientId must contain only A-Z a-z 0-9 _' })
  clientId!: string;

  /**
   * 시크릿 키: 32 hex characters. Exactly 32 characters are also what the billing ciphers need
   * (AES-256 key = the 32 ASCII characters).
   */
  @IsString()
  @Matches(/^[0-9a-fA-F]{32}$/, { message: 'secretKey must be the 32 hex characters NicePay issued' })
  secretKey!: string;

  /** Default from the clientId prefix: S*_ -> sandbox-api, R*_ -> api (docs/gateways/nicepay.md#keys-and-environments). */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  baseUrl?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => NicePayTimeoutOptions)
  timeouts?: NicePayTimeoutOptions;

  /**
   * API auth type of the secret key (docs/gateways/nicepay.md#keys-and-environments): 'basic' (default) sends Basic on
   * every call; 'bearer' mints a token at POST /v1/access-token and caches it until `expireAt`. A Token-type key rejects
   * Basic (U103).
   */
  @IsOptional()
  @IsIn(['basic', 'bearer'])
  authMode?: NicePayAuthMode;

  /** Seconds before `expireAt` at which a cached Bearer token is replaced. Default 60. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_500)
  tokenRefreshMarginSec?: number;

  /** Billing encData cipher: 'A2' = AES-256-CBC (default, what NicePay's official samples use), 'AES128' = ECB. */
  @IsOptional()
  @IsIn(['A2', 'AES128'])
  encMode?: NicePayEncMode;

  /**
   * What to do when an approval's answer is lost (docs/gateways/nicepay.md#lost-approvals):
   * - 'netcancel' (default, the manual's rule): net-cancel by orderId within 1 hour of the approval request; later,
   *   query instead.
   * - 'query-first': look the payment up and apply what the query shows; never net-cancel automatically.
   */
  @IsOptional()
  @IsIn(['netcancel', 'query-first'])
  unknownApprovalPolicy?: NicePayUnknownApprovalPolicy;

  /** Where webhooks may come from (IPs or CIDR). Default NicePay's 121.133.126.86/87; [] = any source. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @IsString({ each: true })
  // Each entry is checked by NicePayGatewayModule.validateOptions with the guard's own rules (allowedSourceProblems).
  webhookAllowedSources?: string[];

  /** Log scrubbed request/response bodies at `verbose` (default false). */
  @IsOptional()
  @IsBoolean()
  logBodies?: boolean;

  /** Send `ediDate` + `signData` with every request (an optional anti-forgery hash at NicePay). Default true. */
  @IsOptional()
  @IsBoolean()
  signRequests?: boolean;
}

/** Options with every default filled in; what the adapter actually runs with. */
export interface ResolvedNicePayOptions {
  clientId: string;
  secretKey: string;
  baseUrl: string;
  timeouts: { connectMs: number; readMs: number };
  authMode: NicePayAuthMode;
  tokenRefreshMarginMs: number;
  encMode: NicePayEncMode;
  unknownApprovalPolicy: NicePayUnknownApprovalPolicy;
  webhookAllowedSources: readonly string[];
  logBodies: boolean;
  signRequests: boolean;
}

/** 'sandbox' / 'production' from the clientId prefix; null for unprefixed (older) clientIds. */
export function nicePayKeyEnvironment(clientId: string | undefined): 'sandbox' | 'production' | null {
  const match = NICEPAY_CLIENT_ID_PREFIX.exec(clientId ?? '');
  if (!match) return null;
  return match[1] === 'S' ? 'sandbox' : 'production';
}

export function defaultNicePayBaseUrl(clientId: string | undefined): string | undefined {
  const environment = nicePayKeyEnvironment(clientId);
  if (environment === 'sandbox') return NICEPAY_SANDBOX_BASE_URL;
  if (environment === 'production') return NICEPAY_PRODUCTION_BASE_URL;
  return undefined;
}

export function resolveNicePayOptions(options: NicePayGatewayOptions): ResolvedNicePayOptions {
  const baseUrl = options.baseUrl ?? defaultNicePayBaseUrl(options.clientId);
  if (!baseUrl) {
    // NicePayGatewayModule.validateOptions reports this at boot; reaching here means the module's checks were bypassed.
    throw new Error('gateways.nicepay.baseUrl: required for a clientId without an S1_/S2_/R1_/R2_ prefix');
  }
  return {
    clientId: options.clientId,
    secretKey: options.secretKey,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    timeouts: resolveGatewayTimeouts(options.timeouts, {
      connectMs: NICEPAY_DEFAULT_CONNECT_MS,
      readMs: NICEPAY_DEFAULT_READ_MS,
    }),
    authMode: options.authMode ?? 'basic',
    tokenRefreshMarginMs: (options.tokenRefreshMarginSec ?? NICEPAY_DEFAULT_TOKEN_MARGIN_SEC) * 1000,
    encMode: options.encMode ?? 'A2',
    unknownApprovalPolicy: options.unknownApprovalPolicy ?? 'netcancel',
    webhookAllowedSources: [...(options.webhookAllowedSources ?? NICEPAY_WEBHOOK_SOURCE_IPS)],
    logBodies: options.logBodies ?? false,
    signRequests: options.signRequests ?? true,
  };
}
