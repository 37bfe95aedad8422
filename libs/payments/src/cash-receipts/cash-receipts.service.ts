import { Injectable } from '@nestjs/common';
import { answerDisagrees } from '../domain/approval-outcome';
import {
  AmountMismatchError,
  GatewayUnavailableError,
  InvalidInputError,
  InvalidPaymentStateError,
  PaymentsError,
} from '../domain/errors';
import { idempotencyKeys } from '../domain/ids';
import { CashReceiptStatus } from '../domain/payment-status';
import { validateDto } from '../domain/validation';
import type { CashReceipt } from '../entities/cash-receipt.entity';
import { requireCapability } from '../gateways/gateway-capabilities';
import { GatewayRegistry } from '../gateways/gateway-registry';
import { PaymentLedger } from '../ledger/payment-ledger';
import { IssueCashReceiptDto } from '../payments.dto';
import { CashReceiptStore } from './cash-receipt.store';

interface ReceiptSubject {
  gateway: string;
  orderId: string;
  orderName: string;
  amount: number;
  paymentKey: string | null;
  paymentId: string | null;
}

/** Standalone cash receipts (현금영수증): for one of our payments, or for cash taken elsewhere. */
@Injectable()
export class CashReceiptsService {
  constructor(
    private readonly store: CashReceiptStore,
    private readonly gateways: GatewayRegistry,
    private readonly ledger: PaymentLedger,
  ) {}

  async issue(input: IssueCashReceiptDto): Promise<CashReceipt> {
    const dto = validateDto(IssueCashReceiptDto, input);
    const subject = await this.subjectOf(dto);
    // Refused before anything is written (e.g. KISPG issues receipts only through its checkout fields).
    const gateway = requireCapability(this.gateways.get(subject.gateway), 'cashReceipts', 'issueCashReceipt');
    const taxFreeAmount = dto.taxFreeAmount ?? 0;
    if (taxFreeAmount > subject.amount) throw new InvalidInputError('taxFreeAmount', 'must not exceed amount');
    const receipt = await this.store.insertPending({
      ...subject,
      gateway: gateway.name,
      taxFreeAmount,
      type: dto.type,
      identityNumber: dto.identityNumber,
    });
    try {
      const truth = await gateway.issueCashReceipt({
        receiptId: receipt.id,
        orderId: subject.orderId,
        orderName: subject.orderName,
        amount: subject.amount,
        taxFreeAmount,
        type: dto.type,
        identityNumber: dto.identityNumber,
        paymentKey: subject.paymentKey,
        idempotencyKey: idempotencyKeys.cashReceiptIssue(receipt.id),
      });
      // The answer must be for the amount we asked; otherwise whether ours was issued is unknown. (Its orderId may be
      // one the adapter derived; each adapter checks the answer against what it sent.)
      if (truth.amount !== subject.amount)
        throw new AmountMismatchError(subject.amount, truth.amount, { gateway: gateway.name });
      await this.store.markIssued(receipt.id, truth);
    } catch (error) {
      // Refused by the adapter before anything was sent: bad input changes nothing (and the orderId stays free for a
      // corrected retry); a gateway's refusal is kept as FAILED for the record.
      if (error instanceof InvalidInputError || (error instanceof GatewayUnavailableError && !error.requestSent)) {
        await this.store.deletePending(receipt.id);
        throw error;
      }
      const unknown = (error instanceof GatewayUnavailableError && error.requestSent) || answerDisagrees(error);
      const code = error instanceof PaymentsError ? (error.gatewayCode ?? error.code) : 'ERROR';
      await this.store.markIssueFailed(
        receipt.id,
        unknown ? 'UNKNOWN' : 'FAILED',
        code,
        error instanceof Error ? error.message : 'error',
      );
      throw error;
    }
    return this.store.get(receipt.id);
  }

  async cancel(receiptId: string, reason = 'canceled by merchant'): Promise<CashReceipt> {
    const receipt = await this.store.get(receiptId);
    if (receipt.status === CashReceiptStatus.CANCELED) return receipt;
    if (receipt.status !== CashReceiptStatus.ISSUED || !receipt.receiptKey) {
      throw new InvalidPaymentStateError(receiptId, receipt.status, 'cancel cash receipt');
    }
    const gateway = requireCapability(this.gateways.get(receipt.gateway), 'cashReceipts', 'cancelCashReceipt');
    const truth = await gateway.cancelCashReceipt({
      receiptKey: receipt.receiptKey,
      orderId: receipt.orderId,
      reason,
      idempotencyKey: idempotencyKeys.cashReceiptCancel(receipt.id),
    });
    await this.store.markCanceled(receipt.id, truth);
    return this.store.get(receiptId);
  }

  async get(receiptId: string): Promise<CashReceipt> {
    return this.store.get(receiptId);
  }

  /** What the receipt is for: one of our payments (its amount left), or the order the caller names. */
  private async subjectOf(dto: IssueCashReceiptDto): Promise<ReceiptSubject> {
    if (dto.paymentId) {
      const payment = await this.ledger.findById(dto.paymentId);
      return {
        gateway: payment.gateway,
        orderId: dto.orderId ?? payment.orderId,
        orderName: dto.orderName ?? payment.orderName,
        amount: dto.amount ?? payment.amount - payment.canceledAmount,
        paymentKey: payment.gatewayPaymentKey,
        paymentId: payment.id,
      };
    }
    if (!dto.gateway) throw new InvalidInputError('gateway', 'required when paymentId is not given');
    if (!dto.amount) throw new InvalidInputError('amount', 'required when paymentId is not given');
    if (!dto.orderId) throw new InvalidInputError('orderId', 'required when paymentId is not given');
    if (!dto.orderName) throw new InvalidInputError('orderName', 'required when paymentId is not given');
    return {
      gateway: dto.gateway,
      orderId: dto.orderId,
      orderName: dto.orderName,
      amount: dto.amount,
      paymentKey: null,
      paymentId: null,
    };
  }
}
