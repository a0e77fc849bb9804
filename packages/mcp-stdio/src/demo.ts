// A self-contained demo store (in-memory state, a small catalog, the deterministic memory PSP in test
// mode) so the bin runs with no configuration: `acp-mcp-stdio --demo`. Not for real money.
import { createCheckoutService, type Logger, type Product, tokenizedCardHandler } from '@acp/core';
import {
  createFlatRatePricing,
  createMemoryCatalog,
  createMemoryGateway,
  createMemoryStore,
  createSequentialIds,
  createSystemClock,
  MEMORY_TEST_TOKENS,
} from '@acp/core/memory';
import { type AcpMcpServerFactory, createAcpMcpServerFactory } from '@acp/mcp-server';

const DEMO_PRODUCTS: Product[] = [
  {
    id: 'ebook_mcp',
    name: 'The MCP Handbook (ebook)',
    description: 'A practical guide to building Model Context Protocol servers. PDF and EPUB.',
    unitAmount: 1999,
    currency: 'usd',
    fulfillment: 'digital',
    category: 'books',
    tags: ['ebook', 'mcp'],
  },
  {
    id: 'mug_classic',
    name: 'Classic Mug',
    description: 'A 350 ml stoneware mug.',
    unitAmount: 1500,
    currency: 'usd',
    fulfillment: 'physical',
    availableQuantity: 100,
    category: 'kitchen',
  },
  {
    id: 'tee_black',
    name: 'Black T-Shirt',
    description: 'Organic cotton, unisex fit.',
    unitAmount: 2500,
    currency: 'usd',
    fulfillment: 'physical',
    availableQuantity: 3,
    category: 'apparel',
  },
];

export interface DemoOptions {
  products?: Product[];
  logger?: Logger;
}

/** The demo wiring: in-memory store and catalog, memory PSP, test-mode `collect_payment_info`. */
export function createDemoFactory(options: DemoOptions = {}): AcpMcpServerFactory {
  const catalog = createMemoryCatalog(options.products ?? DEMO_PRODUCTS);
  const gateway = createMemoryGateway();
  const service = createCheckoutService({
    store: createMemoryStore(),
    catalog,
    pricing: createFlatRatePricing({ taxRateBps: 875 }),
    gateway,
    clock: createSystemClock(),
    ids: createSequentialIds('demo'),
    config: {
      paymentHandlers: [
        tokenizedCardHandler({ psp: 'stripe', merchantId: 'acct_demo', environment: 'test' }),
      ],
      supportedCurrencies: ['usd'],
      orderPermalinkBase: 'https://demo.example.com/orders/',
    },
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return createAcpMcpServerFactory({
    service,
    catalog,
    name: 'acp-demo-store',
    ...(options.logger ? { logger: options.logger } : {}),
    testPayments: {
      mode: 'test',
      rawCardsEnabled: false,
      async createTestToken(input) {
        const declined = 'paymentMethodId' in input && /declined/i.test(input.paymentMethodId);
        return {
          shared_payment_token: declined ? MEMORY_TEST_TOKENS.declines : MEMORY_TEST_TOKENS.succeeds,
          expires_at: new Date(Date.now() + 60 * 60 * 1000).toISOString(),
          max_amount: input.amount,
          currency: input.currency,
        };
      },
    },
  });
}
