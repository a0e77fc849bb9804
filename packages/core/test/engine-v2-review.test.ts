// Regressions found by the independent review of the Engine v2 change (issue 11), kept as tests: ownership of
// an empty caller, shared answers that cannot be changed by a consumer, REST/MCP agreement, no write for an open
// link, and no stale order in a cached read.
import { describe, expect, it } from 'vitest';
import type { CheckoutSession } from '../src/index.js';
import { createTestCheckout, MEMORY_TEST_TOKENS } from '../src/testing/index.js';
import { ctx, paymentData } from './helpers.js';

const CREATE = {
  currency: 'usd',
  line_items: [{ id: 'ebook_mcp', quantity: 1 }],
  buyer: { email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' },
  capabilities: { interventions: { supported: [] } },
};

async function session(options: Parameters<typeof createTestCheckout>[0] = {}) {
  const t = createTestCheckout(options);
  const created = await t.service.createSession(CREATE, ctx());
  expect(created.status).toBe(201);
  return { t, id: (created.body as CheckoutSession).id };
}

/** Tries to change a nested part of an answer, as a careless consumer (an app, a transport) might. */
function tamper(body: unknown): void {
  const b = body as { line_items: { quantity: number }[]; messages: unknown[] };
  try {
    b.line_items[0]!.quantity = 99;
  } catch {
    // frozen: the consumer cannot change it
  }
  try {
    b.messages.push({ type: 'info', content_type: 'plain', content: 'injected' });
  } catch {
    // frozen
  }
}

describe('render cache: a consumer never changes what later reads answer', () => {
  // ed0b1da deep-froze the cached read rendering and never shared a write's answer; the branch shares write
  // answers with later reads and freezes only the top level (service/render.ts).
  const view = (body: unknown) => {
    const b = body as CheckoutSession;
    return { quantity: b.line_items[0]!.quantity, messages: b.messages.length };
  };

  it('a read answer changed by its consumer does not change the next read', async () => {
    const { t, id } = await session();
    const first = await t.service.getSession(id, ctx());
    const pristine = JSON.stringify(first.body);
    tamper(first.body);
    const second = await t.service.getSession(id, ctx());
    expect(view(second.body)).toEqual({ quantity: 1, messages: 0 });
    expect(JSON.stringify(second.body) === pristine).toBe(true);
  });

  it("an update's answer changed by its consumer does not become the next read's answer", async () => {
    const { t, id } = await session();
    const updated = await t.service.updateSession(
      id,
      { buyer: { ...CREATE.buyer, first_name: 'Augusta' } },
      ctx(),
    );
    expect(updated.status).toBe(200);
    tamper(updated.body);
    const read = await t.service.getSession(id, ctx());
    expect(view(read.body)).toEqual({ quantity: 1, messages: 0 });
  });

  it("the create answer changed by its consumer does not become the next read's answer", async () => {
    const t = createTestCheckout();
    const created = await t.service.createSession(CREATE, ctx());
    tamper(created.body);
    const read = await t.service.getSession((created.body as CheckoutSession).id, ctx());
    expect(view(read.body)).toEqual({ quantity: 1, messages: 0 });
  });

  it('the text a transport sends as is (REST) is the JSON of the body another sends (MCP)', async () => {
    const { t, id } = await session();
    const first = await t.service.getSession(id, ctx());
    void first.text; // a REST answer serialized it
    tamper(first.body);
    const second = await t.service.getSession(id, ctx());
    expect((second.text ?? JSON.stringify(second.body)) === JSON.stringify(second.body)).toBe(true);
  });
});

describe('createPaymentLink on a session whose link is open', () => {
  it('answers the open link without writing the session (ed0b1da returned before any commit)', async () => {
    const { t, id } = await session();
    const first = await t.service.createPaymentLink(id, { caller: 'agent_test' });
    expect(first.status).toBe(200);
    const before = await t.store.getSession(id);
    expect(before!.state.status).toBe('in_progress');
    const again = await t.service.createPaymentLink(id, { caller: 'agent_test' });
    expect(again.body).toEqual(first.body);
    const after = await t.store.getSession(id);
    expect(after!.version).toBe(before!.version);
  });
});

describe('render cache key: an order change at the same timestamp (defect in both)', () => {
  it('a refund recorded in the same millisecond as the cached rendering shows on the next read', async () => {
    const { t, id } = await session();
    const done = await t.service.completeSession(
      id,
      { payment_data: paymentData(MEMORY_TEST_TOKENS.succeeds) },
      ctx(),
    );
    expect(done.status).toBe(200);
    const before = await t.service.getSession(id, ctx());
    const orderId = (before.body as CheckoutSession).order!.id;
    // The clock does not move (two facts in one millisecond, or two processes whose clocks differ).
    const refunded = await t.service.refundOrder(orderId, { amount: 100, idempotencyKey: 'r1' });
    expect(refunded.status).toBe(200);
    const after = await t.service.getSession(id, ctx());
    const adjustments = (after.body as CheckoutSession).order?.adjustments ?? [];
    expect(adjustments.filter((a) => a.type === 'refund')).toHaveLength(1);
  });
});

describe('ownership: a session is bound to whatever caller string created it', () => {
  it('a session created by the caller "" is not open to every other caller', async () => {
    const t = createTestCheckout();
    const created = await t.service.createSession(CREATE, ctx({ caller: '' }));
    expect(created.status).toBe(201);
    const id = (created.body as CheckoutSession).id;
    // ed0b1da stored owner '' (only the caller '' may touch it); machine.ts drops a falsy owner, and a session
    // without owner is open to every caller (the rule for sessions stored before owners existed).
    const foreign = await t.service.getSession(id, ctx({ caller: 'agent_b' }));
    expect(foreign.status).toBe(404);
    const cancel = await t.service.cancelSession(id, {}, ctx({ caller: 'agent_b' }));
    expect(cancel.status).toBe(404);
    expect((await t.store.getSession(id))!.state.owner).toBe('');
  });
});
