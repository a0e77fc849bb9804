// @acp/core/memory: in-memory adapters for every port. The store is the reference CheckoutStoreV1 (and the
// library default); the gateway is a deterministic fake PSP for tests and offline demos. No vitest here.

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
  createSystemClock,
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
