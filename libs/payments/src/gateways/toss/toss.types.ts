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
 * Wire shapes of Toss Payments core API v1 (version 2022-11-16). Every field the adapter does not
 * need is optional and unknown fields are tolerated: Toss adds response fields and enum values without a version
 * bump (docs/gateways/toss.md#forward-compatibility), so nothing here is exhaustive and no enum is closed.
 */

/** Payment.status; `string & {}` keeps unknown future values type-safe. */
export type TossPaymentStatus =
  | 'READY'
  | 'IN_PROGRESS'
  | 'WAITING_FOR_DEPOSIT'
  | 'DONE'
  | 'CANCELED'
  | 'PARTIAL_CANCELED'
  | 'ABORTED'
  | 'EXPIRED'
  | (string & {});

/** Cancel element of Payment.cancels. */
export interface TossCancel {
  cancelAmount: number;
  cancelReason?: string | null;
  taxFreeAmount?: number | null;
  taxExemptionAmount?: number | null;
  refundableAmount?: number | null;
  transferDiscountAmount?: number | null;
  easyPayDiscountAmount?: number | null;
  cardDiscountAmount?: number | null;
  canceledAt?: string | null;
  transactionKey: string;
  receiptKey?: string | null;
  /** DONE; async flows IN_PROGRESS -> DONE / ABORTED. */
  cancelStatus?: 'DONE' | 'IN_PROGRESS' | 'ABORTED' | (string & {}) | null;
  cancelRequestId?: string | null;
}

/** Payment.card. `number` is masked by Toss (e.g. `43301234****123*`). */
export interface TossCard {
  amount?: number | null;
  issuerCode?: string | null;
  acquirerCode?: string | null;
  number?: string | null;
  installmentPlanMonths?: number | null;
  approveNo?: string | null;
  useCardPoint?: boolean | null;
  cardType?: string | null;
  ownerType?: string | null;
  acquireStatus?: string | null;
  isInterestFree?: boolean | null;
  interestPayer?: string | null;
}

/** Payment.virtualAccount. */
export interface TossVirtualAccount {
  accountType?: string | null;
  accountNumber: string;
  bankCode: string;
  customerName?: string | null;
  depositorName?: string | null;
  dueDate?: string | null;
  refundStatus?: string | null;
  expired?: boolean | null;
  settlementStatus?: string | null;
  refundReceiveAccount?: { bankCode?: string; accountNumber?: string; holderName?: string } | null;
}

export interface TossFailure {
  code: string;
  message: string;
}

/** Payment object. */
export interface TossPayment {
  version?: string;
  mId?: string;
  paymentKey: string;
  type?: 'NORMAL' | 'BILLING' | 'BRANDPAY' | (string & {});
  orderId: string;
  orderName?: string;
  currency?: string;
  /** Korean literal (`카드`, `가상계좌` ...), English with Accept-Language: en-US; null before a method is chosen. */
  method?: string | null;
  totalAmount: number;
  balanceAmount: number;
  status: TossPaymentStatus;
  requestedAt?: string | null;
  approvedAt?: string | null;
  useEscrow?: boolean | null;
  lastTransactionKey?: string | null;
  suppliedAmount?: number | null;
  vat?: number | null;
  taxFreeAmount?: number | null;
  taxExemptionAmount?: number | null;
  cancels?: TossCancel[] | null;
  isPartialCancelable?: boolean | null;
  card?: TossCard | null;
  virtualAccount?: TossVirtualAccount | null;
  /** Virtual-account webhook secret (docs/gateways/toss.md#trust-rules); never logged, never kept in `raw`. */
  secret?: string | null;
  receipt?: { url?: string | null } | null;
  checkout?: { url?: string | null } | null;
  failure?: TossFailure | null;
  metadata?: Record<string, string> | null;
  [unknownField: string]: unknown;
}

/** Billing object (a billing key and the card behind it). */
export interface TossBilling {
  mId?: string;
  customerKey: string;
  authenticatedAt?: string | null;
  method?: string | null;
  billingKey: string;
  card?: TossCard | null;
  [unknownField: string]: unknown;
}

/** Transaction row of GET /v1/transactions. */
export interface TossTransaction {
  mId?: string;
  transactionKey: string;
  paymentKey: string;
  orderId: string;
  method?: string | null;
  customerKey?: string | null;
  useEscrow?: boolean | null;
  receiptUrl?: string | null;
  status: TossPaymentStatus;
  transactionAt: string;
  currency?: string;
  amount: number;
  [unknownField: string]: unknown;
}

/** CashReceipt object. */
export interface TossCashReceipt {
  receiptKey: string;
  issueNumber?: string | null;
  issueStatus: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | (string & {});
  amount: number;
  taxFreeAmount?: number | null;
  orderId: string;
  orderName?: string | null;
  /** `소득공제` / `지출증빙` (English-ish values with Accept-Language: en-US). */
  type?: string | null;
  approvalNumber?: string | null;
  transactionType?: 'CONFIRM' | 'CANCEL' | (string & {}) | null;
  businessNumber?: string | null;
  customerIdentityNumber?: string | null;
  failure?: TossFailure | null;
  requestedAt?: string | null;
  receiptUrl?: string | null;
  [unknownField: string]: unknown;
}

/** GET /v1/cash-receipts page (docs/gateways/toss.md#cash-receipts). */
export interface TossCashReceiptPage {
  hasNext: boolean;
  lastCursor?: number | string | null;
  data: TossCashReceipt[];
}

/** Error envelope of every non-2xx answer (docs/gateways/toss.md#errors). */
export interface TossErrorBody {
  code?: string;
  message?: string;
}

/** Request bodies. */
export interface TossConfirmBody {
  paymentKey: string;
  orderId: string;
  amount: number;
}

export interface TossCancelBody {
  cancelReason: string;
  cancelAmount?: number;
  taxFreeAmount?: number;
  refundableAmount?: number;
  refundReceiveAccount?: { bank: string; accountNumber: string; holderName: string };
}

export interface TossVirtualAccountBody {
  amount: number;
  orderId: string;
  orderName: string;
  customerName: string;
  bank: string;
  validHours?: number;
  customerEmail?: string;
  taxFreeAmount?: number;
}

export interface TossBillingIssueBody {
  authKey: string;
  customerKey: string;
}

export interface TossBillingCardBody {
  customerKey: string;
  cardNumber: string;
  cardExpirationYear: string;
  cardExpirationMonth: string;
  customerIdentityNumber: string;
  cardPassword?: string;
  customerName?: string;
  customerEmail?: string;
}

export interface TossBillingChargeBody {
  customerKey: string;
  amount: number;
  orderId: string;
  orderName: string;
  taxFreeAmount?: number;
  customerName?: string;
  customerEmail?: string;
}

export interface TossCashReceiptIssueBody {
  amount: number;
  orderId: string;
  orderName: string;
  type: '소득공제' | '지출증빙';
  customerIdentityNumber: string;
  taxFreeAmount?: number;
}

export interface TossCashReceiptCancelBody {
  amount?: number;
}

/** Webhook bodies (docs/gateways/toss.md#webhooks). */
export interface TossPaymentStatusChangedEvent {
  eventType: 'PAYMENT_STATUS_CHANGED';
  createdAt?: string;
  data: TossPayment;
}

/** DEPOSIT_CALLBACK is flat and has no eventType. */
export interface TossDepositCallback {
  createdAt?: string;
  secret: string;
  status: TossPaymentStatus;
  transactionKey: string;
  orderId: string;
}

export interface TossBillingDeletedEvent {
  eventType: 'BILLING_DELETED';
  createdAt?: string;
  data: { billingKey: string; reason?: string | null };
}

// ---------------------------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------------------------

export const TOSS_PRODUCTION_BASE_URL = 'https://api.tosspayments.com';
export const TOSS_DEFAULT_CONNECT_MS = 5_000;
export const TOSS_DEFAULT_READ_MS = 30_000;
/** Billing charge, transactions and settlements can take up to 60 s (docs/gateways/toss.md#timeouts). */
export const TOSS_DEFAULT_SLOW_READ_MS = 60_000;
export const TOSS_DEFAULT_PAYOUT_TOLERANCE_SEC = 300;
/** Addresses Toss sends webhooks from (docs/gateways/toss.md#source-addresses). */
export const TOSS_WEBHOOK_SOURCE_IPS: readonly string[] = [
  ...['13.124.18.147', '13.124.108.35', '3.36.173.151', '3.38.81.32'],
  ...['115.92.221.121', '115.92.221.122', '115.92.221.123', '115.92.221.125', '115.92.221.126', '115.92.221.127'],
];

/** Secret key families: API-individual `sk`, widget `gsk`, legacy `ak`. */
export const TOSS_SECRET_KEY_PATTERN = /^(test|live)_(sk|gsk|ak)_[A-Za-z0-9_]+$/;
/** Client key families: API-individual `ck`, widget `gck`. */
export const TOSS_CLIENT_KEY_PATTERN = /^(test|live)_(ck|gck)_[A-Za-z0-9_]+$/;

export class TossTimeoutOptions extends GatewayTimeoutOptions {
  /** Read timeout of the slow endpoints (billing charge, transactions), docs/gateways/toss.md#timeouts. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(600_000)
  slowReadMs?: number;
}

export class TossWebhookOptions {
  /**
   * 보안 키 (security keys) used to sign payout.changed / seller.changed (docs/gateways/toss.md#payout-signatures).
   * Two slots so a rotated key and its successor both verify during the switch.
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(2)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  payoutSecurityKeys?: string[];

  /**
   * How the 보안 키 string becomes HMAC key bytes. Toss does not say; public implementations use the string's UTF-8
   * bytes, so that is the default; 'hex' decodes the 64-hex string instead
   * (docs/gateways/toss.md#settings-for-unverified-behaviour).
   */
  @IsOptional()
  @IsIn(['utf8', 'hex'])
  payoutKeyEncoding?: 'utf8' | 'hex';

  /** Replay window for `transmission-time`; Toss gives none, default 300 s (docs/gateways/toss.md#payout-signatures). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  payoutToleranceSec?: number;
}

/** The `gateways.toss` options block. Validated at boot (whitelist + forbidNonWhitelisted). */
export class TossGatewayOptions {
  @IsString()
  @Matches(TOSS_SECRET_KEY_PATTERN, {
    message: 'secretKey must look like test_sk_..., live_sk_..., test_gsk_..., live_gsk_... or test_ak_...',
  })
  secretKey!: string;

  @IsString()
  @Matches(TOSS_CLIENT_KEY_PATTERN, {
    message: 'clientKey must look like test_ck_..., live_ck_..., test_gck_... or live_gck_...',
  })
  clientKey!: string;

  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  baseUrl?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => TossTimeoutOptions)
  timeouts?: TossTimeoutOptions;

  @IsOptional()
  @ValidateNested()
  @Type(() => TossWebhookOptions)
  webhook?: TossWebhookOptions;

  /**
   * Where webhooks may come from (IPs or CIDR). Default Toss's published sources
   * (docs/gateways/toss.md#source-addresses); [] = any source. `webhooks.ipAllowlist.toss` overrides it.
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @IsString({ each: true })
  webhookAllowedSources?: string[];

  /** e.g. `en-US` for English messages and method names (docs/gateways/toss.md#status-and-method-mapping). */
  @IsOptional()
  @IsString()
  @MaxLength(35)
  acceptLanguage?: string;

  /** Log scrubbed request/response bodies at `verbose` (default false; see GatewayHttpClientOptions.logBodies). */
  @IsOptional()
  @IsBoolean()
  logBodies?: boolean;
}

/** Options with every default filled in; what the adapter actually runs with. */
export interface ResolvedTossOptions {
  secretKey: string;
  clientKey: string;
  baseUrl: string;
  timeouts: { connectMs: number; readMs: number; slowReadMs: number };
  webhook: { payoutSecurityKeys: string[]; payoutKeyEncoding: 'utf8' | 'hex'; payoutToleranceSec: number };
  webhookAllowedSources: readonly string[];
  acceptLanguage?: string;
  logBodies: boolean;
}

export function resolveTossOptions(options: TossGatewayOptions): ResolvedTossOptions {
  return {
    secretKey: options.secretKey,
    clientKey: options.clientKey,
    baseUrl: (options.baseUrl ?? TOSS_PRODUCTION_BASE_URL).replace(/\/+$/, ''),
    timeouts: {
      ...resolveGatewayTimeouts(options.timeouts, { connectMs: TOSS_DEFAULT_CONNECT_MS, readMs: TOSS_DEFAULT_READ_MS }),
      slowReadMs: options.timeouts?.slowReadMs ?? TOSS_DEFAULT_SLOW_READ_MS,
    },
    webhook: {
      payoutSecurityKeys: [...(options.webhook?.payoutSecurityKeys ?? [])],
      payoutKeyEncoding: options.webhook?.payoutKeyEncoding ?? 'utf8',
      payoutToleranceSec: options.webhook?.payoutToleranceSec ?? TOSS_DEFAULT_PAYOUT_TOLERANCE_SEC,
    },
    webhookAllowedSources: [...(options.webhookAllowedSources ?? TOSS_WEBHOOK_SOURCE_IPS)],
    acceptLanguage: options.acceptLanguage,
    logBodies: options.logBodies ?? false,
  };
}
