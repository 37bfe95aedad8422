import { tossError } from './toss-simulator.errors';
import {
  ORDER_ID_PATTERN,
  formatKst,
  isNonEmptyString,
  isNonNegativeInteger,
  isPositiveInteger,
  kstDate,
  newReceiptKey,
  parseKstLocal,
  randomDigits,
} from './toss-simulator.format';
import { CASH_RECEIPT_SETTLE_MS, type Json, type StoredCashReceipt, parseIntegerParam } from './toss-simulator.model';
import type { TossPaymentBook } from './toss-simulator.payment-book';

/**
 * Standalone cash receipts (docs/gateways/toss.md#cash-receipts): issue, cancel (a separate CANCEL record whose
 * receiptKey is `c_` + the original) and the per-day list paged by cursor.
 */
export class TossCashReceipts {
  private cashReceipts: StoredCashReceipt[] = [];
  private readonly cashReceiptsByKey = new Map<string, StoredCashReceipt>();

  constructor(private readonly book: TossPaymentBook) {}

  reset(): void {
    this.cashReceipts = [];
    this.cashReceiptsByKey.clear();
  }

  issueCashReceipt(body: Json): Json {
    const { amount, orderId, orderName, type, customerIdentityNumber, taxFreeAmount } = body;
    if (!isPositiveInteger(amount)) throw tossError('INVALID_REQUEST', 'amount는 1 이상의 정수여야 합니다.');
    if (typeof orderId !== 'string' || !ORDER_ID_PATTERN.test(orderId)) throw tossError('INVALID_ORDER_ID');
    if (!isNonEmptyString(orderName, 100)) throw tossError('INVALID_ORDER_NAME');
    if (type !== '소득공제' && type !== '지출증빙') throw tossError('INVALID_CASH_RECEIPT_INFO');
    if (typeof customerIdentityNumber !== 'string' || !/^\d{1,30}$/.test(customerIdentityNumber)) {
      throw tossError('INVALID_CASH_RECEIPT_INFO');
    }
    const taxFree = taxFreeAmount ?? 0;
    if (!isNonNegativeInteger(taxFree) || taxFree > amount)
      throw tossError('INVALID_REQUEST', 'taxFreeAmount가 올바르지 않습니다.');
    const active = this.cashReceipts.some(
      (r) => r.transactionType === 'CONFIRM' && r.orderId === orderId && !r.canceled,
    );
    if (active) throw tossError('DUPLICATED_CASH_RECEIPT');
    let receiptKey = newReceiptKey();
    while (this.cashReceiptsByKey.has(receiptKey)) receiptKey = newReceiptKey();
    return this.store({
      seq: this.book.nextSeq(),
      receiptKey,
      issueNumber: randomDigits(9),
      amount,
      taxFreeAmount: taxFree,
      orderId,
      orderName,
      type,
      transactionType: 'CONFIRM',
      customerIdentityNumber,
      requestedAt: this.book.now(),
      canceled: false,
    });
  }

  cancelCashReceipt(receiptKey: string, body: Json): Json {
    const original = this.cashReceiptsByKey.get(receiptKey);
    if (!original || original.transactionType !== 'CONFIRM') throw tossError('NOT_FOUND');
    if (original.canceled) throw tossError('INVALID_REQUEST', '이미 취소된 현금영수증입니다.');
    const { amount } = body;
    if (amount !== undefined && amount !== null && (!isPositiveInteger(amount) || amount > original.amount)) {
      throw tossError('INVALID_REQUEST', '취소 금액이 발급 금액을 초과했습니다.');
    }
    const cancelAmount = typeof amount === 'number' ? amount : original.amount;
    original.canceled = true;
    return this.store({
      seq: this.book.nextSeq(),
      receiptKey: `c_${original.receiptKey}`,
      issueNumber: original.issueNumber,
      amount: cancelAmount,
      taxFreeAmount:
        cancelAmount === original.amount ? original.taxFreeAmount : Math.min(original.taxFreeAmount, cancelAmount),
      orderId: original.orderId,
      orderName: original.orderName,
      type: original.type,
      transactionType: 'CANCEL',
      customerIdentityNumber: original.customerIdentityNumber,
      requestedAt: this.book.now(),
      canceled: false,
    });
  }

  /** `GET /v1/cash-receipts?requestDate&cursor&limit` → `{hasNext, lastCursor, data}`. */
  listCashReceipts(query: Record<string, string>): Json {
    const { requestDate } = query;
    if (!requestDate || !/^\d{4}-\d{2}-\d{2}$/.test(requestDate) || !parseKstLocal(requestDate)) {
      throw tossError('INVALID_DATE', 'requestDate는 yyyy-MM-dd 형식이어야 합니다.');
    }
    const limit = parseIntegerParam(query.limit, 100);
    if (limit === undefined || limit < 1) throw tossError('INVALID_REQUEST', 'limit는 1 이상의 정수여야 합니다.');
    if (limit > 10_000) throw tossError('EXCEED_MAX_QUERY_LIMIT');
    const cursor = parseIntegerParam(query.cursor, 0);
    if (cursor === undefined || cursor < 0) throw tossError('INVALID_PAGING_KEY');
    const matching = this.cashReceipts.filter((r) => r.seq > cursor && kstDate(r.requestedAt) === requestDate);
    const page = matching.slice(0, limit);
    return {
      hasNext: matching.length > limit,
      lastCursor: page.length > 0 ? page[page.length - 1].seq : cursor,
      data: page.map((r) => this.cashReceiptJson(r)),
    };
  }

  private store(receipt: StoredCashReceipt): Json {
    this.cashReceipts.push(receipt);
    this.cashReceiptsByKey.set(receipt.receiptKey, receipt);
    return this.cashReceiptJson(receipt);
  }

  private cashReceiptJson(receipt: StoredCashReceipt): Json {
    const settled = this.book.now().getTime() - receipt.requestedAt.getTime() >= CASH_RECEIPT_SETTLE_MS;
    return {
      receiptKey: receipt.receiptKey,
      issueNumber: receipt.issueNumber,
      issueStatus: settled ? 'COMPLETED' : 'IN_PROGRESS',
      amount: receipt.amount,
      taxFreeAmount: receipt.taxFreeAmount,
      orderId: receipt.orderId,
      orderName: receipt.orderName,
      type: receipt.type,
      transactionType: receipt.transactionType,
      businessNumber: '1234567890',
      customerIdentityNumber: receipt.customerIdentityNumber,
      failure: null,
      requestedAt: formatKst(receipt.requestedAt),
      receiptUrl: `https://dashboard.tosspayments.com/receipt/mids/${this.book.options.mid}/orders/${receipt.orderId}/cash-receipt?ref=dashboard`,
    };
  }
}
