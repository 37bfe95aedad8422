import { IsBoolean, IsNotEmpty, IsOptional, IsString, IsUrl, Matches, MaxLength, MinLength } from 'class-validator';
import { ApiField, ApiOptionalField } from './api-field';
import { CustomerDto } from './customer.dto';
import {
  DOC,
  IsKrwAmount,
  IsNestedInput,
  IsStorableJsonObject,
  NO_CONTROL_CHARACTERS,
  NO_CONTROL_CHARACTERS_MESSAGE,
  ORDER_ID_MESSAGE,
  ORDER_ID_PATTERN,
} from './dto-rules';

/**
 * Input DTOs of PaymentsService. The service validates every call with them (whitelist + forbidNonWhitelisted),
 * and apps can reuse them with Nest's ValidationPipe in their own controllers. The shared rules and their reasons
 * are in dto-rules.ts. Nested objects are `@IsObject()` as well as `@ValidateNested()`: the latter alone passes an
 * array (it validates each element). This file holds the checkout DTOs and re-exports the others, so every input DTO
 * is still imported from here. `@ApiField` documents each field for @nestjs/swagger when the host has it.
 */
export { IsStorableJsonObject, ORDER_ID_PATTERN } from './dto-rules';
export * from './customer.dto';
export * from './cancel.dto';
export * from './billing-key.dto';
export * from './cash-receipt.dto';

export class PrepareDto {
  @ApiField({ description: DOC.gateway })
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  gateway: string;

  @ApiOptionalField({ description: `${DOC.orderId} Default: generated.` })
  @IsOptional()
  @Matches(ORDER_ID_PATTERN, { message: ORDER_ID_MESSAGE })
  orderId?: string;

  @ApiField({ description: `Amount to charge. ${DOC.amount}`, type: 'integer' })
  @IsKrwAmount()
  amount: number;

  @ApiField({ description: DOC.orderName })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARACTERS, { message: NO_CONTROL_CHARACTERS_MESSAGE })
  orderName: string;

  @ApiOptionalField({ description: DOC.taxFreeAmount, type: 'integer' })
  @IsOptional()
  @IsKrwAmount(0)
  taxFreeAmount?: number;

  @ApiOptionalField({ description: 'The buyer; Apps-in-Toss needs customer.customerKey.', type: CustomerDto })
  @IsOptional()
  @IsNestedInput(() => CustomerDto)
  customer?: CustomerDto;

  @ApiOptionalField({
    description:
      'Payment method in the gateway’s own words (Toss: CARD, VIRTUAL_ACCOUNT, TRANSFER …); ≤ 32 characters.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  method?: string;

  @ApiOptionalField({ description: 'Where the payment window returns on success: http(s) URL, ≤ 512.', format: 'uri' })
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(512)
  returnUrl?: string;

  @ApiOptionalField({ description: 'Where the payment window returns on failure: http(s) URL, ≤ 512.', format: 'uri' })
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(512)
  failUrl?: string;

  @ApiOptionalField({ description: `Stored with the payment, yours to use. ${DOC.json}`, type: 'object' })
  @IsOptional()
  @IsStorableJsonObject()
  metadata?: Record<string, unknown>;

  /** Gateway-specific checkout fields; each adapter validates its own. */
  @ApiOptionalField({
    description: `Gateway-specific checkout fields (see the gateway's reference). ${DOC.json}`,
    type: 'object',
  })
  @IsOptional()
  @IsStorableJsonObject()
  extra?: Record<string, unknown>;
}

export class ConfirmDto {
  @ApiField({ description: DOC.gateway })
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  gateway: string;

  @ApiField({ description: `The prepared payment's orderId. ${DOC.orderId}` })
  @Matches(ORDER_ID_PATTERN, { message: ORDER_ID_MESSAGE })
  orderId: string;

  @ApiField({ description: `Must equal the prepared amount. ${DOC.amount}`, type: 'integer' })
  @IsKrwAmount()
  amount: number;

  @ApiOptionalField({ description: 'Toss paymentKey from successUrl: 1–200 characters.' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  paymentKey?: string;

  /** NicePay / KISPG returnUrl POST body, verbatim (string values). */
  @ApiOptionalField({
    description: `NicePay / KISPG returnUrl POST body, verbatim (string values). ${DOC.json}`,
    type: 'object',
  })
  @IsOptional()
  @IsStorableJsonObject()
  authResult?: Record<string, string>;

  @ApiOptionalField({ description: 'Apps-in-Toss payToken: 1–200 characters.' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  payToken?: string;
}

export class SyncOptionsDto {
  @ApiOptionalField({ description: 'Accepted and validated; PaymentsService.sync(paymentId) does not take options.' })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}
