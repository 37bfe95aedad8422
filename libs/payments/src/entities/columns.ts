import { Column, ColumnOptions } from 'typeorm';
import { bigintTransformer } from '../domain/money';

/** Integer KRW stored as Postgres `bigint`, read back as a JS number (exact up to 2^53-1, checked on read). */
export function MoneyColumn(options: Omit<ColumnOptions, 'type' | 'transformer'> = {}): PropertyDecorator {
  return Column({ type: 'bigint', transformer: bigintTransformer, ...options });
}

/** `timestamptz`, always. */
export function TimestampColumn(options: Omit<ColumnOptions, 'type'> = {}): PropertyDecorator {
  return Column({ type: 'timestamptz', ...options });
}
