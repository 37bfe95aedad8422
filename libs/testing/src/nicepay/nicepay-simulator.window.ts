import { TID_METHOD_CODES, newAuthToken, niceByteLength, sha256Hex } from './nicepay-simulator.format';
import type { AuthRecord, NicePaySimulatorState, NicePayWindowInput } from './nicepay-simulator.state';

/** requestPay `method` → response `payMethod` and the tid's method code. */
const WINDOW_METHODS: Readonly<Record<string, { payMethod: string; code: string; card: boolean }>> = {
  card: { payMethod: 'card', code: TID_METHOD_CODES.card, card: true },
  directCard: { payMethod: 'card', code: TID_METHOD_CODES.card, card: true },
  cardAndEasyPay: { payMethod: 'card', code: TID_METHOD_CODES.card, card: true },
  bank: { payMethod: 'bank', code: TID_METHOD_CODES.bank, card: false },
  vbank: { payMethod: 'vbank', code: TID_METHOD_CODES.vbank, card: false },
  cellphone: { payMethod: 'cellphone', code: TID_METHOD_CODES.cellphone, card: false },
  // Easy-pay card payments come back as the wallet name with a card object.
  naverpayCard: { payMethod: 'naverpay', code: TID_METHOD_CODES.card, card: true },
  kakaopay: { payMethod: 'kakaopay', code: TID_METHOD_CODES.card, card: true },
  kakaopayCard: { payMethod: 'kakaopay', code: TID_METHOD_CODES.card, card: true },
  kakaopayMoney: { payMethod: 'kakaopay', code: TID_METHOD_CODES.card, card: false },
  samsungpayCard: { payMethod: 'samsungpay', code: TID_METHOD_CODES.card, card: true },
  payco: { payMethod: 'payco', code: TID_METHOD_CODES.card, card: true },
  ssgpay: { payMethod: 'ssgpay', code: TID_METHOD_CODES.card, card: true },
};

/**
 * What the buyer does outside the API: the JS-SDK payment window (Server-approval model), which ends in the form
 * POST to returnUrl, and the deposit into an issued virtual account.
 */
export class NicePaySimulatorWindow {
  constructor(private readonly state: NicePaySimulatorState) {}

  /** An authenticated window: exactly the returnUrl POST fields, all strings, with a verifiable signature. */
  authenticate(input: NicePayWindowInput): Record<string, string> {
    const key = this.state.windowKey(input.clientId);
    const method = WINDOW_METHODS[input.method];
    if (!method)
      throw new Error(`NicePaySimulator.authenticate: unknown method '${input.method}' (not a requestPay method)`);
    const taxFreeAmt = checkWindowInput(input);

    const tid = this.state.uniqueTid(method.code);
    const record: AuthRecord = {
      tid,
      authToken: newAuthToken(),
      clientId: key.clientId,
      orderId: input.orderId,
      amount: input.amount,
      payMethod: method.payMethod,
      // The window replaces `"` and `¦` in goodsName with `-`.
      goodsName: input.goodsName.replace(/["¦]/g, '-'),
      mallReserved: input.mallReserved,
      buyerName: input.buyerName,
      buyerEmail: input.buyerEmail,
      buyerTel: input.buyerTel,
      vbankHolder: input.vbankHolder,
      taxFreeAmt,
      withCard: method.card,
      approved: false,
    };
    this.state.authRecords.set(tid, record);
    const amount = String(input.amount);
    // Exactly the returnUrl fields, all strings, as the browser form POST carries them.
    return {
      authResultCode: '0000',
      authResultMsg: '인증 성공',
      tid,
      clientId: key.clientId,
      orderId: input.orderId,
      amount,
      mallReserved: input.mallReserved ?? '',
      authToken: record.authToken,
      signature: sha256Hex(`${record.authToken}${key.clientId}${amount}${key.secretKey}`),
    };
  }

  /** A failed or closed window: authResultCode ≠ 0000 (default I002), no tid, no signature. */
  authenticateFailure(input: {
    clientId: string;
    orderId: string;
    amount: number;
    code?: string;
    message?: string;
  }): Record<string, string> {
    this.state.windowKey(input.clientId);
    const code = input.code ?? 'I002';
    if (code === '0000') throw new Error('NicePaySimulator.authenticateFailure: code must not be 0000');
    return {
      authResultCode: code,
      authResultMsg: input.message ?? '사용자가 결제를 취소하였습니다',
      clientId: input.clientId,
      orderId: input.orderId,
      amount: String(input.amount),
      mallReserved: '',
    };
  }

  /** The buyer pays into the issued account: ready → paid, and a webhook (a deposit is only ever announced so). */
  deposit(tid: string): void {
    const payment = this.state.payments.get(tid);
    if (!payment || payment.payMethod !== 'vbank')
      throw new Error(`NicePaySimulator.deposit: no virtual-account payment ${tid}`);
    if (this.state.vbankPastDeadline(payment))
      throw new Error(`NicePaySimulator.deposit: the deposit deadline of ${tid} has passed`);
    if (payment.status !== 'ready')
      throw new Error(`NicePaySimulator.deposit: payment ${tid} is ${payment.status}, not ready`);
    payment.status = 'paid';
    payment.paidAt = this.state.now;
    this.state.emit(payment);
  }
}

/** The requestPay parameters NicePay's SDK refuses, as exceptions (the window never opens); returns taxFreeAmt. */
function checkWindowInput(input: NicePayWindowInput): number {
  if (!Number.isSafeInteger(input.amount) || input.amount < 1) {
    throw new Error('NicePaySimulator.authenticate: amount must be a positive integer');
  }
  const taxFreeAmt = input.taxFreeAmt ?? 0;
  if (!Number.isSafeInteger(taxFreeAmt) || taxFreeAmt < 0 || taxFreeAmt > input.amount) {
    throw new Error('NicePaySimulator.authenticate: taxFreeAmt must be an integer between 0 and amount');
  }
  windowField('orderId', input.orderId, 64, true);
  windowField('goodsName', input.goodsName, 40, true);
  windowField('returnUrl', input.returnUrl, 500, true);
  windowField('mallReserved', input.mallReserved, 500, false);
  windowField('buyerName', input.buyerName, 30, false);
  windowField('buyerTel', input.buyerTel, 40, false);
  windowField('buyerEmail', input.buyerEmail, 60, false);
  windowField('vbankHolder', input.vbankHolder, 40, input.method === 'vbank');
  if (input.mallReserved?.includes('"'))
    throw new Error('NicePaySimulator.authenticate: mallReserved must not contain "');
  return taxFreeAmt;
}

function windowField(name: string, value: string | undefined, maxBytes: number, required: boolean): void {
  if (value === undefined || value === '') {
    if (required) throw new Error(`NicePaySimulator.authenticate: ${name} is required by requestPay`);
    return;
  }
  if (niceByteLength(value) > maxBytes)
    throw new Error(`NicePaySimulator.authenticate: ${name} exceeds ${maxBytes} bytes`);
}
