import { createFlatRatePricing, createMemoryCatalog } from '../src/adapters/index.js';
import { createMemoryStore } from '../src/memory/index.js';
import {
  catalogContract,
  checkoutStoreContract,
  paymentGatewayContract,
  pricingContract,
} from '../src/testing/contracts-index.js';
import { createMemoryGateway, MEMORY_TEST_TOKENS, SAMPLE_PRODUCTS } from '../src/testing/index.js';

checkoutStoreContract('memory', () => ({ store: createMemoryStore() }));

paymentGatewayContract(
  'memory',
  () => {
    const gateway = createMemoryGateway();
    return {
      gateway,
      tokens: {
        succeeds: () => MEMORY_TEST_TOKENS.succeeds,
        declines: () => MEMORY_TEST_TOKENS.declines,
        requiresAction: () => MEMORY_TEST_TOKENS.requiresAction,
      },
      succeededCharges: (sessionId) => gateway.succeededChargesFor(sessionId).length,
    };
  },
  { threeDSecure: true, reconcile: true },
);

catalogContract('memory', () => ({
  catalog: createMemoryCatalog(SAMPLE_PRODUCTS),
  known: SAMPLE_PRODUCTS.find((p) => p.id === 'mug_classic')!,
}));

pricingContract('flat rate', () => createFlatRatePricing({ taxRateBps: 875 }));
