import type { Clock } from '../clock';

/**
 * The simulated Toss merchant account's records and the rules they follow (docs/gateways/toss.md#simulator). Shared by
 * the parts of the store (payments, virtual accounts, billing, cash receipts); nothing here touches HTTP.
 */

export type TossMethod = 'CARD' | 'VIRTUAL_ACCOUNT' | 'EASY_PAY' | 'TRANSFER';
export type TossPaymentStatus =
  'READY' | 'IN_PROGRESS' | 'WAITING_FOR_DEPOSIT' | 'DONE' | 'CANCELED' | 'PARTIAL_CANCELED' | 'ABORTED' | 'EXPIRED';

/** Korean method literals of the 2022-11-16 Payment object (docs/gateways/toss.md#status-and-method-mapping). */
export const METHOD_NAMES: Record<TossMethod, string> = {
  CARD: '카드',
  VIRTUAL_ACCOUNT: '가상계좌',
  EASY_PAY: '간편결제',
  TRANSFER: '계좌이체',
};

/** Cards take at least 100 KRW, account-based methods 200 KRW (docs/gateways/toss.md#identifiers-and-amounts). */
export const MINIMUM_AMOUNT: Record<TossMethod, number> = {
  CARD: 100,
  EASY_PAY: 100,
  TRANSFER: 200,
  VIRTUAL_ACCOUNT: 200,
};

/** After authentication the merchant must confirm within 10 minutes (docs/gateways/toss.md#confirm). */
export const CONFIRM_WINDOW_MS = 10 * 60 * 1000;
/** A virtual account stays open 168 hours (7 days) by default, 2160 (90 days) at most. */
export const DEFAULT_VALID_HOURS = 168;
export const MAX_VALID_HOURS = 2160;
export const HOUR_MS = 60 * 60 * 1000;
/** Cash receipts show their final issue status a day or two later; we settle them after one day. */
export const CASH_RECEIPT_SETTLE_MS = 24 * HOUR_MS;
/** Payments whose orderId may not be reused by a new payment window or charge. */
export const ORDER_ID_TAKEN_STATUSES: ReadonlySet<TossPaymentStatus> = new Set([
  'WAITING_FOR_DEPOSIT',
  'DONE',
  'CANCELED',
  'PARTIAL_CANCELED',
]);

export const DEFAULT_CARD_NUMBER = '4330123412341234';
/** 현대카드 (issuer 61, acquirer 31), as in Toss's own billing example for card 43301234****123*. */
export const CARD_ISSUER = { issuerCode: '61', acquirerCode: '31', company: '현대' } as const;

export type Json = Record<string, unknown>;

export interface StoredCancel {
  cancelAmount: number;
  cancelReason: string;
  taxFreeAmount: number;
  refundableAmount: number;
  canceledAt: Date;
  transactionKey: string;
  receiptKey: string;
}

export interface StoredVirtualAccount {
  accountNumber: string;
  bankCode: string;
  customerName: string;
  dueDate: Date;
  expired: boolean;
  refundStatus: 'NONE' | 'PENDING' | 'COMPLETED';
}

export interface StoredPayment {
  paymentKey: string;
  orderId: string;
  orderName: string;
  type: 'NORMAL' | 'BILLING';
  method: TossMethod;
  status: TossPaymentStatus;
  requestedAt: Date;
  approvedAt: Date | null;
  /** When the buyer finished the payment window; confirm must follow within CONFIRM_WINDOW_MS. */
  authenticatedAt: Date | null;
  totalAmount: number;
  balanceAmount: number;
  /** Remaining tax-free part of the balance (decreases with cancels). */
  taxFreeAmount: number;
  taxExemptionAmount: number;
  lastTransactionKey: string | null;
  cancels: StoredCancel[];
  secret: string | null;
  /** Only the masked number is ever kept. */
  maskedCardNumber: string | null;
  approveNo: string | null;
  cardCanceled: boolean;
  virtualAccount: StoredVirtualAccount | null;
  /** VA chosen in the window: the account is opened at confirm. */
  pendingVirtualAccount: { bankCode: string; customerName: string; validHours: number } | null;
  customerKey: string | null;
  failure: { code: string; message: string } | null;
}

/** What a new payment starts with; the rest (key, balance, cancels ...) is derived. */
export type NewPayment = Pick<
  StoredPayment,
  | 'orderId'
  | 'orderName'
  | 'type'
  | 'method'
  | 'status'
  | 'requestedAt'
  | 'authenticatedAt'
  | 'totalAmount'
  | 'taxFreeAmount'
  | 'taxExemptionAmount'
  | 'maskedCardNumber'
  | 'customerKey'
  | 'pendingVirtualAccount'
>;

export interface StoredBillingAuth {
  customerKey: string;
  maskedCardNumber: string;
  used: boolean;
}

export interface StoredBilling {
  billingKey: string;
  customerKey: string;
  maskedCardNumber: string;
  authenticatedAt: Date;
  deleted: boolean;
}

export interface LedgerRow {
  seq: number;
  transactionKey: string;
  paymentKey: string;
  orderId: string;
  method: TossMethod;
  customerKey: string | null;
  status: TossPaymentStatus;
  transactionAt: Date;
  amount: number;
}

export interface StoredCashReceipt {
  seq: number;
  receiptKey: string;
  issueNumber: string;
  amount: number;
  taxFreeAmount: number;
  orderId: string;
  orderName: string;
  type: '소득공제' | '지출증빙';
  transactionType: 'CONFIRM' | 'CANCEL';
  customerIdentityNumber: string;
  requestedAt: Date;
  /** Set on a CONFIRM receipt once it has been canceled. */
  canceled: boolean;
}

/** What the store tells the outside world (webhooks). Payloads are snapshots taken at the moment of change. */
export interface TossStoreEvents {
  paymentStatusChanged(payment: Json): void;
  depositCallback(body: { secret: string; status: string; transactionKey: string; orderId: string }): void;
  billingDeleted(billingKey: string): void;
}

export interface TossStoreOptions {
  clock: Clock;
  mid: string;
  clientKeys: readonly string[];
  partialCanceledAtZeroQuirk: boolean;
  events: TossStoreEvents;
}

export interface PaymentWindowInput {
  orderId: string;
  amount: number;
  orderName: string;
  method?: TossMethod;
  clientKey?: string;
  customerKey?: string;
  customerName?: string;
  taxFreeAmount?: number;
  cardNumber?: string;
  virtualAccountBank?: string;
  validHours?: number;
}

export type PaymentRef = { paymentKey?: string; orderId?: string };

/** Mirrors the SDK refusing to open a window with an unknown client key (UNAUTHORIZED_KEY / INVALID_CLIENT_KEY). */
export function assertClientKey(clientKeys: readonly string[], clientKey: string | undefined, operation: string): void {
  if (clientKey !== undefined && !clientKeys.includes(clientKey)) {
    throw new Error(`TossSimulator.${operation}: unknown client key (UNAUTHORIZED_KEY)`);
  }
}

/** Query integer: undefined/empty → fallback; anything but plain digits → undefined (caller answers 400). */
export function parseIntegerParam(value: string | undefined, fallback: number): number | undefined {
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,9}$/.test(value)) return undefined;
  return Number(value);
}
