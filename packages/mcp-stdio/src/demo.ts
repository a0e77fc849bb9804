// A self-contained demo store (in-memory state, a small catalog, the deterministic memory PSP in test
// mode) so the bin runs with no configuration: `acp-mcp-stdio --demo`. Not for real money.
import { createCheckoutService, type Logger, type Product, tokenizedCardHandler } from '@acp/core';
import { createFlatRatePricing, createMemoryCatalog, createSystemClock } from '@acp/core/adapters';
import { createMemoryStore } from '@acp/core/memory';
import {
  createMemoryGateway,
  createSequentialIds,
  MEMORY_TEST_TOKENS,
  SAMPLE_PRODUCTS,
} from '@acp/core/testing';
import { type AcpMcpServerFactory, createAcpMcpServerFactory } from '@acp/mcp-server';

/** The sample catalog of @acp/core (an ebook, two physical goods, a sold-out and a foreign-currency item). */
const DEMO_PRODUCTS: Product[] = SAMPLE_PRODUCTS.filter((p) => p.currency === 'usd');

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
