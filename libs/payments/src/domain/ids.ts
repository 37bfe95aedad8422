import { createHash, randomBytes, randomUUID } from 'node:crypto';

/**
 * Identifiers and outbound idempotency keys. Every key we send a gateway is derived from our own row ids
 * (rule 3 of docs/architecture.md#rules-that-keep-money-exact), so the same logical operation always carries the
 * same key and a retry can never charge or refund twice.
 */
export const newId = (): string => randomUUID();

/** An orderId valid for every gateway we support: 6–64 chars of [A-Za-z0-9_-] (Toss's rule; KISPG/NicePay ≤ 64). */
export function newOrderId(prefix = 'ord'): string {
  return `${prefix}_${Date.now().toString(36)}${randomBytes(9).toString('base64url')}`;
}

/** A deterministic orderId for a billing charge identified by (billing key, caller idempotency key). */
export function derivedOrderId(prefix: string, ...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 40);
  return `${prefix}_${digest}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

export const idempotencyKeys = {
  /**
   * One key per (payment, what the browser brought back): a retry of the same confirm is replayed by the gateway, and
   * a confirm under another paymentKey (a forged one) can never receive the genuine one's answer, nor poison it.
   */
  confirm: (paymentId: string, attempt: unknown) => `confirm:${paymentId}:${attemptDigest(attempt)}`,
  cancel: (cancelId: string) => `cancel:${cancelId}`,
  netCancel: (paymentId: string) => `net-cancel:${paymentId}`,
  billingIssue: (billingKeyId: string) => `billing-issue:${billingKeyId}`,
  billingCharge: (paymentId: string) => `billing-charge:${paymentId}`,
  cashReceiptIssue: (receiptId: string) => `cash-receipt:${receiptId}`,
  cashReceiptCancel: (receiptId: string) => `cash-receipt-cancel:${receiptId}`,
  virtualAccount: (paymentId: string) => `virtual-account:${paymentId}`,
};

/** A short stable digest of what identifies one approval attempt (key fields sorted, so field order never matters). */
function attemptDigest(attempt: unknown): string {
  return createHash('sha256').update(stableJson(attempt)).digest('base64url').slice(0, 16);
}

function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}
