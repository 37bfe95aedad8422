import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { MAX_KRW_AMOUNT, ORDER_ID_PATTERN } from 'nestjs-kr-payments';

/*
 * What the storefront's forms and the windows' return URLs carry. Form fields and query values arrive as text, so
 * amounts are converted (@Type) before they are checked. A refusal is a 400 naming the field, like every shop route.
 */

const ORDER_ID_MESSAGE = 'must be 6–64 characters of A-Z a-z 0-9 _ -';
const TEXT = /^[^\u0000-\u001f\u007f]*$/;
const TEXT_MESSAGE = 'must not contain control characters';

/** The checkout form: what the buyer buys. */
export class CheckoutFormDto {
  @ApiProperty({ description: 'Product name: 1–40 characters, no control characters.' })
  @IsString()
  @MinLength(1)
  @MaxLength(40)
  @Matches(TEXT, { message: TEXT_MESSAGE })
  orderName: string;

  @ApiProperty({ description: 'Integer KRW, 1 to 100,000,000,000.', type: 'integer' })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_KRW_AMOUNT)
  amount: number;
}

/** What Toss's window appends to successUrl. */
export class TossSuccessQueryDto {
  @ApiProperty({ description: 'Toss paymentKey: 1–200 characters.' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  paymentKey: string;

  @ApiProperty({ description: "The prepared order's orderId." })
  @Matches(ORDER_ID_PATTERN, { message: ORDER_ID_MESSAGE })
  orderId: string;

  @ApiProperty({ description: 'Integer KRW; must equal the prepared amount.', type: 'integer' })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_KRW_AMOUNT)
  amount: number;

  @ApiPropertyOptional({ description: 'NORMAL, BRANDPAY or KEYIN; accepted, not needed.' })
  @IsOptional()
  @IsIn(['NORMAL', 'BRANDPAY', 'KEYIN'])
  paymentType?: string;
}

/** What Toss's window appends to failUrl. */
export class TossFailQueryDto {
  @ApiProperty({ description: "Toss's error code: 1–64 characters." })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @Matches(TEXT, { message: TEXT_MESSAGE })
  code: string;

  @ApiPropertyOptional({ description: "Toss's message: up to 500 characters." })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @Matches(TEXT, { message: TEXT_MESSAGE })
  message?: string;

  @ApiPropertyOptional({ description: "The prepared order's orderId." })
  @IsOptional()
  @Matches(ORDER_ID_PATTERN, { message: ORDER_ID_MESSAGE })
  orderId?: string;
}

/** What the simulated Apps-in-Toss approval page appends to the return URL. */
export class AppsInTossReturnQueryDto {
  @ApiProperty({ description: 'The payToken make-payment returned: 1–200 characters.' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  payToken: string;

  @ApiProperty({ description: "The prepared order's orderId (Apps-in-Toss orderNo)." })
  @Matches(ORDER_ID_PATTERN, { message: ORDER_ID_MESSAGE })
  orderNo: string;

  @ApiProperty({ description: 'Whether the buyer approved: true or false.', enum: ['true', 'false'] })
  @IsIn(['true', 'false'])
  success: string;

  @ApiPropertyOptional({ description: 'Why not, when success is false: up to 64 characters.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(TEXT, { message: TEXT_MESSAGE })
  reason?: string;
}

/** The refund button: its key makes a double click refund once. */
export class RefundFormDto {
  @ApiProperty({ description: 'A UUID the page generated for this button.' })
  @IsUUID()
  idempotencyKey: string;
}
