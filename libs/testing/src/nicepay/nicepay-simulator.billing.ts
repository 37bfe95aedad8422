import { createDecipheriv } from 'node:crypto';
import { nicepayError } from './nicepay-simulator.errors';
import { TID_METHOD_CODES, formatNiceDate, maskCardNumber, newBid } from './nicepay-simulator.format';
import {
  AMOUNT,
  MIN_CARD_AMOUNT,
  OK_MESSAGE,
  SANDBOX_CARD,
  scope,
  type Json,
  type NicePayKey,
  type NicePaySimulatorState,
  type StoredBillingKey,
  type StoredPayment,
} from './nicepay-simulator.state';
import { SIGNED_REQUEST_FIELDS, readFields, verifySignData } from './nicepay-simulator.validation';

/** Billing keys (bid): registration from encrypted card data, charges, deletion. */
export class NicePaySimulatorBilling {
  constructor(private readonly state: NicePaySimulatorState) {}

  /** POST /v1/subscribe/regist. */
  registBilling(key: NicePayKey, body: Json): Json {
    const fields = readFields(body, {
      encData: { kind: 'string', required: true, max: 512 },
      orderId: { kind: 'string', required: true, max: 64 },
      buyerName: { kind: 'string', max: 30 },
      buyerEmail: { kind: 'string', max: 60 },
      buyerTel: { kind: 'string', max: 20 },
      encMode: { kind: 'string', max: 10 },
      ...SIGNED_REQUEST_FIELDS,
    });
    const orderId = fields.orderId as string;
    verifySignData(fields, [orderId], key.secretKey);
    this.state.assertOrderIdFree(key.clientId, orderId);
    const card = decryptCardData(fields.encData as string, fields.encMode as string | undefined, key.secretKey);
    this.state.spentOrderIds.add(scope(key.clientId, orderId));

    const now = this.state.now;
    let bid = newBid(this.state.options.mid, now);
    while (this.state.billingKeys.has(bid)) bid = newBid(this.state.options.mid, now);
    this.state.billingKeys.set(bid, { bid, clientId: key.clientId, cardNum: maskCardNumber(card.cardNo) });
    return {
      resultCode: '0000',
      resultMsg: '빌키가 정상적으로 생성되었습니다.',
      tid: this.state.uniqueTid(TID_METHOD_CODES.card),
      orderId,
      bid,
      authDate: formatNiceDate(now),
      // The sandbox answers card 04; cardName comes with brackets here, unlike in payment objects.
      cardCode: '04',
      cardName: '[삼성]',
      status: 'issued',
    };
  }

  /** POST /v1/subscribe/{bid}/payments: a card approval on the registered card, paid at once. */
  chargeBilling(key: NicePayKey, bid: string, body: Json): Json {
    const fields = readFields(body, {
      orderId: { kind: 'string', required: true, max: 64 },
      amount: AMOUNT,
      goodsName: { kind: 'string', required: true, max: 40 },
      cardQuota: { kind: 'integer', required: true, max: 2 },
      useShopInterest: { kind: 'boolean', required: true },
      buyerName: { kind: 'string', max: 30 },
      buyerTel: { kind: 'string', max: 20 },
      buyerEmail: { kind: 'string', max: 60 },
      taxFreeAmt: { kind: 'integer', max: 12 },
      mallReserved: { kind: 'string', max: 500 },
      ...SIGNED_REQUEST_FIELDS,
    });
    const orderId = fields.orderId as string;
    verifySignData(fields, [`${orderId}${bid}`], key.secretKey);
    const billingKey = this.state.billingKeys.get(bid);
    if (!billingKey || billingKey.clientId !== key.clientId) throw nicepayError('A124');
    if (billingKey.deletedAt) throw nicepayError('U115');
    // Only `false` is supported.
    if (fields.useShopInterest !== false) throw nicepayError('U132', '허용된 옵션 내용이 아닙니다.[useShopInterest]');
    const amount = fields.amount as number;
    if (amount <= 0) throw nicepayError('P017');
    // A billing charge is a credit-card approval: at least 1,000 KRW (3041).
    if (amount < MIN_CARD_AMOUNT) throw nicepayError('3041');
    const taxFreeAmt = (fields.taxFreeAmt as number | undefined) ?? 0;
    if (taxFreeAmt < 0 || taxFreeAmt > amount)
      throw nicepayError('U131', '파라미터 taxFreeAmt: 허용된 Data형식이 아닙니다.');
    this.state.assertOrderIdFree(key.clientId, orderId);

    const payment = this.chargeOf(key, billingKey, fields as Json, taxFreeAmt);
    this.state.payments.set(payment.tid, payment);
    this.state.paymentTidByOrderId.set(scope(key.clientId, orderId), payment.tid);
    this.state.emit(payment);
    return this.state.paymentObject(payment, key.secretKey);
  }

  private chargeOf(key: NicePayKey, billingKey: StoredBillingKey, fields: Json, taxFreeAmt: number): StoredPayment {
    const now = this.state.now;
    return {
      tid: this.state.uniqueTid(TID_METHOD_CODES.card),
      clientId: key.clientId,
      secretKey: key.secretKey,
      orderId: fields.orderId as string,
      payMethod: 'card',
      status: 'paid',
      amount: fields.amount as number,
      taxFreeAmt,
      goodsName: fields.goodsName as string,
      mallReserved: fields.mallReserved as string | undefined,
      buyerName: fields.buyerName as string | undefined,
      buyerEmail: fields.buyerEmail as string | undefined,
      buyerTel: fields.buyerTel as string | undefined,
      approvedAt: now,
      paidAt: now,
      cancels: [],
      card: { ...SANDBOX_CARD, cardNum: billingKey.cardNum, cardQuota: fields.cardQuota },
      bid: billingKey.bid,
      channel: null,
      ownOrderIdUsedByCancel: false,
    };
  }

  /** POST /v1/subscribe/{bid}/expire: a deleted bid is gone for good; deleting again answers U115. */
  expireBilling(key: NicePayKey, bid: string, body: Json): Json {
    const fields = readFields(body, { orderId: { kind: 'string', required: true, max: 64 }, ...SIGNED_REQUEST_FIELDS });
    const orderId = fields.orderId as string;
    verifySignData(fields, [`${orderId}${bid}`], key.secretKey);
    const now = this.state.now;
    // authDate is present even on failure.
    const echo = { tid: null, orderId, bid, authDate: formatNiceDate(now) };
    const billingKey = this.state.billingKeys.get(bid);
    if (!billingKey || billingKey.clientId !== key.clientId) throw nicepayError('A124', undefined, echo);
    // Deleting again gives U115: the key is already gone, which a client may treat as success.
    if (billingKey.deletedAt) throw nicepayError('U115', undefined, echo);
    billingKey.deletedAt = now;
    return { resultCode: '0000', resultMsg: OK_MESSAGE, ...echo, tid: this.state.uniqueTid(TID_METHOD_CODES.card) };
  }
}

/**
 * Decrypts billing `encData`: hex; no encMode (or `AES128`) → AES-128-ECB with the first 16 ASCII chars of the secret
 * key; `A2` → AES-256-CBC, key = the 32-char secret key, IV = its first 16 chars. Anything that does not decrypt to
 * card data is F101. The plaintext is a query string whose order does not matter. The decrypted values never leave
 * this function except the card number, which the caller masks at once.
 */
function decryptCardData(encData: string, encMode: string | undefined, secretKey: string): { cardNo: string } {
  const params = new URLSearchParams(decrypt(encData, encMode, secretKey));
  // All five fields are required (since NicePay's 2023-10 change).
  for (const name of ['cardNo', 'expYear', 'expMonth', 'idNo', 'cardPw']) {
    if (!params.get(name)) throw nicepayError('P007', `필수 파라미터 encData.${name}가 없습니다.`);
  }
  const cardNo = params.get('cardNo')!;
  if (!/^\d{14,16}$/.test(cardNo)) throw nicepayError('F112');
  const formats: Record<string, RegExp> = {
    expYear: /^\d{2}$/,
    expMonth: /^(0[1-9]|1[0-2])$/,
    idNo: /^(\d{6}|\d{10}|\d{13})$/,
    cardPw: /^\d{2}$/,
  };
  for (const [name, pattern] of Object.entries(formats)) {
    if (!pattern.test(params.get(name)!)) throw nicepayError('U131', `encData.${name}: 허용된 Data형식이 아닙니다.`);
  }
  return { cardNo };
}

function decrypt(encData: string, encMode: string | undefined, secretKey: string): string {
  let algorithm: string;
  let key: Buffer;
  let iv: Buffer | null;
  if (encMode === undefined || encMode === 'AES128') {
    algorithm = 'aes-128-ecb';
    key = Buffer.from(secretKey.slice(0, 16), 'utf8');
    iv = null;
  } else if (encMode === 'A2') {
    algorithm = 'aes-256-cbc';
    key = Buffer.from(secretKey, 'utf8');
    iv = Buffer.from(secretKey.slice(0, 16), 'utf8');
  } else {
    throw nicepayError('U132', '허용된 옵션 내용이 아닙니다.[encMode]');
  }
  try {
    if (!/^(?:[0-9a-fA-F]{2})+$/.test(encData)) throw new Error('not hex');
    const decipher = createDecipheriv(algorithm, key, iv);
    return Buffer.concat([decipher.update(Buffer.from(encData, 'hex')), decipher.final()]).toString('utf8');
  } catch {
    throw nicepayError('F101');
  }
}
