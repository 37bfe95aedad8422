import type { LoggerService } from '@nestjs/common';
import { InvalidInputError } from '../../domain/errors';
import { assertKrwAmount, assertNonNegativeKrw } from '../../domain/money';
import type { CancelRequest, CancelResult, PaymentLookup, PreparedPayment, RefundAccount } from '../gateway.port';
import type { GatewayClock } from '../payment-gateway-module';
import { findOurCancel, kispgAnsweredCancelKey } from './kispg.cancel-data';
import type { KispgCallResult, KispgClient } from './kispg.client';
import { formatKispgEdiDate, parseKispgDateTime } from './kispg.crypto';
import { kispgErrorFromResult, kispgMalformed } from './kispg.errors';
import { assertKispgText, KISPG_TID_PATTERN, kispgMethodOf, stringOf } from './kispg.fields';
import {
  cancelStatusFor,
  kispgCancelBody,
  kispgCancelTruth,
  kispgTruthOf,
  type KispgOrderReadBack,
} from './kispg.mapping';
import type { KispgResult, ResolvedKispgOptions } from './kispg.types';

/*
 * The cancel flow of the KISPG adapter (docs/gateways/kispg.md#cancel): check the request, find the payMethod KISPG
 * needs, send the cancel, accept only a success answer about our tid and order, then read the payment back and
 * settle which cancel is ours. Wire shapes are mapped in kispg.mapping.ts.
 */

/** What the cancel flow uses of the gateway. */
export interface KispgCancelContext {
  client: KispgClient;
  options: ResolvedKispgOptions;
  clock: GatewayClock;
  logger?: LoggerService;
  /** The gateway's /v2/order read (its checks and warnings included). */
  readOrder(lookup: PaymentLookup): Promise<KispgOrderReadBack>;
}

/** A cancel as the flow sends it, after the request's own checks. */
interface CancelOrder {
  prepared: PreparedPayment;
  tid: string;
  amount: number;
  /** partCanFlg 0: everything still cancelable; 1: part of it. */
  whole: boolean;
  reason: string;
  refundAccount?: RefundAccount;
}

/** A cancel KISPG answered with a success code, and when we sent it (to tell our entry from older ones). */
interface SentCancel {
  result: KispgCallResult;
  sentAt: Date;
}

/**
 * Full (partCanFlg 0) or partial (1) cancel (docs/gateways/kispg.md#cancel). A cancel answer carries no balance, so
 * the payment is read back from /v2/order and its balance checked against ours (balanceBefore − amount).
 */
export async function cancelKispgPayment(context: KispgCancelContext, request: CancelRequest): Promise<CancelResult> {
  const amount = assertKrwAmount(request.amount, 'amount');
  const balanceBefore = assertNonNegativeKrw(request.balanceBefore, 'balanceBefore');
  if (amount > balanceBefore)
    throw new InvalidInputError('amount', `must not exceed the remaining balance ${balanceBefore}`);
  const reason = assertKispgText(request.reason, 'reason', { maxBytes: 100 });
  const tid = request.paymentKey;
  if (typeof tid !== 'string' || !KISPG_TID_PATTERN.test(tid)) {
    throw new InvalidInputError('paymentKey', 'must be the KISPG tid (1-30 letters/digits)');
  }
  const order: CancelOrder = {
    prepared: request.prepared,
    tid,
    amount,
    whole: request.isFull && amount === balanceBefore,
    reason,
    refundAccount: request.refundAccount,
  };
  const sent = await sendCancel(context, order);
  return settleCancel(context, order, balanceBefore, sent);
}

/** Sends the cancel and accepts only a success answer about our tid and order (anything unreadable: unknown). */
async function sendCancel(context: KispgCancelContext, order: CancelOrder): Promise<SentCancel> {
  const prepared = order.prepared;
  let payMethod = kispgMethodOf(prepared.method);
  if (!payMethod) {
    // The row does not know its method yet (an old row, or a method KISPG never reported): ask KISPG.
    const current = await context.readOrder({
      paymentKey: order.tid,
      orderId: prepared.orderId,
      amount: prepared.amount,
    });
    payMethod = kispgMethodOf(current.truth.method);
  }
  if (!payMethod)
    throw new InvalidInputError('method', 'the payment method is unknown; KISPG cancels must name payMethod');
  // A virtual account's money goes back by transfer: KISPG needs the account to send it to.
  if (!order.refundAccount && payMethod === 'VACNT') {
    throw new InvalidInputError('refundAccount', 'is required to cancel a deposited virtual account');
  }
  const sentAt = context.clock.now();
  const body = kispgCancelBody(
    context.options,
    { ...order, payMethod, orderNo: prepared.orderId },
    formatKispgEdiDate(sentAt),
  );

  const result = await context.client.cancel(body);
  const resultCd = stringOf(result.body.resultCd);
  // No result code: the cancel may have been applied; unknown, never a failed cancel.
  if (!resultCd) throw kispgMalformed('cancel', 'no resultCd');
  if (!context.options.cancelSuccessCodes.includes(resultCd)) {
    throw kispgErrorFromResult(resultCd, stringOf(result.body.resultMsg), {
      operation: 'cancel',
      reference: prepared.orderId,
      categories: context.options.resultCodeCategories,
    });
  }
  // A success answer about another transaction proves nothing about ours.
  const answeredTid = stringOf(result.body.tid);
  if (answeredTid !== undefined && answeredTid !== '' && answeredTid !== order.tid) {
    throw kispgMalformed('cancel', 'tid differs from the cancelled tid');
  }
  const answeredOrderNo = stringOf(result.body.ordNo);
  if (answeredOrderNo !== undefined && answeredOrderNo !== '' && answeredOrderNo !== prepared.orderId) {
    throw kispgMalformed('cancel', 'ordNo differs from the cancelled order');
  }
  return { result, sentAt };
}

/**
 * After a successful cancel answer: read the payment back and pick the cancel we just made. The success code is
 * final (only KISPG's success codes are stable), so when the read-back fails or lags, the truth is built from our
 * own arithmetic rather than turning a done refund into an unknown one.
 */
async function settleCancel(
  context: KispgCancelContext,
  order: CancelOrder,
  balanceBefore: number,
  sent: SentCancel,
): Promise<CancelResult> {
  const { prepared, tid, amount, reason } = order;
  const expectedBalance = balanceBefore - amount;
  const answer = sent.result.body;
  const answeredAt = parseKispgDateTime(answer.appDtm) ?? context.clock.now();
  const readBack = await readBackAfterCancel(context, order, answer, expectedBalance);
  const answeredKey = kispgAnsweredCancelKey(tid, answer, amount, balanceBefore);

  if (readBack === null) {
    const payment = kispgTruthOf(sent.result, {
      tid,
      orderId: prepared.orderId,
      totalAmount: prepared.amount,
      balanceAmount: expectedBalance,
      status: cancelStatusFor(prepared.amount, expectedBalance),
      payMethod: kispgMethodOf(prepared.method),
      cancels: [],
    });
    return { payment, cancel: kispgCancelTruth(answeredKey, amount, answeredAt, reason) };
  }

  let payment = readBack.truth;
  if (payment.balanceAmount !== expectedBalance) {
    // Below: someone else cancelled too (admin console); above: the read-back does not show our cancel yet (or its
    // cancelData cannot be read). Either way the ledger reconciles by amounts; say so.
    context.logger?.warn?.(
      `kispg: after cancelling ${amount} of ${prepared.orderId}, /v2/order reports balance ${payment.balanceAmount}; expected ${expectedBalance}`,
      'KispgGateway',
    );
  }
  // A read-back above our balance does not list our cancel yet: a cancel of the same amount in it is an older one,
  // so ours keeps the key derived from its answer.
  const showsOurCancel = payment.balanceAmount <= expectedBalance;
  if (!showsOurCancel) {
    payment = {
      ...payment,
      balanceAmount: expectedBalance,
      status: cancelStatusFor(payment.totalAmount, expectedBalance),
    };
  }
  const ours = showsOurCancel ? findOurCancel(readBack.cancels, amount, answer, sent.sentAt) : undefined;
  const cancel = ours
    ? kispgCancelTruth(ours.transactionKey, amount, ours.canceledAt ?? answeredAt, reason)
    : { ...kispgCancelTruth(answeredKey, amount, answeredAt, reason), provisional: true };
  return { payment, cancel };
}

/** The /v2/order read-back after a successful cancel, or null (logged) when it failed. */
async function readBackAfterCancel(
  context: KispgCancelContext,
  order: CancelOrder,
  answer: KispgResult,
  expectedBalance: number,
): Promise<KispgOrderReadBack | null> {
  const { prepared, tid } = order;
  try {
    return await context.readOrder({ paymentKey: tid, orderId: prepared.orderId, amount: prepared.amount });
  } catch (error) {
    context.logger?.warn?.(
      `kispg: cancel of ${prepared.orderId} succeeded (${stringOf(answer.resultCd)}) but the /v2/order read-back failed: ${
        error instanceof Error ? error.message : String(error)
      }; using our balance ${expectedBalance}`,
      'KispgGateway',
    );
    return null;
  }
}
