/**
 * Port -> wire: the request bodies Toss Payments core API v1 expects, built from canonical requests, and the checkout
 * handed to the browser. Fields were checked by the flow (toss.gateway.ts, toss.input.ts) before these run; nothing
 * here calls the network. The other direction (wire -> truths) is toss.mapping.ts.
 */
import type {
  BillingChargeRequest,
  BillingKeyIssueRequest,
  CashReceiptIssueRequest,
  CashReceiptType,
} from '../gateway-capabilities';
import type { CancelRequest, CheckoutParams, GatewayPaymentTruth, PrepareRequest } from '../gateway.port';
import type {
  TossBillingCardBody,
  TossBillingChargeBody,
  TossCancelBody,
  TossCashReceiptIssueBody,
  TossVirtualAccountBody,
} from './toss.types';

/** Canonical receipt types -> the Korean words the issue endpoint expects. */
const CASH_RECEIPT_TYPES: Record<CashReceiptType, '소득공제' | '지출증빙'> = {
  INCOME_DEDUCTION: '소득공제',
  EXPENSE_PROOF: '지출증빙',
};

/** The Toss word for a canonical receipt type, or undefined for a type Toss does not know. */
export function tossCashReceiptType(type: CashReceiptType): '소득공제' | '지출증빙' | undefined {
  return CASH_RECEIPT_TYPES[type];
}

/** A positive tax-free part is sent; 0 is left out (Toss's default). */
function taxFreeField(taxFreeAmount: number): number | undefined {
  return taxFreeAmount > 0 ? taxFreeAmount : undefined;
}

/**
 * What `tossPayments.payment({ customerKey }).requestPayment({...})` (JS SDK v2) needs; `amount` is the SDK's
 * `{ currency, value }` object. failUrl defaults to successUrl, which tells failures apart by its `code` query.
 */
export function tossSdkCheckout(request: PrepareRequest, clientKey: string, successUrl: string): CheckoutParams {
  return {
    gateway: 'toss',
    kind: 'sdk',
    fields: {
      clientKey,
      orderId: request.orderId,
      orderName: request.orderName,
      amount: { currency: 'KRW', value: request.amount },
      customerKey: request.customer?.customerKey,
      customerName: request.customer?.name,
      customerEmail: request.customer?.email,
      taxFreeAmount: taxFreeField(request.taxFreeAmount),
      method: request.method,
      successUrl,
      failUrl: request.failUrl ?? successUrl,
    },
  };
}

export function tossVirtualAccountBody(
  request: PrepareRequest,
  account: { bank: string; validHours: number | undefined; customerName: string },
): TossVirtualAccountBody {
  return {
    amount: request.amount,
    orderId: request.orderId,
    orderName: request.orderName,
    customerName: account.customerName,
    bank: account.bank,
    validHours: account.validHours,
    customerEmail: request.customer?.email,
    taxFreeAmount: taxFreeField(request.taxFreeAmount),
  };
}

/**
 * A server-issued account as checkout: `fields` carries what the buyer needs (bank, account number, due date);
 * `truth` (with the webhook secret) is for the core, which strips it before the checkout leaves the server.
 */
export function tossVirtualAccountCheckout(request: PrepareRequest, truth: GatewayPaymentTruth): CheckoutParams {
  return {
    gateway: 'toss',
    kind: 'server',
    paymentKey: truth.paymentKey,
    fields: {
      paymentKey: truth.paymentKey,
      orderId: truth.orderId,
      orderName: request.orderName,
      amount: truth.totalAmount,
      bankCode: truth.virtualAccount?.bankCode,
      accountNumber: truth.virtualAccount?.accountNumber,
      customerName: truth.virtualAccount?.customerName ?? null,
      dueDate: truth.virtualAccount?.dueDate ? truth.virtualAccount.dueDate.toISOString() : null,
    },
    truth,
  };
}

/**
 * Cancel body. A full cancel of what is left omits `cancelAmount`; `refundableAmount` is always sent as an optimistic
 * lock on the balance (docs/gateways/toss.md#cancel). Amounts were checked by the flow.
 */
export function tossCancelBody(request: CancelRequest): TossCancelBody {
  const body: TossCancelBody = { cancelReason: request.reason };
  if (!request.isFull) body.cancelAmount = request.amount;
  if (request.taxFreeAmount !== undefined) body.taxFreeAmount = request.taxFreeAmount;
  body.refundableAmount = request.balanceBefore;
  if (request.refundAccount) {
    body.refundReceiveAccount = {
      bank: request.refundAccount.bankCode,
      accountNumber: request.refundAccount.accountNumber,
      holderName: request.refundAccount.holderName,
    };
  }
  return body;
}

export function tossBillingCardBody(
  request: BillingKeyIssueRequest,
  card: NonNullable<BillingKeyIssueRequest['card']> & { identityNumber: string },
): TossBillingCardBody {
  return {
    customerKey: request.customerKey,
    cardNumber: card.number,
    cardExpirationYear: card.expiryYear,
    cardExpirationMonth: card.expiryMonth,
    customerIdentityNumber: card.identityNumber,
    cardPassword: card.passwordFirst2,
    customerName: request.customer?.name,
    customerEmail: request.customer?.email,
  };
}

export function tossBillingChargeBody(request: BillingChargeRequest): TossBillingChargeBody {
  return {
    customerKey: request.customerKey,
    amount: request.amount,
    orderId: request.orderId,
    orderName: request.orderName,
    taxFreeAmount: taxFreeField(request.taxFreeAmount),
    customerName: request.customer?.name,
    customerEmail: request.customer?.email,
  };
}

export function tossCashReceiptBody(
  request: CashReceiptIssueRequest,
  type: '소득공제' | '지출증빙',
): TossCashReceiptIssueBody {
  return {
    amount: request.amount,
    orderId: request.orderId,
    orderName: request.orderName,
    type,
    customerIdentityNumber: request.identityNumber,
    taxFreeAmount: taxFreeField(request.taxFreeAmount),
  };
}
