import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { FieldCipher, type EncryptedValue } from '../crypto/field-cipher';
import { BILLING_KEY_FIELD, openRowValue, sealRowValue } from '../crypto/row-binding';
import type { PaymentsClock } from '../domain/clock';
import { NotFoundError } from '../domain/errors';
import { BillingKeyStatus } from '../domain/payment-status';
import { BillingKey } from '../entities/billing-key.entity';
import { PaymentsOutbox } from '../events/outbox';
import { billingKeyDeletedEvent } from '../events/payment-transition-events';
import type { BillingKeyTruth } from '../gateways/gateway-capabilities';
import { PAYMENTS_CLOCK, PAYMENTS_DATA_SOURCE } from '../payments.tokens';

/**
 * The `billing_keys` table. The gateway's billing key is stored only encrypted (AES-256-GCM, bound to its row: see
 * crypto/row-binding.ts) plus a keyed hash for lookups; it is decrypted only to call the gateway and never returned.
 */
@Injectable()
export class BillingKeyStore {
  constructor(
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly cipher: FieldCipher,
    @Inject(PAYMENTS_CLOCK) private readonly clock: PaymentsClock,
    private readonly outbox: PaymentsOutbox,
  ) {}

  async insert(id: string, gateway: string, customerKey: string, truth: BillingKeyTruth): Promise<BillingKey> {
    const encrypted = sealRowValue(this.cipher, BILLING_KEY_FIELD, id, truth.billingKey);
    const row = this.dataSource.manager.create(BillingKey, {
      id,
      gateway,
      customerKey: truth.customerKey || customerKey,
      billingKeyCiphertext: encrypted.ciphertext,
      keyId: encrypted.keyId,
      billingKeyHash: this.cipher.lookupHash(truth.billingKey, BILLING_KEY_FIELD.name),
      status: BillingKeyStatus.ACTIVE,
      method: truth.method ?? null,
      cardIssuerCode: truth.card?.issuerCode ?? null,
      cardNumberMasked: truth.card?.maskedNumber ?? null,
      cardType: truth.card?.cardType ?? null,
      authenticatedAt: truth.authenticatedAt ?? this.clock.now(),
      deletedAt: null,
      raw: truth.raw,
    });
    const saved = await this.dataSource.manager.save(row);
    delete (saved as Partial<BillingKey>).billingKeyCiphertext;
    return saved;
  }

  async get(billingKeyId: string): Promise<BillingKey> {
    const row = await this.dataSource.manager.findOne(BillingKey, { where: { id: billingKeyId } });
    if (!row) throw new NotFoundError('billing_key', billingKeyId);
    return row;
  }

  /**
   * The row and its decrypted billing key, for a gateway call. A ciphertext that is not this row's throws
   * EncryptionError before anything is written or sent. One written before row binding (or under an old ring key) is
   * stored again under the row-bound AAD and the active key.
   */
  async loadWithSecret(billingKeyId: string): Promise<{ row: BillingKey; secret: string }> {
    const row = await this.dataSource.manager
      .createQueryBuilder(BillingKey, 'b')
      .addSelect('b.billingKeyCiphertext')
      .where('b.id = :id', { id: billingKeyId })
      .getOne();
    if (!row) throw new NotFoundError('billing_key', billingKeyId, { field: 'billingKeyId' });
    return this.open(row);
  }

  /**
   * `loadWithSecret` for a row the caller already selected with its ciphertext (the billing sweep reads the keys of a
   * whole batch with their cycles): the same row-binding check, the same re-encryption of an old ciphertext.
   */
  async open(row: BillingKey): Promise<{ row: BillingKey; secret: string }> {
    const stored = { keyId: row.keyId, ciphertext: row.billingKeyCiphertext };
    const opened = openRowValue(this.cipher, BILLING_KEY_FIELD, {
      rowId: row.id,
      value: stored,
      lookupHash: row.billingKeyHash,
    });
    if (opened.rewrite) await this.rewriteCiphertext(row.id, stored, opened.rewrite);
    delete (row as Partial<BillingKey>).billingKeyCiphertext;
    return { row, secret: opened.plaintext };
  }

  /**
   * Replaces the ciphertext only where the row still holds the one that was read: concurrent readers each try, one
   * wins, and a value written meanwhile is never overwritten. The key id follows the ciphertext it belongs to.
   */
  private async rewriteCiphertext(billingKeyId: string, read: EncryptedValue, next: EncryptedValue): Promise<void> {
    await this.dataSource.manager.update(
      BillingKey,
      { id: billingKeyId, billingKeyCiphertext: read.ciphertext, keyId: read.keyId },
      { billingKeyCiphertext: next.ciphertext, keyId: next.keyId },
    );
  }

  /** Finds a billing key by its value (a gateway notification names the key, not our id). */
  async findByValue(gateway: string, billingKey: string): Promise<BillingKey | null> {
    const hash = this.cipher.lookupHash(billingKey, BILLING_KEY_FIELD.name);
    return this.dataSource.manager.findOne(BillingKey, { where: { gateway, billingKeyHash: hash } });
  }

  /** Marks the key deleted once: the event is written only by the call that made the change. */
  async markDeleted(billingKeyId: string): Promise<BillingKey> {
    await this.dataSource.transaction(async (manager) => {
      const now = this.clock.now();
      const result = await manager
        .createQueryBuilder()
        .update(BillingKey)
        .set({ status: BillingKeyStatus.DELETED, deletedAt: now })
        .where('id = :id AND status <> :deleted', { id: billingKeyId, deleted: BillingKeyStatus.DELETED })
        .execute();
      if ((result.affected ?? 0) === 0) return;
      const row = await manager.findOneByOrFail(BillingKey, { id: billingKeyId });
      await this.outbox.record(manager, [billingKeyDeletedEvent(row)]);
    });
    return this.get(billingKeyId);
  }
}
