import { BillingKey } from './billing-key.entity';
import { CashReceipt } from './cash-receipt.entity';
import { EncryptionKeyCheck } from './encryption-key-check.entity';
import { PaymentCancel } from './payment-cancel.entity';
import { Payment } from './payment.entity';
import { WebhookEvent } from './webhook-event.entity';

export { BillingKey, CashReceipt, EncryptionKeyCheck, Payment, PaymentCancel, WebhookEvent };
export type { PaymentType } from './payment.entity';

/** Every entity of the library: add these to your own DataSource (`entities: [...PAYMENTS_ENTITIES, ...yours]`). */
export const PAYMENTS_ENTITIES = [
  Payment,
  PaymentCancel,
  BillingKey,
  CashReceipt,
  WebhookEvent,
  EncryptionKeyCheck,
] as const;
