import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { MAX_KRW_AMOUNT, ORDER_ID_PATTERN } from 'nestjs-kr-payments';

/*
 * The two request bodies the library has no DTO for. Every other route validates against the library's own DTOs
 * (PrepareDto, CancelDto, IssueBillingKeyDto, ChargeBillingKeyDto, IssueCashReceiptDto).
 */

const ORDER_ID_MESSAGE = 'must be 6–64 characters of A-Z a-z 0-9 _ -';

/**
 * What Toss appends to successUrl (toss.md §3.1: `paymentType`, `orderId`, `paymentKey`, `amount`), which the
 * success page posts here as JSON. The amount is compared with the prepared one before Toss is called.
 */
export class ConfirmCheckoutDto {
  @Matches(ORDER_ID_PATTERN, { message: ORDER_ID_MESSAGE })
  orderId: string;

  @IsInt() @Min(1) @Max(MAX_KRW_AMOUNT)
  amount: number;

  @IsString() @MinLength(1) @MaxLength(200)
  paymentKey: string;

  /** Sent along by success pages that forward the whole query; not needed for the approval. */
  @IsOptional() @IsIn(['NORMAL', 'BRANDPAY', 'KEYIN'])
  paymentType?: string;
}

export class CancelCashReceiptDto {
  @IsOptional() @IsString() @MinLength(1) @MaxLength(200)
  reason?: string;
}
