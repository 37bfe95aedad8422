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
import { ApiField, ApiOptionalField } from '../api-field';
import { DOC, IsKrwAmount, IsStorableJsonObject } from '../dto-rules';

/**
 * Input DTOs of BillingService, validated on every call (whitelist + forbidNonWhitelisted, domain/validation.ts):
 * a bad field is an InvalidInputError naming it, before anything is written.
 */
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;

export class BillingIntervalDto {
  /** MONTH: on `anchorDay` every month; DAY: every `every` days; YEAR: on `anchorMonth`/`anchorDay` every year. */
  @ApiField({ description: 'MONTH, DAY or YEAR.', enum: ['MONTH', 'DAY', 'YEAR'] })
  @IsIn(['MONTH', 'DAY', 'YEAR'])
  unit: 'MONTH' | 'DAY' | 'YEAR';

  /** DAY only: the number of days between charges. */
  @ApiOptionalField({ description: 'DAY only: days between charges, integer 1–366.', type: 'integer' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(366)
  every?: number;

  /** MONTH / YEAR: 1–31; a month without that day charges on its last day. Default: the start date's day. */
  @ApiOptionalField({
    description:
      "MONTH / YEAR: day of the month, 1–31; a shorter month charges on its last day. Default: the start date's.",
    type: 'integer',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(31)
  anchorDay?: number;

  /** YEAR only: 1–12. Default: the start date's month. */
  @ApiOptionalField({ description: "YEAR only: month, 1–12. Default: the start date's.", type: 'integer' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(12)
  anchorMonth?: number;
}

export class DunningDto {
  @ApiOptionalField({
    description: 'Days after a failed charge to retry, each an integer 1–366, at most 30 entries.',
    type: 'integer',
    isArray: true,
    example: [1, 3, 7],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(30)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(366, { each: true })
  retryDays?: number[];

  @ApiOptionalField({
    description: 'What the subscription becomes when the retries run out.',
    enum: ['UNPAID', 'CANCELED'],
  })
  @IsOptional()
  @IsIn(['UNPAID', 'CANCELED'])
  finalAction?: 'UNPAID' | 'CANCELED';
}

export class CreateSubscriptionDto {
  /** The gateway that issued the billing key; it must offer billing keys (Toss, NicePay). */
  @ApiField({ description: `The gateway that issued the billing key (toss, nicepay); ≤ 32 characters.` })
  @IsString()
  @MinLength(1)
  @MaxLength(32)
  gateway: string;

  @ApiField({ description: DOC.customerKey })
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  @Matches(PRINTABLE_ASCII, { message: 'must be printable ASCII without spaces' })
  customerKey: string;

  @ApiField({ description: 'The billing key to charge (our id), of this customer and gateway.', format: 'uuid' })
  @IsUUID()
  billingKeyId: string;

  @ApiField({ description: `Amount of each charge. ${DOC.amount}`, type: 'integer' })
  @IsKrwAmount()
  amount: number;

  @ApiOptionalField({ description: DOC.taxFreeAmount, type: 'integer' })
  @IsOptional()
  @IsKrwAmount(0)
  taxFreeAmount?: number;

  @ApiField({ description: DOC.orderName })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'must not contain control characters' })
  orderName: string;

  @ApiField({ description: 'How often to charge.', type: BillingIntervalDto })
  @ValidateNested()
  @Type(() => BillingIntervalDto)
  interval: BillingIntervalDto;

  /** Local date (YYYY-MM-DD, in `timeZone`) from which the first charge is due. Default: today there. */
  @ApiOptionalField({
    description: 'Local date (YYYY-MM-DD, in timeZone) from which the first charge is due. Default: today there.',
    format: 'date',
  })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD' })
  startDate?: string;

  /** Free days before the first charge (status TRIALING until it is paid). */
  @ApiOptionalField({ description: 'Free days before the first charge (TRIALING), integer 1–366.', type: 'integer' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(366)
  trialDays?: number;

  /** Local wall-clock time of every charge. Default billing.chargeTime (10:00). */
  @ApiOptionalField({ description: 'Local time of every charge, HH:mm (24 h). Default billing.chargeTime (10:00).' })
  @IsOptional()
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be HH:mm' })
  chargeTime?: string;

  /** IANA zone of the calendar. Default billing.timeZone (Asia/Seoul). */
  @ApiOptionalField({ description: 'IANA time zone of the calendar, ≤ 64. Default billing.timeZone (Asia/Seoul).' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timeZone?: string;

  @ApiOptionalField({ description: 'Retries after a SOFT decline. Default: billing.dunning.', type: DunningDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => DunningDto)
  dunning?: DunningDto;

  @ApiOptionalField({ description: `Stored with the subscription, yours to use. ${DOC.json}`, type: 'object' })
  @IsOptional()
  @IsStorableJsonObject()
  metadata?: Record<string, unknown>;
}

export class SubscriptionRefDto {
  @ApiField({ description: 'The subscription (our id).', format: 'uuid' })
  @IsUUID()
  subscriptionId: string;
}

export class ChangeSubscriptionAmountDto extends SubscriptionRefDto {
  @ApiField({ description: `Amount of each charge. ${DOC.amount}`, type: 'integer' })
  @IsKrwAmount()
  amount: number;

  @ApiOptionalField({ description: DOC.taxFreeAmount, type: 'integer' })
  @IsOptional()
  @IsKrwAmount(0)
  taxFreeAmount?: number;
}

export class CancelSubscriptionDto extends SubscriptionRefDto {
  /** true: runs to the end of the paid period, then CANCELED; false (default): CANCELED now. */
  @ApiOptionalField({ description: 'true: runs to the end of the paid period, then CANCELED; false (default): now.' })
  @IsOptional()
  @IsBoolean()
  atPeriodEnd?: boolean;
}

export class RetrySubscriptionDto extends SubscriptionRefDto {
  /** A new billing key (same customer and gateway) to charge from now on: what a HARD decline asks for. */
  @ApiOptionalField({
    description: 'A new billing key of the same customer and gateway, charged from now on (after a HARD decline).',
    format: 'uuid',
  })
  @IsOptional()
  @IsUUID()
  billingKeyId?: string;
}

export class ListSubscriptionsDto {
  @ApiField({ description: 'The customer whose subscriptions to list: 1–300 characters.' })
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  customerKey: string;
}
