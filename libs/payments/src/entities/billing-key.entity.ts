import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import { BillingKeyStatus } from '../domain/payment-status';
import { TimestampColumn } from './columns';

/**
 * A stored billing key (자동결제). The key itself is encrypted at rest (AES-256-GCM, `key_id` names the ring key,
 * crypto/field-cipher.ts); `billing_key_hash` is a keyed HMAC for lookups (e.g. a BILLING_DELETED webhook).
 */
@Entity({ name: 'billing_keys' })
@Index('uq_billing_keys_gateway_hash', ['gateway', 'billingKeyHash'], { unique: true })
@Index('ix_billing_keys_customer', ['gateway', 'customerKey'])
export class BillingKey {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  gateway: string;

  @Column({ name: 'customer_key', type: 'varchar', length: 300 })
  customerKey: string;

  @Column({ name: 'billing_key_ciphertext', type: 'text', select: false })
  billingKeyCiphertext: string;

  @Column({ name: 'key_id', type: 'varchar', length: 64 })
  keyId: string;

  @Column({ name: 'billing_key_hash', type: 'varchar', length: 64 })
  billingKeyHash: string;

  @Column({ type: 'varchar', length: 16 })
  status: BillingKeyStatus;

  @Column({ type: 'varchar', length: 32, nullable: true })
  method: string | null;

  @Column({ name: 'card_issuer_code', type: 'varchar', length: 8, nullable: true })
  cardIssuerCode: string | null;

  @Column({ name: 'card_number_masked', type: 'varchar', length: 32, nullable: true })
  cardNumberMasked: string | null;

  @Column({ name: 'card_type', type: 'varchar', length: 16, nullable: true })
  cardType: string | null;

  @TimestampColumn({ name: 'authenticated_at', nullable: true })
  authenticatedAt: Date | null;

  @TimestampColumn({ name: 'deleted_at', nullable: true })
  deletedAt: Date | null;

  @Column({ type: 'jsonb', nullable: true })
  raw: unknown;

  @VersionColumn({ default: 1 })
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
