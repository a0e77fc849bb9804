// Object-level authorization in the service (issue 10 item 8b): a session is bound to the caller that created
// it; another caller gets exactly the unknown-id answer, before any state changes. `internal` sees every
// session; sessions stored before owners existed stay open to every caller.
import { describe, expect, it } from 'vitest';
import { INTERNAL_CALLER } from '../src/index.js';
import { createTestCheckout } from '../src/testing/index.js';
import { ctx, SPT } from './helpers.js';

const CREATE = {
  currency: 'usd',
  line_items: [{ id: 'ebook_mcp' }],
  buyer: { email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' },
  capabilities: { interventions: { supported: [] } },
};

async function setup() {
  const t = createTestCheckout();
  const created = await t.service.createSession(CREATE, ctx({ caller: 'agent_a' }));
  expect(created.status).toBe(201);
  const id = (created.body as { id: string }).id;
  return { t, id };
}

describe('session owner', () => {
  it('is recorded at create and never rendered', async () => {
    const { t, id } = await setup();
    expect((await t.store.getSession(id))!.state.owner).toBe('agent_a');
    const got = await t.service.getSession(id, ctx({ caller: 'agent_a' }));
    expect(JSON.stringify(got.body)).not.toContain('agent_a');
  });

  it('another caller gets the unknown-id 404 on every operation, and nothing changes', async () => {
    const { t, id } = await setup();
    const before = await t.store.getSession(id);
    const b = (extra = {}) => ctx({ caller: 'agent_b', ...extra });
    const ops = {
      get: (s: string) => t.service.getSession(s, b()),
      update: (s: string) => t.service.updateSession(s, { buyer: { email: 'm@example.com' } }, b()),
      complete: (s: string) => t.service.completeSession(s, { payment_data: SPT }, b()),
      cancel: (s: string) => t.service.cancelSession(s, {}, b()),
      link: (s: string) => t.service.createPaymentLink(s, { caller: 'agent_b' }),
    };
    for (const [name, op] of Object.entries(ops)) {
      const foreign = await op(id);
      const unknown = await op('cs_unknown');
      expect(foreign.status, name).toBe(404);
      expect(JSON.stringify(foreign), name).toBe(JSON.stringify(unknown).replaceAll('cs_unknown', id));
    }
    expect(await t.service.loadSession(id, { caller: 'agent_b' })).toBeNull();
    expect(await t.store.getSession(id)).toEqual(before);
    expect(t.gateway.charges).toHaveLength(0);
  });

  it('the owner and internal callers keep full access; legacy sessions without owner stay open', async () => {
    const { t, id } = await setup();
    expect((await t.service.getSession(id, ctx({ caller: INTERNAL_CALLER }))).status).toBe(200);
    expect(await t.service.loadSession(id)).not.toBeNull();
    const legacy = await t.store.getSession(id);
    const { owner: _, ...state } = legacy!.state;
    await t.store.commit({ session: state, expectedVersion: legacy!.version });
    expect((await t.service.getSession(id, ctx({ caller: 'agent_b' }))).status).toBe(200);
    const done = await t.service.completeSession(id, { payment_data: SPT }, ctx({ caller: 'agent_a' }));
    expect(done.body).toMatchObject({ status: 'completed' });
  });
});
