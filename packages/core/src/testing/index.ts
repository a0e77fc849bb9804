// @acp/core/testing: in-memory reference adapters for every port, the contract suites every adapter must
// pass, and a ready-wired test checkout. Contract suites import `vitest` (an optional peer dependency).

export {
  createTestCheckout,
  SAMPLE_ADDRESS,
  SAMPLE_PRODUCTS,
  sampleMerchantConfig,
  type TestCheckout,
  type TestCheckoutOptions,
} from '../memory/fixtures.js';
export {
  createFlatRatePricing,
  createManualClock,
  createMemoryCatalog,
  createMemoryEventSink,
  createMemoryGateway,
  createMemoryStore,
  createSequentialIds,
  createSystemClock,
  DEFAULT_SHIPPING_RATES,
  type FlatRatePricingOptions,
  type InjectedFault,
  type ManualClock,
  MEMORY_TEST_TOKENS,
  type MemoryCatalog,
  type MemoryEventSink,
  type MemoryGateway,
  type MemoryStore,
  type RecordedCharge,
  type ShippingRate,
} from '../memory/index.js';
export {
  catalogContract,
  checkoutStoreContract,
  type GatewayCapabilities,
  type GatewayFixture,
  paymentGatewayContract,
  pricingContract,
  type StoreFixture,
  sampleSessionState,
} from './contracts.js';
export {
  API_VERSION as RACE_API_VERSION,
  type CommitLogEntry,
  expectConsistentHistory,
  LOSER_CODES,
  paymentData as racePaymentData,
  type RaceOptions,
  type RaceReport,
  raceCompletes,
  recordingStore,
} from './engine-race.js';
