import type { Fields } from './kispg-simulator.fields';
import { kispgHash, kstTimestamp, randomDigits } from './kispg-simulator.format';
import type { KispgNotificationKind } from './kispg-simulator.notifications';
import {
  APPROVAL_SUCCESS,
  CANCEL_SUCCESS,
  DEPOSIT_SUCCESS,
  REFUND_SUCCESS,
  SIMULATED_CARD,
  type KispgCancelRecord,
  type KispgMerchant,
  type KispgTransaction,
} from './kispg-simulator.model';

/*
 * The bodies the simulated KISPG sends about a stored transaction: the approval/query answer fields and the
 * "결제 결과 수신" notification (docs/gateways/kispg.md#notifications). Every value is a string, as KISPG sends them.
 */

/** The approval-response fields of a stored transaction; all strings. */
export function transactionFields(transaction: KispgTransaction): Fields {
  const card = transaction.payMethod === 'CARD';
  const cashReceipt =
    (transaction.payMethod === 'BANK' || transaction.payMethod === 'VACNT') &&
    (transaction.crctType === '1' || transaction.crctType === '2');
  return {
    payMethod: transaction.payMethod,
    tid: transaction.tid,
    appDtm: transaction.appDtm,
    appNo: transaction.appNo,
    ordNo: transaction.ordNo,
    goodsName: transaction.goodsNm,
    amt: String(transaction.amt),
    ordNm: transaction.ordNm,
    fnNm: transaction.fnNm,
    cancelYN: transaction.state === 'CANCELED' ? 'Y' : 'N',
    appCardCd: card ? SIMULATED_CARD.appCardCd : '',
    acqCardCd: card ? SIMULATED_CARD.acqCardCd : '',
    quota: card ? '00' : '',
    nointFlg: card ? '0' : '',
    usePointAmt: '0',
    cardType: card ? '0' : '',
    authType: card ? '01' : '',
    cashCrctFlg: cashReceipt ? '1' : '0',
    vacntNo: transaction.vacntNo,
    lmtDay: transaction.lmtDay,
    socHpNo: transaction.payMethod === 'PHONE' ? transaction.ordTel : '',
    cardNo: card ? SIMULATED_CARD.cardNo : '',
    mbsReserved: transaction.mbsReserved,
    crctType: transaction.crctType,
    crctNo: transaction.crctNo,
    easyPayCd: '',
    easyPayNm: '',
    discountType: '00',
    discountAmt: '0',
    mbsFeeType: '00',
    mbsFeeAmt: '0',
  };
}

/**
 * The notification body for a transaction, with the field set of KISPG's sister platform: every value a string,
 * hashStr = sha256(mid + ediDate + amt + merchantKey), amt = the transaction's amount. Cancel notifications describe
 * `cancel` (default: the latest) and add `canAmt` (a simulator addition) for partial cancels.
 */
export function notificationBody(
  transaction: KispgTransaction,
  kind: KispgNotificationKind,
  merchant: KispgMerchant,
  now: Date,
  cancel?: KispgCancelRecord,
): Fields {
  const cancelRecord = kind === 'cancel' ? (cancel ?? transaction.cancels[transaction.cancels.length - 1]) : undefined;
  const result = notificationResult(transaction, kind, cancelRecord);
  const ediDate = kstTimestamp(now);
  const amt = String(transaction.amt);
  const fields = transactionFields(transaction);
  const body: Fields = {
    ...result,
    mid: transaction.mid,
    tid: transaction.tid,
    ordNo: transaction.ordNo,
    amt,
    payMethod: transaction.payMethod,
    appNo: fields.appNo,
    appDtm: fields.appDtm,
    ccDnt: cancelRecord ? cancelRecord.canDtm : '',
    cancelYN: cancelRecord ? 'Y' : 'N',
    goodsName: transaction.goodsNm,
    ordNm: transaction.ordNm,
    fnNm: fields.fnNm,
    cardNo: fields.cardNo,
    appCardCd: fields.appCardCd,
    acqCardCd: fields.acqCardCd,
    quota: fields.quota,
    cardType: fields.cardType,
    authType: fields.authType,
    usePointAmt: fields.usePointAmt,
    cashCrctFlg: fields.cashCrctFlg,
    vacntNo: fields.vacntNo,
    lmtDay: fields.lmtDay,
    socHpNo: fields.socHpNo,
    mbsReserved: transaction.mbsReserved,
    charSet: 'UTF-8',
    ediNo: randomDigits(10),
    notiDnt: ediDate,
    ediDate,
    hashStr: kispgHash(transaction.mid, ediDate, amt, merchant.merchantKey),
  };
  if (cancelRecord) body.canAmt = String(cancelRecord.canAmt);
  return body;
}

/** The result code a notification of `kind` carries; throws when the transaction has nothing of that kind to report. */
function notificationResult(
  transaction: KispgTransaction,
  kind: KispgNotificationKind,
  cancelRecord: KispgCancelRecord | undefined,
): { resultCd: string; resultMsg: string } {
  switch (kind) {
    case 'approval':
      if (transaction.payMethod === 'VACNT')
        throw new Error('KispgSimulator: a virtual account reports issue and deposit, not approval');
      if (!transaction.approvedAt) throw new Error(`KispgSimulator: ${transaction.tid} is not approved`);
      return APPROVAL_SUCCESS[transaction.payMethod];
    case 'issue':
      if (transaction.payMethod !== 'VACNT' || !transaction.approvedAt)
        throw new Error(`KispgSimulator: ${transaction.tid} has no virtual account`);
      return APPROVAL_SUCCESS.VACNT;
    case 'deposit':
      if (!transaction.deposited) throw new Error(`KispgSimulator: ${transaction.tid} has no deposit`);
      return DEPOSIT_SUCCESS;
    case 'cancel':
      if (!cancelRecord) throw new Error(`KispgSimulator: ${transaction.tid} has no cancel`);
      return cancelRecord.resultCd === REFUND_SUCCESS.resultCd ? REFUND_SUCCESS : CANCEL_SUCCESS;
  }
}
