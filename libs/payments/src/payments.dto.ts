import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';
import { MAX_KRW_AMOUNT } from './domain/money';

/**
 * Input DTOs of PaymentsService. The service validates every call with them (whitelist + forbidNonWhitelisted),
 * and apps can reuse them with Nest's ValidationPipe in their own controllers. Limits are the strictest common
 * ones across the gateways (Toss sets them: orderId 6–64 of [A-Za-z0-9_-], orderName ≤ 100, customer fields ≤ 100);
 * gateway-specific limits (KISPG byte lengths, Apps-in-Toss charsets) are checked again by each adapter. Nested objects
 * are `@IsObject()` as well as `@ValidateNested()`: the latter alone passes an array (it validates each element).
 */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{6,64}$/;
const ORDER_ID_MESSAGE = 'must be 6–64 characters of A-Z a-z 0-9 _ -';
/**
 * Customer keys and idempotency keys: printable ASCII without spaces here; each gateway narrows its own charset
 * (Toss customerKey `A-Z a-z 0-9 - _ = . @`) in its adapter.
 */
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
/**
 * Free text (order names, reasons, holder names): no control characters. PostgreSQL refuses U+0000 in text and
 * jsonb outright (a 500 instead of a 400), and no gateway accepts line breaks or other controls in these fields.
 */
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;
const NO_CONTROL_CHARACTERS_MESSAGE = 'must not contain control characters';

/**
 * JSON objects we store (`metadata`) or pass on (`extra`): plain JSON values, at most 8 levels deep and 16 KB
 * serialised, with no U+0000 anywhere (PostgreSQL jsonb cannot hold it).
 */
export function IsStorableJsonObject(validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol): void => {
    registerDecorator({
      name: 'isStorableJsonObject',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'must be a JSON object (≤ 8 levels, ≤ 16 KB) without U+0000', ...validationOptions },
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          let serialised: string;
          try {
            serialised = JSON.stringify(value);
          } catch {
            return false; // cycles, BigInt
          }
          return Buffer.byteLength(serialised) <= 16_384 && !serialised.includes('\\u0000') && depthOf(value) <= 8;
        },
      },
    });
  };
}

function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let deepest = 0;
  for (const child of Object.values(value as Record<string, unknown>)) deepest = Math.max(deepest, depthOf(child));
  return deepest + 1;
}
const PRINTABLE_ASCII_MESSAGE = 'must be printable ASCII without spaces';

export class CustomerDto {
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  @Matches(PRINTABLE_ASCII, { message: PRINTABLE_ASCII_MESSAGE })
  customerKey?: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARACTERS, { message: NO_CONTROL_CHARACTERS_MESSAGE })
  name?: string;

  @IsOptional()
  @IsEmail()
  @MaxLength(100)
  email?: string;

  @IsOptional()
  @Matches(/^[0-9]{8,15}$/, { message: 'must be 8–15 digits without dashes' })
  phone?: string;
}

export class PrepareDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  gateway: string;

  @IsOptional()
  @Matches(ORDER_ID_PATTERN, { message: ORDER_ID_MESSAGE })
  orderId?: string;

  @IsInt()
  @Min(1)
  @Max(MAX_KRW_AMOUNT)
  amount: number;

  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARACTERS, { message: NO_CONTROL_CHARACTERS_MESSAGE })
  orderName: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_KRW_AMOUNT)
  taxFreeAmount?: number;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CustomerDto)
  customer?: CustomerDto;

  @IsOptional()
  @IsString()
  @MaxLength(32)
  method?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(512)
  returnUrl?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(512)
  failUrl?: string;

  @IsOptional()
  @IsStorableJsonObject()
  metadata?: Record<string, unknown>;

  /** Gateway-specific checkout fields; each adapter validates its own. */
  @IsOptional()
  @IsStorableJsonObject()
  extra?: Record<string, unknown>;
}

export class ConfirmDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  gateway: string;

  @Matches(ORDER_ID_PATTERN, { message: ORDER_ID_MESSAGE })
  orderId: string;

  @IsInt()
  @Min(1)
  @Max(MAX_KRW_AMOUNT)
  amount: number;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  paymentKey?: string;

  /** NicePay / KISPG returnUrl POST body, verbatim (string values). */
  @IsOptional()
  @IsStorableJsonObject()
  authResult?: Record<string, string>;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  payToken?: string;
}

export class RefundAccountDto {
  @Matches(/^[0-9A-Za-z]{2,3}$/, { message: 'must be a 2–3 character bank code' })
  bankCode: string;

  @Matches(/^[0-9]{1,20}$/, { message: 'must be up to 20 digits' })
  accountNumber: string;

  @IsString()
  @MinLength(1)
  @MaxLength(60)
  @Matches(NO_CONTROL_CHARACTERS, { message: NO_CONTROL_CHARACTERS_MESSAGE })
  holderName: string;
}

export class CancelDto {
  @IsOptional()
  @IsUUID()
  paymentId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(32)
  gateway?: string;

  @IsOptional()
  @Matches(ORDER_ID_PATTERN, { message: ORDER_ID_MESSAGE })
  orderId?: string;

  /** Omit to cancel everything that is left. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_KRW_AMOUNT)
  amount?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_KRW_AMOUNT)
  taxFreeAmount?: number;

  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(NO_CONTROL_CHARACTERS, { message: NO_CONTROL_CHARACTERS_MESSAGE })
  reason: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RefundAccountDto)
  refundAccount?: RefundAccountDto;

  /** A retried cancel with the same key returns the first cancel instead of refunding twice. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(PRINTABLE_ASCII, { message: PRINTABLE_ASCII_MESSAGE })
  idempotencyKey?: string;
}

export class CardInputDto {
  @Matches(/^[0-9]{13,19}$/, { message: 'must be 13–19 digits' })
  number: string;

  @Matches(/^[0-9]{2}$/, { message: 'must be 2 digits (YY)' })
  expiryYear: string;

  @Matches(/^(0[1-9]|1[0-2])$/, { message: 'must be 2 digits (MM)' })
  expiryMonth: string;

  @IsOptional()
  @Matches(/^([0-9]{6}|[0-9]{10})$/, { message: 'must be YYMMDD or a 10-digit business number' })
  identityNumber?: string;

  @IsOptional()
  @Matches(/^[0-9]{2}$/, { message: 'must be the first 2 digits of the card password' })
  passwordFirst2?: string;
}

export class IssueBillingKeyDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  gateway: string;

  @IsString()
  @MinLength(1)
  @MaxLength(300)
  @Matches(PRINTABLE_ASCII, { message: PRINTABLE_ASCII_MESSAGE })
  customerKey: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  authKey?: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CardInputDto)
  card?: CardInputDto;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CustomerDto)
  customer?: CustomerDto;
}

export class ChargeBillingKeyDto {
  @IsUUID()
  billingKeyId: string;

  @IsInt()
  @Min(1)
  @Max(MAX_KRW_AMOUNT)
  amount: number;

  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARACTERS, { message: NO_CONTROL_CHARACTERS_MESSAGE })
  orderName: string;

  @IsOptional()
  @Matches(ORDER_ID_PATTERN, { message: ORDER_ID_MESSAGE })
  orderId?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_KRW_AMOUNT)
  taxFreeAmount?: number;

  /** Same key → same orderId and the same outbound idempotency key: a retried cycle never charges twice. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(PRINTABLE_ASCII, { message: PRINTABLE_ASCII_MESSAGE })
  idempotencyKey?: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CustomerDto)
  customer?: CustomerDto;

  @IsOptional()
  @IsStorableJsonObject()
  metadata?: Record<string, unknown>;
}

export class IssueCashReceiptDto {
  @IsOptional()
  @IsUUID()
  paymentId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(32)
  gateway?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_KRW_AMOUNT)
  amount?: number;

  @IsOptional()
  @Matches(ORDER_ID_PATTERN, { message: ORDER_ID_MESSAGE })
  orderId?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARACTERS, { message: NO_CONTROL_CHARACTERS_MESSAGE })
  orderName?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_KRW_AMOUNT)
  taxFreeAmount?: number;

  @IsIn(['INCOME_DEDUCTION', 'EXPENSE_PROOF'])
  type: 'INCOME_DEDUCTION' | 'EXPENSE_PROOF';

  /** Phone number, cash-receipt card number or business registration number; digits only, ≤ 30 (Toss's limit). */
  @Matches(/^[0-9]{8,30}$/, { message: 'must be 8–30 digits' })
  identityNumber: string;
}

export class SyncOptionsDto {
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}
