import { refuse } from './kispg-simulator.errors';
import { KRW_AMOUNT, byteLength } from './kispg-simulator.format';

/*
 * KISPG's request tables: byte limits, required fields and value formats of `/v2/auth`, `/v2/payment`, `/v2/cancel`
 * and `/v2/order` (docs/gateways/kispg.md#checkout, #byte-limits). A request that breaks one is refused as an invalid
 * field (SIM10, a simulator addition).
 */

export type Fields = Record<string, string>;

interface FieldRule {
  max: number;
  required?: boolean;
  pattern?: RegExp;
}

const DIGITS = /^[0-9]+$/;

/** The `/v2/auth` form. */
export const AUTH_FIELDS: Readonly<Record<string, FieldRule>> = {
  payMethod: { max: 10 },
  trxCd: { max: 1, required: true, pattern: /^[01]$/ },
  mid: { max: 10, required: true },
  goodsNm: { max: 100, required: true },
  currencyType: { max: 3, required: true, pattern: /^KRW$/ },
  ordNo: { max: 40, required: true },
  goodsAmt: { max: 15, required: true, pattern: KRW_AMOUNT },
  discountAmt: { max: 15, pattern: DIGITS },
  mbsFeeAmt: { max: 15, pattern: DIGITS },
  ordNm: { max: 30, required: true },
  ordTel: { max: 20, required: true, pattern: DIGITS },
  ordEmail: { max: 60 },
  userIp: { max: 20 },
  mbsUsrId: { max: 20 },
  ordGuardEmail: { max: 60 },
  rcvrAddr: { max: 100 },
  rcvrPost: { max: 6 },
  rcvrMsg: { max: 255 },
  mbsIp: { max: 20 },
  mbsReserved: { max: 500 },
  goodsSplAmt: { max: 15, pattern: DIGITS },
  goodsVat: { max: 15, pattern: DIGITS },
  goodsSvsAmt: { max: 15, pattern: DIGITS },
  channel: { max: 4 },
  model: { max: 3, required: true, pattern: /^(WEB|MOB)$/ },
  period: { max: 21 },
  ediDate: { max: 14, required: true },
  encData: { max: 256, required: true },
  returnUrl: { max: 255, required: true, pattern: /^https?:\/\/\S+$/ },
  billHpFlg: { max: 1 },
  // The table says 5 bytes, yet its own value `EUC-KR` is 6: the documented values must fit.
  charset: { max: 6 },
  charSet: { max: 6 },
  appSchemeFlg: { max: 1 },
  resultScheme: { max: 256 },
  cancelScheme: { max: 256 },
  payReqType: { max: 1, pattern: /^1$/ },
  crctType: { max: 1, pattern: /^[012]$/ },
  crctNo: { max: 15 },
  cupDepositAmt: { max: 15, pattern: DIGITS },
};

/** `/v2/payment`. */
export const APPROVAL_FIELDS: Readonly<Record<string, FieldRule>> = {
  mid: { max: 10, required: true },
  tid: { max: 30, required: true },
  goodsAmt: { max: 15, required: true, pattern: KRW_AMOUNT },
  ediDate: { max: 14, required: true },
  encData: { max: 256, required: true },
  charset: { max: 6 },
};

/** `/v2/cancel` and `/v2/cancelTrans.do`. */
export const CANCEL_FIELDS: Readonly<Record<string, FieldRule>> = {
  payMethod: { max: 10, required: true },
  tid: { max: 30, required: true },
  mid: { max: 10, required: true },
  ordNo: { max: 40 },
  canAmt: { max: 15, required: true, pattern: KRW_AMOUNT },
  canId: { max: 20 },
  canNm: { max: 30 },
  canMsg: { max: 100, required: true },
  canIp: { max: 20 },
  partCanFlg: { max: 1, required: true, pattern: /^[01]$/ },
  refundBankCd: { max: 3, pattern: /^[0-9]{3}$/ },
  refundAccnt: { max: 20, pattern: DIGITS },
  refundNm: { max: 30 },
  encData: { max: 255, required: true },
  ediDate: { max: 14, required: true },
  goodsSplAmt: { max: 15, pattern: DIGITS },
  goodsVat: { max: 15, pattern: DIGITS },
  goodsSvsAmt: { max: 15, pattern: DIGITS },
  charset: { max: 10 },
  mbsReserved: { max: 500 },
};

/** `/v2/order`: tid or ordNo (checked separately). */
export const ORDER_FIELDS: Readonly<Record<string, FieldRule>> = {
  mid: { max: 10, required: true },
  tid: { max: 30 },
  ordNo: { max: 40 },
  goodsAmt: { max: 15, required: true, pattern: KRW_AMOUNT },
  ediDate: { max: 14, required: true },
  encData: { max: 256, required: true },
};

/** Required, byte limits (charset-aware) and formats; the refusal names the first offending field. */
export function checkFields(
  fields: Fields,
  rules: Readonly<Record<string, FieldRule>>,
  charset: string | undefined,
): void {
  for (const [name, rule] of Object.entries(rules)) {
    const value = fields[name];
    if (value === undefined || value === '') {
      if (rule.required) refuse('invalidField', `${name} is required`);
      continue;
    }
    if (byteLength(value, charset) > rule.max) refuse('invalidField', `${name} exceeds ${rule.max} bytes`);
    if (rule.pattern && !rule.pattern.test(value)) refuse('invalidField', `${name} is malformed`);
  }
}
