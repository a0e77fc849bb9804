// Memory footprint of a COMPLETED session in the memory store, with its idempotency records (issue 11: ≤ 8 KB).
// Not a test (heap figures are measurements, not assertions). N full flows through the real service:
// create → update buyer + address → select shipping → complete (test credential, memory gateway) → get, with
// an Idempotency-Key on every POST; then GC and heap growth / N, twice:
//   - total: everything the flows left reachable (store, service caches, the fake PSP's records);
//   - store: after dropping the service and the gateway, what the store alone keeps.
// `same` (default) runs the same cart, address and instant every time, as the bench does; `varied` gives each
// session its own quantity, address and time (so its line items, delivery windows and totals are its own), which
// is what a shop sees: the figure to trust, since the store shares what records hold alike.
//
// Run (Node 20 cannot run TypeScript directly; the output goes under node_modules so imports resolve):
//   cd packages/core && npx tsc --outDir node_modules/.footprint --rootDir . --module nodenext \
//     --moduleResolution nodenext --target es2022 --strict --types node --skipLibCheck test/memory-footprint.script.ts \
//     && node --expose-gc node_modules/.footprint/test/memory-footprint.script.js [N] [same|varied]
import { type CheckoutService, createCheckoutService, LATEST_API_VERSION } from '../src/index.js';
import {
  createFlatRatePricing,
  createManualClock,
  createMemoryCatalog,
  createMemoryGateway,
  createMemoryStore,
  createSequentialIds,
  type ManualClock,
  type MemoryGateway,
  type MemoryStore,
  SAMPLE_ADDRESS,
  SAMPLE_PRODUCTS,
  sampleMerchantConfig,
} from '../src/memory/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('Run with node --expose-gc');
const collect = () => {
  for (let i = 0; i < 4; i++) gc();
};
const heap = () => process.memoryUsage().heapUsed;

// Stock that never runs out, so every flow completes.
const products = SAMPLE_PRODUCTS.map((p) => ({ ...p, availableQuantity: undefined }));

interface Wiring {
  service: CheckoutService;
  store: MemoryStore;
  gateway: MemoryGateway;
  clock: ManualClock;
}

function wire(prefix: string): Wiring {
  const store = createMemoryStore();
  const gateway = createMemoryGateway();
  const clock = createManualClock();
  const service = createCheckoutService({
    store,
    catalog: createMemoryCatalog(products),
    pricing: createFlatRatePricing({ taxRateBps: 875 }),
    gateway,
    clock,
    ids: createSequentialIds(prefix),
    config: sampleMerchantConfig(),
  });
  return { service, store, gateway, clock };
}

const varied = process.argv[3] === 'varied';

async function flow({ service, clock }: Wiring, i: number, tag: string): Promise<void> {
  if (varied) clock.advance(1000);
  let k = 0;
  const ctx = () => ({
    caller: 'agent_footprint',
    apiVersion: LATEST_API_VERSION,
    idempotencyKey: `${tag}_${i}_${++k}_0f8b1c2d`,
  });
  const created = await service.createSession(
    {
      line_items: [{ id: 'mug_classic', quantity: varied ? 1 + (i % 7) : 2 }, { id: 'ebook_mcp' }],
      currency: 'usd',
      capabilities: { interventions: { supported: ['3ds'] } },
    },
    ctx(),
  );
  const id = (created.body as { id: string }).id;
  await service.updateSession(
    id,
    {
      buyer: { email: `buyer${i}@example.com`, first_name: 'Ada' },
      fulfillment_details: {
        address: varied ? { ...SAMPLE_ADDRESS, line_one: `${i} Analytical Way` } : SAMPLE_ADDRESS,
      },
    },
    ctx(),
  );
  await service.updateSession(
    id,
    {
      selected_fulfillment_options: [
        { type: 'shipping', option_id: 'ship_standard', item_ids: ['mug_classic'] },
      ],
    },
    ctx(),
  );
  const done = await service.completeSession(
    id,
    {
      payment_data: {
        handler_id: 'card_tokenized',
        instrument: { type: 'card', credential: { type: 'spt', token: 'spt_test_visa' } },
      },
    },
    ctx(),
  );
  if ((done.body as { status?: string }).status !== 'completed') {
    throw new Error(`flow ${i} did not complete: ${JSON.stringify(done.body)}`);
  }
  await service.getSession(id, { caller: 'agent_footprint', apiVersion: LATEST_API_VERSION });
}

async function main() {
  const n = Number(process.argv[2] ?? 2000);
  // Warm-up on a throwaway wiring: module state, JIT and lazily built schemas are not per-session memory.
  {
    const warm = wire('warm');
    for (let i = 0; i < 300; i++) await flow(warm, i, 'w');
  }
  collect();
  const base = heap();
  let parts: Partial<Wiring> = wire('fp');
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) await flow(parts as Wiring, i, 'm');
  const used = process.cpuUsage(cpu);
  collect();
  const total = heap() - base;
  const store = parts.store!;
  const stats = store.stats();
  parts = { store };
  collect();
  const storeOnly = heap() - base;
  // Byte sizes of what a replay and a read need, as JSON text (UTF-16 in V8 is 1 byte per char for ASCII).
  const sample = (await store.listSessions({ limit: 1 })).sessions[0]!;
  const order = await store.getOrderBySession(sample.state.id);
  const attempts = await store.listPaymentAttempts(sample.state.id);
  const kb = (bytes: number) => (bytes / 1024).toFixed(2);
  console.log(`flows: ${n} (${varied ? 'varied' : 'same'})  ${JSON.stringify(stats)}`);
  console.log(
    `CPU per flow (5 service calls, information only): ${((used.user + used.system) / n).toFixed(0)} µs`,
  );
  console.log(`heap per completed session, total (store + service + fake PSP): ${kb(total / n)} KB`);
  console.log(`heap per completed session, memory store alone:                ${kb(storeOnly / n)} KB`);
  console.log(
    `JSON sizes of one session: state ${kb(JSON.stringify(sample.state).length)} KB, order ${kb(
      JSON.stringify(order).length,
    )} KB, attempts ${kb(JSON.stringify(attempts).length)} KB`,
  );
  // Keep the store reachable until after the last measurement.
  if (store.stats().sessions !== stats.sessions) throw new Error('unreachable');
}

await main();
