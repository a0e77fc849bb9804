// @acp/core/contracts: the contract suites every port adapter must pass (stores, gateways, catalogs, pricing)
// and the engine race harness. They import `vitest` (an optional peer dependency of @acp/core).
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
