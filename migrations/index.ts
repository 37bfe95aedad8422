import { InitialSchema1795457335841 } from './1795457335841-InitialSchema';

/**
 * The library's schema, in order. Add to your own DataSource: `migrations: [...PAYMENTS_MIGRATIONS, ...yours]`.
 * Generated with `npm run migration:generate -- migrations/<Name>`; `npm run migration:check` proves no drift.
 */
export const PAYMENTS_MIGRATIONS = [InitialSchema1795457335841] as const;
