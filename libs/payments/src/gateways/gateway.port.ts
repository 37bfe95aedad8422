/**
 * The gateway port: the only thing the core (services, webhooks, jobs) knows about a payment gateway.
 * Every gateway implements the required core `PaymentGateway` below and maps its wire shapes onto the canonical types
 * here; what only some gateways offer (billing keys, cash receipts, webhooks, transaction lists, a policy for lost
 * approvals, returnUrl POSTs) is an optional interface in `gateway-capabilities.ts`. An adapter implements only what its
 * gateway supports: no method of an adapter exists only to say "not supported".
 * Amounts are integer KRW. Nothing here carries a raw card number; billing keys appear only in the
 * requests/results that must carry them and are encrypted by the core before they touch the database.
 */

/** Gateway names as they appear in options, rows and webhook paths. */
export type GatewayName = 'toss' | 'nicepay' | 'kispg' | 'appsInToss' | (string & {});

/**
 * What a gateway can do that is not an operation of its own, declared by the adapter (it may depend on its options:
 * NicePay's sandbox host refuses partial cancels). Operations (billing keys, cash receipts, webhooks, ...) are not
 * declared: they are the optional interfaces in `gateway-capabilities.ts`, and `capabilitiesOf` reads them off the
 * adapter.
 */
export interface GatewayFeatures {
  partialCancel: boolean;
  virtualAccount: boolean;
  /** The gateway can reverse an approval whose answer was lost (NicePay's net-cancel, 망취소). */
  netCancel: boolean;
}

/**
 * Canonical payment statuses as reported by a gateway (mapped by the adapter). `READY` means the gateway holds no
 * approval for the payment (the buyer may have authenticated in the window, but nothing was approved or captured);
 * `IN_PROGRESS` means the gateway is still processing an approval. The repair rules rely on the difference: only
 * READY (or "no such payment") after the gateway's longest call proves a lost approval did not happen.
 */
export type GatewayPaymentStatus =
  'READY' | 'IN_PROGRESS' | 'WAITING_FOR_DEPOSIT' | 'PAID' | 'PARTIALLY_CANCELED' | 'CANCELED' | 'FAILED' | 'EXPIRED';

/**
 * Canonical payment methods. Adapters map their gateway's vocabulary onto these (Toss answers `카드`, `가상계좌` ...)
 * so `payments.method` holds one vocabulary whoever wrote it; a method an adapter does not know is passed through
 * unchanged rather than lost.
 */
export type PaymentMethod =
  'CARD' | 'VIRTUAL_ACCOUNT' | 'TRANSFER' | 'MOBILE_PHONE' | 'EASY_PAY' | 'GIFT_CERTIFICATE' | (string & {});

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
  /**
   * The adapter made `transactionKey` up from the cancel's answer because the gateway's own list did not show the
   * cancel yet (KISPG answers carry no cancel id). A later read-back lists it under the gateway's key; the ledger then
   * re-keys our row instead of booking the same money twice.
   */
  provisional?: boolean;
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
  /**
   * When this truth was observed (set by the core: when an answer arrived, or when a read-back's request left, so a
   * read sent before a change never counts as newer than one sent after it). Truths are applied in the order they
   * were observed: an earlier one never moves a payment backwards over a later one.
   */
  observedAt?: Date;
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

/**
 * The required core every gateway implements. The core checks optional capabilities with the guards in
 * `gateway-capabilities.ts` and answers `UnsupportedOperationError` itself.
 */
export interface PaymentGateway {
  readonly name: GatewayName;
  readonly features: GatewayFeatures;
  /**
   * The longest one call to this gateway may take, from its configured timeouts (connect + the slowest read, e.g.
   * Toss's 60 s billing charge). A payment or cancel in flight longer than this plus a margin is stuck: the repair
   * rules read it back, and "the gateway has no record" counts as proof only after this long.
   */
  readonly maxCallMs: number;

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

  /** Releases connections (called on application shutdown). */
  close?(): Promise<void>;
}
