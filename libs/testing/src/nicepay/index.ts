export {
  NICEPAY_TEST_CLIENT_ID,
  NICEPAY_TEST_SECRET_KEY,
  NicePaySimulator,
  type NicePayRecordedRequest,
  type NicePaySimulatorOptions,
} from './nicepay-simulator';
export { NICEPAY_ERRORS, NicePayApiError, type NicePayErrorDefinition } from './nicepay-simulator.errors';
export type { NicePayFault } from './nicepay-simulator.faults';
export type { NicePayKey, NicePayPaymentStatus, NicePayWindowInput } from './nicepay-simulator.state';
export type { NicePayWebhookDelivery } from './nicepay-simulator.webhooks';
