/**
 * nestjs-kr-payments — public API. Import only from here ('nestjs-kr-payments').
 */
export { PaymentsModule, PAYMENTS_MODULE_OPTIONS, type PaymentsModuleExtras } from './payments.module';
export {
  DEFAULT_WEBHOOK_PATH_PREFIX,
  type GatewaysOptions,
  type HttpOptions,
  type PaymentsModuleOptions,
  type ResolvedPaymentsOptions,
  type WebhooksOptions,
} from './payments.options';
export { PaymentsService, type ConfirmOptions, type PaymentViewPage, type PrepareResult } from './payments.service';
export type {
  BillingKeyView,
  CashReceiptView,
  PaymentCancelView,
  PaymentView,
  SubscriptionView,
} from './payments.views';
export { PaymentsExceptionFilter, paymentsErrorBody, type PaymentsErrorBody } from './http/payments-exception.filter';
export { ListPaymentsDto, type PaymentPage } from './payments/payment-search';
export type { RepairResult, StuckPaymentsOptions } from './jobs/stuck-payments.repair';
export { BillingService, InvalidSubscriptionStateError, type BillingCycleView } from './billing/billing.service';
export * from './billing/billing.dto';
export type { AttemptRun, RunDueOptions, RunDueResult } from './billing/billing-engine';
export type { AttemptVerdict } from './billing/billing-settlement';
export type { BillingOptions } from './billing/billing-options';
export { BillingAttemptStatus, BillingCycleStatus, SubscriptionStatus } from './billing/billing-status';
export {
  daysInMonth,
  occurrenceDate,
  occurrenceInstant,
  zonedInstant,
  type BillingSchedule,
  type IntervalUnit,
  type LocalDate,
  type LocalTime,
} from './billing/billing-calendar';
export { WebhookRetention, type RetentionResult } from './jobs/webhook-retention';
export {
  ReconciliationService,
  type ReconcileRequest,
  type ReconcileResult,
} from './reconciliation/reconciliation.service';
export type { ReconciliationOptions } from './reconciliation/reconciliation-options';
export type { ReconciliationReport, ReconciliationReportJson } from './reconciliation/reconciliation-report';
export type { ScheduledReconciliation } from './reconciliation/reconciliation.scheduler';
export {
  ReconciliationItemResolvedError,
  ReconciliationLeaseLostError,
  ReconciliationRunningError,
} from './reconciliation/reconciliation-errors';
export {
  PAYMENT_EVENT_PREFIX,
  PAYMENT_EVENT_TYPES,
  paymentEventName,
  type BillingChargeEventPayload,
  type BillingKeyEventPayload,
  type CancelEventPayload,
  type PaymentEventPayload,
  type PaymentEventPayloads,
  type PaymentEventType,
  type PaymentsEvent,
  type ReconciliationMismatchPayload,
} from './events/payment-events';
export { OnPaymentEvent } from './events/on-payment-event.decorator';
export { OutboxDispatcher, type DispatchRound } from './events/outbox-dispatcher';
export { GatewayCalls, type GatewayCallRecord, type GatewayCallSummary } from './operations/gateway-calls';
export { PaymentsHealth, type GatewayHealth, type PaymentsHealthReport } from './operations/payments-health';
export type { EventsOptions } from './events/events-options';
export * from './payments.dto';
export { PAYMENTS_RESOLVED_OPTIONS, PAYMENTS_DATA_SOURCE } from './payments.tokens';

export * from './domain';
export * from './entities';
export { PAYMENTS_MIGRATIONS } from './migrations';
export {
  PAYMENTS_MIGRATIONS_TABLE,
  paymentsTypeOrmOptions,
  type PaymentsTypeOrmFragment,
  type PaymentsTypeOrmOptions,
} from './database/typeorm-options';

export { FieldCipher, type EncryptionOptions, type EncryptedValue } from './crypto/field-cipher';
export type * from './gateways/gateway.port';
export {
  capabilitiesOf,
  requireCapability,
  supports,
  type BillingKeyCapability,
  type BillingKeyIssueRequest,
  type BillingKeyTruth,
  type BillingChargeRequest,
  type CashReceiptCapability,
  type CashReceiptCancelRequest,
  type CashReceiptIssueRequest,
  type CashReceiptTruth,
  type CashReceiptType,
  type DeclineClass,
  type GatewayCapabilities,
  type GatewayCapability,
  type GatewayTransaction,
  type GatewayWith,
  type LostApprovalPolicyCapability,
  type ParsedWebhook,
  type RawWebhookRequest,
  type ReturnUrlCapability,
  type TransactionListCapability,
  type TransactionListRequest,
  type UnknownApprovalRequest,
  type UnknownApprovalResolution,
  type WebhookCapability,
  type WebhookReply,
} from './gateways/gateway-capabilities';
export {
  PaymentGatewayModule,
  paymentGatewayToken,
  type GatewayClock,
  type GatewayContext,
  type PaymentGatewayModuleClass,
} from './gateways/payment-gateway-module';
export { GatewayRegistry } from './gateways/gateway-registry';
export {
  GatewayHttpClient,
  type GatewayHttpClientOptions,
  type HttpTimeouts,
} from './gateways/http/gateway-http-client';
export { JsonRows } from './gateways/http/json-rows';
export { scrub, scrubText } from './gateways/http/scrub';
// The shipped gateways: each one's Nest module and options classes (the modules are registered by PaymentsModule).
export { SHIPPED_GATEWAY_MODULES } from './gateways/shipped-gateways';
export { TossGatewayModule, TossGatewayOptions, TossTimeoutOptions, TossWebhookOptions } from './gateways/toss';
export { NicePayGatewayModule, NicePayGatewayOptions, NicePayTimeoutOptions } from './gateways/nicepay';
export { KispgGatewayModule, KispgGatewayOptions } from './gateways/kispg';
export {
  AppsInTossGateway,
  AppsInTossGatewayModule,
  AppsInTossGatewayOptions,
  type AppsInTossCertificateSet,
  type AppsInTossCertificateInfo,
} from './gateways/apps-in-toss';

export { PaymentsWebhookController, WebhookGuard, WebhooksService, type WebhookOutcome } from './webhooks';
