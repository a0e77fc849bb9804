// @acp/core/testing: test doubles for every port (manual clock, sequential ids, event sink, a deterministic fake
// PSP) and a ready-wired test checkout; no test framework is imported (offline demos use it too). The
// contract suites every adapter must pass, which import vitest, are in @acp/core/contracts. For convenience
// this also re-exports the reference store and the production helpers tests wire with.

export {
  createFlatRatePricing,
  createMemoryCatalog,
  createSystemClock,
  DEFAULT_SHIPPING_RATES,
  type FlatRatePricingOptions,
  type MemoryCatalog,
  type ShippingRate,
} from '../adapters/index.js';
export { createMemoryStore, type MemoryStore } from '../memory/index.js';
export {
  createManualClock,
  createMemoryEventSink,
  createSequentialIds,
  type ManualClock,
  type MemoryEventSink,
} from './doubles.js';
export {
  createTestCheckout,
  SAMPLE_ADDRESS,
  SAMPLE_PRODUCTS,
  sampleMerchantConfig,
  type TestCheckout,
  type TestCheckoutOptions,
} from './fixtures.js';
export {
  createMemoryGateway,
  type InjectedFault,
  MEMORY_TEST_TOKENS,
  type MemoryGateway,
  type RecordedCharge,
} from './memory-gateway.js';
