// A ready-wired checkout service on the in-memory adapters, with a small sample catalog, for tests of
// adapters, transports and apps.

import { createMemoryCatalog, type MemoryCatalog } from '../adapters/catalog.js';
import { createFlatRatePricing } from '../adapters/pricing.js';
import { type MerchantConfig, tokenizedCardHandler } from '../config.js';
import { createMemoryStore, type MemoryStore } from '../memory/memory-store.js';
import type {
  CatalogV1,
  CheckoutStoreV1,
  Clock,
  EventSinkV1,
  Ids,
  PaymentGatewayV1,
  PricingV1,
  Product,
} from '../ports.js';
import { createCheckoutService } from '../service/index.js';
import type { Logger } from '../service/results.js';
import type { CheckoutService } from '../service/types.js';
import {
  createManualClock,
  createMemoryEventSink,
  createSequentialIds,
  type ManualClock,
  type MemoryEventSink,
} from './doubles.js';
import { createMemoryGateway, type MemoryGateway } from './memory-gateway.js';

export const SAMPLE_PRODUCTS: Product[] = [
  {
    id: 'ebook_mcp',
    name: 'The MCP Handbook (ebook)',
    description: 'A practical guide to building Model Context Protocol servers. PDF and EPUB.',
    unitAmount: 1999,
    currency: 'usd',
    fulfillment: 'digital',
    images: ['https://images.example.com/ebook_mcp.png'],
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
    lowStockThreshold: 5,
    category: 'apparel',
    maxQuantityPerOrder: 5,
  },
  {
    id: 'poster_sold_out',
    name: 'Limited Poster',
    description: 'A numbered print.',
    unitAmount: 4000,
    currency: 'usd',
    fulfillment: 'physical',
    availableQuantity: 0,
    category: 'art',
  },
  {
    id: 'sticker_eur',
    name: 'Euro Sticker',
    unitAmount: 300,
    currency: 'eur',
    fulfillment: 'physical',
    category: 'misc',
  },
];

export const SAMPLE_ADDRESS = {
  name: 'Ada Lovelace',
  line_one: '1 Analytical Way',
  city: 'San Francisco',
  state: 'CA',
  country: 'US',
  postal_code: '94131',
};

export function sampleMerchantConfig(overrides: Partial<MerchantConfig> = {}): MerchantConfig {
  return {
    paymentHandlers: [
      tokenizedCardHandler({ psp: 'stripe', merchantId: 'acct_test_merchant', environment: 'test' }),
    ],
    interventions: { supported: ['3ds'], required: [], enforcement: 'conditional' },
    links: [
      { type: 'terms_of_use', url: 'https://shop.example.com/terms' },
      { type: 'privacy_policy', url: 'https://shop.example.com/privacy' },
    ],
    supportedCurrencies: ['usd'],
    orderPermalinkBase: 'https://shop.example.com/orders/',
    ...overrides,
  };
}

export interface TestCheckout {
  service: CheckoutService;
  store: MemoryStore;
  catalog: MemoryCatalog;
  gateway: MemoryGateway;
  clock: ManualClock;
  events: MemoryEventSink;
}

export interface TestCheckoutOptions {
  products?: Product[];
  config?: Partial<MerchantConfig>;
  taxRateBps?: number;
  store?: CheckoutStoreV1;
  gateway?: PaymentGatewayV1;
  pricing?: PricingV1;
  catalog?: CatalogV1;
  clock?: Clock;
  ids?: Ids;
  events?: EventSinkV1;
  logger?: Logger;
}

/** The in-memory reference wiring. Any adapter can be swapped in to test it inside the full engine. */
export function createTestCheckout(options: TestCheckoutOptions = {}): TestCheckout {
  const store = createMemoryStore();
  const catalog = createMemoryCatalog(options.products ?? SAMPLE_PRODUCTS);
  const gateway = createMemoryGateway();
  const clock = createManualClock();
  const events = createMemoryEventSink();
  const service = createCheckoutService({
    store: options.store ?? store,
    catalog: options.catalog ?? catalog,
    pricing: options.pricing ?? createFlatRatePricing({ taxRateBps: options.taxRateBps ?? 875 }),
    gateway: options.gateway ?? gateway,
    clock: options.clock ?? clock,
    ids: options.ids ?? createSequentialIds(),
    events: options.events ?? events,
    ...(options.logger ? { logger: options.logger } : {}),
    config: sampleMerchantConfig(options.config),
  });
  return { service, store, catalog, gateway, clock, events };
}
