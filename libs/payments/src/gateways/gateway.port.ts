/**
 * The gateway port: the only thing the core (service, webhooks, jobs) knows about a payment gateway.
 * Each gateway folder implements `PaymentGateway` and maps its wire shapes onto the canonical types below.
 * Amounts are integer KRW. Nothing here carries a raw card number; billing keys appear only in the
 * requests/results that must carry them and are encrypted by the core before they touch the database.
 */

/** Gateway names as they appear in options, rows and webhook paths. */
export type GatewayName = 'toss' | 'nicepay' | 'kispg' | 'appsInToss' | (string & {});

export interface GatewayCapabilities {
  partialCancel: boolean;
  /** NicePay's net-cancel (망취소) of an approval whose answer was lost. */
  netCancel: boolean;
  virtualAccount: boolean;
  billing: boolean;
  cashReceipts: boolean;
  transactions: boolean;
  webhooks: boolean;
}

/** Canonical payment statuses as reported by a gateway (mapped by the adapter). */
export type GatewayPaymentStatus =
  | 'READY'
  | 'IN_PROGRESS'
  | 'WAITING_FOR_DEPOSIT'
  | 'PAID'
  | 'PARTIALLY_CANCELED'
  | 'CANCELED'
  | 'FAILED'
  | 'EXPIRED';

/**
 * Canonical payment methods. Adapters map their gateway's vocabulary onto these (Toss answers `카드`, `가상계좌` ...)
 * so `payments.method` holds one vocabulary whoever wrote it; a method an adapter does not know is passed through
 * unchanged rather than lost.
 */
export type PaymentMethod =
  | 'CARD'
  | 'VIRTUAL_ACCOUNT'
  | 'TRANSFER'
  | 'MOBILE_PHONE'
  | 'EASY_PAY'
  | 'GIFT_CERTIFICATE'
  | (string & {});

export interface CustomerInfo {
  /** Merchant-side customer id (Toss customerKey, Apps-in-Toss userKey ...). */
  customerKey?: string;
  name?: string;
  email?: string;
  phone?: string;
}

export interface VirtualAccountRequest {
  bankCode: string;
  /** Hours the account stays open. */
  validHours?: number;
  customerName: string;
}

export interface RefundAccount {
  bankCode: string;
  accountNumber: string;
  holderName: string;
}

/** What `prepare` hands a gateway: the payment row we just stored. */
export interface PrepareRequest {
  paymentId: string;
  orderId: string;
  amount: number;
  taxFreeAmount: number;
  orderName: string;
  method?: string;
  customer?: CustomerInfo;
  returnUrl?: string;
  failUrl?: string;
  /** Gateway-specific extra checkout fields, validated by the adapter. */
  extra?: Record<string, unknown>;
}

/** What the front end hands to the gateway's window / SDK / form. Serializable. */
export interface CheckoutParams {
  gateway: GatewayName;
  /** e.g. 'sdk' (Toss/NicePay JS SDK call), 'form' (KISPG POST form), 'payToken' (Apps-in-Toss). */
  kind: 'sdk' | 'form' | 'payToken' | 'server';
  /** For 'form': where to POST. */
  actionUrl?: string;
  method?: 'GET' | 'POST';
  /** Parameters exactly as the gateway expects them. */
  fields: Record<string, string | number | boolean | null | undefined | Record<string, unknown>>;
  /**
   * Values the gateway returned during prepare that the core must keep (e.g. Apps-in-Toss payToken). Stored on
   * the payment row as `gatewayPaymentKey` when `paymentKey` is set.
   */
  paymentKey?: string;
  /**
   * When prepare already created the payment at the gateway (a server-issued virtual account), its truth. The core
   * applies it and strips it before returning the checkout: it may carry `webhookSecret`.
   */
  truth?: GatewayPaymentTruth;
}

/** The prepared payment as the core stored it: what approval is checked against. */
export interface PreparedPayment {
  paymentId: string;
  gateway: GatewayName;
  orderId: string;
  amount: number;
  taxFreeAmount: number;
  orderName: string;
  /** Gateway key stored at prepare time (Apps-in-Toss payToken) or from an earlier attempt. */
  gatewayPaymentKey?: string | null;
  /** Canonical method on the row (`PaymentMethod`), once known: KISPG's cancel must name the payMethod. */
  method?: string | null;
  customer?: CustomerInfo;
  metadata?: Record<string, unknown> | null;
}

/** What the browser brought back from the payment window (successUrl query / returnUrl POST body). */
export interface ConfirmInput {
  orderId: string;
  amount: number;
  /** Toss paymentKey. */
  paymentKey?: string;
  /** NicePay / KISPG returnUrl POST body, verbatim. */
  authResult?: Record<string, string>;
  /** Apps-in-Toss payToken. */
  payToken?: string;
}

export interface ApproveRequest {
  prepared: PreparedPayment;
  input: ConfirmInput;
  /** Deterministic, derived from our payment id: a retry can never charge twice. */
  idempotencyKey: string;
}

export interface CardInfo {
  issuerCode?: string;
  acquirerCode?: string;
  /** Masked as the gateway returns it (never a full number). */
  maskedNumber?: string;
  approveNo?: string;
  installmentMonths?: number;
  cardType?: string;
}

export interface VirtualAccountInfo {
  bankCode: string;
  accountNumber: string;
  customerName?: string;
  dueDate?: Date | null;
  expired?: boolean;
}

export interface GatewayCancelTruth {
  /** Gateway's id for this cancel transaction (Toss transactionKey, NicePay cancelled tid ...). */
  transactionKey: string;
  amount: number;
  taxFreeAmount: number;
  canceledAt: Date | null;
  reason?: string | null;
  status: 'DONE' | 'IN_PROGRESS' | 'FAILED';
}

/**
 * The gateway's view of one payment, canonicalised. This is what `apply` consumes: confirm, sync, webhooks and
 * repair jobs all end by handing one of these to the same step.
 */
export interface GatewayPaymentTruth {
  gateway: GatewayName;
  paymentKey: string;
  orderId: string;
  status: GatewayPaymentStatus;
  /** Original amount (never changes). */
  totalAmount: number;
  /** What is still cancelable. `totalAmount - balanceAmount` has been canceled. */
  balanceAmount: number;
  taxFreeAmount?: number;
  vat?: number;
  /** Canonical (`PaymentMethod`), not the gateway's own literal. */
  method?: PaymentMethod | null;
  approvedAt?: Date | null;
  currency?: string;
  card?: CardInfo | null;
  virtualAccount?: VirtualAccountInfo | null;
  /** Virtual-account webhook secret (Toss DEPOSIT_CALLBACK). Stored, never logged, never in `raw`. */
  webhookSecret?: string | null;
  cancels: GatewayCancelTruth[];
  failure?: { code: string; message: string } | null;
  lastTransactionKey?: string | null;
  receiptUrl?: string | null;
  /** The gateway body, already scrubbed of secrets and card data by the HTTP layer. */
  raw: unknown;
}

export interface PaymentLookup {
  paymentKey?: string | null;
  orderId: string;
  /** Some gateways (KISPG) need the original amount to build the query hash. */
  amount: number;
  /** The payment's customerKey: Apps-in-Toss needs the buyer's `x-toss-user-key` on every call. */
  customerKey?: string | null;
}

export interface CancelRequest {
  prepared: PreparedPayment;
  paymentKey: string;
  /** Our cancel row id: the basis of idempotency keys / unique cancel order ids. */
  cancelId: string;
  amount: number;
  /** True when `amount` equals the remaining balance (full cancel of what is left). */
  isFull: boolean;
  /** Remaining balance before this cancel (Toss `refundableAmount` optimistic lock). */
  balanceBefore: number;
  taxFreeAmount?: number;
  reason: string;
  refundAccount?: RefundAccount;
  idempotencyKey: string;
}

export interface CancelResult {
  /** The payment after the cancel. */
  payment: GatewayPaymentTruth;
  /** The cancel transaction this request created. */
  cancel: GatewayCancelTruth;
}

export interface NetCancelRequest {
  prepared: PreparedPayment;
  paymentKey?: string | null;
  idempotencyKey: string;
}

/**
 * An approval whose answer was lost (the payment is UNKNOWN). Gateways with a policy for this (NicePay: net-cancel
 * within 1 hour, or query first — nicepay.md §3.4) implement `resolveUnknownApproval`; the others are read back
 * with `getPayment`.
 */
export interface UnknownApprovalRequest {
  prepared: PreparedPayment;
  /** Gateway key known so far (NicePay tid, Apps-in-Toss payToken), if any. */
  paymentKey?: string | null;
  /** When the approval whose answer was lost was sent (the row's last status change). Net-cancel windows count from it. */
  approvalSentAt: Date;
  /** `net-cancel:<paymentId>`. */
  idempotencyKey: string;
}

export interface UnknownApprovalResolution {
  /** What the adapter did: read the gateway's record ('query'), or reversed the approval ('net-cancel'). */
  action: 'query' | 'net-cancel';
  /**
   * The payment as the gateway now has it. After a net-cancel: CANCELED with the reversing cancel in `cancels`
   * (or READY/IN_PROGRESS when the gateway never approved it). The core applies it and records `action`.
   */
  truth: GatewayPaymentTruth;
}

export interface BillingKeyIssueRequest {
  customerKey: string;
  /** Toss: the one-time authKey from the billing auth window. */
  authKey?: string;
  /** Card data for gateways that register cards server-side (NicePay encData). Pass-through only; never stored. */
  card?: {
    number: string;
    expiryYear: string;
    expiryMonth: string;
    identityNumber?: string;
    passwordFirst2?: string;
  };
  idempotencyKey: string;
  customer?: CustomerInfo;
}

export interface BillingKeyTruth {
  billingKey: string;
  customerKey: string;
  method?: string;
  card?: CardInfo | null;
  authenticatedAt?: Date | null;
  raw: unknown;
}

export interface BillingChargeRequest {
  billingKey: string;
  customerKey: string;
  paymentId: string;
  orderId: string;
  orderName: string;
  amount: number;
  taxFreeAmount: number;
  customer?: CustomerInfo;
  idempotencyKey: string;
}

export interface CashReceiptIssueRequest {
  receiptId: string;
  orderId: string;
  orderName: string;
  amount: number;
  taxFreeAmount: number;
  /** 'INCOME_DEDUCTION' = 소득공제, 'EXPENSE_PROOF' = 지출증빙. */
  type: CashReceiptType;
  /** Phone / cash-receipt card / business number. Pass-through; stored encrypted by the core. */
  identityNumber: string;
  paymentKey?: string | null;
  idempotencyKey: string;
}

export type CashReceiptType = 'INCOME_DEDUCTION' | 'EXPENSE_PROOF';

export interface CashReceiptTruth {
  receiptKey: string;
  orderId: string;
  amount: number;
  type?: CashReceiptType;
  issueNumber?: string | null;
  /** Gateway's own status: our mapping. */
  status: 'IN_PROGRESS' | 'ISSUED' | 'CANCELED' | 'FAILED';
  receiptUrl?: string | null;
  failure?: { code: string; message: string } | null;
  raw: unknown;
}

export interface CashReceiptCancelRequest {
  receiptKey: string;
  orderId: string;
  amount?: number;
  reason?: string;
  idempotencyKey: string;
}

export interface TransactionListRequest {
  /** Inclusive range (Asia/Seoul wall-clock is the adapter's business). */
  from: Date;
  to: Date;
  /** Page size hint. */
  limit?: number;
}

export interface GatewayTransaction {
  transactionKey: string;
  paymentKey: string;
  orderId: string;
  /** 'APPROVAL' or 'CANCEL'. */
  kind: 'APPROVAL' | 'CANCEL';
  amount: number;
  status: GatewayPaymentStatus;
  method?: string | null;
  transactedAt: Date;
  raw: unknown;
}

/** A webhook as the controller received it: raw bytes matter for HMAC checks. */
export interface RawWebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /** Parsed body (JSON or form) as the framework parsed it. */
  body: unknown;
  sourceIp?: string;
}

/** How the core should treat a verified delivery. */
export interface ParsedWebhook {
  /** Stable per logical event: a redelivery of the same event has the same key. */
  dedupeKey: string;
  eventType: string;
  orderId?: string | null;
  paymentKey?: string | null;
  /**
   * What authenticates this delivery, as the adapter sees it:
   * - 'signature': verified by the adapter (HMAC / hash) already;
   * - 'payment-secret': the core must compare `secret` with the payment's stored secret (timing-safe);
   * - 'read-back': unsigned; the core trusts only a fresh `getPayment` from the gateway.
   */
  verification: 'signature' | 'payment-secret' | 'read-back' | 'none';
  secret?: string | null;
  /** For 'signature': the truth carried by the body, if the adapter could map it. */
  truth?: GatewayPaymentTruth | null;
  /** Billing key events (Toss BILLING_DELETED). */
  billingKey?: string | null;
  /** Scrubbed body for the inbox row. */
  payload: unknown;
}

/** What the webhook controller answers (status + body + content type), per gateway rules. */
export interface WebhookReply {
  status: number;
  body: string;
  contentType: string;
}

export interface PaymentGateway {
  readonly name: GatewayName;
  readonly capabilities: GatewayCapabilities;

  /** Checkout parameters for the front end. May call the gateway (Apps-in-Toss make-payment). */
  prepare(request: PrepareRequest): Promise<CheckoutParams>;
  /**
   * Local checks before approval: signatures/hashes of what the browser brought back, gateway-specific
   * field rules. Throws SignatureMismatchError / InvalidInputError; never calls the network.
   */
  verifyConfirmInput(prepared: PreparedPayment, input: ConfirmInput): void;
  /**
   * Approve (Toss confirm, NicePay approve, KISPG payment, Apps-in-Toss execute). The core has run
   * `verifyConfirmInput` on the same input first, so an adapter does not repeat it. An answer about another payment
   * throws the core's mismatch errors (gateways/gateway-answers.ts): the core reads them as an unknown outcome.
   */
  approve(request: ApproveRequest): Promise<GatewayPaymentTruth>;
  getPayment(lookup: PaymentLookup): Promise<GatewayPaymentTruth>;
  cancel(request: CancelRequest): Promise<CancelResult>;
  netCancel(request: NetCancelRequest): Promise<GatewayPaymentTruth>;
  /**
   * Optional. Resolves an UNKNOWN approval per the gateway's policy (called right after the answer is lost, and
   * again by `sync` / `syncStuckPayments` while the payment stays UNKNOWN). Absent: the core calls `getPayment`.
   */
  resolveUnknownApproval?(request: UnknownApprovalRequest): Promise<UnknownApprovalResolution>;
  /**
   * Optional. Maps the body the payment window POSTs to the merchant's returnUrl (NicePay, KISPG) onto a
   * ConfirmInput (orderId and amount taken from the gateway's own field names), for `PaymentsService.confirmReturn`.
   * Throws InvalidInputError naming the missing field; never calls the network.
   */
  confirmInputFromReturn?(body: Record<string, unknown>): ConfirmInput;
  /**
   * Optional. Where this gateway's webhooks may come from, per its own options (IPs or CIDR blocks; e.g. NicePay
   * 121.133.126.86/87). `webhooks.ipAllowlist[<gateway>]` in the module options overrides it; empty = any source.
   */
  readonly webhookAllowedSources?: readonly string[];

  issueBillingKey(request: BillingKeyIssueRequest): Promise<BillingKeyTruth>;
  chargeBillingKey(request: BillingChargeRequest): Promise<GatewayPaymentTruth>;
  deleteBillingKey(billingKey: string, customerKey: string): Promise<void>;

  issueCashReceipt(request: CashReceiptIssueRequest): Promise<CashReceiptTruth>;
  cancelCashReceipt(request: CashReceiptCancelRequest): Promise<CashReceiptTruth>;
  getCashReceipt(receiptKey: string, requestDate: Date): Promise<CashReceiptTruth>;

  /** All transactions in the range, following the gateway's paging to the end. */
  listTransactions(request: TransactionListRequest): AsyncIterable<GatewayTransaction>;

  /** Verify what can be verified from the request alone and parse it. Throws SignatureMismatchError. */
  parseWebhook(request: RawWebhookRequest): Promise<ParsedWebhook>;
  /** The reply the gateway expects once the event is stored. */
  webhookReply(outcome: 'accepted' | 'rejected'): WebhookReply;

  /** Releases connections (called on application shutdown). */
  close?(): Promise<void>;
}

/** DI token under which every configured gateway is registered (multi-provider style via GatewayRegistry). */
export const PAYMENT_GATEWAYS = Symbol('PAYMENT_GATEWAYS');
