import { IsString, Length } from 'class-validator';
import {
  capabilitiesOf,
  GatewayRegistry,
  PaymentGatewayModule,
  PaymentsConfigurationError,
  PaymentsModule,
  PaymentStatus,
  UnsupportedOperationError,
  type CancelRequest,
  type CancelResult,
  type CheckoutParams,
  type ConfirmInput,
  type GatewayContext,
  type GatewayPaymentTruth,
  type PaymentGateway,
  type PaymentLookup,
  type PreparedPayment,
  type PrepareRequest,
  type ApproveRequest,
} from 'nestjs-kr-payments';
import { bootPaymentsApp, TEST_ENCRYPTION } from '../support/harness';

/**
 * A host app registers a gateway the library does not ship (say, KG Inicis) as a module of the same shape as the
 * shipped ones, without editing the library: the options block is validated by its class, the adapter implements
 * only the required port, and the core refuses what it does not implement.
 */
class FakeGatewayOptions {
  @IsString()
  @Length(8, 64)
  apiKey: string;
}

declare module 'nestjs-kr-payments' {
  interface GatewaysOptions {
    fakepg?: FakeGatewayOptions;
  }
}

/** An in-memory "gateway": approvals and cancels it has recorded, by payment key. */
class FakeGateway implements PaymentGateway {
  readonly name = 'fakepg';
  readonly features = { partialCancel: true, virtualAccount: false, netCancel: false };
  readonly maxCallMs = 5_000;
  readonly approvals = new Map<string, GatewayPaymentTruth>();
  readonly calls: string[] = [];

  constructor(readonly apiKey: string) {}

  async prepare(request: PrepareRequest): Promise<CheckoutParams> {
    return { gateway: this.name, kind: 'sdk', fields: { orderId: request.orderId, amount: request.amount } };
  }

  verifyConfirmInput(_prepared: PreparedPayment, input: ConfirmInput): void {
    if (!input.paymentKey) throw new Error('paymentKey required');
  }

  async approve(request: ApproveRequest): Promise<GatewayPaymentTruth> {
    this.calls.push(`approve ${request.idempotencyKey}`);
    const truth: GatewayPaymentTruth = {
      gateway: this.name,
      paymentKey: request.input.paymentKey as string,
      orderId: request.prepared.orderId,
      status: 'PAID',
      totalAmount: request.prepared.amount,
      balanceAmount: request.prepared.amount,
      method: 'CARD',
      approvedAt: new Date(),
      cancels: [],
      raw: { approved: true },
    };
    this.approvals.set(truth.paymentKey, truth);
    return truth;
  }

  async getPayment(lookup: PaymentLookup): Promise<GatewayPaymentTruth> {
    const truth = lookup.paymentKey ? this.approvals.get(lookup.paymentKey) : undefined;
    if (!truth) throw new Error('not found');
    return truth;
  }

  async cancel(request: CancelRequest): Promise<CancelResult> {
    this.calls.push(`cancel ${request.idempotencyKey}`);
    const before = this.approvals.get(request.paymentKey) as GatewayPaymentTruth;
    const cancel = {
      transactionKey: `tx-${request.cancelId}`,
      amount: request.amount,
      taxFreeAmount: 0,
      canceledAt: new Date(),
      status: 'DONE' as const,
    };
    const balanceAmount = before.balanceAmount - request.amount;
    const payment: GatewayPaymentTruth = {
      ...before,
      status: balanceAmount === 0 ? 'CANCELED' : 'PARTIALLY_CANCELED',
      balanceAmount,
      cancels: [...before.cancels, cancel],
    };
    this.approvals.set(request.paymentKey, payment);
    return { payment, cancel };
  }
}

@PaymentGatewayModule<FakeGatewayOptions>()
class FakeGatewayModule {
  static readonly gatewayName = 'fakepg';
  static readonly optionsClass = FakeGatewayOptions;
  static validateOptions(options: FakeGatewayOptions): string[] {
    return options.apiKey.startsWith('live_') ? ['gateways.fakepg.apiKey: live keys are not allowed in this test'] : [];
  }
  static createGateway(options: FakeGatewayOptions, _context: GatewayContext): PaymentGateway {
    return new FakeGateway(options.apiKey);
  }
}

describe('a gateway module registered by the host app', () => {
  it('takes a payment and a partial refund through a gateway the library does not ship', async () => {
    const shop = await bootPaymentsApp(
      { gateways: { fakepg: { apiKey: 'test_key_123' } }, encryption: TEST_ENCRYPTION },
      'useFactory',
      undefined,
      { gatewayModules: [FakeGatewayModule] },
    );
    try {
      const gateway = shop.app.get(GatewayRegistry).get('fakepg') as FakeGateway;
      expect(gateway.apiKey).toBe('test_key_123');
      const { payment, checkout } = await shop.payments.prepare({
        gateway: 'fakepg',
        amount: 12_000,
        orderName: 'custom',
      });
      expect(checkout.fields).toEqual({ orderId: payment.orderId, amount: 12_000 });
      const paid = await shop.payments.confirm({
        gateway: 'fakepg',
        orderId: payment.orderId,
        amount: 12_000,
        paymentKey: 'pk-1',
      });
      expect(paid.status).toBe(PaymentStatus.PAID);
      expect(paid.gatewayPaymentKey).toBe('pk-1');

      const cancel = await shop.payments.cancel({ paymentId: paid.id, amount: 2_000, reason: 'partial' });
      expect(cancel.status).toBe('DONE');
      const after = await shop.payments.get(paid.id);
      expect(after.status).toBe(PaymentStatus.PARTIALLY_CANCELED);
      expect(after.canceledAmount).toBe(2_000);
      expect(gateway.calls).toEqual([
        expect.stringMatching(new RegExp(`^approve confirm:${paid.id}:`)),
        `cancel cancel:${cancel.id}`,
      ]);

      // Capabilities are what the adapter implements: the core refuses the rest itself, before writing anything.
      expect(capabilitiesOf(gateway)).toMatchObject({
        billing: false,
        cashReceipts: false,
        webhooks: false,
        partialCancel: true,
      });
      await expect(
        shop.payments.issueBillingKey({ gateway: 'fakepg', customerKey: 'cust_1', authKey: 'auth' }),
      ).rejects.toEqual(expect.objectContaining({ code: 'UNSUPPORTED_OPERATION', gateway: 'fakepg' }));
      await expect(
        shop.payments.issueCashReceipt({
          gateway: 'fakepg',
          amount: 1_000,
          orderId: 'rcpt_0001',
          orderName: 'r',
          type: 'INCOME_DEDUCTION',
          identityNumber: '01012345678',
        }),
      ).rejects.toBeInstanceOf(UnsupportedOperationError);
      const [{ count }] = await shop.dataSource.query('SELECT count(*)::int AS count FROM cash_receipts');
      expect(count).toBe(0);
      const webhook = await fetch(`${shop.url}/payments/webhooks/fakepg`, { method: 'POST', body: '{}' });
      expect(webhook.status).toBe(404);
    } finally {
      await shop.close();
    }
  });

  it("validates the module's options block at boot, naming the field", async () => {
    await expect(
      bootPaymentsApp(
        { gateways: { fakepg: { apiKey: 'short' } }, encryption: TEST_ENCRYPTION },
        'forRoot',
        undefined,
        {
          gatewayModules: [FakeGatewayModule],
        },
      ),
    ).rejects.toThrow(/gateways\.fakepg\.apiKey/);
    await expect(
      bootPaymentsApp(
        { gateways: { fakepg: { apiKey: 'live_0123456789' } }, encryption: TEST_ENCRYPTION },
        'forRoot',
        undefined,
        {
          gatewayModules: [FakeGatewayModule],
        },
      ),
    ).rejects.toBeInstanceOf(PaymentsConfigurationError);
  });

  it('without the module, the same block is an unknown gateway', async () => {
    await expect(
      bootPaymentsApp({ gateways: { fakepg: { apiKey: 'test_key_123' } }, encryption: TEST_ENCRYPTION }, 'forRoot'),
    ).rejects.toThrow(/gateways\.fakepg: unknown gateway/);
  });

  it('refuses a second module claiming a shipped gateway name', () => {
    class TossImpostor {
      static readonly gatewayName = 'toss';
      static readonly optionsClass = FakeGatewayOptions;
      static createGateway(options: FakeGatewayOptions): PaymentGateway {
        return new FakeGateway(options.apiKey);
      }
    }
    expect(() =>
      PaymentsModule.forRoot({ gateways: {}, encryption: TEST_ENCRYPTION, gatewayModules: [TossImpostor] }),
    ).toThrow(/"toss" is already registered/);
  });
});
