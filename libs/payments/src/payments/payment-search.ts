import { Inject, Injectable } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import { ApiOptionalField } from '../api-field';
import { InvalidInputError } from '../domain/errors';
import { PaymentStatus } from '../domain/payment-status';
import { validateDto } from '../domain/validation';
import { Payment } from '../entities/payment.entity';
import { PAYMENTS_DATA_SOURCE } from '../payments.tokens';

/** Filters of `PaymentsService.list`; every one optional. `from`/`to` bound `createdAt` as [from, to). */
export class ListPaymentsDto {
  @ApiOptionalField({ description: 'Only this gateway; ≤ 32 characters.' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  gateway?: string;

  @ApiOptionalField({ description: 'Only payments in this status.', enum: Object.values(PaymentStatus) })
  @IsOptional()
  @IsIn(Object.values(PaymentStatus))
  status?: PaymentStatus;

  @ApiOptionalField({ description: "Only this buyer's payments; ≤ 300 characters." })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  customerKey?: string;

  @ApiOptionalField({ description: 'Created at or after this instant (ISO 8601).', format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'must be a date (Date or ISO 8601)' })
  from?: Date;

  @ApiOptionalField({ description: 'Created before this instant (ISO 8601).', format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'must be a date (Date or ISO 8601)' })
  to?: Date;

  /** `nextCursor` of the previous page, as given. */
  @ApiOptionalField({ description: '`nextCursor` of the previous page, as given.' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'must be a nextCursor returned by list()' })
  cursor?: string;

  @ApiOptionalField({ description: 'Page size, integer 1–200. Default 50.', type: 'integer' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export interface PaymentPage {
  /** Newest first (createdAt, then id). */
  items: Payment[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 50;

interface Position {
  createdAt: string;
  id: string;
}

/**
 * Keyset pagination over payments: each page continues strictly after the last row of the previous one by
 * (created_at, id), so pages stay stable while payments are being added and a page costs the same at any depth
 * (an index range scan of `limit + 1` rows, never an OFFSET over everything before it).
 */
@Injectable()
export class PaymentSearch {
  constructor(@Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async list(input: ListPaymentsDto = {}): Promise<PaymentPage> {
    const filters = validateDto(ListPaymentsDto, input);
    const limit = filters.limit ?? DEFAULT_PAGE_SIZE;
    const query = this.query(filters, limit + 1);
    const { entities, raw } = await query.getRawAndEntities<{ page_created_at: string }>();
    const items = entities.slice(0, limit);
    const last = raw[limit - 1];
    const nextCursor =
      entities.length > limit && last
        ? encodeCursor({ createdAt: last.page_created_at, id: items[limit - 1].id })
        : null;
    return { items, nextCursor };
  }

  /** The page's SQL (exported for the plan check in the tests). */
  query(filters: ListPaymentsDto, take: number): SelectQueryBuilder<Payment> {
    const query = this.dataSource
      .createQueryBuilder(Payment, 'p')
      // created_at to the microsecond, as text: a JS Date would drop the microseconds and break the keyset.
      .addSelect(`to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`, 'page_created_at')
      .orderBy('p.created_at', 'DESC')
      .addOrderBy('p.id', 'DESC')
      .limit(take);
    if (filters.gateway !== undefined) query.andWhere('p.gateway = :gateway', { gateway: filters.gateway });
    if (filters.status !== undefined) query.andWhere('p.status = :status', { status: filters.status });
    if (filters.customerKey !== undefined) {
      query.andWhere('p.customer_key = :customerKey', { customerKey: filters.customerKey });
    }
    if (filters.from !== undefined) query.andWhere('p.created_at >= :from', { from: filters.from });
    if (filters.to !== undefined) query.andWhere('p.created_at < :to', { to: filters.to });
    if (filters.cursor !== undefined) {
      const after = decodeCursor(filters.cursor);
      query.andWhere('(p.created_at, p.id) < (:afterAt::timestamptz, :afterId::uuid)', {
        afterAt: after.createdAt,
        afterId: after.id,
      });
    }
    return query;
  }
}

function encodeCursor(position: Position): string {
  return Buffer.from(`${position.createdAt}|${position.id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): Position {
  const [createdAt, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const timestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  if (extra !== undefined || !timestamp.test(createdAt ?? '') || !uuid.test(id ?? '')) {
    throw new InvalidInputError('cursor', 'must be a nextCursor returned by list()');
  }
  return { createdAt, id };
}
