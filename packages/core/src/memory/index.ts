// @acp/core/memory: the in-memory reference CheckoutStoreV1 (published as @acp/store-memory): the library
// default for tests, demos and single-process development. Production helpers (system clock, flat-rate
// pricing, in-memory catalog) are in @acp/core/adapters; test doubles (manual clock, sequential ids, the fake
// PSP, a ready-wired test checkout) in @acp/core/testing.
export { createMemoryStore, type MemoryStore, type MemoryStoreOptions } from './memory-store.js';
