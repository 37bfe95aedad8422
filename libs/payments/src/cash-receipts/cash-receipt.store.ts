import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { FieldCipher } from '../crypto/field-cipher';
import { IDENTITY_NUMBER_FIELD, sealRowValue } from '../crypto/row-binding';
import type { PaymentsClock } from '../domain/clock';
import { DuplicateOrderError, NotFoundError } from '../domain/errors';
import { newId } from '../domain/ids';
import { CashReceiptStatus } from '../domain/payment-status';
import { CashReceipt } from '../entities/cash-receipt.entity';
import type { CashReceiptTruth, CashReceiptType } from '../gateways/gateway-capabilities';
import { isUniqueViolation } from '../ledger/payment-ledger';
import { PAYMENTS_CLOCK, PAYMENTS_DATA_SOURCE } from '../payments.tokens';

export interface NewCashReceipt {
  gateway: string;
  paymentId: string | null;
  orderId: string;
  orderName: string;
  amount: number;
  taxFreeAmount: number;
  type: CashReceiptType;
  identityNumber: string;
}

/**
 * The `cash_receipts` table. Identity numbers (phone, business number ...) are stored only encrypted, bound to their
 * row (crypto/row-binding.ts). The library never decrypts them: they are sent to the gateway from the caller's input
 * and kept for the merchant's records.
 */
@Injectable()
export class CashReceiptStore {
  constructor(
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly cipher: FieldCipher,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
  ) {}

  /** Inserts a PENDING receipt before the gateway is called; one receipt per (gateway, orderId). */
  async insertPending(input: NewCashReceipt): Promise<CashReceipt> {
    const id = newId();
    const encrypted = sealRowValue(this.cipher, IDENTITY_NUMBER_FIELD, id, input.identityNumber);
    const receipt = this.dataSource.manager.create(CashReceipt, {
      id,
      gateway: input.gateway,
      paymentId: input.paymentId,
      orderId: input.orderId,
      orderName: input.orderName,
      amount: input.amount,
      taxFreeAmount: input.taxFreeAmount,
      type: input.type,
      identityNumberCiphertext: encrypted.ciphertext,
      keyId: encrypted.keyId,
      identityNumberHash: this.cipher.lookupHash(input.identityNumber, IDENTITY_NUMBER_FIELD.name),
      receiptKey: null,
      cancelReceiptKey: null,
      issueNumber: null,
      status: CashReceiptStatus.PENDING,
      receiptUrl: null,
      failureCode: null,
      failureMessage: null,
      issuedAt: null,
      canceledAt: null,
      raw: null,
    });
    try {
      await this.dataSource.manager.insert(CashReceipt, receipt as never);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateOrderError(input.gateway, input.orderId, { field: 'orderId' });
      throw error;
    }
    return receipt;
  }

  async markIssued(receiptId: string, truth: CashReceiptTruth): Promise<void> {
    await this.dataSource.manager.update(
      CashReceipt,
      { id: receiptId },
      {
        receiptKey: truth.receiptKey,
        issueNumber: truth.issueNumber ?? null,
        status: truth.status === 'FAILED' ? CashReceiptStatus.FAILED : CashReceiptStatus.ISSUED,
        receiptUrl: truth.receiptUrl ?? null,
        failureCode: truth.failure?.code ?? null,
        failureMessage: truth.failure?.message ?? null,
        issuedAt: this.clock.now(),
        raw: truth.raw as object,
      },
    );
  }

  /** Removes a receipt still PENDING: its issue call never left (the adapter refused the input). */
  async deletePending(receiptId: string): Promise<void> {
    await this.dataSource.manager.delete(CashReceipt, { id: receiptId, status: CashReceiptStatus.PENDING });
  }

  /** The issue call failed: FAILED when the gateway refused, UNKNOWN when it may have issued. */
  async markIssueFailed(
    receiptId: string,
    outcome: 'FAILED' | 'UNKNOWN',
    code: string,
    message: string,
  ): Promise<void> {
    await this.dataSource.manager.update(
      CashReceipt,
      { id: receiptId },
      {
        status: outcome === 'UNKNOWN' ? CashReceiptStatus.UNKNOWN : CashReceiptStatus.FAILED,
        failureCode: code.slice(0, 64),
        failureMessage: message.slice(0, 512),
      },
    );
  }

  async markCanceled(receiptId: string, truth: CashReceiptTruth): Promise<void> {
    await this.dataSource.manager.update(
      CashReceipt,
      { id: receiptId },
      {
        status: CashReceiptStatus.CANCELED,
        cancelReceiptKey: truth.receiptKey,
        canceledAt: this.clock.now(),
        raw: truth.raw as object,
      },
    );
  }

  async get(receiptId: string): Promise<CashReceipt> {
    const row = await this.dataSource.manager.findOne(CashReceipt, { where: { id: receiptId } });
    if (!row) throw new NotFoundError('cash_receipt', receiptId);
    return row;
  }
}
