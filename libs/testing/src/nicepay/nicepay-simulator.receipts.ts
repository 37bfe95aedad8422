import { nicepayError } from './nicepay-simulator.errors';
import { TID_METHOD_CODES, formatNiceDate, randomDigits, sha256Hex } from './nicepay-simulator.format';
import {
  AMOUNT,
  OK_MESSAGE,
  scope,
  type Json,
  type NicePayKey,
  type NicePaySimulatorState,
  type StoredReceipt,
  type StoredReceiptCancel,
} from './nicepay-simulator.state';
import { type Fields, SIGNED_REQUEST_FIELDS, readFields, verifySignData } from './nicepay-simulator.validation';

const RECEIPT_PARTS = ['supplyAmt', 'goodsVat', 'taxFreeAmt', 'serviceAmt'] as const;
type ReceiptPart = (typeof RECEIPT_PARTS)[number];

const receiptBalance = (receipt: StoredReceipt): number =>
  receipt.amount - receipt.cancels.reduce((sum, c) => sum + c.amount, 0);
const receiptUrlOf = (tid: string): string => `https://npg.nicepay.co.kr/issue/IssueLoader.do?type=1&TID=${tid}`;

/** Stand-alone cash receipts (현금영수증): issue, cancel, inquiry. */
export class NicePaySimulatorReceipts {
  constructor(private readonly state: NicePaySimulatorState) {}

  /** POST /v1/receipt: accepted now, issued by the tax service later (see `receiptStatus`). */
  issueReceipt(key: NicePayKey, body: Json): Json {
    const fields = readFields(body, {
      orderId: { kind: 'string', required: true, max: 64 },
      amount: AMOUNT,
      goodsName: { kind: 'string', required: true, max: 40 },
      receiptType: { kind: 'string', required: true, max: 10 },
      receiptNo: { kind: 'string', required: true, max: 20 },
      supplyAmt: { kind: 'integer', max: 12 },
      goodsVat: { kind: 'integer', max: 12 },
      taxFreeAmt: { kind: 'integer', max: 12 },
      serviceAmt: { kind: 'integer', max: 12 },
      buyerName: { kind: 'string', max: 30 },
      buyerTel: { kind: 'string', max: 20 },
      buyerEmail: { kind: 'string', max: 60 },
      ...SIGNED_REQUEST_FIELDS,
    });
    const orderId = fields.orderId as string;
    const amount = fields.amount as number;
    verifySignData(fields, [`${orderId}${amount}`], key.secretKey);
    const receiptType = fields.receiptType as string;
    if (receiptType !== 'individual' && receiptType !== 'company')
      throw nicepayError('U132', '허용된 옵션 내용이 아닙니다.[receiptType]');
    const receiptNo = fields.receiptNo as string;
    // individual: a 10–11 digit phone number (or a longer card/resident number); company: a 10-digit business number.
    const receiptNoValid = receiptType === 'company' ? /^\d{10}$/.test(receiptNo) : /^\d{10,18}$/.test(receiptNo);
    if (!receiptNoValid) throw nicepayError('U131', '파라미터 receiptNo: 허용된 Data형식이 아닙니다.');
    if (amount <= 0) throw nicepayError('7041');
    // NicePay's manual marks the four parts required, its OpenAPI file optional: when any is sent they must add up.
    const anyPart = RECEIPT_PARTS.some((name) => fields[name] !== undefined);
    if (anyPart && RECEIPT_PARTS.reduce((sum, name) => sum + partOf(fields, name), 0) !== amount) {
      throw nicepayError(
        'P013',
        `파라미터 amount[${amount}]이 공급가액, 부가세, 봉사료, 비과세급액의 합과 동일하지 않습니다.`,
      );
    }
    const scoped = scope(key.clientId, orderId);
    if (this.state.receiptOrderIds.has(scoped)) throw nicepayError('U112');
    this.state.receiptOrderIds.add(scoped);

    const receipt = this.receiptOf(key, fields, anyPart);
    this.state.receipts.set(receipt.tid, receipt);
    const ediDate = formatNiceDate(receipt.requestedAt);
    return {
      resultCode: '0000',
      resultMsg: '현금영수증 처리 성공',
      tid: receipt.tid,
      orderId,
      approvedAt: formatNiceDate(receipt.requestedAt),
      approveNo: receipt.approveNo,
      ediDate,
      signature: sha256Hex(`${receipt.tid}${orderId}${ediDate}${key.secretKey}`),
    };
  }

  private receiptOf(key: NicePayKey, fields: Fields, anyPart: boolean): StoredReceipt {
    const amount = fields.amount as number;
    const taxable = amount - partOf(fields, 'taxFreeAmt') - partOf(fields, 'serviceAmt');
    return {
      tid: this.state.uniqueTid(TID_METHOD_CODES.cashReceipt),
      clientId: key.clientId,
      orderId: fields.orderId as string,
      amount,
      // Without parts: VAT = round(taxable / 11), the rest is the supply value.
      goodsVat: anyPart ? partOf(fields, 'goodsVat') : Math.round(taxable / 11),
      supplyAmt: anyPart ? partOf(fields, 'supplyAmt') : taxable - Math.round(taxable / 11),
      taxFreeAmt: partOf(fields, 'taxFreeAmt'),
      serviceAmt: partOf(fields, 'serviceAmt'),
      goodsName: fields.goodsName as string,
      receiptType: fields.receiptType as string,
      buyerName: fields.buyerName as string | undefined,
      buyerEmail: fields.buyerEmail as string | undefined,
      buyerTel: fields.buyerTel as string | undefined,
      requestedAt: this.state.now,
      approveNo: randomDigits(9),
      cancels: [],
    };
  }

  /** POST /v1/receipt/{tid}/cancel: full, or partial with the parts of the cancelled amount. */
  cancelReceipt(key: NicePayKey, tid: string, body: Json): Json {
    const fields = readFields(body, {
      orderId: { kind: 'string', required: true, max: 64 },
      reason: { kind: 'string', required: true, max: 100 },
      cancelAmt: { kind: 'integer', max: 12 },
      supplyAmt: { kind: 'integer', max: 12 },
      goodsVat: { kind: 'integer', max: 12 },
      taxFreeAmt: { kind: 'integer', max: 12 },
      serviceAmt: { kind: 'integer', max: 12 },
      ...SIGNED_REQUEST_FIELDS,
    });
    const receipt = this.state.receipts.get(tid);
    if (!receipt || receipt.clientId !== key.clientId) throw nicepayError('U122');
    verifySignData(fields, [tid], key.secretKey);
    const balance = receiptBalance(receipt);
    if (balance === 0) throw nicepayError('2013');
    const cancelAmt = (fields.cancelAmt as number | undefined) ?? balance;
    if (cancelAmt <= 0) throw nicepayError('2010');
    if (cancelAmt > balance) throw nicepayError('2032');
    if (cancelAmt !== balance) checkPartialCancelParts(fields, cancelAmt);
    const now = this.state.now;
    const stillRequested = this.receiptStatus(receipt) === 'issueRequested';
    const cancel: StoredReceiptCancel = {
      tid: this.state.uniqueTid(TID_METHOD_CODES.cashReceipt),
      amount: cancelAmt,
      cancelledAt: now,
      approveNo: randomDigits(9),
    };
    receipt.cancels.push(cancel);
    if (receiptBalance(receipt) === 0) receipt.cancelledAt = now;
    if (stillRequested && receipt.cancelledAt) receipt.approveNo = '';
    const ediDate = formatNiceDate(now);
    return {
      resultCode: '0000',
      resultMsg: '현금영수증 취소 성공',
      tid: cancel.tid,
      orderId: receipt.orderId,
      cancelAmt,
      balanceAmt: receiptBalance(receipt),
      cancelledAt: formatNiceDate(now),
      approveNo: cancel.approveNo,
      ediDate,
      signature: sha256Hex(`${cancel.tid}${receipt.orderId}${ediDate}${key.secretKey}`),
    };
  }

  /** GET /v1/receipt/{tid}: the receipt, its tax-service status and its cancels. */
  getReceipt(key: NicePayKey, tid: string, query: Json): Json {
    const fields = readFields(query, { orderDate: { kind: 'string', max: 8 }, ...SIGNED_REQUEST_FIELDS });
    const receipt = this.state.receipts.get(tid);
    if (!receipt || receipt.clientId !== key.clientId) throw nicepayError('U107');
    verifySignData(fields, [tid], key.secretKey);
    const ediDate = formatNiceDate(this.state.now);
    return {
      resultCode: '0000',
      resultMsg: OK_MESSAGE,
      tid: receipt.tid,
      orderId: receipt.orderId,
      status: this.receiptStatus(receipt),
      approvedAt: formatNiceDate(receipt.requestedAt),
      payMethod: 'cashReceipt',
      amount: receipt.amount,
      balanceAmt: receiptBalance(receipt),
      goodsName: receipt.goodsName,
      receiptType: receipt.receiptType,
      approveNo: receipt.approveNo,
      supplyAmt: receipt.supplyAmt,
      goodsVat: receipt.goodsVat,
      taxFreeAmt: receipt.taxFreeAmt,
      serviceAmt: receipt.serviceAmt,
      buyerName: receipt.buyerName ?? null,
      buyerTel: receipt.buyerTel ?? null,
      buyerEmail: receipt.buyerEmail ?? null,
      receiptUrl: receiptUrlOf(receipt.tid),
      receiptCancels: receipt.cancels.map((c) => ({
        tid: c.tid,
        amount: c.amount,
        status: 'cancelled',
        cancelledAt: formatNiceDate(c.cancelledAt),
        receiptType: receipt.receiptType,
        approveNo: c.approveNo,
        receiptUrl: receiptUrlOf(c.tid),
      })),
      ediDate,
      signature: sha256Hex(`${receipt.tid}${receipt.orderId}${ediDate}${key.secretKey}`),
    };
  }

  /**
   * A successful issue is only accepted; the tax service issues it later. The simulator flips `issueRequested` →
   * `issued` once the clock passed `cashReceiptIssueDelayMs` (the real delay is not documented: a setting). A full
   * cancel before that is `issueReqCancelled`, after it `cancelled`.
   */
  private receiptStatus(receipt: StoredReceipt): string {
    const delayMs = this.state.options.cashReceiptIssueDelayMs;
    const issued = this.state.now.getTime() - receipt.requestedAt.getTime() >= delayMs;
    if (receipt.cancelledAt) {
      const issuedBeforeCancel = receipt.cancelledAt.getTime() - receipt.requestedAt.getTime() >= delayMs;
      return issuedBeforeCancel ? 'cancelled' : 'issueReqCancelled';
    }
    return issued ? 'issued' : 'issueRequested';
  }
}

function partOf(fields: Fields, name: ReceiptPart): number {
  return (fields[name] as number | undefined) ?? 0;
}

/** A partial cancel must say how it splits, and the parts must add up to the cancelled amount. */
function checkPartialCancelParts(fields: Fields, cancelAmt: number): void {
  for (const name of RECEIPT_PARTS)
    if (fields[name] === undefined) throw nicepayError('P007', `필수 파라미터 ${name}가 없습니다.`);
  if (RECEIPT_PARTS.reduce((sum, name) => sum + (fields[name] as number), 0) !== cancelAmt) {
    throw nicepayError(
      'P013',
      `파라미터 cancelAmt[${cancelAmt}]이 공급가액, 부가세, 봉사료, 비과세급액의 합과 동일하지 않습니다.`,
    );
  }
}
