import { BillingAttempt } from './billing-attempt.entity';
import { BillingCycle } from './billing-cycle.entity';
import { BillingKey } from './billing-key.entity';
import { CashReceipt } from './cash-receipt.entity';
import { EncryptionKeyCheck } from './encryption-key-check.entity';
import { PaymentCancel } from './payment-cancel.entity';
import { PaymentEvent } from './payment-event.entity';
import { ReconciliationGatewayRow } from './reconciliation-gateway-row.entity';
import { ReconciliationItem } from './reconciliation-item.entity';
import { ReconciliationRun } from './reconciliation-run.entity';
import { Subscription } from './subscription.entity';
import { Payment } from './payment.entity';
import { WebhookEvent } from './webhook-event.entity';

export {
  BillingAttempt,
  BillingCycle,
  BillingKey,
  CashReceipt,
  EncryptionKeyCheck,
  Payment,
  PaymentCancel,
  PaymentEvent,
  ReconciliationGatewayRow,
  ReconciliationItem,
  ReconciliationRun,
  Subscription,
  WebhookEvent,
};
export type { DunningPolicy } from './subscription.entity';
export type { PaymentType } from './payment.entity';

/** Every entity of the library: add these to your own DataSource (`entities: [...PAYMENTS_ENTITIES, ...yours]`). */
export const PAYMENTS_ENTITIES = [
  Payment,
  PaymentCancel,
  BillingKey,
  CashReceipt,
  WebhookEvent,
  EncryptionKeyCheck,
  Subscription,
  BillingCycle,
  BillingAttempt,
  ReconciliationRun,
  ReconciliationItem,
  ReconciliationGatewayRow,
  PaymentEvent,
] as const;
