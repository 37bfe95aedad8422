import { tossError } from './toss-simulator.errors';
import {
  CUSTOMER_KEY_PATTERN,
  ORDER_ID_PATTERN,
  formatKst,
  isNonEmptyString,
  isNonNegativeInteger,
  isPositiveInteger,
  maskCardNumber,
  newAuthKey,
  newBillingKey,
  newTransactionKey,
  randomDigits,
} from './toss-simulator.format';
import {
  CARD_ISSUER,
  DEFAULT_CARD_NUMBER,
  type Json,
  MINIMUM_AMOUNT,
  type StoredBilling,
  type StoredBillingAuth,
  assertClientKey,
} from './toss-simulator.model';
import type { TossPaymentBook } from './toss-simulator.payment-book';

/**
 * Billing keys (docs/gateways/toss.md#billing-keys): the simulated billing-auth window hands out one-time authKeys,
 * which become billing keys bound to their customerKey; charges are synchronous card payments of type BILLING.
 */
export class TossBilling {
  private readonly billingAuths = new Map<string, StoredBillingAuth>();
  private readonly billings = new Map<string, StoredBilling>();

  constructor(private readonly book: TossPaymentBook) {}

  reset(): void {
    this.billingAuths.clear();
    this.billings.clear();
  }

  /** The billing-auth window: what its successUrl gets ({ customerKey, authKey }). */
  authenticateBilling(input: { customerKey: string; clientKey?: string; cardNumber?: string }): {
    customerKey: string;
    authKey: string;
  } {
    assertClientKey(this.book.options.clientKeys, input.clientKey, 'authenticateBilling');
    if (!CUSTOMER_KEY_PATTERN.test(input.customerKey)) {
      throw new Error('TossSimulator.authenticateBilling: invalid customerKey (INVALID_CUSTOMER_KEY)');
    }
    const authKey = newAuthKey();
    this.billingAuths.set(authKey, {
      customerKey: input.customerKey,
      maskedCardNumber: maskCardNumber(input.cardNumber ?? DEFAULT_CARD_NUMBER),
      used: false,
    });
    return { customerKey: input.customerKey, authKey };
  }

  issueBillingKey(body: Json): Json {
    const { authKey, customerKey } = body;
    if (!isNonEmptyString(authKey, 300) || typeof customerKey !== 'string') {
      throw tossError('INVALID_REQUEST', 'authKey, customerKey는 필수 값입니다.');
    }
    if (!CUSTOMER_KEY_PATTERN.test(customerKey)) throw tossError('INVALID_CUSTOMER_KEY');
    const auth = this.billingAuths.get(authKey);
    // An authKey is one-time; reuse or an unknown one is answered as an invalid billing auth, our reading of an
    // undocumented case (docs/gateways/toss.md#simulator).
    if (!auth || auth.used) throw tossError('INVALID_BILLING_AUTH');
    if (auth.customerKey !== customerKey) throw tossError('NOT_MATCHES_CUSTOMER_KEY');
    auth.used = true;
    let billingKey = newBillingKey();
    while (this.billings.has(billingKey)) billingKey = newBillingKey();
    const billing: StoredBilling = {
      billingKey,
      customerKey,
      maskedCardNumber: auth.maskedCardNumber,
      authenticatedAt: this.book.now(),
      deleted: false,
    };
    this.billings.set(billingKey, billing);
    return {
      mId: this.book.options.mid,
      customerKey,
      authenticatedAt: formatKst(billing.authenticatedAt),
      method: '카드',
      billingKey,
      card: {
        issuerCode: CARD_ISSUER.issuerCode,
        acquirerCode: CARD_ISSUER.acquirerCode,
        number: billing.maskedCardNumber,
        cardType: '신용',
        ownerType: '개인',
      },
      // Legacy top-level fields, still present before API version 2024-06-01.
      cardCompany: CARD_ISSUER.company,
      cardNumber: billing.maskedCardNumber,
    };
  }

  chargeBilling(billingKey: string, body: Json): Json {
    const billing = this.billings.get(billingKey);
    if (!billing) throw tossError('NOT_FOUND_BILLING');
    if (billing.deleted) throw tossError('ALREADY_REMOVED_BILLING_KEY');
    const { customerKey, amount, orderId, orderName } = body;
    if (typeof customerKey !== 'string') throw tossError('INVALID_REQUEST', 'customerKey는 필수 값입니다.');
    if (customerKey !== billing.customerKey) throw tossError('NOT_MATCHES_CUSTOMER_KEY');
    if (!isPositiveInteger(amount)) throw tossError('INVALID_REQUEST', 'amount는 1 이상의 정수여야 합니다.');
    if (typeof orderId !== 'string' || !ORDER_ID_PATTERN.test(orderId)) throw tossError('INVALID_ORDER_ID');
    if (!isNonEmptyString(orderName, 100)) throw tossError('INVALID_ORDER_NAME');
    const { taxFree, taxExemption } = chargeTaxParts(body, amount);
    if (amount < MINIMUM_AMOUNT.CARD) throw tossError('BELOW_MINIMUM_AMOUNT');
    // Billing orderIds are unique across every payment, failed ones included.
    if (this.book.hasOrderId(orderId)) throw tossError('DUPLICATED_ORDER_ID');

    const now = this.book.now();
    const payment = this.book.newPayment({
      orderId,
      orderName,
      type: 'BILLING',
      method: 'CARD',
      status: 'DONE',
      requestedAt: now,
      authenticatedAt: null,
      totalAmount: amount,
      taxFreeAmount: taxFree,
      taxExemptionAmount: taxExemption,
      maskedCardNumber: billing.maskedCardNumber,
      customerKey,
      pendingVirtualAccount: null,
    });
    payment.approvedAt = now;
    payment.approveNo = randomDigits(8);
    payment.lastTransactionKey = newTransactionKey();
    this.book.appendLedger(payment, payment.lastTransactionKey, 'DONE', amount, now);
    // No PAYMENT_STATUS_CHANGED for billing approvals: the answer is synchronous.
    return this.book.toJson(payment);
  }

  deleteBilling(billingKey: string): void {
    const billing = this.billings.get(billingKey);
    if (!billing) throw tossError('NOT_FOUND_BILLING');
    if (billing.deleted) throw tossError('ALREADY_REMOVED_BILLING_KEY');
    billing.deleted = true;
    this.book.options.events.billingDeleted(billingKey);
  }
}

/** Tax-free and tax-exempt parts of a charge, each an integer between 0 and the amount. */
function chargeTaxParts(body: Json, amount: number): { taxFree: number; taxExemption: number } {
  const taxFree = body.taxFreeAmount ?? 0;
  if (!isNonNegativeInteger(taxFree) || taxFree > amount)
    throw tossError('INVALID_REQUEST', 'taxFreeAmount가 올바르지 않습니다.');
  const taxExemption = body.taxExemptionAmount ?? 0;
  if (!isNonNegativeInteger(taxExemption) || taxExemption > amount) {
    throw tossError('INVALID_REQUEST', 'taxExemptionAmount가 올바르지 않습니다.');
  }
  return { taxFree, taxExemption };
}
