import { PaymentsError } from '../domain/errors';

/** Another instance (or an earlier call here) holds a live lease on the run of this gateway, merchant, day and kind. */
export class ReconciliationRunningError extends PaymentsError {
  constructor(
    readonly runId: string,
    gateway: string,
    date: string,
    leaseUntil: Date | null,
  ) {
    super(
      'RECONCILIATION_RUNNING',
      `${gateway} ${date} is being reconciled by run ${runId} (lease until ${leaseUntil?.toISOString() ?? '?'})`,
      { gateway, httpStatus: 409, retryable: true },
    );
  }
}

/** Our lease on a run expired and another instance took it over: this instance stops writing to it. */
export class ReconciliationLeaseLostError extends PaymentsError {
  constructor(runId: string) {
    super('RECONCILIATION_LEASE_LOST', `reconciliation run ${runId} was taken over by another instance`, {
      httpStatus: 409,
      retryable: true,
    });
  }
}

/** An exception item was already resolved (resolutions are written once). */
export class ReconciliationItemResolvedError extends PaymentsError {
  constructor(itemId: string, resolution: string) {
    super('RECONCILIATION_ITEM_RESOLVED', `reconciliation item ${itemId} is already ${resolution}`, {
      httpStatus: 409,
    });
  }
}
