import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { MAX_KRW_AMOUNT, ORDER_ID_PATTERN } from 'nestjs-kr-payments';

/*
 * The two request bodies the library has no DTO for. Every other route validates against the library's own DTOs
 * (PrepareDto, CancelDto, IssueBillingKeyDto, ChargeBillingKeyDto, IssueCashReceiptDto).
 */

const ORDER_ID_MESSAGE = 'must be 6–64 characters of A-Z a-z 0-9 _ -';

/**
 * The JSON confirm of gateways whose window hands the front end a key: Toss (what it appends to successUrl:
 * `paymentType`, `orderId`, `paymentKey`, `amount`) and Apps-in-Toss (`payToken` after
 * checkoutPayment succeeded). The amount is compared with the prepared one before the gateway is called.
 * NicePay and KISPG POST their result to returnUrl instead: `POST /checkout/:gateway/return`.
 */
export class ConfirmCheckoutDto {
  /** Default 'toss' (the first gateway this shop supported). */
  @ApiPropertyOptional({ description: 'toss (default) or appsInToss; 1–32 characters.' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(32)
  gateway?: string;

  @ApiProperty({ description: "The prepared order's orderId: 6–64 characters of A-Z a-z 0-9 _ -." })
  @Matches(ORDER_ID_PATTERN, { message: ORDER_ID_MESSAGE })
  orderId: string;

  @ApiProperty({ description: 'Must equal the prepared amount. Integer KRW, 1 to 100,000,000,000.', type: 'integer' })
  @IsInt()
  @Min(1)
  @Max(MAX_KRW_AMOUNT)
  amount: number;

  /** Toss paymentKey. */
  @ApiPropertyOptional({ description: 'Toss paymentKey from successUrl: 1–200 characters.' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  paymentKey?: string;

  /** Apps-in-Toss payToken. */
  @ApiPropertyOptional({ description: 'Apps-in-Toss payToken: 1–200 characters.' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  payToken?: string;

  /** Sent along by success pages that forward the whole query; not needed for the approval. */
  @ApiPropertyOptional({
    description: "Toss's paymentType from successUrl; accepted, not needed.",
    enum: ['NORMAL', 'BRANDPAY', 'KEYIN'],
  })
  @IsOptional()
  @IsIn(['NORMAL', 'BRANDPAY', 'KEYIN'])
  paymentType?: string;
}

export class CancelCashReceiptDto {
  @ApiPropertyOptional({ description: 'Why: 1–200 characters, no control characters.' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(/^[^\u0000-\u001f\u007f]*$/, { message: 'must not contain control characters' })
  reason?: string;
}
