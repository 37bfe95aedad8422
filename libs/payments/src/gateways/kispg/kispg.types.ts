import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
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
import type { GatewayErrorCategory } from '../gateway-errors';
import { GatewayTimeoutOptions, resolveGatewayTimeouts } from '../gateway-options';

/*
 * Wire shapes of KISPG's v2 API (docs/gateways/kispg.md#flow-at-a-glance). Every value KISPG sends is a string,
 * amounts included; every field is optional here because failure answers carry only part of the fields
 * ("실패시 전달되는 데이터만 전송") and KISPG may add fields. Nothing here is exhaustive.
 */

/** KISPG's own payMethod literals (responses are uppercase; VBANK≈VACNT, CELLPHONE≈PHONE). */
export type KispgPayMethod = 'CARD' | 'BANK' | 'VACNT' | 'PHONE' | 'CELLPHONE' | (string & {});

/** POST /v2/payment request. */
export interface KispgPaymentBody {
  mid: string;
  tid: string;
  goodsAmt: string;
  ediDate: string;
  encData: string;
  charset: string;
}

/** POST /v2/cancel (or /v2/cancelTrans.do) request. */
export interface KispgCancelBody {
  payMethod: string;
  tid: string;
  mid: string;
  ordNo: string;
  canAmt: string;
  canMsg: string;
  partCanFlg: '0' | '1';
  encData: string;
  ediDate: string;
  charset: string;
  canId?: string;
  canNm?: string;
  canIp?: string;
  refundBankCd?: string;
  refundAccnt?: string;
  refundNm?: string;
}

/** POST /v2/order request: `tid` or `ordNo` (tid wins when both are sent). */
export interface KispgOrderBody {
  mid: string;
  tid?: string;
  ordNo?: string;
  goodsAmt: string;
  ediDate: string;
  encData: string;
  charset: string;
}

/** Approval / query / cancel answers share most fields. */
export interface KispgResult {
  resultCd?: string;
  resultMsg?: string;
  payMethod?: string;
  tid?: string;
  appDtm?: string;
  appNo?: string;
  ordNo?: string;
  goodsName?: string;
  amt?: string;
  ordNm?: string;
  fnNm?: string;
  fnCd?: string;
  cancelYN?: string;
  appCardCd?: string;
  acqCardCd?: string;
  quota?: string;
  nointFlg?: string;
  usePointAmt?: string;
  cardType?: string;
  authType?: string;
  cashCrctFlg?: string;
  vacntNo?: string;
  lmtDay?: string;
  socHpNo?: string;
  cardNo?: string;
  mbsReserved?: string;
  crctType?: string;
  crctNo?: string;
  easyPayCd?: string;
  easyPayNm?: string;
  /** Query only: `승인` | `취소` | `입금대기`. */
  trxStatus?: string;
  /** Query only: partial-cancel history, shape undocumented. Parsed defensively, never by key name. */
  cancelData?: unknown;
  /** Approval only, maybe (KISPG's guide promises it, its answer table lacks it): verified per `approvalResponseHash`. */
  ediDate?: string;
  encData?: string;
  [unknownField: string]: unknown;
}

// ---------------------------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------------------------

export const KISPG_PRODUCTION_BASE_URL = 'https://api.kispg.co.kr';
export const KISPG_TEST_BASE_URL = 'https://testapi.kispg.co.kr';
/** The timeouts of KISPG's sample pages: connect 15 s, read 25 s. */
export const KISPG_DEFAULT_CONNECT_MS = 15_000;
export const KISPG_DEFAULT_READ_MS = 25_000;
/**
 * How long after a virtual account's deposit deadline (lmtDay, through the end of that KST day) an account KISPG still
 * reports as 입금대기 is taken as expired. KISPG documents no expiry status (docs/gateways/kispg.md#virtual-account-deadlines).
 */
export const KISPG_DEFAULT_VACNT_EXPIRY_GRACE_MS = 3_600_000;
/** The guide says /v2/cancel, KISPG's own sample page posts to /v2/cancelTrans.do (docs/gateways/kispg.md#cancel). */
export const KISPG_CANCEL_PATHS = ['/v2/cancel', '/v2/cancelTrans.do'] as const;
export type KispgCancelPath = (typeof KISPG_CANCEL_PATHS)[number];
/** Source IPs of "결제 결과 수신": production and test (docs/gateways/kispg.md#webhook-trust-rules). */
export const KISPG_WEBHOOK_SOURCES: readonly string[] = ['1.233.179.201', '61.40.40.74'];
/** Approval success per method: the codes integrations agree on (docs/gateways/kispg.md#approval-answer). */
export const KISPG_DEFAULT_SUCCESS_CODES: Readonly<Record<'CARD' | 'BANK' | 'VACNT' | 'PHONE', readonly string[]>> = {
  CARD: ['3001'],
  BANK: ['4000'],
  VACNT: ['4100'],
  PHONE: ['A000'],
};
/** 2001 cancel done, 2211 refund done (VACNT / bank refunds). */
export const KISPG_DEFAULT_CANCEL_SUCCESS_CODES: readonly string[] = ['2001', '2211'];
/** Unverified: the formula that fits the guide's auth-result table (docs/gateways/kispg.md#unverified-facts-and-their-settings). */
export const KISPG_RETURN_HASH_FORMULAS = ['mid+ediDate+amt+merchantKey', 'none'] as const;
export type KispgReturnHashFormula = (typeof KISPG_RETURN_HASH_FORMULAS)[number];
/** The guide promises an approval encData its response table does not have. */
export const KISPG_APPROVAL_RESPONSE_HASH_MODES = ['verify-if-present', 'require', 'ignore'] as const;
export type KispgApprovalResponseHash = (typeof KISPG_APPROVAL_RESPONSE_HASH_MODES)[number];
/** Notification `hashStr`: known from a sister platform only; whether KISPG sends it at all is unconfirmed. */
export const KISPG_NOTIFICATION_HASH_MODES = ['require', 'verify-if-present'] as const;
export type KispgNotificationHash = (typeof KISPG_NOTIFICATION_HASH_MODES)[number];
/**
 * What a non-success result code means (failure codes are not public and "may change without notice";
 * docs/gateways/kispg.md#result-codes).
 * Unlisted codes: approval/cancel → 'decline', query → 'request'.
 */
export const KISPG_RESULT_CATEGORIES = [
  'decline',
  'configuration',
  'request',
  'retryable',
  'not-found',
] as const satisfies readonly GatewayErrorCategory[];
export type KispgResultCategory = (typeof KISPG_RESULT_CATEGORIES)[number];

/** Defaults above: the values of KISPG's sample pages (docs/gateways/kispg.md#timeouts). */
export class KispgTimeoutOptions extends GatewayTimeoutOptions {}

/** Approval success codes per KISPG payMethod. CELLPHONE is read as PHONE. */
export class KispgSuccessCodeOptions {
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  CARD?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  BANK?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  VACNT?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  PHONE?: string[];
}

/** The reply to a notification (the body KISPG expects is unconfirmed; the sister platform checks the status only). */
export class KispgNotificationReplyOptions {
  @IsOptional()
  @IsInt()
  @Min(200)
  @Max(299)
  status?: number;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  body?: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  contentType?: string;
}

/** The `gateways.kispg` options block. Validated at boot (whitelist + forbidNonWhitelisted). */
export class KispgGatewayOptions {
  /** 가맹점 ID: fixed 10 characters, e.g. `kis000001m`. */
  @IsString()
  @Matches(/^[A-Za-z0-9]{10}$/, { message: 'mid must be exactly 10 letters/digits (e.g. kis000001m)' })
  mid!: string;

  /** 가맹점 KEY (admin: 가맹점정보 >> 일반정보 >> KEY관리). Server-side only; never logged. */
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  merchantKey!: string;

  /** Default production `https://api.kispg.co.kr`; test host `https://testapi.kispg.co.kr`. */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  baseUrl?: string;

  @IsOptional()
  @IsIn([...KISPG_CANCEL_PATHS])
  cancelPath?: KispgCancelPath;

  @IsOptional()
  @ValidateNested()
  @Type(() => KispgTimeoutOptions)
  timeouts?: KispgTimeoutOptions;

  @IsOptional()
  @ValidateNested()
  @Type(() => KispgSuccessCodeOptions)
  successCodes?: KispgSuccessCodeOptions;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  cancelSuccessCodes?: string[];

  /** How the returnUrl auth result's encData is checked (unverified formula). 'none' skips it (boot warning). */
  @IsOptional()
  @IsIn([...KISPG_RETURN_HASH_FORMULAS])
  returnHashFormula?: KispgReturnHashFormula;

  /** How an encData on the approval answer is treated (unverified: the guide contradicts itself). */
  @IsOptional()
  @IsIn([...KISPG_APPROVAL_RESPONSE_HASH_MODES])
  approvalResponseHash?: KispgApprovalResponseHash;

  /** Whether a notification without hashStr/encData is refused. */
  @IsOptional()
  @IsIn([...KISPG_NOTIFICATION_HASH_MODES])
  notificationHash?: KispgNotificationHash;

  /** IPs or CIDR blocks notifications may come from; [] = any (tests). `webhooks.ipAllowlist.kispg` overrides. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  webhookAllowedSources?: string[];

  @IsOptional()
  @ValidateNested()
  @Type(() => KispgNotificationReplyOptions)
  notificationReply?: KispgNotificationReplyOptions;

  /** Result code → category for codes KISPG does not publish. Checked by `KispgGatewayModule.validateOptions`. */
  @IsOptional()
  @IsObject()
  resultCodeCategories?: Record<string, KispgResultCategory>;

  /** Log scrubbed request/response bodies at `verbose` (default false). */
  @IsOptional()
  @IsBoolean()
  logBodies?: boolean;

  /** Grace after a virtual account's deadline before a 입금대기 read-back counts as EXPIRED (0-7 days, in ms). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(7 * 86_400_000)
  vacntExpiryGraceMs?: number;
}

/** Options with every default filled in; what the adapter actually runs with. */
export interface ResolvedKispgOptions {
  mid: string;
  merchantKey: string;
  baseUrl: string;
  cancelPath: KispgCancelPath;
  timeouts: { connectMs: number; readMs: number };
  successCodes: Readonly<Record<'CARD' | 'BANK' | 'VACNT' | 'PHONE', readonly string[]>>;
  cancelSuccessCodes: readonly string[];
  returnHashFormula: KispgReturnHashFormula;
  approvalResponseHash: KispgApprovalResponseHash;
  notificationHash: KispgNotificationHash;
  webhookAllowedSources: readonly string[];
  notificationReply: { status: number; body: string; contentType: string };
  resultCodeCategories: Readonly<Record<string, KispgResultCategory>>;
  logBodies: boolean;
  vacntExpiryGraceMs: number;
}

export function resolveKispgOptions(options: KispgGatewayOptions): ResolvedKispgOptions {
  const successCodes = options.successCodes ?? {};
  return {
    mid: options.mid,
    merchantKey: options.merchantKey,
    baseUrl: (options.baseUrl ?? KISPG_PRODUCTION_BASE_URL).replace(/\/+$/, ''),
    cancelPath: options.cancelPath ?? '/v2/cancel',
    timeouts: resolveGatewayTimeouts(options.timeouts, {
      connectMs: KISPG_DEFAULT_CONNECT_MS,
      readMs: KISPG_DEFAULT_READ_MS,
    }),
    successCodes: {
      CARD: [...(successCodes.CARD ?? KISPG_DEFAULT_SUCCESS_CODES.CARD)],
      BANK: [...(successCodes.BANK ?? KISPG_DEFAULT_SUCCESS_CODES.BANK)],
      VACNT: [...(successCodes.VACNT ?? KISPG_DEFAULT_SUCCESS_CODES.VACNT)],
      PHONE: [...(successCodes.PHONE ?? KISPG_DEFAULT_SUCCESS_CODES.PHONE)],
    },
    cancelSuccessCodes: [...(options.cancelSuccessCodes ?? KISPG_DEFAULT_CANCEL_SUCCESS_CODES)],
    returnHashFormula: options.returnHashFormula ?? 'mid+ediDate+amt+merchantKey',
    approvalResponseHash: options.approvalResponseHash ?? 'verify-if-present',
    notificationHash: options.notificationHash ?? 'require',
    webhookAllowedSources: [...(options.webhookAllowedSources ?? KISPG_WEBHOOK_SOURCES)],
    notificationReply: {
      status: options.notificationReply?.status ?? 200,
      body: options.notificationReply?.body ?? 'OK',
      contentType: options.notificationReply?.contentType ?? 'text/plain',
    },
    resultCodeCategories: { ...(options.resultCodeCategories ?? {}) },
    logBodies: options.logBodies ?? false,
    vacntExpiryGraceMs: options.vacntExpiryGraceMs ?? KISPG_DEFAULT_VACNT_EXPIRY_GRACE_MS,
  };
}
