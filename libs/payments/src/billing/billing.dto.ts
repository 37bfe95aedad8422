import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { MAX_KRW_AMOUNT } from '../domain/money';
import { IsStorableJsonObject } from '../payments.dto';

/**
 * Input DTOs of BillingService, validated on every call (whitelist + forbidNonWhitelisted, domain/validation.ts):
 * a bad field is an InvalidInputError naming it, before anything is written.
 */
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;

export class BillingIntervalDto {
  /** MONTH: on `anchorDay` every month; DAY: every `every` days; YEAR: on `anchorMonth`/`anchorDay` every year. */
  @IsIn(['MONTH', 'DAY', 'YEAR'])
  unit: 'MONTH' | 'DAY' | 'YEAR';

  /** DAY only: the number of days between charges. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(366)
  every?: number;

  /** MONTH / YEAR: 1–31; a month without that day charges on its last day. Default: the start date's day. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(31)
  anchorDay?: number;

  /** YEAR only: 1–12. Default: the start date's month. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(12)
  anchorMonth?: number;
}

export class DunningDto {
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(30)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(366, { each: true })
  retryDays?: number[];

  @IsOptional()
  @IsIn(['UNPAID', 'CANCELED'])
  finalAction?: 'UNPAID' | 'CANCELED';
}

export class CreateSubscriptionDto {
  /** The gateway that issued the billing key; it must offer billing keys (Toss, NicePay). */
  @IsString()
  @MinLength(1)
  @MaxLength(32)
  gateway: string;

  @IsString()
  @MinLength(1)
  @MaxLength(300)
  @Matches(PRINTABLE_ASCII, { message: 'must be printable ASCII without spaces' })
  customerKey: string;

  @IsUUID()
  billingKeyId: string;

  @IsInt()
  @Min(1)
  @Max(MAX_KRW_AMOUNT)
  amount: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_KRW_AMOUNT)
  taxFreeAmount?: number;

  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'must not contain control characters' })
  orderName: string;

  @ValidateNested()
  @Type(() => BillingIntervalDto)
  interval: BillingIntervalDto;

  /** Local date (YYYY-MM-DD, in `timeZone`) from which the first charge is due. Default: today there. */
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD' })
  startDate?: string;

  /** Free days before the first charge (status TRIALING until it is paid). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(366)
  trialDays?: number;

  /** Local wall-clock time of every charge. Default billing.chargeTime (10:00). */
  @IsOptional()
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be HH:mm' })
  chargeTime?: string;

  /** IANA zone of the calendar. Default billing.timeZone (Asia/Seoul). */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timeZone?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => DunningDto)
  dunning?: DunningDto;

  @IsOptional()
  @IsStorableJsonObject()
  metadata?: Record<string, unknown>;
}

export class SubscriptionRefDto {
  @IsUUID()
  subscriptionId: string;
}

export class ChangeSubscriptionAmountDto extends SubscriptionRefDto {
  @IsInt()
  @Min(1)
  @Max(MAX_KRW_AMOUNT)
  amount: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_KRW_AMOUNT)
  taxFreeAmount?: number;
}

export class CancelSubscriptionDto extends SubscriptionRefDto {
  /** true: runs to the end of the paid period, then CANCELED; false (default): CANCELED now. */
  @IsOptional()
  @IsBoolean()
  atPeriodEnd?: boolean;
}

export class RetrySubscriptionDto extends SubscriptionRefDto {
  /** A new billing key (same customer and gateway) to charge from now on: what a HARD decline asks for. */
  @IsOptional()
  @IsUUID()
  billingKeyId?: string;
}

export class ListSubscriptionsDto {
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  customerKey: string;
}
