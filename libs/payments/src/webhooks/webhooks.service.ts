import { Inject, Injectable, type LoggerService } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BillingKeysService } from '../billing-keys/billing-keys.service';
import { answerDisagrees } from '../domain/approval-outcome';
import type { PaymentsClock } from '../domain/clock';
import { PaymentNotFoundError, PaymentsError } from '../domain/errors';
import { PaymentStatus, WebhookEventStatus } from '../domain/payment-status';
import type { Payment } from '../entities/payment.entity';
import type { ParsedWebhook } from '../gateways/gateway-capabilities';
import { GatewayRegistry } from '../gateways/gateway-registry';
import type { PaymentGateway } from '../gateways/gateway.port';
import { scrubText } from '../gateways/http/scrub';
import { PaymentLedger } from '../ledger/payment-ledger';
import { WebhookSecrets } from '../ledger/webhook-secrets';
import { PaymentsMetrics } from '../operations/payments-metrics';
import { PaymentSyncService } from '../payments/payment-sync.service';
import { PAYMENTS_CLOCK, PAYMENTS_DATA_SOURCE, PAYMENTS_LOGGER } from '../payments.tokens';
import { ReadBackCoalescer } from './read-back-coalescer';
import { SameEventQueue } from './same-event-queue';
import { WebhookInbox } from './webhook-inbox';

/** A delivery that arrived before the state it refers to exists here; answered 5xx so the gateway retries. */
export class WebhookNotReadyError extends PaymentsError {
  constructor(gateway: string, paymentId: string) {
    super('WEBHOOK_NOT_READY', `${gateway} webhook for payment ${paymentId} arrived before its secret was stored`, {
      gateway,
      paymentId,
      retryable: true,
      httpStatus: 503,
    });
  }
}

/**
 * A redelivery of an event another process has claimed and not finished (still processing, or died before its lease
 * ran out). Answered 5xx, never 200: the acknowledgement would stop the gateway's retries, and if that claim never
 * finishes, a retry after its lease is what processes the event.
 */
export class WebhookInFlightError extends PaymentsError {
  constructor(gateway: string, eventType: string) {
    super('WEBHOOK_IN_FLIGHT', `${gateway} webhook ${eventType} is being processed by another delivery`, {
      gateway,
      retryable: true,
      httpStatus: 503,
    });
  }
}

/** Statuses in which a confirm may still bring the payment's webhook secret. */
const CONFIRM_IN_FLIGHT: readonly PaymentStatus[] = [PaymentStatus.IN_PROGRESS, PaymentStatus.UNKNOWN];

export type WebhookOutcome = 'processed' | 'ignored' | 'rejected' | 'duplicate';

interface ProcessResult {
  status: WebhookEventStatus.PROCESSED | WebhookEventStatus.IGNORED | WebhookEventStatus.REJECTED;
  paymentId?: string | null;
  note?: string;
}

/**
 * Processes verified-as-far-as-possible deliveries (the guard ran `parseWebhook`). Stores each in the inbox,
 * establishes authenticity the way the adapter asked (payment secret, or a fresh read-back from the gateway for
 * unsigned events), and hands the gateway truth to the same `apply` step confirm and sync use.
 */
@Injectable()
export class WebhooksService {
  private readonly inbox: WebhookInbox;
  private readonly readBacks = new ReadBackCoalescer();
  private readonly sameEvent = new SameEventQueue();

  constructor(
    @Inject(PAYMENTS_DATA_SOURCE) dataSource: DataSource,
    @Inject(PAYMENTS_CLOCK) clock: PaymentsClock,
    @Inject(PAYMENTS_LOGGER) private readonly logger: LoggerService,
    private readonly gateways: GatewayRegistry,
    private readonly ledger: PaymentLedger,
    private readonly payments: PaymentSyncService,
    private readonly webhookSecrets: WebhookSecrets,
    private readonly billingKeys: BillingKeysService,
    private readonly metrics: PaymentsMetrics,
  ) {
    this.inbox = new WebhookInbox(dataSource, clock);
  }

  async handle(gatewayName: string, parsed: ParsedWebhook, sourceIp?: string): Promise<WebhookOutcome> {
    const count = (outcome: string) => this.metrics.webhooks.inc({ gateway: gatewayName, outcome });
    try {
      const outcome = await this.handleOnce(gatewayName, parsed, sourceIp);
      count(outcome);
      return outcome;
    } catch (error) {
      count(
        error instanceof WebhookNotReadyError
          ? 'not_ready'
          : error instanceof WebhookInFlightError
            ? 'in_flight'
            : 'failed',
      );
      throw error;
    }
  }

  /** A 200 from here means the event is applied (or settled otherwise): a gateway stops retrying on it. */
  private handleOnce(gatewayName: string, parsed: ParsedWebhook, sourceIp?: string): Promise<WebhookOutcome> {
    const gateway = this.gateways.get(gatewayName);
    return this.sameEvent.run(`${gateway.name}\u0000${parsed.dedupeKey}`, () =>
      this.recordAndProcess(gateway, parsed, sourceIp),
    );
  }

  private async recordAndProcess(
    gateway: PaymentGateway,
    parsed: ParsedWebhook,
    sourceIp?: string,
  ): Promise<WebhookOutcome> {
    const entry = await this.inbox.record(gateway.name, parsed, sourceIp);
    if (!entry.shouldProcess) {
      if (entry.settled) return 'duplicate';
      // Deliveries received here run one at a time per event, so the claim is another process's.
      this.logger.warn?.(
        `${gateway.name} webhook ${parsed.eventType} is claimed elsewhere; answered 503 for redelivery`,
      );
      throw new WebhookInFlightError(gateway.name, parsed.eventType);
    }
    try {
      const result = await this.process(gateway, parsed);
      await this.inbox.finish(entry.eventId, result.status, { paymentId: result.paymentId, error: result.note });
      if (result.status === WebhookEventStatus.REJECTED) {
        this.logger.warn?.(`${gateway.name} webhook ${parsed.eventType} rejected: ${result.note ?? ''}`);
        return 'rejected';
      }
      return result.status === WebhookEventStatus.PROCESSED ? 'processed' : 'ignored';
    } catch (error) {
      const message = scrubText(error instanceof Error ? error.message : String(error));
      await this.inbox.finish(entry.eventId, WebhookEventStatus.FAILED, { error: message });
      if (error instanceof WebhookNotReadyError) {
        this.logger.warn?.(`${gateway.name} webhook ${parsed.eventType} arrived early; answered 503 for redelivery`);
        throw error;
      }
      this.logger.error?.(`${gateway.name} webhook ${parsed.eventType} failed (will re-run on redelivery): ${message}`);
      throw error;
    }
  }

  private async process(gateway: PaymentGateway, parsed: ParsedWebhook): Promise<ProcessResult> {
    switch (parsed.verification) {
      case 'read-back':
        return this.applyReadBack(gateway, parsed);
      case 'payment-secret': {
        const payment = await this.findPayment(gateway.name, parsed);
        if (!payment) return { status: WebhookEventStatus.REJECTED, note: 'no payment for this orderId' };
        const secretCheck = await this.webhookSecrets.check(payment.id, parsed.secret);
        if (secretCheck === 'missing') {
          // The callback can overtake the confirm answer that carries the secret (Toss sends DEPOSIT_CALLBACK the
          // moment the account is issued): while that confirm is in flight, fail this attempt so the gateway
          // redelivers once the secret is stored. Any other payment will never have a secret: the delivery is forged
          // or mistaken, and a 5xx would only invite retries.
          if (!CONFIRM_IN_FLIGHT.includes(payment.status)) {
            return {
              status: WebhookEventStatus.REJECTED,
              paymentId: payment.id,
              note: 'payment has no webhook secret',
            };
          }
          throw new WebhookNotReadyError(gateway.name, payment.id);
        }
        if (secretCheck === 'mismatch') {
          return {
            status: WebhookEventStatus.REJECTED,
            paymentId: payment.id,
            note: 'secret does not match the payment',
          };
        }
        return this.applyReadBack(gateway, parsed, payment);
      }
      case 'signature': {
        if (parsed.truth) {
          const payment = await this.findPayment(gateway.name, parsed);
          if (!payment) return { status: WebhookEventStatus.IGNORED, note: 'no payment for this orderId' };
          try {
            const applied = await this.payments.apply(payment.id, this.payments.observed(parsed.truth), 'webhook');
            return { status: WebhookEventStatus.PROCESSED, paymentId: applied.id };
          } catch (error) {
            // Signed by the gateway but not about the payment we hold (another amount, order or payment key; the
            // ledger's own checks). Never applied; kept for audit.
            if (!answerDisagrees(error)) throw error;
            return { status: WebhookEventStatus.REJECTED, paymentId: payment.id, note: (error as Error).message };
          }
        }
        if (parsed.billingKey) {
          const row = await this.billingKeys.markDeletedByValue(gateway.name, parsed.billingKey);
          return row
            ? { status: WebhookEventStatus.PROCESSED }
            : { status: WebhookEventStatus.IGNORED, note: 'unknown billing key' };
        }
        return { status: WebhookEventStatus.IGNORED, note: 'verified event with nothing to apply' };
      }
      case 'failed':
        return { status: WebhookEventStatus.REJECTED, note: 'signature does not verify' };
      case 'none':
      default:
        // Unsigned events that cannot be read back (e.g. Toss BILLING_DELETED) are kept for audit, never acted on:
        // a forged one must not be able to disable a customer's subscription.
        return { status: WebhookEventStatus.IGNORED, note: 'unverifiable event stored for audit' };
    }
  }

  private async applyReadBack(gateway: PaymentGateway, parsed: ParsedWebhook, known?: Payment): Promise<ProcessResult> {
    const payment = known ?? (await this.findPayment(gateway.name, parsed));
    if (!payment) return { status: WebhookEventStatus.IGNORED, note: 'no payment for this delivery' };
    // However many deliveries name this payment at once, one read-back at a time serves them.
    return this.readBacks.run(payment.id, () => this.readBackAndApply(gateway, parsed, payment));
  }

  private async readBackAndApply(
    gateway: PaymentGateway,
    parsed: ParsedWebhook,
    payment: Payment,
  ): Promise<ProcessResult> {
    // Unsigned body: trust only what the gateway tells us on a call we authenticate.
    let truth;
    try {
      truth = await this.payments.readAtGateway(gateway, {
        paymentKey: payment.gatewayPaymentKey ?? payment.attemptPaymentKey ?? parsed.paymentKey ?? null,
        orderId: payment.orderId,
        amount: payment.amount,
        customerKey: payment.customerKey,
      });
    } catch (error) {
      // The gateway has no such payment: the delivery named something that does not exist (forged or mistaken).
      if (error instanceof PaymentNotFoundError) {
        return { status: WebhookEventStatus.REJECTED, paymentId: payment.id, note: 'read-back: no such payment' };
      }
      // The gateway refused the lookup the delivery's fields led to (e.g. a key that does not fit the order): a
      // definitive 4xx is about the delivery, not an outage, so it is rejected rather than retried as a 500.
      if (readBackRefused(error)) {
        return { status: WebhookEventStatus.REJECTED, paymentId: payment.id, note: `read-back refused: ${error.code}` };
      }
      throw error;
    }
    try {
      // Stamped when the read left: one that loses the row-lock race to a later-sent one cannot move the payment back.
      // `known`: the row as this delivery read it; applied in one guarded statement unless it was written since.
      const applied = await this.payments.apply(payment.id, truth, 'webhook', { known: payment });
      return { status: WebhookEventStatus.PROCESSED, paymentId: applied.id };
    } catch (error) {
      // The read-back is about another order, amount or key than the payment the delivery named: never applied.
      if (!answerDisagrees(error)) throw error;
      return { status: WebhookEventStatus.REJECTED, paymentId: payment.id, note: (error as Error).message };
    }
  }

  private async findPayment(gateway: string, parsed: ParsedWebhook): Promise<Payment | null> {
    try {
      if (parsed.orderId) return await this.ledger.findByOrderId(gateway, parsed.orderId);
    } catch (error) {
      if (!(error instanceof PaymentNotFoundError)) throw error;
    }
    if (parsed.paymentKey) {
      return this.ledger.findByGatewayKey(gateway, parsed.paymentKey);
    }
    return null;
  }
}

function readBackRefused(error: unknown): error is PaymentsError {
  return error instanceof PaymentsError && !error.retryable && error.httpStatus < 500;
}
