import { createTestCheckout } from './dist/testing/index.js';

const t = createTestCheckout({});
let k = 0;
const ctx = () => ({ caller: 'a', apiVersion: '2026-04-17', idempotencyKey: `k${++k}` });
async function flow() {
  const r = await t.service.createSession(
    {
      currency: 'usd',
      line_items: [{ id: 'mug_classic', quantity: 1 }],
      capabilities: { interventions: { supported: [] } },
    },
    ctx(),
  );
  const id = r.body.id;
  if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  const u = await t.service.updateSession(
    id,
    {
      buyer: { first_name: 'Ada', last_name: 'L', email: 'ada@example.com' },
      fulfillment_details: {
        name: 'Ada L',
        address: {
          name: 'Ada L',
          line_one: '1 Main St',
          city: 'SF',
          state: 'CA',
          country: 'US',
          postal_code: '94107',
        },
      },
    },
    ctx(),
  );
  if (u.status !== 200) throw new Error(JSON.stringify(u.body));
  const opt = u.body.fulfillment_options?.[0];
  const s = await t.service.updateSession(
    id,
    {
      selected_fulfillment_options: [
        { type: 'shipping', option_id: opt.id, item_ids: [u.body.line_items[0].item.id] },
      ],
    },
    ctx(),
  );
  if (s.status !== 200) throw new Error(JSON.stringify(s.body));
  const g = await t.service.getSession(id, { caller: 'a', apiVersion: '2026-04-17' });
  if (g.status !== 200) throw new Error('get');
}
for (let i = 0; i < 300; i++) await flow();
const N = 2000;
const c0 = process.cpuUsage();
for (let i = 0; i < N; i++) await flow();
const c = process.cpuUsage(c0);
console.log('us per call', ((c.user + c.system) / N / 4).toFixed(1));
