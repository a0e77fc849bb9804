// @acp/stripe-emulator: a local emulator of the Stripe API subset @acp/stripe uses. It is NOT Stripe.
export {
  type Brand,
  DECLINES,
  type Decline,
  type Funding,
  type Outcome,
  TEST_CARDS,
  type TestCard,
} from './cards.js';
export {
  EMULATOR_API_VERSION,
  type EmulatedError,
  type FaultKind,
  type FaultRule,
  type FaultSettings,
  type RequestLogEntry,
  type SptLimitViolation,
  type StripeEmulator,
  type StripeEmulatorOptions,
  startStripeEmulator,
} from './emulator.js';
export { parseForm } from './form.js';
export { seededRandom } from './random.js';
export {
  type DeliveryRecord,
  type StripeEventObject,
  signWebhookPayload,
  type WebhookEndpoint,
} from './webhooks.js';
