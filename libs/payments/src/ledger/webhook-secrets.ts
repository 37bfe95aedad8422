import { Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { FieldCipher } from '../crypto/field-cipher';
import { PaymentLedger } from './payment-ledger';

/**
 * Per-payment webhook secrets (Toss sends one with a virtual account and echoes it on the deposit callback). Only a
 * keyed hash is stored, never the secret; comparisons are constant-time.
 */
@Injectable()
export class WebhookSecrets {
  constructor(
    private readonly cipher: FieldCipher,
    private readonly ledger: PaymentLedger,
  ) {}

  hash(secret: string): string {
    return this.cipher.lookupHash(secret, 'payments.webhook_secret');
  }

  /**
   * Checks a webhook-carried secret against the hash stored for the payment (one query). 'missing' = we do not hold
   * a secret for it (yet): the callback may have overtaken the answer that carries it.
   */
  async check(paymentId: string, secret: string | null | undefined): Promise<'match' | 'mismatch' | 'missing'> {
    const stored = await this.ledger.findWebhookSecretHash(paymentId);
    if (!stored) return 'missing';
    if (!secret) return 'mismatch';
    const given = Buffer.from(this.hash(secret), 'hex');
    const expected = Buffer.from(stored, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected) ? 'match' : 'mismatch';
  }
}
