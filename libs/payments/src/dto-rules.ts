import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsObject, Max, Min, registerDecorator, ValidateNested, type ValidationOptions } from 'class-validator';
import { MAX_KRW_AMOUNT } from './domain/money';

/**
 * Rules shared by the input DTOs (payments.dto.ts and the files it re-exports), in one place so the checkout, cancel,
 * billing-key and cash-receipt DTOs cannot drift apart. Limits are the strictest common ones across the gateways
 * (Toss sets them: orderId 6–64 of [A-Za-z0-9_-], orderName ≤ 100, customer fields ≤ 100); gateway-specific limits
 * (KISPG byte lengths, Apps-in-Toss charsets) are checked again by each adapter.
 */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{6,64}$/;
export const ORDER_ID_MESSAGE = 'must be 6–64 characters of A-Z a-z 0-9 _ -';
/**
 * Customer keys and idempotency keys: printable ASCII without spaces here; each gateway narrows its own charset
 * (Toss customerKey `A-Z a-z 0-9 - _ = . @`) in its adapter.
 */
export const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
export const PRINTABLE_ASCII_MESSAGE = 'must be printable ASCII without spaces';
/**
 * Free text (order names, reasons, holder names): no control characters. PostgreSQL refuses U+0000 in text and
 * jsonb outright (a 500 instead of a 400), and no gateway accepts line breaks or other controls in these fields.
 */
export const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;
export const NO_CONTROL_CHARACTERS_MESSAGE = 'must not contain control characters';

/** The OpenAPI descriptions of the recurring rules, worded for the client that sends the field. */
export const DOC = {
  gateway: 'Gateway name as registered in PaymentsModule (toss, nicepay, kispg, appsInToss); ≤ 32 characters.',
  orderId: 'Your order id: 6–64 characters of A-Z a-z 0-9 _ -, unique per gateway.',
  amount: 'Integer KRW, 1 to 100,000,000,000.',
  taxFreeAmount: 'Tax-free part of the amount, integer KRW, 0 to 100,000,000,000. Default 0.',
  orderName: 'Order name shown to the buyer: 1–100 characters, no control characters.',
  customerKey: 'Your id of the buyer: 1–300 printable ASCII characters without spaces (Toss: A-Z a-z 0-9 - _ = . @).',
  idempotencyKey: '1–200 printable ASCII characters without spaces.',
  json: 'JSON object: at most 8 levels deep, 16 KB serialised, no U+0000.',
} as const;

/** Integer KRW from `min` (default 1) to the largest amount any gateway takes. */
export function IsKrwAmount(min = 1): PropertyDecorator {
  return applyDecorators(IsInt(), Min(min), Max(MAX_KRW_AMOUNT));
}

/**
 * A nested input object validated as `type`. `@IsObject()` as well as `@ValidateNested()`: the latter alone passes an
 * array (it validates each element).
 */
export function IsNestedInput(type: () => new () => object): PropertyDecorator {
  return applyDecorators(IsObject(), ValidateNested(), Type(type));
}

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
