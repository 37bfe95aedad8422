import { newId } from '../domain/ids';
import { PaymentStatus } from '../domain/payment-status';
import { Payment } from '../entities/payment.entity';
import type { CustomerInfo, PaymentLookup, PreparedPayment } from '../gateways/gateway.port';

export interface ReadyPaymentInput {
  gateway: string;
  orderId: string;
  type: Payment['type'];
  method: string | null;
  amount: number;
  taxFreeAmount: number;
  orderName: string;
  customer?: CustomerInfo;
  metadata?: Record<string, unknown>;
  billingKeyId?: string;
}

/** A READY row: nothing canceled, the whole amount as balance. One builder for checkouts and billing charges. */
export function newReadyPayment(input: ReadyPaymentInput): Payment {
  return Object.assign(new Payment(), {
    id: newId(),
    gateway: input.gateway,
    orderId: input.orderId,
    gatewayPaymentKey: null,
    attemptPaymentKey: null,
    approvalSentAt: null,
    truthObservedAt: null,
    type: input.type,
    method: input.method,
    status: PaymentStatus.READY,
    currency: 'KRW',
    amount: input.amount,
    balanceAmount: input.amount,
    canceledAmount: 0,
    pendingCancelAmount: 0,
    taxFreeAmount: input.taxFreeAmount,
    vat: null,
    orderName: input.orderName,
    customerKey: input.customer?.customerKey ?? null,
    customerName: input.customer?.name ?? null,
    customerEmail: input.customer?.email ?? null,
    customerPhone: input.customer?.phone ?? null,
    billingKeyId: input.billingKeyId ?? null,
    metadata: input.metadata ?? null,
  });
}

/** What a gateway is told about a stored payment when it approves or cancels it. */
export function toPrepared(payment: Payment): PreparedPayment {
  return {
    paymentId: payment.id,
    gateway: payment.gateway,
    orderId: payment.orderId,
    amount: payment.amount,
    taxFreeAmount: payment.taxFreeAmount,
    orderName: payment.orderName,
    gatewayPaymentKey: payment.gatewayPaymentKey ?? payment.attemptPaymentKey,
    method: payment.method,
    customer: {
      customerKey: payment.customerKey ?? undefined,
      name: payment.customerName ?? undefined,
      email: payment.customerEmail ?? undefined,
      phone: payment.customerPhone ?? undefined,
    },
    metadata: payment.metadata,
  };
}

/** What a gateway needs to read a stored payment back (under the key of the approval in flight until it has its own). */
export function toLookup(payment: Payment): PaymentLookup {
  return {
    paymentKey: payment.gatewayPaymentKey ?? payment.attemptPaymentKey,
    orderId: payment.orderId,
    amount: payment.amount,
    customerKey: payment.customerKey,
  };
}
