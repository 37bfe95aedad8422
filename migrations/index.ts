import { InitialSchema1795458255848 } from './1795458255848-InitialSchema';
import { RecoveryColumns1796331902397 } from './1796331902397-RecoveryColumns';
import { WebhookInboxClaims1796332800000 } from './1796332800000-WebhookInboxClaims';
import { EncryptionKeyChecks1796333245718 } from './1796333245718-EncryptionKeyChecks';
import { BillingEngine1796357983456 } from './1796357983456-BillingEngine';
import { Reconciliation1796400000000 } from './1796400000000-Reconciliation';
import { PaymentEvents1796400000001 } from './1796400000001-PaymentEvents';
import { PaymentListIndexes1796400000002 } from './1796400000002-PaymentListIndexes';
import { RepairScanIndexes1796400000003 } from './1796400000003-RepairScanIndexes';

/**
 * The library's schema, in order. Add to your own DataSource: `migrations: [...PAYMENTS_MIGRATIONS, ...yours]`.
 * Generated with `npm run migration:generate -- migrations/<Name>`; `npm run migration:check` proves no drift.
 */
export const PAYMENTS_MIGRATIONS = [
  InitialSchema1795458255848,
  RecoveryColumns1796331902397,
  WebhookInboxClaims1796332800000,
  EncryptionKeyChecks1796333245718,
  BillingEngine1796357983456,
  Reconciliation1796400000000,
  PaymentEvents1796400000001,
  PaymentListIndexes1796400000002,
  RepairScanIndexes1796400000003,
] as const;
