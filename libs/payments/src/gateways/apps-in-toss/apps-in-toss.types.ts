import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsOptional,
  IsString,
  IsUrl,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { GatewayTimeoutOptions, resolveGatewayTimeouts } from '../gateway-options';

/*
 * Wire shapes of the Apps-in-Toss TossPay partner API and the `gateways.appsInToss` options block. Response objects
 * are parsed defensively: the docs show type drift between endpoints (`cardCompanyCode` is a String in execute and an
 * Integer in status, `spreadOut` String vs Integer, `noInterest` String vs Boolean), so every field the adapter reads
 * is typed `unknown`-tolerant and coerced in apps-in-toss.mapping.ts
 * (docs/gateways/apps-in-toss.md#method-amounts-and-card-fields).
 */

/** Production host of the pay endpoints (not the login host `apps-in-toss-api.toss.im`). */
export const APPS_IN_TOSS_PAY_BASE_URL = 'https://pay-apps-in-toss-api.toss.im';
/** Path prefix shared by the four pay endpoints. */
export const APPS_IN_TOSS_PAY_PATH = '/api-partner/v1/apps-in-toss/pay';
export const APPS_IN_TOSS_DEFAULT_CONNECT_MS = 5_000;
export const APPS_IN_TOSS_DEFAULT_READ_MS = 30_000;

/** `resultType` enum of the envelope (docs/gateways/apps-in-toss.md#envelope). Anything other than SUCCESS is a failure. */
export type AppsInTossResultType =
  | 'SUCCESS'
  | 'HTTP_TIMEOUT'
  | 'NETWORK_ERROR'
  | 'EXECUTION_FAIL'
  | 'INTERRUPTED'
  | 'INTERNAL_ERROR'
  | 'FAIL'
  | (string & {});

/** `{ resultType, success }` / `{ resultType, error }`. `error` may also be a bare string (seen from login endpoints). */
export interface AppsInTossEnvelope<T> {
  resultType?: AppsInTossResultType;
  success?: T | null;
  error?:
    | { errorCode?: string | null; reason?: string | null; message?: string | null; description?: string | null }
    | string
    | null;
}

/** `payStatus` (docs/gateways/apps-in-toss.md#status-mapping). Unknown future values are tolerated. */
export type AppsInTossPayStatus =
  | 'PAY_STANDBY'
  | 'PAY_APPROVED'
  | 'PAY_CANCEL'
  | 'PAY_PROGRESS'
  | 'PAY_COMPLETE'
  | 'REFUND_PROGRESS'
  | 'REFUND_SUCCESS'
  | 'SETTLEMENT_COMPLETE'
  | 'SETTLEMENT_REFUND_COMPLETE'
  | (string & {});

export type AppsInTossPayMethod = 'TOSS_MONEY' | 'CARD';

/** make-payment request (docs/gateways/apps-in-toss.md#prepare-make-payment). */
export interface AppsInTossMakePaymentBody {
  orderNo: string;
  productDesc: string;
  amount: number;
  amountTaxFree: number;
  amountTaxable?: number;
  amountVat?: number;
  amountServiceFee?: number;
  enablePayMethods?: AppsInTossPayMethod;
  cashReceipt?: boolean;
  cashReceiptTradeOption?: 'GENERAL' | 'CULTURE' | 'PUBLIC_TP';
  installment?: 'USE' | 'NOT_USE';
  isTestPayment: boolean;
}

export interface AppsInTossMakePaymentResult {
  payToken?: string;
  [unknownField: string]: unknown;
}

/** execute-payment request. */
export interface AppsInTossExecutePaymentBody {
  payToken: string;
  orderNo?: string;
  isTestPayment: boolean;
}

/** execute-payment `success`: card fields flat, legacy `code`/`msg`/`errorCode` included. */
export interface AppsInTossExecuteResult {
  code?: number | string | null;
  mode?: 'LIVE' | 'TEST' | (string & {}) | null;
  orderNo?: string | null;
  amount?: number | null;
  approvalTime?: string | null;
  stateMsg?: string | null;
  discountedAmount?: number | null;
  paidAmount?: number | null;
  payMethod?: AppsInTossPayMethod | (string & {}) | null;
  payToken?: string | null;
  transactionId?: string | null;
  cardCompanyCode?: string | number | null;
  cardCompanyName?: string | null;
  cardAuthorizationNo?: string | null;
  spreadOut?: string | number | null;
  noInterest?: string | boolean | null;
  salesCheckLinkUrl?: string | null;
  cardMethodType?: string | null;
  cardNumber?: string | null;
  cardUserType?: string | null;
  cardNum4Print?: string | null;
  cardBinNumber?: string | null;
  cashReceiptMgtKey?: string | null;
  accountBankCode?: string | null;
  accountBankName?: string | null;
  accountNumber?: string | null;
  msg?: string | null;
  errorCode?: string | null;
  [unknownField: string]: unknown;
}

/** refund-payment request: no amount field, full refunds only. */
export interface AppsInTossRefundPaymentBody {
  payToken: string;
  reason: string;
  isTestPayment: boolean;
}

/** refund-payment `success`. */
export interface AppsInTossRefundResult {
  refundNo?: string | null;
  approvalTime?: string | null;
  cashReceiptMgtKey?: string | null;
  refundableAmount?: number | null;
  discountedAmount?: number | null;
  paidAmount?: number | null;
  refundedAmount?: number | null;
  refundedDiscountAmount?: number | null;
  refundedPaidAmount?: number | null;
  payToken?: string | null;
  transactionId?: string | null;
  [unknownField: string]: unknown;
}

/** get-payment-status request: payToken and/or orderNo (the API reference says either is enough). */
export interface AppsInTossPaymentStatusBody {
  payToken?: string;
  orderNo?: string;
  isTestPayment: boolean;
}

/** Card block of get-payment-status: nested, with Integer/Boolean types. */
export interface AppsInTossStatusCard {
  noInterest?: boolean | string | null;
  spreadOut?: number | string | null;
  cardAuthorizationNo?: string | null;
  cardMethodType?: string | null;
  cardUserType?: string | null;
  cardNumber?: string | null;
  cardBinNumber?: string | null;
  cardNum4Print?: string | null;
  salesCheckLinkUrl?: string | null;
  cardCompanyName?: string | null;
  cardCompanyCode?: number | string | null;
  [unknownField: string]: unknown;
}

/** One row of get-payment-status `transactions`: REFUND rows carry a negative amount. */
export interface AppsInTossTransaction {
  stepType?: 'PAY' | 'REFUND' | (string & {}) | null;
  transactionId?: string | null;
  paidAmount?: number | null;
  transactionAmount?: number | null;
  discountedAmount?: number | null;
  pointAmount?: number | null;
  regTs?: string | number | null;
  [unknownField: string]: unknown;
}

/** get-payment-status `success`. */
export interface AppsInTossPaymentStatus {
  mode?: string | null;
  payToken?: string | null;
  orderNo?: string | null;
  payStatus?: AppsInTossPayStatus | null;
  payMethod?: AppsInTossPayMethod | (string & {}) | null;
  amount?: number | null;
  discountedAmount?: number | null;
  discountAmountV2?: number | null;
  paidPointV2?: number | null;
  paidAmount?: number | null;
  refundableAmount?: number | null;
  amountTaxable?: number | null;
  amountTaxFree?: number | null;
  amountVat?: number | null;
  amountServiceFee?: number | null;
  disposableCupDeposit?: number | null;
  accountBankCode?: string | null;
  accountBankName?: string | null;
  accountNumber?: string | null;
  card?: AppsInTossStatusCard | null;
  transactions?: AppsInTossTransaction[] | null;
  createdTs?: string | number | null;
  paidTs?: string | number | null;
  [unknownField: string]: unknown;
}

/** connectMs includes the TLS handshake with the client certificate. */
export class AppsInTossTimeoutOptions extends GatewayTimeoutOptions {}

/**
 * The `gateways.appsInToss` options block (docs/gateways/apps-in-toss.md#configuration-reference). Validated at boot
 * (whitelist + forbidNonWhitelisted), then by `AppsInTossGatewayModule.validateOptions`, which loads the certificate
 * and key and checks that they belong together.
 */
export class AppsInTossGatewayOptions {
  /**
   * mTLS client certificate issued in the Apps-in-Toss console: a PEM string, a PEM with `\n` escapes (as env vars
   * often carry it), or a path to a PEM/DER file. May hold the chain after the leaf.
   */
  @IsString()
  @MinLength(1)
  tlsCert!: string;

  /** The certificate's private key (PKCS#8 or PKCS#1/SEC1 PEM, or a DER file): same forms as `tlsCert`. */
  @IsString()
  @MinLength(1)
  tlsKey!: string;

  /**
   * Extra trust anchor(s) for the *server* certificate (simulators, TLS-inspecting proxies). Absent: the public CA
   * store, which is what Toss's server certificate chains to. Same forms as `tlsCert`.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  ca?: string;

  /** Default https://pay-apps-in-toss-api.toss.im. Must be https: the certificate is the auth. */
  @IsOptional()
  @IsUrl({ protocols: ['https'], require_protocol: true, require_tld: false })
  @MaxLength(512)
  payBaseUrl?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => AppsInTossTimeoutOptions)
  timeouts?: AppsInTossTimeoutOptions;

  /**
   * Sent as `isTestPayment` on every call: true = sandbox app, false = live. The API reference states the opposite;
   * the guide is the self-consistent source. Required, no default: a live/sandbox mix-up either fails every payment
   * or charges real money in a test (docs/gateways/apps-in-toss.md#unverified-facts-and-what-the-library-does).
   */
  @IsDefined({ message: 'testPayment is required (true = sandbox, false = live); there is no default' })
  @IsBoolean()
  testPayment!: boolean;

  /** Log scrubbed request/response bodies at `verbose` (default false; see GatewayHttpClientOptions.logBodies). */
  @IsOptional()
  @IsBoolean()
  logBodies?: boolean;
}

/** Options with every default filled in and the PEMs loaded; what the adapter actually runs with. */
export interface ResolvedAppsInTossOptions {
  payBaseUrl: string;
  timeouts: { connectMs: number; readMs: number };
  testPayment: boolean;
  logBodies: boolean;
}

export function resolveAppsInTossOptions(options: AppsInTossGatewayOptions): ResolvedAppsInTossOptions {
  return {
    payBaseUrl: (options.payBaseUrl ?? APPS_IN_TOSS_PAY_BASE_URL).replace(/\/+$/, ''),
    timeouts: resolveGatewayTimeouts(options.timeouts, {
      connectMs: APPS_IN_TOSS_DEFAULT_CONNECT_MS,
      readMs: APPS_IN_TOSS_DEFAULT_READ_MS,
    }),
    testPayment: options.testPayment,
    logBodies: options.logBodies ?? false,
  };
}
