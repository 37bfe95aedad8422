import { Inject, Injectable } from '@nestjs/common';
import type { PaymentsClock } from '../domain/clock';
import {
  AmountMismatchError,
  GatewayUnavailableError,
  InvalidInputError,
  PaymentAlreadyFinalError,
  PaymentInProgressError,
  PaymentNetCanceledError,
  PaymentOutcomeUnknownError,
  PaymentsError,
} from '../domain/errors';
import { idempotencyKeys, newOrderId } from '../domain/ids';
import { PAYMENT_TRANSITIONS, PaymentStatus } from '../domain/payment-status';
import { assertStorableInput, validateDto } from '../domain/validation';
import { Payment } from '../entities/payment.entity';
import { requireCapability } from '../gateways/gateway-capabilities';
import { GatewayRegistry } from '../gateways/gateway-registry';
import type { CheckoutParams, ConfirmInput, PaymentGateway } from '../gateways/gateway.port';
import { ApprovalRecovery } from '../jobs/approval-recovery';
import { PaymentLedger } from '../ledger/payment-ledger';
import { PAYMENTS_CLOCK } from '../payments.tokens';
import { ConfirmDto, PrepareDto } from '../payments.dto';
import { ApprovalRunner } from './approval-runner';
import { newReadyPayment, toPrepared } from './payment-rows';
import { PaymentSyncService } from './payment-sync.service';

/** How `confirm` answers when it sent nothing because the payment is not READY. */
export interface ConfirmOptions {
  /**
   * Another confirm's approval is still in flight (IN_PROGRESS) or its answer was lost (UNKNOWN): 'return' (default)
   * answers the payment as it stands; 'throw' throws `PaymentInProgressError` (409) or `PaymentOutcomeUnknownError`
   * (503), both retryable, so an HTTP API answers them without looking at the status.
   */
  onPending?: 'return' | 'throw';
}

export interface PrepareResult {
  payment: Payment;
  checkout: CheckoutParams;
}

/**
 * One-time payments from the buyer's side: prepare (a READY row and what the front end hands the gateway), then
 * confirm with what the browser brought back. Exactly one of any number of concurrent confirms reaches the gateway.
 */
@Injectable()
export class CheckoutService {
  constructor(
    private readonly ledger: PaymentLedger,
    private readonly gateways: GatewayRegistry,
    private readonly sync: PaymentSyncService,
    private readonly approvals: ApprovalRunner,
    private readonly recovery: ApprovalRecovery,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
  ) {}

  /** Stores a READY payment and returns what the front end hands to the gateway's window / SDK / form. */
  async prepare(input: PrepareDto): Promise<PrepareResult> {
    const dto = validateDto(PrepareDto, input);
    const gateway = this.gateways.get(dto.gateway);
    const taxFreeAmount = dto.taxFreeAmount ?? 0;
    if (taxFreeAmount > dto.amount) throw new InvalidInputError('taxFreeAmount', 'must not exceed amount');
    const payment = newReadyPayment({
      gateway: gateway.name,
      orderId: dto.orderId ?? newOrderId(),
      type: 'NORMAL',
      method: dto.method ?? null,
      amount: dto.amount,
      taxFreeAmount,
      orderName: dto.orderName,
      customer: dto.customer,
      metadata: dto.metadata,
    });
    await this.ledger.insertReady(payment);

    let checkout: CheckoutParams;
    try {
      checkout = await gateway.prepare({
        paymentId: payment.id,
        orderId: payment.orderId,
        amount: payment.amount,
        taxFreeAmount,
        orderName: payment.orderName,
        method: dto.method,
        customer: dto.customer,
        returnUrl: dto.returnUrl,
        failUrl: dto.failUrl,
        extra: dto.extra,
      });
    } catch (error) {
      await this.undoPrepare(payment, error);
      throw error;
    }
    const { truth, ...browserCheckout } = checkout;
    if (truth) {
      // The gateway already created the payment (server-issued virtual account): apply it like any other truth.
      return { payment: await this.sync.apply(payment.id, truth, 'confirm'), checkout: browserCheckout };
    }
    if (checkout.paymentKey) {
      await this.ledger.attachGatewayKey(payment.id, checkout.paymentKey);
      payment.gatewayPaymentKey = checkout.paymentKey;
    }
    return { payment, checkout: browserCheckout };
  }

  /**
   * Approves a prepared payment with what the browser brought back. Checks amount/orderId (and the gateway's
   * signatures) before any call; exactly one of any number of concurrent confirms reaches the gateway, the others
   * get the current state. A lost answer leaves the payment UNKNOWN and throws `PaymentOutcomeUnknownError`.
   */
  async confirm(input: ConfirmDto, options: ConfirmOptions = {}): Promise<Payment> {
    const onPending = options.onPending ?? 'return';
    if (onPending !== 'return' && onPending !== 'throw') {
      throw new InvalidInputError('onPending', "must be 'return' or 'throw'");
    }
    const dto = validateDto(ConfirmDto, input);
    const gateway = this.gateways.get(dto.gateway);
    const payment = await this.ledger.findByOrderId(gateway.name, dto.orderId);
    if (dto.amount !== payment.amount) {
      throw new AmountMismatchError(payment.amount, dto.amount, { paymentId: payment.id, gateway: gateway.name });
    }
    const prepared = toPrepared(payment);
    const confirmInput: ConfirmInput = {
      orderId: dto.orderId,
      amount: dto.amount,
      paymentKey: dto.paymentKey,
      authResult: dto.authResult,
      payToken: dto.payToken,
    };
    gateway.verifyConfirmInput(prepared, confirmInput);

    const attemptKey = dto.paymentKey ?? dto.payToken ?? null;
    const claimed = await this.claimApproval(payment, gateway, attemptKey);
    if (claimed.answer) return answerWithoutApproval(claimed.answer, onPending);
    const idempotencyKey = idempotencyKeys.confirm(payment.id, attemptOf(confirmInput));
    // The claimed copy is the row as our compare-and-set left it (version included): the answer is applied with one
    // UPDATE guarded by that version, or by the locked path if anyone wrote the row in between.
    return this.approvals.run(
      claimed.payment,
      gateway,
      'confirm',
      () => gateway.approve({ prepared, input: confirmInput, idempotencyKey }),
      undefined,
      claimed.payment,
    );
  }

  /**
   * Confirms from what a payment window POSTed to the merchant's returnUrl (NicePay, KISPG), in the gateway's own
   * field names. The gateway maps the body (orderId, amount, its signature fields) and `confirm` checks it against
   * the prepared payment as usual. Redirect-form returnUrl routes lose session cookies (SameSite), so everything
   * needed is in the body: this route can be stateless.
   */
  async confirmReturn(
    gatewayName: string,
    body: Record<string, unknown>,
    options: ConfirmOptions = {},
  ): Promise<Payment> {
    const gateway = requireCapability(this.gateways.get(gatewayName), 'returnUrl', 'confirmReturn');
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new InvalidInputError('body', 'must be the returnUrl POST fields');
    }
    assertStorableInput(body, 'body');
    const input = gateway.confirmInputFromReturn(body);
    return this.confirm(
      {
        gateway: gateway.name,
        orderId: input.orderId,
        amount: input.amount,
        paymentKey: input.paymentKey,
        payToken: input.payToken,
        authResult: input.authResult,
      },
      options,
    );
  }

  /**
   * The compare-and-set that lets exactly one confirm call the gateway. `payment` when this caller won (the row is
   * now IN_PROGRESS with this attempt's key), otherwise `answer`: the payment as it stands (confirmed, in flight,
   * finished, or still unknown).
   */
  private async claimApproval(
    found: Payment,
    gateway: PaymentGateway,
    attemptKey: string | null,
  ): Promise<{ payment: Payment; answer?: undefined } | { answer: Payment }> {
    let payment = found;
    const lost =
      payment.status === PaymentStatus.UNKNOWN ||
      (payment.status === PaymentStatus.IN_PROGRESS && this.recovery.isStuck(payment, gateway));
    if (lost) {
      // A retry after a lost answer (or a call that never finished): learn what the gateway did before sending again.
      payment = await this.recovery.recover(payment.id);
      // Still unknown: only the same attempt may be sent again (its idempotency key makes the gateway replay it);
      // another key could approve a second payment while the first may still be processed.
      if (payment.status === PaymentStatus.UNKNOWN && payment.attemptPaymentKey === attemptKey) {
        return this.compareAndSet(payment, [PaymentStatus.UNKNOWN], attemptKey);
      }
    }
    if (payment.status !== PaymentStatus.READY) return { answer: payment };
    return this.compareAndSet(payment, [PaymentStatus.READY], attemptKey);
  }

  private async compareAndSet(
    payment: Payment,
    from: PaymentStatus[],
    attemptKey: string | null,
  ): Promise<{ payment: Payment } | { answer: Payment }> {
    // The key the browser brought stays an attempt until the gateway accepts it: a forged one never becomes ours.
    const approvalSentAt = this.clock.now();
    const won = await this.ledger.compareAndSetStatus(payment.id, from, PaymentStatus.IN_PROGRESS, {
      attemptPaymentKey: attemptKey,
      approvalSentAt,
    });
    if (!won) return { answer: await this.ledger.findById(payment.id) };
    return {
      payment: Object.assign(new Payment(), payment, {
        status: PaymentStatus.IN_PROGRESS,
        attemptPaymentKey: attemptKey,
        approvalSentAt,
        // Exactly one write since `payment` was read — ours — if the version is now this; apply checks it.
        version: payment.version + 1,
      }),
    };
  }

  /**
   * `prepare` failed after the row was written. A validation error from the adapter (nothing reached the gateway)
   * removes the row — bad input changes nothing; a gateway error keeps it as FAILED for the record.
   */
  private async undoPrepare(payment: Payment, error: unknown): Promise<void> {
    const nothingSent =
      error instanceof InvalidInputError ||
      (error instanceof PaymentsError && error.code === 'UNSUPPORTED_OPERATION') ||
      (error instanceof GatewayUnavailableError && !error.requestSent);
    if (nothingSent) {
      await this.ledger.deleteReady(payment.id);
      return;
    }
    const code = error instanceof PaymentsError ? (error.gatewayCode ?? error.code) : 'PREPARE_FAILED';
    const message = error instanceof Error ? error.message : String(error);
    await this.ledger.recordFailure(payment.id, [PaymentStatus.READY], PaymentStatus.FAILED, code, message);
  }
}

/** What identifies one approval attempt: what the browser brought back (its key, or the signed return fields). */
function attemptOf(input: ConfirmInput): unknown {
  return { paymentKey: input.paymentKey, payToken: input.payToken, authResult: input.authResult };
}

/**
 * What a confirm that sent nothing answers. An approved payment (PAID, a virtual account waiting, partly refunded) is
 * the idempotent answer of a retried confirm. A payment that ended unpaid is an error: answering it with a success
 * status would tell the buyer's client the order went through. The net-canceled one repeats its first answer.
 */
function answerWithoutApproval(payment: Payment, onPending: 'return' | 'throw'): Payment {
  const details = { gateway: payment.gateway };
  if (PAYMENT_TRANSITIONS[payment.status].length === 0) {
    if (payment.status === PaymentStatus.CANCELED && payment.failureCode === 'NET_CANCELED') {
      throw new PaymentNetCanceledError(payment.id, payment.gateway);
    }
    throw new PaymentAlreadyFinalError(payment.id, payment.status, payment.failureCode, details);
  }
  if (onPending === 'throw' && payment.status === PaymentStatus.IN_PROGRESS) {
    throw new PaymentInProgressError(payment.id, details);
  }
  if (onPending === 'throw' && payment.status === PaymentStatus.UNKNOWN) {
    throw new PaymentOutcomeUnknownError(payment.id, payment.gateway, payment.failureCode ?? 'OUTCOME_UNKNOWN');
  }
  return payment;
}
