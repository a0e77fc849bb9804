// What every suite drives: the API version, the products, the request bodies of the checkout flow, and the
// in-process wiring of the engine on the memory store. One home, so the REST flow, the in-process engine
// suite and the memory figures exercise the same requests.
import { randomUUID } from 'node:crypto';
import { nodeSha256Hex } from '@acp/checkout';
import {
  type CheckoutService,
  createCheckoutService,
  LATEST_API_VERSION,
  type Product,
  type RequestContext,
  type ServiceResult,
} from '@acp/core';
import { createFlatRatePricing, createMemoryCatalog, createSystemClock } from '@acp/core/adapters';
import { createMemoryStore, type MemoryStore } from '@acp/core/memory';
import {
  createMemoryGateway,
  createSequentialIds,
  MEMORY_TEST_TOKENS,
  type MemoryGateway,
  SAMPLE_ADDRESS,
  SAMPLE_PRODUCTS,
  sampleMerchantConfig,
} from '@acp/core/testing';

/** The ACP version every request of the benchmarks speaks. */
export const API_VERSION = LATEST_API_VERSION;

export const CAPABILITIES = { interventions: { supported: [] } };

/** The flow's product: physical (so shipping applies) with no stock limit (orders never run it out). */
export const FLOW_ITEM = 'bench_mug';

/** Products of every benchmark catalog: the flow's product, then the core's samples. */
export const FLOW_PRODUCTS: Product[] = [
  {
    id: FLOW_ITEM,
    name: 'Bench Mug',
    description: 'A mug that never runs out.',
    unitAmount: 1500,
    currency: 'usd',
    fulfillment: 'physical',
    category: 'kitchen',
  },
  ...SAMPLE_PRODUCTS,
];

/** The request bodies of the checkout flow, in order. */
export const FLOW_BODIES = {
  create: {
    currency: 'usd',
    line_items: [{ id: FLOW_ITEM, quantity: 1 }],
    capabilities: CAPABILITIES,
  },
  buyerAndAddress: {
    buyer: { email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' },
    fulfillment_details: { name: 'Ada Lovelace', email: 'ada@example.com', address: SAMPLE_ADDRESS },
  },
  shipping: {
    selected_fulfillment_options: [{ type: 'shipping', option_id: 'ship_standard', item_ids: [FLOW_ITEM] }],
  },
  /** A Shared Payment Token credential (the REST flow passes the emulator's, in-process flows a test token). */
  complete: (token: string) => ({
    payment_data: {
      handler_id: 'card_tokenized',
      instrument: { type: 'card', credential: { type: 'spt', token } },
    },
  }),
} as const;

/** Buyer, address and shipping in one update (the REST flow's single update step). */
export const FLOW_UPDATE_ALL = { ...FLOW_BODIES.buyerAndAddress, ...FLOW_BODIES.shipping };

export interface MemoryCheckout {
  service: CheckoutService;
  store: MemoryStore;
  gateway: MemoryGateway;
}

/**
 * The engine in process on the memory adapters: memory store, catalog and gateway, flat-rate pricing, the
 * system clock (sessions really age), sequential ids, Node's SHA-256 (as a Node deployment wires it). Validation and idempotency are the service's own.
 */
export function memoryCheckout(
  options: { idPrefix?: string; sessionTtlSeconds?: number; freeze?: boolean } = {},
): MemoryCheckout {
  const store = createMemoryStore(options.freeze === false ? { freeze: false } : {});
  const gateway = createMemoryGateway();
  const service = createCheckoutService({
    store,
    catalog: createMemoryCatalog(FLOW_PRODUCTS),
    pricing: createFlatRatePricing({ taxRateBps: 875 }),
    gateway,
    clock: createSystemClock(),
    ids: createSequentialIds(options.idPrefix ?? 'bench'),
    digest: nodeSha256Hex,
    config: sampleMerchantConfig(
      options.sessionTtlSeconds !== undefined ? { sessionTtlSeconds: options.sessionTtlSeconds } : {},
    ),
  });
  return { service, store, gateway };
}

/** A test credential the memory gateway charges successfully. */
export const MEMORY_SUCCEEDING_TOKEN = MEMORY_TEST_TOKENS.succeeds;

/** A request context for in-process calls: one caller, the latest version, an idempotency key when given. */
export function inProcessContext(caller: string, idempotencyKey?: string): RequestContext {
  return { caller, apiVersion: API_VERSION, ...(idempotencyKey !== undefined ? { idempotencyKey } : {}) };
}

/**
 * The one place a service answer is read (status and JSON body, error or not): when core's result type
 * changes, this is the only edit the benchmarks need.
 */
export function answerOf<T>(r: ServiceResult<T>): { status: number; body: unknown } {
  return { status: r.status, body: r.body };
}

/** The `id` and `status` of a session answer, or an Error naming what came back instead. */
export function sessionOf<T>(r: ServiceResult<T>, expect: number): { id: string; status: string } {
  const { status, body } = answerOf(r);
  const s = body as { id?: unknown; status?: unknown } | null;
  if (status !== expect || typeof s?.id !== 'string' || typeof s.status !== 'string')
    throw new Error(
      `expected HTTP ${expect} with a session, got ${status} ${JSON.stringify(body).slice(0, 300)}`,
    );
  return { id: s.id, status: s.status };
}

/** The steps of the in-process flow, in order (`complete` only when the flow is given a credential). */
export const IN_PROCESS_STEPS = [
  'create',
  'update buyer+address',
  'update shipping',
  'complete',
  'get',
] as const;
export type InProcessStep = (typeof IN_PROCESS_STEPS)[number];

/** What one in-process flow sends: fresh request objects (as a transport's JSON.parse gives) and fresh keys. */
export interface FlowInput {
  create: unknown;
  buyerAndAddress: unknown;
  shipping: unknown;
  complete?: unknown;
  /** One idempotency key per POST. */
  keys: string[];
}

/** Inputs of `n` flows, built ahead so that a measured window runs the engine only. */
export function flowInputs(n: number, options: { completeWith?: string } = {}): FlowInput[] {
  const text = {
    create: JSON.stringify(FLOW_BODIES.create),
    buyerAndAddress: JSON.stringify(FLOW_BODIES.buyerAndAddress),
    shipping: JSON.stringify(FLOW_BODIES.shipping),
    complete: options.completeWith ? JSON.stringify(FLOW_BODIES.complete(options.completeWith)) : undefined,
  };
  return Array.from({ length: n }, () => ({
    create: JSON.parse(text.create),
    buyerAndAddress: JSON.parse(text.buyerAndAddress),
    shipping: JSON.parse(text.shipping),
    ...(text.complete ? { complete: JSON.parse(text.complete) } : {}),
    keys: [randomUUID(), randomUUID(), randomUUID(), randomUUID()],
  }));
}

/**
 * One in-process flow: create → update buyer and address → select shipping → (complete) → get, each answer
 * checked. `until` stops it after that step; `onStep(step)` runs just before each step starts.
 */
export async function inProcessFlow(
  service: CheckoutService,
  f: FlowInput,
  caller: string,
  options: { until?: InProcessStep; onStep?: (step: InProcessStep) => void } = {},
): Promise<void> {
  const { until, onStep } = options;
  const [k0, k1, k2, k3] = f.keys;
  onStep?.('create');
  const { id } = sessionOf(await service.createSession(f.create, inProcessContext(caller, k0)), 201);
  if (until === 'create') return;
  onStep?.('update buyer+address');
  sessionOf(await service.updateSession(id, f.buyerAndAddress, inProcessContext(caller, k1)), 200);
  if (until === 'update buyer+address') return;
  onStep?.('update shipping');
  const shipped = sessionOf(await service.updateSession(id, f.shipping, inProcessContext(caller, k2)), 200);
  if (shipped.status !== 'ready_for_payment') throw new Error(`after shipping: ${shipped.status}`);
  if (until === 'update shipping') return;
  if (f.complete !== undefined) {
    onStep?.('complete');
    const done = sessionOf(await service.completeSession(id, f.complete, inProcessContext(caller, k3)), 200);
    if (done.status !== 'completed') throw new Error(`after complete: ${done.status}`);
    if (until === 'complete') return;
  }
  onStep?.('get');
  sessionOf(await service.getSession(id, { caller, apiVersion: API_VERSION }), 200);
}
