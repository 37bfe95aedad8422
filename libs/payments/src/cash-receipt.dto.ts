import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { ApiField, ApiOptionalField } from './api-field';
import {
  DOC,
  IsKrwAmount,
  NO_CONTROL_CHARACTERS,
  NO_CONTROL_CHARACTERS_MESSAGE,
  ORDER_ID_MESSAGE,
  ORDER_ID_PATTERN,
} from './dto-rules';

/** Input of `PaymentsService.issueCashReceipt` (re-exported by payments.dto.ts). */
export class IssueCashReceiptDto {
  @ApiOptionalField({
    description:
      'The payment the receipt is for (our id); without it, gateway, amount, orderId and orderName are required.',
    format: 'uuid',
  })
  @IsOptional()
  @IsUUID()
  paymentId?: string;

  @ApiOptionalField({ description: `Required without paymentId. ${DOC.gateway}` })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  gateway?: string;

  @ApiOptionalField({
    description: `Required without paymentId; default: what is left of the payment. ${DOC.amount}`,
    type: 'integer',
  })
  @IsOptional()
  @IsKrwAmount()
  amount?: number;

  @ApiOptionalField({ description: `Required without paymentId; default: the payment's. ${DOC.orderId}` })
  @IsOptional()
  @Matches(ORDER_ID_PATTERN, { message: ORDER_ID_MESSAGE })
  orderId?: string;

  @ApiOptionalField({ description: `Required without paymentId; default: the payment's. ${DOC.orderName}` })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARACTERS, { message: NO_CONTROL_CHARACTERS_MESSAGE })
  orderName?: string;

  @ApiOptionalField({ description: DOC.taxFreeAmount, type: 'integer' })
  @IsOptional()
  @IsKrwAmount(0)
  taxFreeAmount?: number;

  @ApiField({
    description: 'INCOME_DEDUCTION (소득공제, a person) or EXPENSE_PROOF (지출증빙, a business).',
    enum: ['INCOME_DEDUCTION', 'EXPENSE_PROOF'],
  })
  @IsIn(['INCOME_DEDUCTION', 'EXPENSE_PROOF'])
  type: 'INCOME_DEDUCTION' | 'EXPENSE_PROOF';

  /** Phone number, cash-receipt card number or business registration number; digits only, ≤ 30 (Toss's limit). */
  @ApiField({
    description: 'Phone number, cash-receipt card number or business registration number: 8–30 digits, no dashes.',
  })
  @Matches(/^[0-9]{8,30}$/, { message: 'must be 8–30 digits' })
  identityNumber: string;
}
