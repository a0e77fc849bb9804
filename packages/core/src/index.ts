// @acp/core: the pure ACP 2026-04-17 checkout engine. No I/O: everything outside comes in through ports.

export {
  type InterventionType,
  type MerchantConfig,
  type ResolvedConfig,
  resolveConfig,
  type TokenizedCardHandlerOptions,
  tokenizedCardHandler,
} from './config.js';
export { buildDiscoveryDocument, type DiscoveryOptions } from './discovery.js';
export type {
  AuthenticatingSession,
  ChargingSession,
  ClosedSession,
  CompletedSession,
  DomainEvent,
  ExtraPayment,
  FulfillmentKind,
  FulfillmentOptionState,
  FulfillmentOptionType,
  LineAmounts,
  LineState,
  LinkSession,
  Message,
  MinorUnits,
  OrderRecord,
  PayableSession,
  PayableStatus,
  PaymentAttempt,
  PaymentAttemptKind,
  PaymentAttemptStatus,
  PaymentLinkState,
  SessionBase,
  SessionOf,
  SessionState,
  SessionTotals,
  StoredResponse,
} from './domain.js';
export { productAvailability } from './engine/cart.js';
export type { Effect } from './engine/effects.js';
export {
  type Command,
  type CommandType,
  EFFECT_PHASE,
  type EffectPhase,
  type Outcome,
  transition,
} from './engine/machine.js';
export {
  applyRefundUpdate,
  type RefundStatus,
  type RefundTotals,
  type RefundUpdate,
  refundTotals,
} from './engine/refunds.js';
export {
  type CartInputs,
  type EngineContext,
  negotiateCapabilities,
  permission,
  type Transition,
} from './engine/transitions.js';
export { toWireOrder, toWireSession } from './engine/wire.js';
export {
  ACP_ERROR_CODES,
  AcpError,
  type AcpErrorCode,
  type AcpErrorOptions,
  type AcpErrorType,
  asAcpError,
  httpStatusOf,
  toJsonPath,
  toWireError,
} from './errors.js';
export {
  containsPan,
  ECHO_MAX_CHARS,
  echoRedacted,
  findPanField,
  luhnValid,
  type PanFieldOptions,
  panRefusalMessage,
  redactPans,
} from './pan.js';
export type {
  CatalogV1,
  ChargeRequest,
  ChargeResult,
  CheckoutStoreV1,
  Clock,
  CommitRequest,
  CommitResult,
  CredentialCheck,
  CredentialCheckResult,
  EventSinkV1,
  FulfillmentOptionQuote,
  IdempotencyBegin,
  IdempotencyBeginResult,
  IdempotencyFinish,
  Ids,
  ListOptions,
  PaymentEvent,
  PaymentGatewayV1,
  PaymentLinkRequest,
  PaymentLinkResult,
  PaymentLinkStatus,
  PaymentRefund,
  PricingLineInput,
  PricingQuote,
  PricingV1,
  Product,
  ProductSearch,
  ReconcileProof,
  ReconcileResult,
  ReconcileWindow,
  RefundRequest,
  RefundResult,
  StoredSession,
} from './ports.js';
export { createCheckoutService } from './service/index.js';
export { duplicateRefundKey } from './service/payments.js';
export { isErrorResult, type Logger, type ServiceOk, type ServiceResult } from './service/results.js';
export {
  type CheckoutService,
  type CheckoutServiceDeps,
  INTERNAL_CALLER,
  type RequestContext,
} from './service/types.js';
export * as spec from './spec/2026-04-17/index.js';
export type {
  Address,
  Adjustment,
  AuthenticationMetadata,
  AuthenticationResult,
  Buyer,
  CancelSessionRequest,
  Capabilities,
  CheckoutSession,
  CheckoutSessionCompleteRequest,
  CheckoutSessionCreateRequest,
  CheckoutSessionUpdateRequest,
  CheckoutSessionWithOrder,
  DiscoveryResponse,
  Error as AcpWireError,
  FulfillmentDetails,
  Item,
  ItemInput,
  LineItem,
  Link,
  Order,
  PaymentData,
  PaymentHandler,
  SelectedFulfillmentOption,
  Total,
} from './spec/2026-04-17/schemas.generated.js';
export {
  assertNever,
  CHECKOUT_STATUSES,
  type CheckoutStatus,
  isTerminal,
  type Permission,
  STATUS_RULES,
  type StatusRules,
  TERMINAL_STATUSES,
} from './status.js';
export {
  clampPageLimit,
  DEFAULT_PAGE_LIMIT,
  decodeKeysetCursor,
  encodeKeysetCursor,
  isoToMillis,
  MAX_PAGE_LIMIT,
} from './store-kit.js';
export { canonicalJson } from './util/canonical-json.js';
export {
  type ApiVersion,
  checkApiVersion,
  isSupportedApiVersion,
  LATEST_API_VERSION,
  SUPPORTED_API_VERSIONS,
} from './versions.js';
