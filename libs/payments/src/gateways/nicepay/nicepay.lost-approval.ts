import type { LoggerService } from '@nestjs/common';
import {
  GatewayDeclinedError,
  GatewayRequestError,
  PaymentNotFoundError,
  type PaymentsError,
} from '../../domain/errors';
import { assertAnswerIsFor } from '../gateway-answers';
import type { UnknownApprovalRequest, UnknownApprovalResolution } from '../gateway-capabilities';
import type { GatewayPaymentTruth, PreparedPayment } from '../gateway.port';
import type { GatewayClock } from '../payment-gateway-module';
import type { NicePayClient, NicePayResult } from './nicepay.client';
import { nicePayKstDate } from './nicepay.crypto';
import { assertOrderId, TID_PATTERN } from './nicepay.fields';
import { verifiedPaymentTruth } from './nicepay.mapping';
import type { NicePayPayment, ResolvedNicePayOptions } from './nicepay.types';
import { NICEPAY_NET_CANCEL_WINDOW_MS } from './nicepay.types';

export interface NicePayLostApprovalDependencies {
  client: NicePayClient;
  clock: GatewayClock;
  logger?: LoggerService;
}

/**
 * Approvals and billing charges whose answer was lost (docs/gateways/nicepay.md#lost-approvals): NicePay's own rule
 * is a net-cancel within the hour; `unknownApprovalPolicy: 'query-first'` looks the payment up instead. Every answer
 * read here is verified like any other payment answer.
 */
export class NicePayLostApprovals {
  constructor(
    private readonly options: Pick<ResolvedNicePayOptions, 'secretKey' | 'unknownApprovalPolicy'>,
    private readonly dependencies: NicePayLostApprovalDependencies,
  ) {}

  /**
   * - policy 'netcancel' and less than 1 hour since the approval was sent: POST /v1/payments/netcancel by orderId.
   *   NicePay having no such order means it never approved: the truth is READY. A refusal (2020 window passed,
   *   already cancelled ...) falls back to a query.
   * - otherwise, or policy 'query-first': query by orderId (by tid when the order lookup does not know it, as for a
   *   declined billing charge) and return what NicePay shows; never net-cancel automatically.
   */
  async resolve(request: UnknownApprovalRequest): Promise<UnknownApprovalResolution> {
    const elapsedMs = this.dependencies.clock.now().getTime() - request.approvalSentAt.getTime();
    if (this.options.unknownApprovalPolicy === 'netcancel' && elapsedMs < NICEPAY_NET_CANCEL_WINDOW_MS) {
      try {
        return { action: 'net-cancel', truth: await this.netCancel(request.prepared) };
      } catch (error) {
        if (error instanceof PaymentNotFoundError) {
          return { action: 'net-cancel', truth: notApprovedTruth(request, error) };
        }
        if (!(error instanceof GatewayDeclinedError) && !(error instanceof GatewayRequestError)) throw error;
        this.dependencies.logger?.warn?.(
          `nicepay: net-cancel of order ${request.prepared.orderId} refused (${error.gatewayCode ?? error.code}); querying instead`,
          'NicePayGateway',
        );
      }
    }
    return { action: 'query', truth: await this.query(request) };
  }

  private async query(request: UnknownApprovalRequest): Promise<GatewayPaymentTruth> {
    const { client } = this.dependencies;
    try {
      const result = await client.getPaymentByOrderId(request.prepared.orderId, nicePayKstDate(request.approvalSentAt));
      return this.verifiedTruth(result, 'getPaymentByOrderId');
    } catch (error) {
      if (!(error instanceof PaymentNotFoundError)) throw error;
      if (!request.paymentKey || !TID_PATTERN.test(request.paymentKey)) return notApprovedTruth(request, error);
      let byTid: GatewayPaymentTruth;
      try {
        byTid = this.verifiedTruth(await client.getPaymentByTid(request.paymentKey), 'getPayment');
      } catch (byTidError) {
        if (!(byTidError instanceof PaymentNotFoundError)) throw byTidError;
        return notApprovedTruth(request, byTidError);
      }
      // NicePay holds nothing under our orderId and the tid is another order's payment (a key handed over with a
      // forged return): nothing was approved for this order, and that key is not one to keep.
      return byTid.orderId === request.prepared.orderId ? byTid : notApprovedTruth(request, error, '');
    }
  }

  /** POST /v1/payments/netcancel keyed by orderId; the answer is the (cancelled) payment object. */
  private async netCancel(prepared: PreparedPayment): Promise<GatewayPaymentTruth> {
    assertOrderId(prepared.orderId, 'orderId');
    const result = await this.dependencies.client.netCancel({ orderId: prepared.orderId });
    const truth = this.verifiedTruth(result, 'netCancel');
    assertAnswerIsFor('nicepay', truth, { orderId: prepared.orderId, amount: prepared.amount });
    return truth;
  }

  private verifiedTruth(result: NicePayResult<NicePayPayment>, operation: string): GatewayPaymentTruth {
    return verifiedPaymentTruth(result, operation, this.options.secretKey, this.dependencies.logger);
  }
}

/** The truth for "NicePay has no approval for this order": READY, nothing was approved. */
export function notApprovedTruth(
  request: UnknownApprovalRequest,
  error: PaymentsError,
  paymentKey = request.paymentKey ?? '',
): GatewayPaymentTruth {
  return {
    gateway: 'nicepay',
    paymentKey,
    orderId: request.prepared.orderId,
    status: 'READY',
    totalAmount: request.prepared.amount,
    balanceAmount: request.prepared.amount,
    method: null,
    cancels: [],
    failure: null,
    raw: { resultCode: error.gatewayCode ?? null, note: 'NicePay has no approval for this order' },
  };
}
