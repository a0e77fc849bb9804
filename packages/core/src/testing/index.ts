// @acp/core/testing: in-memory reference adapters for every port, the contract suites every adapter must
// pass, and a ready-wired test checkout. Contract suites import `vitest` (an optional peer dependency).
export {
  catalogContract,
  checkoutStoreContract,
  type GatewayFixture,
  paymentGatewayContract,
  pricingContract,
  type StoreFixture,
  sampleSessionState,
} from './contracts.js';
export {
  createTestCheckout,
  SAMPLE_ADDRESS,
  SAMPLE_PRODUCTS,
  sampleMerchantConfig,
  type TestCheckout,
  type TestCheckoutOptions,
} from './fixtures.js';
export {
  createFlatRatePricing,
  createManualClock,
  createMemoryCatalog,
  createMemoryEventSink,
  createSequentialIds,
  DEFAULT_SHIPPING_RATES,
  type FlatRatePricingOptions,
  type ManualClock,
  type MemoryCatalog,
  type MemoryEventSink,
  type ShippingRate,
} from './memory-adapters.js';
export {
  createMemoryGateway,
  type InjectedFault,
  MEMORY_TEST_TOKENS,
  type MemoryGateway,
  type RecordedCharge,
} from './memory-gateway.js';
export { createMemoryStore, type MemoryStore } from './memory-store.js';
