// @acp/stripe: Stripe for @acp/core. Charge Shared Payment Tokens, open hosted payment links (Checkout),
// translate verified webhooks into core events, refund; plus test-only token helpers that refuse live keys.
export { StripeAdapterError, type StripeAdapterErrorCode } from './errors.js';
export { tokenProblem } from './gateway/credential.js';
export {
  createStripeGateway,
  type GatewayLogger,
  type StripeGateway,
  type StripeGatewayOptions,
} from './gateway.js';
export { METADATA_KEYS } from './metadata.js';
export {
  type AuthenticationSettings,
  DECLINE_MESSAGES,
  declineMessage,
  TOKEN_MESSAGES,
  type TokenProblem,
} from './outcomes.js';
export {
  DEFAULT_SPT_API_VERSION,
  type GrantedToken,
  retrieveGrantedToken,
  type SptParameterLocation,
} from './spt.js';
export {
  assertTestClient,
  assertTestKey,
  clientKeyMode,
  createStripeTestPayments,
  createVerifiedStripeTestPayments,
  keyMode,
  MAX_TEST_TOKEN_SECONDS,
  type RawTestCard,
  type StripeKeyMode,
  type StripeTestPayments,
  type StripeTestPaymentsOptions,
  type TestToken,
  type TestTokenRequest,
} from './test-payments.js';
export {
  type AgentTestToken,
  type AgentTestTokenInput,
  createStripeTestPaymentsProvider,
  type StripeTestPaymentsProvider,
  type StripeTestPaymentsProviderOptions,
} from './test-payments-provider.js';
export {
  createStripeWebhookHandler,
  type StripeWebhookHandler,
  type StripeWebhookHandlerOptions,
  type WebhookResponse,
} from './webhooks.js';
