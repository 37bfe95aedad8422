export {
  KISPG_TEST_MERCHANT_KEY,
  KISPG_TEST_MID,
  KispgSimulator,
  simulatorInventedCancelData,
  type KispgFault,
  type KispgRecordedRequest,
  type KispgSimulatorOptions,
} from './kispg-simulator';
export { DEFAULT_FAILURE_CODES as KISPG_DEFAULT_FAILURE_CODES, type KispgFailureKind } from './kispg-simulator.errors';
export type { KispgFaultMatch } from './kispg-simulator.faults';
export type {
  KispgNotificationKind,
  NotificationDelivery as KispgNotificationDelivery,
} from './kispg-simulator.notifications';
export type { KispgPayMethod, KispgTransactionState } from './kispg-simulator.model';
