import { formatKst, vatOf } from './toss-simulator.format';
import { CARD_ISSUER, type Json, METHOD_NAMES, type StoredPayment } from './toss-simulator.model';

/**
 * The Payment object, version 2022-11-16, with its fields in the order of Toss's own confirm example. Card, easy-pay
 * and transfer details appear once the payment was approved.
 */
export function paymentJson(payment: StoredPayment, mid: string): Json {
  const vat = vatOf(payment.balanceAmount, payment.taxFreeAmount);
  const approved = payment.approvedAt !== null || payment.status === 'DONE';
  return {
    mId: mid,
    lastTransactionKey: payment.lastTransactionKey,
    paymentKey: payment.paymentKey,
    orderId: payment.orderId,
    orderName: payment.orderName,
    taxExemptionAmount: payment.taxExemptionAmount,
    status: payment.status,
    requestedAt: formatKst(payment.requestedAt),
    approvedAt: payment.approvedAt ? formatKst(payment.approvedAt) : null,
    useEscrow: false,
    cultureExpense: false,
    card: cardJson(payment, approved),
    virtualAccount: virtualAccountJson(payment),
    transfer: payment.method === 'TRANSFER' && approved ? { bankCode: '20', settlementStatus: 'INCOMPLETED' } : null,
    mobilePhone: null,
    giftCertificate: null,
    cashReceipt: null,
    cashReceipts: null,
    discount: null,
    cancels: cancelsJson(payment),
    secret: payment.secret,
    type: payment.type,
    easyPay:
      payment.method === 'EASY_PAY' && approved
        ? { provider: '토스페이', amount: payment.totalAmount, discountAmount: 0 }
        : null,
    country: 'KR',
    failure: payment.failure,
    isPartialCancelable: payment.taxExemptionAmount === 0,
    receipt: approved ? { url: receiptUrlOf(payment.paymentKey) } : null,
    checkout: { url: `https://api.tosspayments.com/v1/payments/${payment.paymentKey}/checkout` },
    currency: 'KRW',
    totalAmount: payment.totalAmount,
    balanceAmount: payment.balanceAmount,
    // Recomputed from what is left, so the sums always reach exactly 0 on a full cancel.
    suppliedAmount: payment.balanceAmount - payment.taxFreeAmount - vat,
    vat,
    taxFreeAmount: payment.taxFreeAmount,
    metadata: null,
    method: METHOD_NAMES[payment.method],
    version: '2022-11-16',
  };
}

export function receiptUrlOf(paymentKey: string): string {
  return `https://dashboard.tosspayments.com/receipt/redirection?transactionId=${paymentKey}&ref=PX`;
}

function cardJson(payment: StoredPayment, approved: boolean): Json | null {
  if (payment.method !== 'CARD' || !approved || !payment.maskedCardNumber) return null;
  return {
    issuerCode: CARD_ISSUER.issuerCode,
    acquirerCode: CARD_ISSUER.acquirerCode,
    number: payment.maskedCardNumber,
    installmentPlanMonths: 0,
    isInterestFree: false,
    interestPayer: null,
    approveNo: payment.approveNo,
    useCardPoint: false,
    cardType: '신용',
    ownerType: '개인',
    acquireStatus: payment.cardCanceled ? 'CANCELED' : 'READY',
    amount: payment.totalAmount,
  };
}

function virtualAccountJson(payment: StoredPayment): Json | null {
  const account = payment.virtualAccount;
  if (!account) return null;
  return {
    accountType: '일반',
    accountNumber: account.accountNumber,
    bankCode: account.bankCode,
    customerName: account.customerName,
    depositorName: account.customerName,
    dueDate: formatKst(account.dueDate),
    refundStatus: account.refundStatus,
    expired: account.expired,
    settlementStatus: 'INCOMPLETED',
    refundReceiveAccount: null,
  };
}

function cancelsJson(payment: StoredPayment): Json[] | null {
  if (payment.cancels.length === 0) return null;
  return payment.cancels.map((c) => ({
    cancelReason: c.cancelReason,
    canceledAt: formatKst(c.canceledAt),
    cancelAmount: c.cancelAmount,
    taxFreeAmount: c.taxFreeAmount,
    taxExemptionAmount: 0,
    refundableAmount: c.refundableAmount,
    cardDiscountAmount: 0,
    transferDiscountAmount: 0,
    easyPayDiscountAmount: 0,
    transactionKey: c.transactionKey,
    receiptKey: c.receiptKey,
    cancelStatus: 'DONE',
    cancelRequestId: null,
  }));
}
