/**
 * Optional gateway capabilities: what only some gateways offer. An adapter implements an interface here only when its
 * gateway supports it; the core asks `capabilitiesOf` / the `supports*` guards and throws `UnsupportedOperationError`
 * naming the gateway in one place (`requireCapability`). Nothing here is a stub.
 */
import { UnsupportedOperationError } from '../domain/errors';
import type {
  ConfirmInput,
  CustomerInfo,
  CardInfo,
  GatewayPaymentStatus,
  GatewayPaymentTruth,
  PaymentGateway,
  PreparedPayment,
} from './gateway.port';

/**
 * An approval whose answer was lost (the payment is UNKNOWN). Gateways with a policy for this (NicePay: net-cancel
 * within 1 hour, or query first; see docs/gateways/nicepay.md) implement `resolveUnknownApproval`; the others are read back
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
  /**
   * Resume after this transaction (the last one of a page already processed): a reconciliation run that crashed
   * continues from its committed cursor instead of walking the day again.
   */
  startingAfter?: string;
  /**
   * Default true. False: every transaction's `raw` is null, for a caller that keeps only the other fields
   * (reconciliation stages 100,000 rows a day from pages of 5,000 and never reads `raw`), so no scrubbed copy of each
   * page is made. A gateway may ignore it and fill `raw` anyway.
   */
  includeRaw?: boolean;
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
  /** The gateway's row, scrubbed of secrets and card data; null when the list was asked with `includeRaw: false`. */
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
   * - 'read-back': unsigned; the core trusts only a fresh `getPayment` from the gateway;
   * - 'none': nothing can authenticate it (an unsigned event with nothing to read back): stored for audit only;
   * - 'failed': it carried a signature that does not verify. Stored REJECTED and counted against its source's budget,
   *   for gateways that must still be answered "accepted" (NicePay's console TEST calls); others throw
   *   SignatureMismatchError instead (401 before anything is stored).
   */
  verification: 'signature' | 'payment-secret' | 'read-back' | 'none' | 'failed';
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

/**
 * What a failed billing charge means for the next try (recurring billing, docs/architecture.md#recurring-billing):
 * - HARD:          the card or billing key cannot be charged again (expired, stopped, lost, deleted): no retries, the
 *                  customer must register a payment method;
 * - SOFT:          a refusal a later try may overcome (limit reached, issuer refused this time): dunning schedule;
 * - TRANSIENT:     the gateway or a partner failed (5xx, 429, provider errors): the same attempt again shortly;
 * - CONFIGURATION: our keys or contract are wrong: stop charging through this gateway until a human fixes it;
 * - UNKNOWN:       a code the gateway's table does not name: read the charge back before anything else.
 */
export type DeclineClass = 'HARD' | 'SOFT' | 'TRANSIENT' | 'CONFIGURATION' | 'UNKNOWN';

/** The code the core uses when the billing key was deleted on our side (never sent to the gateway). */
export const BILLING_KEY_DELETED_CODE = 'BILLING_KEY_DELETED';

/** Billing keys (정기결제): issue from an auth key or card data, charge, delete. */
export interface BillingKeyCapability {
  issueBillingKey(request: BillingKeyIssueRequest): Promise<BillingKeyTruth>;
  chargeBillingKey(request: BillingChargeRequest): Promise<GatewayPaymentTruth>;
  deleteBillingKey(billingKey: string, customerKey: string): Promise<void>;
  /** The class of a failure code of a charge (the gateway's code, `HTTP_<status>`, or BILLING_KEY_DELETED). */
  declineClassOf(code: string): DeclineClass;
}

/** Standalone cash receipts (현금영수증) issued and canceled through the gateway's API. */
export interface CashReceiptCapability {
  issueCashReceipt(request: CashReceiptIssueRequest): Promise<CashReceiptTruth>;
  cancelCashReceipt(request: CashReceiptCancelRequest): Promise<CashReceiptTruth>;
  getCashReceipt(receiptKey: string, requestDate: Date): Promise<CashReceiptTruth>;
}

/** A transaction list the gateway serves (reconciliation reads it). */
export interface TransactionListCapability {
  /** All transactions in the range, following the gateway's paging to the end. */
  listTransactions(request: TransactionListRequest): AsyncIterable<GatewayTransaction>;
}

/** Webhooks the gateway delivers. A gateway without them has no webhook route (404). */
export interface WebhookCapability {
  /** Verify what can be verified from the request alone and parse it. Throws SignatureMismatchError. */
  parseWebhook(request: RawWebhookRequest): Promise<ParsedWebhook>;
  /** The reply the gateway expects once the event is stored. */
  webhookReply(outcome: 'accepted' | 'rejected'): WebhookReply;
  /**
   * Where this gateway's webhooks may come from, per its own options (IPs or CIDR blocks). `webhooks.ipAllowlist.<g>`
   * in the module options overrides it. Undefined: the gateway publishes none; `[]`: an explicit opt-out. Either way
   * any source is accepted and the guard says so in a warning at boot.
   */
  readonly webhookAllowedSources?: readonly string[];
}

/**
 * The gateway's own rule for an approval whose answer was lost (called right after the answer is lost, and again by
 * `sync` and the repair job while the payment stays UNKNOWN). Without it the core reads the payment back.
 */
export interface LostApprovalPolicyCapability {
  resolveUnknownApproval(request: UnknownApprovalRequest): Promise<UnknownApprovalResolution>;
}

/**
 * Maps the body the payment window POSTs to the merchant's returnUrl (NicePay, KISPG) onto a ConfirmInput (orderId
 * and amount taken from the gateway's own field names), for `PaymentsService.confirmReturn`. Throws
 * InvalidInputError naming the missing field; never calls the network.
 */
export interface ReturnUrlCapability {
  confirmInputFromReturn(body: Record<string, unknown>): ConfirmInput;
}

interface CapabilityInterfaces {
  billing: BillingKeyCapability;
  cashReceipts: CashReceiptCapability;
  transactions: TransactionListCapability;
  webhooks: WebhookCapability;
  lostApprovalPolicy: LostApprovalPolicyCapability;
  returnUrl: ReturnUrlCapability;
}

export type GatewayCapability = keyof CapabilityInterfaces;

/** The method whose presence shows each capability (an adapter implements all of an interface or none of it). */
const CAPABILITY_PROBES: { [K in GatewayCapability]: keyof CapabilityInterfaces[K] } = {
  billing: 'chargeBillingKey',
  cashReceipts: 'issueCashReceipt',
  transactions: 'listTransactions',
  webhooks: 'parseWebhook',
  lostApprovalPolicy: 'resolveUnknownApproval',
  returnUrl: 'confirmInputFromReturn',
};

/** A gateway with capability `K`. */
export type GatewayWith<K extends GatewayCapability> = PaymentGateway & CapabilityInterfaces[K];

export function supports<K extends GatewayCapability>(
  gateway: PaymentGateway,
  capability: K,
): gateway is GatewayWith<K> {
  return typeof (gateway as unknown as Record<string, unknown>)[CAPABILITY_PROBES[capability] as string] === 'function';
}

/**
 * The one place an unsupported operation is refused: returns the gateway typed with the capability, or throws
 * `UnsupportedOperationError` naming the gateway and the operation. Call it before writing anything.
 */
export function requireCapability<K extends GatewayCapability>(
  gateway: PaymentGateway,
  capability: K,
  operation: string,
): GatewayWith<K> {
  if (!supports(gateway, capability)) throw new UnsupportedOperationError(gateway.name, operation);
  return gateway;
}

/** Everything a gateway can do: its declared features plus the capabilities it implements. */
export type GatewayCapabilities = PaymentGateway['features'] & { [K in GatewayCapability]: boolean };

export function capabilitiesOf(gateway: PaymentGateway): GatewayCapabilities {
  const implemented = Object.fromEntries(
    (Object.keys(CAPABILITY_PROBES) as GatewayCapability[]).map((capability) => [
      capability,
      supports(gateway, capability),
    ]),
  ) as { [K in GatewayCapability]: boolean };
  return { ...gateway.features, ...implemented };
}
