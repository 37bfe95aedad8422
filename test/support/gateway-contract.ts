import {
  BillingKey,
  BillingKeyStatus,
  CancelStatus,
  CashReceipt,
  DEFAULT_WEBHOOK_PATH_PREFIX,
  FieldCipher,
  GatewayRegistry,
  Payment,
  PaymentCancel,
  PaymentNetCanceledError,
  PaymentOutcomeUnknownError,
  PaymentsError,
  PaymentStatus,
  UnsupportedOperationError,
  type ConfirmInput,
  type PaymentGateway,
  type PaymentsModuleOptions,
  type PaymentsService,
  type PrepareDto,
  type PreparedPayment,
  type PrepareResult,
  type PaymentCancelView,
  type PaymentView,
} from 'nestjs-kr-payments';
import { capabilitiesOf } from '../../libs/payments/src/gateways/gateway-capabilities';
import { bootPaymentsApp, TEST_ENCRYPTION, type ShopApp } from './harness';

/** A prepared payment whose payment window the buyer went through. */
export interface PayablePayment<R> {
  /** The READY row `prepare` stored. */
  payment: PaymentView;
  orderId: string;
  amount: number;
  /** The gateway's own key for the payment (Toss paymentKey, NicePay/KISPG tid, Apps-in-Toss payToken). */
  gatewayKey: string;
  /** What the browser brought back: Toss successUrl parameters, the returnUrl POST body, the payToken. */
  returned: R;
}

/**
 * What the gateway does right after an approval answer is lost, as its docs/gateways page documents it:
 * - 'unknown': nothing; the payment stays UNKNOWN (PaymentOutcomeUnknownError) until `sync` reads it back;
 * - 'query': it reads the payment back at once, so the confirm answers with the gateway's truth;
 * - 'net-cancel': it reverses the approval at once (PaymentNetCanceledError, CANCELED with failureCode NET_CANCELED).
 */
export type LostAnswerPolicy = 'unknown' | 'query' | 'net-cancel';

/** Arms a simulator fault for the next matching request about this payment. */
export type ArmFault<S, R> = (sim: S, payable: PayablePayment<R>) => void;

export interface ContractFaults<S, R> {
  /** The gateway commits the approval, then the connection drops without an answer. */
  dropApprovalAnswer: ArmFault<S, R>;
  /** The gateway commits the approval, then answers after the library's read timeout. */
  delayApprovalAnswer: ArmFault<S, R>;
  /** The call a 'query' / 'net-cancel' policy makes right after a lost answer fails without effect. */
  failLostAnswerResolution?: ArmFault<S, R>;
  /** The gateway commits the approval and answers about another amount. Omitted when the simulator cannot. */
  answerAboutAnotherAmount?: ArmFault<S, R>;
  /** The gateway commits the approval and answers about another orderId. Omitted when the simulator cannot. */
  answerAboutAnotherOrder?: ArmFault<S, R>;
}

/** What the simulator received or holds for one payment. */
export interface ContractCounters<S, R> {
  /** Approval requests (Toss confirm, NicePay/KISPG approve, Apps-in-Toss execute) received for this payment. */
  approvals(sim: S, payable: PayablePayment<R>): number;
  /** Cancel / refund requests received for this payment. */
  refundRequests(sim: S, payable: PayablePayment<R>): number;
  /** How much of the payment the simulator has refunded, in KRW. */
  refundedAmount(sim: S, payable: PayablePayment<R>): number;
}

/**
 * What both the gateway contract and the recovery contract need of a gateway, as they are: each gateway's
 * `<gateway>.basics.ts` holds one, spread into both specs.
 */
export interface GatewayBasics<S, R> {
  /** The registered gateway name ('toss', 'nicepay', 'kispg', 'appsInToss'). */
  gateway: string;
  startSimulator(): Promise<S>;
  stopSimulator(sim: S): Promise<void>;
  /** `PaymentsModuleOptions.gateways` pointing the gateway at the simulator; read timeouts of at most 1.5 s. */
  gatewayOptions(sim: S): PaymentsModuleOptions['gateways'];
  /** Gateway-specific prepare fields (method, customer, return URLs). */
  prepareFields: Partial<PrepareDto>;
  /** Drives the simulated payment window for a prepared payment. */
  openPaymentWindow(sim: S, prepared: PrepareResult): { returned: R; gatewayKey: string };
  /** How the shop confirms with what the browser brought back (`confirm` or `confirmReturn`). */
  confirm(payments: PaymentsService, payable: PayablePayment<R>): Promise<PaymentView>;
  /** The ConfirmInput the core hands the adapter for this payment (to approve behind the ledger's back). */
  adapterConfirmInput(adapter: PaymentGateway, payable: PayablePayment<R>): ConfirmInput;
  lostAnswerPolicy: LostAnswerPolicy;
  count: ContractCounters<S, R>;
}

/** What differs per gateway; everything else is the one contract every adapter must pass. */
export interface GatewayContractSpec<S, R> extends GatewayBasics<S, R> {
  faults: ContractFaults<S, R>;
}

/** What a caller may be told when the approval answer is about another payment: never a decline. */
const MISMATCH_CODES = ['AMOUNT_MISMATCH', 'ORDER_MISMATCH', 'PAYMENT_KEY_MISMATCH', 'SIGNATURE_MISMATCH'];
const UNTRUSTED_ANSWER_CODES = ['PAYMENT_OUTCOME_UNKNOWN', 'PAYMENT_NET_CANCELED', ...MISMATCH_CODES];
/** A cancel refused because the amount is reserved or refunded already (or the payment is fully canceled). */
const REFUSED_CANCEL_CODES = ['CANCEL_AMOUNT_EXCEEDS_BALANCE', 'INVALID_PAYMENT_STATE'];
const ORDER_NAME = '계약 테스트 상품';
/** A reason every gateway accepts (Apps-in-Toss allows a narrow charset, no spaces). */
const CANCEL_REASON = '단순변심';
/**
 * The encrypted column of billing keys: its ciphertexts are bound to `<column>:<rowId>` and its lookup hashes use the
 * column name, so a row written here decrypts like one the library wrote.
 */
const BILLING_KEY_COLUMN = 'billing_keys.billing_key';

const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined).catch((error: unknown) => error);

/** What every case of the contract works with; `sim` and `shop` exist once `beforeAll` ran. */
interface Contract<S, R> extends AppContext {
  spec: GatewayContractSpec<S, R>;
  sim: S;
}

/** The part of the contract that does not depend on the simulator. */
interface AppContext {
  spec: { gateway: string };
  shop: ShopApp;
  nextId(prefix: string): string;
}

/**
 * The contract every gateway adapter passes, through the public `PaymentsService` in a real Nest app on a fresh
 * PostgreSQL database, against the gateway's simulator over loopback HTTP. Assertions are on rows, statuses, amounts
 * and the exact number of requests the simulator received.
 */
export function describeGatewayContract<S, R>(spec: GatewayContractSpec<S, R>): void {
  describe(`${spec.gateway} gateway contract`, () => {
    let seq = 0;
    const nextId = (prefix: string) => `${prefix}${Date.now().toString(36)}${++seq}`;
    const contract = { spec, nextId } as Contract<S, R>;

    beforeAll(async () => {
      contract.sim = await spec.startSimulator();
      const gateways = spec.gatewayOptions(contract.sim);
      contract.shop = await bootPaymentsApp({ gateways, encryption: TEST_ENCRYPTION }, 'forRoot');
    });

    afterAll(async () => {
      await contract.shop?.close();
      if (contract.sim) await spec.stopSimulator(contract.sim);
    });

    approvalCases(contract);
    lostAnswerCases(contract);
    cancelCases(contract);
    unsupportedOperationCases(contract);
  });
}

const adapterOf = ({ spec, shop }: AppContext): PaymentGateway => shop.app.get(GatewayRegistry).get(spec.gateway);
const rowOf = ({ shop }: AppContext, id: string) => shop.dataSource.manager.findOneByOrFail(Payment, { id });
const cancelsOf = ({ shop }: AppContext, paymentId: string) =>
  shop.dataSource.manager.find(PaymentCancel, { where: { paymentId } });

/** Prepares a payment and drives its payment window: ready to confirm. */
async function payable<S, R>(contract: Contract<S, R>, amount: number): Promise<PayablePayment<R>> {
  const { spec, shop, sim } = contract;
  const orderId = contract.nextId('ct');
  const fields = { ...spec.prepareFields, gateway: spec.gateway, orderId, amount, orderName: ORDER_NAME };
  const prepared = await shop.payments.prepare(fields);
  expect(prepared.payment.status).toBe(PaymentStatus.READY);
  const { returned, gatewayKey } = spec.openPaymentWindow(sim, prepared);
  return { payment: prepared.payment, orderId, amount, gatewayKey, returned };
}

/** The gateway's truth after a lost answer: PAID, or after a net-cancel, CANCELED and refunded in full. */
function expectGatewayTruth<S, R>({ spec, sim }: Contract<S, R>, payment: PaymentView, ready: PayablePayment<R>): void {
  const { amount } = ready;
  if (spec.lostAnswerPolicy === 'net-cancel') {
    expect(payment).toMatchObject({ status: PaymentStatus.CANCELED, failureCode: 'NET_CANCELED', amount });
    expect(spec.count.refundedAmount(sim, ready)).toBe(amount);
  } else {
    expect(payment).toMatchObject({ status: PaymentStatus.PAID, amount, balanceAmount: amount, canceledAmount: 0 });
    expect(spec.count.refundedAmount(sim, ready)).toBe(0);
  }
}

function approvalCases<S, R>(contract: Contract<S, R>): void {
  const { spec } = contract;

  it('approves once under 8 concurrent confirms: one approval request, one PAID row, no caller told to pay again', async () => {
    const { shop, sim } = contract;
    const ready = await payable(contract, 10_000);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => spec.confirm(shop.payments, ready)));

    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const answers = results.map((r) => (r as PromiseFulfilledResult<PaymentView>).value);
    expect(answers.every((p) => p.id === ready.payment.id)).toBe(true);
    const statuses = answers.map((p) => p.status);
    expect(statuses).toContain(PaymentStatus.PAID);
    expect(statuses.filter((s) => s !== PaymentStatus.PAID && s !== PaymentStatus.IN_PROGRESS)).toEqual([]);
    expect(spec.count.approvals(sim, ready)).toBe(1);
    const rows = await shop.dataSource.manager.findBy(Payment, { gateway: spec.gateway, orderId: ready.orderId });
    expect(rows.map((r) => [r.status, r.amount, r.balanceAmount, r.gatewayPaymentKey])).toEqual([
      [PaymentStatus.PAID, 10_000, 10_000, ready.gatewayKey],
    ]);
  });

  it('a duplicate approval is recognised: the gateway already approved this payment → PAID with one charge, not FAILED', async () => {
    const { shop, sim } = contract;
    const ready = await payable(contract, 15_000);
    // Approved at the gateway behind the ledger's back (another replica whose answer never reached the row), under
    // another idempotency key, so the shop's own confirm meets the gateway's "already approved" answer.
    const gateway = adapterOf(contract);
    const earlier = await gateway.approve({
      prepared: preparedOf(ready.payment),
      input: spec.adapterConfirmInput(gateway, ready),
      idempotencyKey: `contract-earlier:${ready.payment.id}`,
    });
    expect(earlier).toMatchObject({ status: 'PAID', orderId: ready.orderId, totalAmount: 15_000 });
    expect(spec.count.approvals(sim, ready)).toBe(1);

    const confirmed = await spec.confirm(shop.payments, ready);
    const paid = { status: PaymentStatus.PAID, amount: 15_000, balanceAmount: 15_000 };
    expect(confirmed).toMatchObject({ id: ready.payment.id, ...paid });
    expect(await rowOf(contract, ready.payment.id)).toMatchObject({ ...paid, gatewayPaymentKey: ready.gatewayKey });
    expect(spec.count.approvals(sim, ready)).toBe(2); // ours was refused as a duplicate: still one charge
    expect(spec.count.refundedAmount(sim, ready)).toBe(0);
    expect(await shop.payments.sync(ready.payment.id)).toMatchObject(paid);
  });

  const mismatches: Array<[string, ArmFault<S, R>]> = [];
  if (spec.faults.answerAboutAnotherAmount) mismatches.push(['another amount', spec.faults.answerAboutAnotherAmount]);
  if (spec.faults.answerAboutAnotherOrder) mismatches.push(['another orderId', spec.faults.answerAboutAnotherOrder]);
  if (mismatches.length === 0) return;

  const title = 'an approval answer about %s ends UNKNOWN (never PAID, never FAILED); sync reads the truth';
  it.each(mismatches)(title, async (_what, arm) => {
    const { shop, sim } = contract;
    const ready = await payable(contract, 14_000);
    arm(sim, ready);
    const error = await errorOf(spec.confirm(shop.payments, ready));

    expect(error).toBeInstanceOf(PaymentsError);
    expect(UNTRUSTED_ANSWER_CODES).toContain((error as PaymentsError).code);
    const row = await rowOf(contract, ready.payment.id);
    expect([PaymentStatus.PAID, PaymentStatus.FAILED]).not.toContain(row.status);
    if (spec.lostAnswerPolicy === 'net-cancel') {
      // The gateway's policy for an approval answer it cannot trust reverses the approval at once.
      expectGatewayTruth(contract, row, ready);
    } else {
      expect(row).toMatchObject({ status: PaymentStatus.UNKNOWN, amount: 14_000, canceledAmount: 0 });
    }
    expect(spec.count.approvals(sim, ready)).toBe(1);
    expectGatewayTruth(contract, await shop.payments.sync(ready.payment.id), ready);
  });
}

function lostAnswerCases<S, R>(contract: Contract<S, R>): void {
  const { spec } = contract;

  it('a dropped approval answer after the gateway committed ends UNKNOWN; sync resolves it to the gateway truth', async () => {
    const { shop, sim } = contract;
    const ready = await payable(contract, 12_000);
    spec.faults.dropApprovalAnswer(sim, ready);
    if (spec.lostAnswerPolicy !== 'unknown') {
      // The gateway's own policy runs at once; its call fails too here, so only sync can settle the payment.
      if (!spec.faults.failLostAnswerResolution) throw new Error('the spec must say how to fail the resolution');
      spec.faults.failLostAnswerResolution(sim, ready);
    }

    const error = await errorOf(spec.confirm(shop.payments, ready));
    expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
    expect(error).toMatchObject({ paymentId: ready.payment.id, gateway: spec.gateway, retryable: true });
    expect(await rowOf(contract, ready.payment.id)).toMatchObject({ status: PaymentStatus.UNKNOWN, canceledAmount: 0 });
    expect(spec.count.approvals(sim, ready)).toBe(1);

    expectGatewayTruth(contract, await shop.payments.sync(ready.payment.id), ready);
    expect(spec.count.approvals(sim, ready)).toBe(1);
  });

  it(`an approval answer lost to a timeout ends as the gateway's policy says (${spec.lostAnswerPolicy}); sync agrees`, async () => {
    const { shop, sim } = contract;
    const ready = await payable(contract, 13_000);
    spec.faults.delayApprovalAnswer(sim, ready);
    const outcome = await spec.confirm(shop.payments, ready).catch((e: unknown) => e);

    if (spec.lostAnswerPolicy === 'unknown') {
      expect(outcome).toBeInstanceOf(PaymentOutcomeUnknownError);
      expect(await rowOf(contract, ready.payment.id)).toMatchObject({ status: PaymentStatus.UNKNOWN });
    } else if (spec.lostAnswerPolicy === 'net-cancel') {
      expect(outcome).toBeInstanceOf(PaymentNetCanceledError);
      expectGatewayTruth(contract, await rowOf(contract, ready.payment.id), ready);
    } else {
      expect(outcome).not.toBeInstanceOf(Error);
      expect(outcome).toMatchObject({ id: ready.payment.id });
      expectGatewayTruth(contract, outcome as PaymentView, ready);
    }
    expect(spec.count.approvals(sim, ready)).toBe(1);
    expectGatewayTruth(contract, await shop.payments.sync(ready.payment.id), ready);
    expect(spec.count.approvals(sim, ready)).toBe(1);
  });
}

interface ConcurrentCancels<R> {
  ready: PayablePayment<R>;
  done: PaymentCancelView[];
  refused: PaymentsError[];
  /** How many of the five fit the payment: 3 partial cancels of 3,000, or 1 full cancel. */
  fits: number;
}

/** Five concurrent cancels of one PAID 10,000 KRW payment: 3,000 each, or full cancels where only those exist. */
async function concurrentCancels<S, R>(contract: Contract<S, R>): Promise<ConcurrentCancels<R>> {
  const { spec, shop } = contract;
  const ready = await payable(contract, 10_000);
  expect(await spec.confirm(shop.payments, ready)).toMatchObject({ status: PaymentStatus.PAID });
  const partial = capabilitiesOf(adapterOf(contract)).partialCancel;
  const amount = partial ? 3_000 : undefined;
  const cancel = () => shop.payments.cancel({ paymentId: ready.payment.id, amount, reason: CANCEL_REASON });
  const results = await Promise.allSettled(Array.from({ length: 5 }, cancel));
  const done = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as PaymentsError] : []));
  return { ready, done, refused, fits: partial ? 3 : 1 };
}

function cancelCases<S, R>(contract: Contract<S, R>): void {
  const { spec } = contract;

  it('a cancel reservation is never exceeded: 5 concurrent cancels refund at most the payment, ledger = gateway', async () => {
    const { ready, done, refused, fits } = await concurrentCancels(contract);
    expect(refused.every((error) => error instanceof PaymentsError)).toBe(true);
    expect(done.length).toBeGreaterThanOrEqual(1);
    expect(done.length).toBeLessThanOrEqual(fits);
    expect(done.every((c) => c.status === CancelStatus.DONE)).toBe(true);

    const canceled = done.reduce((sum, c) => sum + c.amount, 0);
    expect(canceled).toBeLessThanOrEqual(10_000);
    const row = await rowOf(contract, ready.payment.id);
    expect(row).toMatchObject({ canceledAmount: canceled, balanceAmount: 10_000 - canceled, pendingCancelAmount: 0 });
    expect(row.status).toBe(canceled === 10_000 ? PaymentStatus.CANCELED : PaymentStatus.PARTIALLY_CANCELED);
    expect(spec.count.refundedAmount(contract.sim, ready)).toBe(canceled);
    // Each request that reached the gateway left a row: DONE (refunded) or FAILED (refused there, amount released).
    const rows = await cancelsOf(contract, ready.payment.id);
    const doneIds = rows.filter((c) => c.status === CancelStatus.DONE).map((c) => c.id);
    expect(doneIds.sort()).toEqual(done.map((c) => c.id).sort());
    expect(rows.every((c) => c.status === CancelStatus.DONE || c.status === CancelStatus.FAILED)).toBe(true);
    expect(spec.count.refundRequests(contract.sim, ready)).toBe(rows.length);
  });

  it('concurrent cancels that do not fit are refused before the gateway (CANCEL_AMOUNT_EXCEEDS_BALANCE or a retryable conflict)', async () => {
    const { ready, done, refused } = await concurrentCancels(contract);
    for (const error of refused) {
      if (!REFUSED_CANCEL_CODES.includes(error.code)) expect(error).toMatchObject({ retryable: true, httpStatus: 409 });
    }
    expect(spec.count.refundRequests(contract.sim, ready)).toBe(done.length); // each request that left refunded
    const statuses = (await cancelsOf(contract, ready.payment.id)).map((c) => c.status);
    expect(statuses).toEqual(done.map(() => CancelStatus.DONE));
  });
}

function unsupportedOperationCases<S, R>(contract: Contract<S, R>): void {
  const { spec } = contract;

  it('capabilities decide: an operation not offered throws UnsupportedOperationError naming the gateway, writes no row', async () => {
    const { shop } = contract;
    const capabilities = capabilitiesOf(adapterOf(contract));
    // Made beforehand, so the row counts around each call see only what the call itself writes.
    const billingKeyId = await storedBillingKeyId(contract);
    const { gateway } = spec;
    const { payments } = shop;
    const receipt = {
      gateway,
      type: 'INCOME_DEDUCTION',
      identityNumber: '01012345678',
      orderName: ORDER_NAME,
    } as const;
    const issueKey = () => payments.issueBillingKey({ gateway, customerKey: 'ct-cust', authKey: 'ct-auth' });
    const chargeKey = () => payments.chargeBillingKey({ billingKeyId, amount: 1_000, orderName: ORDER_NAME });
    const issueReceipt = () => payments.issueCashReceipt({ ...receipt, amount: 1_000, orderId: contract.nextId('cr') });
    const operations = [
      ['issueBillingKey', 'billing', issueKey],
      ['chargeBillingKey', 'billing', chargeKey],
      ['issueCashReceipt', 'cashReceipts', issueReceipt],
    ] as const;
    for (const [name, capability, call] of operations) {
      if (capabilities[capability]) {
        // Offered: the call reaches the gateway (which may refuse the contract's made-up keys), never "unsupported".
        expect([name, await errorOf(call())]).not.toEqual([name, expect.any(UnsupportedOperationError)]);
        continue;
      }
      const before = await rowCounts(shop);
      const error = await errorOf(call());
      expect([name, error]).toEqual([name, expect.any(UnsupportedOperationError)]);
      expect(error).toMatchObject({ code: 'UNSUPPORTED_OPERATION', gateway: spec.gateway });
      expect((error as Error).message).toContain(spec.gateway);
      expect([name, await rowCounts(shop)]).toEqual([name, before]);
    }

    const webhook = await fetch(`${shop.url}/${DEFAULT_WEBHOOK_PATH_PREFIX}/${spec.gateway}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    if (capabilities.webhooks) expect(webhook.status).not.toBe(404);
    else expect(webhook.status).toBe(404);
  });
}

/**
 * A billing key row as the library would have stored it (e.g. while the gateway still offered billing), so a charge
 * gets past the key lookup and meets the capability check.
 */
async function storedBillingKeyId({ spec, shop, nextId }: AppContext): Promise<string> {
  const cipher = shop.app.get(FieldCipher, { strict: false });
  const value = nextId('contract-billing-key-');
  const id = crypto.randomUUID();
  const encrypted = cipher.encrypt(value, `${BILLING_KEY_COLUMN}:${id}`);
  const row = shop.dataSource.manager.create(BillingKey, {
    id,
    gateway: spec.gateway,
    customerKey: 'contract-customer',
    billingKeyCiphertext: encrypted.ciphertext,
    keyId: encrypted.keyId,
    billingKeyHash: cipher.lookupHash(value, BILLING_KEY_COLUMN),
    status: BillingKeyStatus.ACTIVE,
    raw: null,
  });
  return (await shop.dataSource.manager.save(row)).id;
}

/** Payment, billing key and cash receipt rows. */
const rowCounts = ({ dataSource }: ShopApp) =>
  Promise.all([Payment, BillingKey, CashReceipt].map((entity) => dataSource.manager.count(entity)));

/** The payment as the core hands it to an adapter's approve (the buyer's customerKey is all approvals read of it). */
function preparedOf(payment: PaymentView): PreparedPayment {
  const { id: paymentId, gateway, orderId, amount, taxFreeAmount, orderName, gatewayPaymentKey, method } = payment;
  const customer = { customerKey: payment.customerKey ?? undefined };
  return { paymentId, gateway, orderId, amount, taxFreeAmount, orderName, gatewayPaymentKey, method, customer };
}
