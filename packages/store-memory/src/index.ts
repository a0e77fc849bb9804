// @acp/store-memory: the in-memory reference CheckoutStoreV1 (and the library default). The implementation
// lives in `@acp/core/memory` so core's own tests and `createTestCheckout` use the very same code; this
// package gives it a publishable name next to `@acp/store-sqlite` and `@acp/store-postgres`.
export { createMemoryStore, type MemoryStore, type MemoryStoreOptions } from '@acp/core/memory';
