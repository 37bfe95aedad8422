export {
  APPS_IN_TOSS_PAY_PATH,
  APPS_IN_TOSS_TEST_USER_KEY,
  AppsInTossSimulator,
  type AppsInTossFault,
  type AppsInTossFaultMatch,
  type AppsInTossRecordedRequest,
  type AppsInTossSimulatorOptions,
  type PresentedClientCertificate,
} from './apps-in-toss-simulator';
export {
  APPS_IN_TOSS_ERROR_CODES,
  AppsInTossApiError,
  type PayMethod as AppsInTossPayMethod,
  type PayStatus as AppsInTossPayStatus,
  type PaymentTransaction as AppsInTossPaymentTransaction,
} from './apps-in-toss-simulator.model';
export { type TestPki, createTestPki } from './test-pki';
