import { IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
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
  PRINTABLE_ASCII,
  PRINTABLE_ASCII_MESSAGE,
} from './dto-rules';

/** Inputs of `PaymentsService.issueBillingKey` and `chargeBillingKey` (re-exported by payments.dto.ts). */
export class CardInputDto {
  @ApiField({ description: 'Card number: 13–19 digits without dashes. Sent to the gateway, never stored.' })
  @Matches(/^[0-9]{13,19}$/, { message: 'must be 13–19 digits' })
  number: string;

  @ApiField({ description: 'Expiry year, 2 digits (YY).', example: '29' })
  @Matches(/^[0-9]{2}$/, { message: 'must be 2 digits (YY)' })
  expiryYear: string;

  @ApiField({ description: 'Expiry month, 2 digits (MM, 01–12).', example: '07' })
  @Matches(/^(0[1-9]|1[0-2])$/, { message: 'must be 2 digits (MM)' })
  expiryMonth: string;

  @ApiOptionalField({ description: "Card holder's birth date (YYMMDD) or a 10-digit business number." })
  @IsOptional()
  @Matches(/^([0-9]{6}|[0-9]{10})$/, { message: 'must be YYMMDD or a 10-digit business number' })
  identityNumber?: string;

  @ApiOptionalField({ description: 'First 2 digits of the card password.' })
  @IsOptional()
  @Matches(/^[0-9]{2}$/, { message: 'must be the first 2 digits of the card password' })
  passwordFirst2?: string;
}

export class IssueBillingKeyDto {
  @ApiField({ description: `Toss or NicePay. ${DOC.gateway}` })
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  gateway: string;

  @ApiField({ description: DOC.customerKey })
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  @Matches(PRINTABLE_ASCII, { message: PRINTABLE_ASCII_MESSAGE })
  customerKey: string;

  @ApiOptionalField({ description: 'Toss: the authKey the billing-auth window returned (1–300); or send card.' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  authKey?: string;

  @ApiOptionalField({ description: 'The card itself (NicePay, Toss key-in); or send authKey.', type: CardInputDto })
  @IsOptional()
  @IsNestedInput(() => CardInputDto)
  card?: CardInputDto;

  @ApiOptionalField({ description: 'The buyer.', type: CustomerDto })
  @IsOptional()
  @IsNestedInput(() => CustomerDto)
  customer?: CustomerDto;
}

export class ChargeBillingKeyDto {
  @ApiField({ description: 'The billing key to charge (our id).', format: 'uuid' })
  @IsUUID()
  billingKeyId: string;

  @ApiField({ description: `Amount to charge. ${DOC.amount}`, type: 'integer' })
  @IsKrwAmount()
  amount: number;

  @ApiField({ description: DOC.orderName })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARACTERS, { message: NO_CONTROL_CHARACTERS_MESSAGE })
  orderName: string;

  @ApiOptionalField({ description: `${DOC.orderId} Default: derived from idempotencyKey, else generated.` })
  @IsOptional()
  @Matches(ORDER_ID_PATTERN, { message: ORDER_ID_MESSAGE })
  orderId?: string;

  @ApiOptionalField({ description: DOC.taxFreeAmount, type: 'integer' })
  @IsOptional()
  @IsKrwAmount(0)
  taxFreeAmount?: number;

  /** Same key → same orderId and the same outbound idempotency key: a retried cycle never charges twice. */
  @ApiOptionalField({
    description: `One per billing cycle: a retry with the same key never charges twice. ${DOC.idempotencyKey}`,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(PRINTABLE_ASCII, { message: PRINTABLE_ASCII_MESSAGE })
  idempotencyKey?: string;

  @ApiOptionalField({ description: 'The buyer.', type: CustomerDto })
  @IsOptional()
  @IsNestedInput(() => CustomerDto)
  customer?: CustomerDto;

  @ApiOptionalField({ description: `Stored with the payment, yours to use. ${DOC.json}`, type: 'object' })
  @IsOptional()
  @IsStorableJsonObject()
  metadata?: Record<string, unknown>;
}
