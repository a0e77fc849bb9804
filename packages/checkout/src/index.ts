// @acp/checkout: ACP checkout in one call. `createCheckout(options)` wires @acp/core, @acp/stripe (or the local
// emulator), a store, @acp/mcp-server and @acp/mcp-http, and returns the service, the MCP tools, the HTTP handlers
// and close().

// The catalog and pricing types the options use, from @acp/core (documented in its README).
export type {
  CatalogV1,
  DomainEvent,
  FulfillmentKind,
  OrderRecord,
  PricingV1,
  Product,
  ProductSearch,
} from '@acp/core';
export type { FlatRatePricingOptions, ShippingRate } from '@acp/core/adapters';
export { type Checkout, createCheckout } from './checkout.js';
export { nodeSha256Hex } from './digest.js';
export {
  CHECKOUT_ERROR_CODES,
  CheckoutError,
  type CheckoutErrorCode,
  type CheckoutOptionIssue,
} from './errors.js';
export { type CheckoutOptions, type StoreOption, type StripeOptions, validateOptions } from './options.js';
export { EMULATOR_WARNING, type PaymentsInfo } from './payments.js';
export { redactDatabaseUrl } from './stores.js';
