import { IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { ApiField, ApiOptionalField } from './api-field';
import {
  DOC,
  IsKrwAmount,
  IsNestedInput,
  NO_CONTROL_CHARACTERS,
  NO_CONTROL_CHARACTERS_MESSAGE,
  ORDER_ID_MESSAGE,
  ORDER_ID_PATTERN,
  PRINTABLE_ASCII,
  PRINTABLE_ASCII_MESSAGE,
} from './dto-rules';

/** Input of `PaymentsService.cancel` (re-exported by payments.dto.ts). */
export class RefundAccountDto {
  @ApiField({ description: 'Bank code of the refund account: 2–3 characters of A-Z a-z 0-9.', example: '088' })
  @Matches(/^[0-9A-Za-z]{2,3}$/, { message: 'must be a 2–3 character bank code' })
  bankCode: string;

  @ApiField({ description: 'Account number: 1–20 digits without dashes.' })
  @Matches(/^[0-9]{1,20}$/, { message: 'must be up to 20 digits' })
  accountNumber: string;

  @ApiField({ description: 'Account holder: 1–60 characters, no control characters.' })
  @IsString()
  @MinLength(1)
  @MaxLength(60)
  @Matches(NO_CONTROL_CHARACTERS, { message: NO_CONTROL_CHARACTERS_MESSAGE })
  holderName: string;
}

export class CancelDto {
  @ApiOptionalField({ description: 'The payment to cancel (our id); or gateway + orderId.', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  paymentId?: string;

  @ApiOptionalField({ description: `With orderId, instead of paymentId. ${DOC.gateway}` })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  gateway?: string;

  @ApiOptionalField({ description: `With gateway, instead of paymentId. ${DOC.orderId}` })
  @IsOptional()
  @Matches(ORDER_ID_PATTERN, { message: ORDER_ID_MESSAGE })
  orderId?: string;

  /** Omit to cancel everything that is left. */
  @ApiOptionalField({
    description: `Amount to refund; omit to cancel everything that is left. ${DOC.amount}`,
    type: 'integer',
  })
  @IsOptional()
  @IsKrwAmount()
  amount?: number;

  @ApiOptionalField({ description: DOC.taxFreeAmount, type: 'integer' })
  @IsOptional()
  @IsKrwAmount(0)
  taxFreeAmount?: number;

  @ApiField({ description: 'Why, as the gateway records it: 1–200 characters, no control characters.' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(NO_CONTROL_CHARACTERS, { message: NO_CONTROL_CHARACTERS_MESSAGE })
  reason: string;

  @ApiOptionalField({
    description: 'Where to refund a paid virtual-account payment (the money came by bank transfer).',
    type: RefundAccountDto,
  })
  @IsOptional()
  @IsNestedInput(() => RefundAccountDto)
  refundAccount?: RefundAccountDto;

  /** A retried cancel with the same key returns the first cancel instead of refunding twice. */
  @ApiOptionalField({
    description: `A retried cancel with the same key returns the first cancel instead of refunding twice. ${DOC.idempotencyKey}`,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(PRINTABLE_ASCII, { message: PRINTABLE_ASCII_MESSAGE })
  idempotencyKey?: string;
}
