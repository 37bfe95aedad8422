import { CARD_COMPANIES, newRefundNo } from './apps-in-toss-simulator.format';
import type { AccountDetails, CardDetails, StoredPayment } from './apps-in-toss-simulator.model';

/*
 * The `success` bodies of the simulated TossPay partner API, built from a stored payment in the shapes Toss documents.
 * The endpoints decide what happens (apps-in-toss-simulator.store.ts); this file only renders it.
 */

/** The test card the simulated buyer pays with: KB국민 (card company code 4), credit, personal. */
const TEST_CARD = { companyCode: 4, bin: '433012', last4: '1234' };
/** The TOSS_MONEY account of the documented execute-payment sample. */
const TEST_ACCOUNT: AccountDetails = {
  accountBankCode: '092',
  accountBankName: '토스뱅크',
  accountNumber: '100******094',
};

/** The card a buyer who picked CARD in the TossPay window pays with. */
export function testCardDetails(payToken: string): CardDetails {
  return {
    cardCompanyCode: TEST_CARD.companyCode,
    cardCompanyName: CARD_COMPANIES[TEST_CARD.companyCode],
    cardAuthorizationNo: null,
    cardMethodType: 'CREDIT',
    cardUserType: 'PERSONAL',
    cardNumber: `${TEST_CARD.bin}******${TEST_CARD.last4}`,
    cardBinNumber: TEST_CARD.bin,
    cardNum4Print: TEST_CARD.last4,
    // spreadOut is 0 for < 50,000 KRW or a lump sum; the simulated buyer always pays in one go.
    spreadOut: 0,
    noInterest: false,
    // The real link's shape is not published; any URL naming the payment serves a client's receipt link.
    salesCheckLinkUrl: `https://pay.toss.im/sales-check/${payToken}`,
  };
}

/** The account a buyer who picked TOSS_MONEY pays from. */
export function testAccountDetails(): AccountDetails {
  return { ...TEST_ACCOUNT };
}

/** execute-payment `success` in the documented sample's shape: legacy `code`/`msg`/`errorCode`, flat card fields. */
export function executeAnswer(
  payment: StoredPayment,
  approvalTime: string,
  transactionId: string,
): Record<string, unknown> {
  const card = payment.card;
  const account = payment.account;
  return {
    code: 0,
    mode: payment.isTestPayment ? 'TEST' : 'LIVE',
    orderNo: payment.orderNo,
    amount: payment.amount,
    approvalTime,
    stateMsg: '결제 완료',
    discountedAmount: payment.discountedAmount,
    paidAmount: payment.paidAmount,
    payMethod: payment.payMethod,
    payToken: payment.payToken,
    transactionId,
    // Type drift Toss documents: execute carries cardCompanyCode/spreadOut/noInterest as strings, status as
    // number/boolean.
    cardCompanyCode: card ? String(card.cardCompanyCode) : null,
    cardCompanyName: card?.cardCompanyName ?? null,
    cardAuthorizationNo: card?.cardAuthorizationNo ?? null,
    spreadOut: card ? String(card.spreadOut) : null,
    noInterest: card ? String(card.noInterest) : null,
    salesCheckLinkUrl: card?.salesCheckLinkUrl ?? null,
    cardMethodType: card?.cardMethodType ?? null,
    cardNumber: card?.cardNumber ?? null,
    cardUserType: card?.cardUserType ?? null,
    cardNum4Print: card?.cardNum4Print ?? null,
    cardBinNumber: card?.cardBinNumber ?? null,
    cashReceiptMgtKey: payment.cashReceiptMgtKey,
    accountBankCode: account?.accountBankCode ?? null,
    accountBankName: account?.accountBankName ?? null,
    accountNumber: account?.accountNumber ?? null,
    msg: null,
    errorCode: null,
  };
}

/** refund-payment `success` for the full refund just booked. */
export function refundAnswer(
  payment: StoredPayment,
  approvalTime: string,
  transactionId: string,
): Record<string, unknown> {
  const card = payment.card;
  const account = payment.account;
  return {
    refundNo: newRefundNo(),
    approvalTime,
    cashReceiptMgtKey: payment.cashReceiptMgtKey,
    refundableAmount: 0,
    discountedAmount: payment.discountedAmount,
    paidAmount: payment.paidAmount,
    refundedAmount: payment.amount,
    refundedDiscountAmount: payment.discountedAmount,
    refundedPaidAmount: payment.paidAmount,
    payToken: payment.payToken,
    transactionId,
    cardMethodType: card?.cardMethodType ?? null,
    cardNumber: card?.cardNumber ?? null,
    cardUserType: card?.cardUserType ?? null,
    cardNum4Print: card?.cardNum4Print ?? null,
    cardBinNumber: card?.cardBinNumber ?? null,
    accountBankCode: account?.accountBankCode ?? null,
    accountBankName: account?.accountBankName ?? null,
    accountNumber: account?.accountNumber ?? null,
  };
}

/** get-payment-status `success`: the card block nested and typed differently from execute (Integer, Boolean). */
export function statusAnswer(payment: StoredPayment): Record<string, unknown> {
  const card = payment.card;
  const account = payment.account;
  const executed = payment.transactions.length > 0;
  const refunded = payment.transactions.some((t) => t.stepType === 'REFUND');
  return {
    mode: payment.isTestPayment ? 'TEST' : 'LIVE',
    payToken: payment.payToken,
    orderNo: payment.orderNo,
    payStatus: payment.payStatus,
    payMethod: payment.payMethod,
    amount: payment.amount,
    discountedAmount: payment.discountedAmount,
    discountAmountV2: payment.discountedAmount,
    paidPointV2: 0,
    paidAmount: payment.paidAmount,
    refundableAmount: executed && !refunded ? payment.paidAmount : 0,
    amountTaxable: payment.amountTaxable,
    amountTaxFree: payment.amountTaxFree,
    amountVat: payment.amountVat,
    amountServiceFee: payment.amountServiceFee,
    disposableCupDeposit: 0,
    accountBankCode: account?.accountBankCode ?? null,
    accountBankName: account?.accountBankName ?? null,
    accountNumber: account?.accountNumber ?? null,
    card: card ? statusCard(card) : null,
    transactions: payment.transactions.map((t) => ({ ...t })),
    createdTs: payment.createdTs,
    paidTs: payment.paidTs,
  };
}

function statusCard(card: CardDetails): Record<string, unknown> {
  return {
    noInterest: card.noInterest,
    spreadOut: card.spreadOut,
    cardAuthorizationNo: card.cardAuthorizationNo,
    cardMethodType: card.cardMethodType,
    cardUserType: card.cardUserType,
    cardNumber: card.cardNumber,
    cardBinNumber: card.cardBinNumber,
    cardNum4Print: card.cardNum4Print,
    salesCheckLinkUrl: card.salesCheckLinkUrl,
    cardCompanyName: card.cardCompanyName,
    cardCompanyCode: card.cardCompanyCode,
  };
}
