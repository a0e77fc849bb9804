// @acp/core/adapters: production helpers for the ports a small store needs before it has its own services — the
// system clock, flat-rate pricing and an in-memory catalog. Test doubles live in @acp/core/testing; the reference
// store in @acp/core/memory (published as @acp/store-memory).
export { createMemoryCatalog, type MemoryCatalog } from './catalog.js';
export { createSystemClock } from './clock.js';
export {
  createFlatRatePricing,
  DEFAULT_SHIPPING_RATES,
  type FlatRatePricingOptions,
  type ShippingRate,
} from './pricing.js';
