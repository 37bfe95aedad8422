export {
  TOSS_TEST_CLIENT_KEY,
  TOSS_TEST_SECRET_KEY,
  TossSimulator,
  type RecordedRequest,
  type SuccessUrlParams,
  type TossFault,
  type TossSimulatorOptions,
} from './toss-simulator';
export { TOSS_ERRORS, TossApiError, type TossErrorDefinition } from './toss-simulator.errors';
export { WEBHOOK_RETRY_MINUTES, type WebhookDelivery } from './toss-simulator.webhooks';
export type { FaultMatch } from './toss-simulator.faults';
export type {
  PaymentRef,
  PaymentWindowInput,
  SeededTransaction,
  TossMethod,
  TossPaymentStatus,
} from './toss-simulator.store';
