import { IsString, Length } from 'class-validator';
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  Payment,
  PaymentGatewayModule,
  PaymentStatus,
  SignatureMismatchError,
  WebhookEvent,
  type ApproveRequest,
  type CancelResult,
  type CheckoutParams,
  type ConfirmInput,
  type GatewayContext,
  type GatewayPaymentTruth,
  type ParsedWebhook,
  type PaymentGateway,
  type PaymentLookup,
  type PreparedPayment,
  type PrepareRequest,
  type RawWebhookRequest,
  type WebhookCapability,
  type WebhookReply,
} from 'nestjs-kr-payments';
import { bootPaymentsApp, TEST_ENCRYPTION, type ShopApp } from '../support/harness';

/**
 * The one case where a webhook body itself is the truth: a gateway whose signature covers every field it applies (here
 * an HMAC over the whole raw body, as a host app's own gateway module could have). Even then, a truth the gateway
 * really signed but about an amount (or order) other than the payment we hold is stored REJECTED, never applied
 * (rule 6 of docs/architecture.md#rules-that-keep-money-exact). The shipped gateways sign less than they send, so
 * their deliveries are read back instead (docs/gateways/<g>.md#webhooks).
 */
class SignedPgOptions {
  @IsString()
  @Length(16, 64)
  signingKey: string;
}

declare module 'nestjs-kr-payments' {
  interface GatewaysOptions {
    signedpg?: SignedPgOptions;
  }
}

const SIGNING_KEY = 'signedpg-test-key-0001';
const sign = (rawBody: string) => createHmac('sha256', SIGNING_KEY).update(rawBody).digest('hex');

class SignedGateway implements PaymentGateway, WebhookCapability {
  readonly name = 'signedpg';
  readonly features = { partialCancel: false, virtualAccount: false, netCancel: false };
  readonly maxCallMs = 5_000;

  constructor(private readonly signingKey: string) {}

  async prepare(request: PrepareRequest): Promise<CheckoutParams> {
    return { gateway: this.name, kind: 'sdk', fields: { orderId: request.orderId, amount: request.amount } };
  }

  verifyConfirmInput(_prepared: PreparedPayment, _input: ConfirmInput): void {}

  async approve(request: ApproveRequest): Promise<GatewayPaymentTruth> {
    return truthOf(request.prepared.orderId, request.input.paymentKey as string, request.prepared.amount, 'PAID');
  }

  async getPayment(_lookup: PaymentLookup): Promise<GatewayPaymentTruth> {
    throw new Error('signedpg deliveries are never read back');
  }

  async cancel(): Promise<CancelResult> {
    throw new Error('not used here');
  }

  /** The signature covers the whole body, so every field of it may be applied. */
  async parseWebhook(request: RawWebhookRequest): Promise<ParsedWebhook> {
    const presented = Buffer.from(String(request.headers['x-signature'] ?? ''), 'hex');
    const expected = Buffer.from(createHmac('sha256', this.signingKey).update(request.rawBody).digest('hex'), 'hex');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      throw new SignatureMismatchError(this.name, 'webhook');
    }
    const body = JSON.parse(request.rawBody.toString('utf8')) as {
      id: string;
      orderId: string;
      paymentKey: string;
      amount: number;
      status: 'PAID' | 'CANCELED';
    };
    return {
      dedupeKey: `signedpg:${body.id}`,
      eventType: `payment.${body.status}`,
      orderId: body.orderId,
      paymentKey: body.paymentKey,
      verification: 'signature',
      truth: truthOf(body.orderId, body.paymentKey, body.amount, body.status),
      payload: body,
    };
  }

  webhookReply(outcome: 'accepted' | 'rejected'): WebhookReply {
    return { status: outcome === 'accepted' ? 200 : 400, body: '', contentType: 'text/plain' };
  }
}

function truthOf(
  orderId: string,
  paymentKey: string,
  amount: number,
  status: 'PAID' | 'CANCELED',
): GatewayPaymentTruth {
  const canceledAt = new Date();
  return {
    gateway: 'signedpg',
    paymentKey,
    orderId,
    status,
    totalAmount: amount,
    balanceAmount: status === 'PAID' ? amount : 0,
    method: 'CARD',
    approvedAt: new Date(),
    cancels:
      status === 'PAID'
        ? []
        : [{ transactionKey: `${paymentKey}-c1`, amount, taxFreeAmount: 0, canceledAt, status: 'DONE' }],
    raw: { orderId, amount, status },
  };
}

@PaymentGatewayModule<SignedPgOptions>()
class SignedPgModule {
  static readonly gatewayName = 'signedpg';
  static readonly optionsClass = SignedPgOptions;
  static createGateway(options: SignedPgOptions, _context: GatewayContext): PaymentGateway {
    return new SignedGateway(options.signingKey);
  }
}

describe('webhooks: a signed truth that does not match our payment', () => {
  let shop: ShopApp;

  beforeAll(async () => {
    shop = await bootPaymentsApp(
      {
        gateways: { signedpg: { signingKey: SIGNING_KEY } },
        encryption: TEST_ENCRYPTION,
        webhooks: { ipAllowlist: { signedpg: ['127.0.0.1'] } },
      },
      'useFactory',
      undefined,
      { gatewayModules: [SignedPgModule] },
    );
  });

  afterAll(async () => {
    await shop?.close();
  });

  const deliver = (body: object) => {
    const rawBody = JSON.stringify(body);
    return fetch(`${shop.url}/payments/webhooks/signedpg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': sign(rawBody) },
      body: rawBody,
    });
  };

  it('is stored as REJECTED and the payment does not move; a matching signed truth is applied', async () => {
    const orderId = `wh_${Date.now().toString(36)}`;
    const { payment } = await shop.payments.prepare({ gateway: 'signedpg', orderId, amount: 20_000, orderName: 'x' });
    const paid = await shop.payments.confirm({ gateway: 'signedpg', orderId, amount: 20_000, paymentKey: 'spk-1' });
    expect(paid.status).toBe(PaymentStatus.PAID);

    // Correctly signed by the gateway, but for 2,000,000 KRW instead of 20,000.
    const mismatch = { id: 'evt-1', orderId, paymentKey: 'spk-1', amount: 2_000_000, status: 'CANCELED' };
    expect((await deliver(mismatch)).status).toBe(400);
    const events = await shop.dataSource.getRepository(WebhookEvent).find({ where: { gateway: 'signedpg' } });
    expect(events.map((e) => [e.verification, e.status, e.lastError])).toEqual([
      ['signature', 'REJECTED', 'amount 2000000 does not match the prepared amount 20000'],
    ]);
    const after = await shop.dataSource.getRepository(Payment).findOneByOrFail({ id: payment.id });
    expect(after).toMatchObject({ status: PaymentStatus.PAID, amount: 20_000, balanceAmount: 20_000 });

    // The same event about our amount, signed: the body is the truth and is applied.
    expect((await deliver({ ...mismatch, id: 'evt-2', amount: 20_000 })).status).toBe(200);
    expect(await shop.dataSource.getRepository(Payment).findOneByOrFail({ id: payment.id })).toMatchObject({
      status: PaymentStatus.CANCELED,
      balanceAmount: 0,
    });
  });
});
