#!/usr/bin/env node
// Interim demo (until apps/demo-store lands): a scripted purchase through the real @acp/core engine on the
// in-memory adapters, printing each ACP step. Run with `pnpm demo`.
import { createCheckoutService } from '@acp/core';
import {
  createFlatRatePricing,
  createMemoryCatalog,
  createMemoryGateway,
  createMemoryStore,
  createSequentialIds,
  createSystemClock,
  MEMORY_TEST_TOKENS,
  SAMPLE_ADDRESS,
  SAMPLE_PRODUCTS,
  sampleMerchantConfig,
} from '@acp/core/memory';

const gateway = createMemoryGateway();
const service = createCheckoutService({
  store: createMemoryStore(),
  catalog: createMemoryCatalog(SAMPLE_PRODUCTS),
  pricing: createFlatRatePricing({ taxRateBps: 875 }),
  gateway,
  clock: createSystemClock(),
  ids: createSequentialIds('demo'),
  config: sampleMerchantConfig(),
});
let n = 0;
const ctx = () => ({ caller: 'demo', apiVersion: '2026-04-17', idempotencyKey: `demo-${++n}` });
const money = (a) => `$${(a / 100).toFixed(2)}`;
const show = (label, r) => {
  const b = r.body;
  const total = b.totals?.find((t) => t.type === 'total');
  console.log(
    `${label.padEnd(34)} HTTP ${r.status}  status=${b.status ?? b.code}${total ? `  total=${money(total.amount)}` : ''}`,
  );
  for (const m of b.messages ?? [])
    console.log(`${''.padEnd(36)}${m.type}${m.code ? `/${m.code}` : ''}: ${m.content}`);
};

console.log('ACP 2026-04-17 checkout, simulated payments (in-memory PSP; no money moves)\n');
const created = await service.createSession(
  {
    line_items: [{ id: 'mug_classic', quantity: 2 }, { id: 'ebook_mcp' }],
    currency: 'usd',
    capabilities: { interventions: { supported: ['3ds'] } },
  },
  ctx(),
);
show('create_checkout_session', created);
const id = created.body.id;
show(
  'update: buyer + address',
  await service.updateSession(
    id,
    { buyer: { email: 'ada@example.com' }, fulfillment_details: { address: SAMPLE_ADDRESS } },
    ctx(),
  ),
);
show(
  'update: choose Express shipping',
  await service.updateSession(
    id,
    {
      selected_fulfillment_options: [
        { type: 'shipping', option_id: 'ship_express', item_ids: ['mug_classic'] },
      ],
    },
    ctx(),
  ),
);
const pay = (token) => ({
  payment_data: {
    handler_id: 'card_tokenized',
    instrument: { type: 'card', credential: { type: 'spt', token } },
  },
});
show('complete: declined card', await service.completeSession(id, pay(MEMORY_TEST_TOKENS.declines), ctx()));
const done = await service.completeSession(id, pay(MEMORY_TEST_TOKENS.succeeds), ctx());
show('complete: Visa SPT', done);
console.log(`\norder ${done.body.order?.id} → ${done.body.order?.permalink_url}`);
console.log(`charges at the PSP for this session: ${gateway.succeededChargesFor(id).length}`);
