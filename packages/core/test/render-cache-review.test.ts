// Review (v2-core, review-2): the render cache hands every read of an unchanged session the SAME body object
// (and transports its cached JSON text). On ed0b1da that shared rendering was deep-frozen: a consumer that
// changed a nested field (a transport, a middleware, a user's own server on `CheckoutService`) got a TypeError
// and no other reader was affected. v2-core freezes only the top level ("a deep freeze cost more than the
// rendering it saves", service/render.ts) and now also primes the cache with the answer of a write: a nested
// change made by one consumer silently becomes what every later read of that session returns (the MCP binding
// reads `body`), while REST readers get the `text` serialized before the change, so the two transports disagree
// about totals. Passes on ed0b1da, fails on v2-core.
import { describe, expect, it } from 'vitest';
import type { CheckoutSession } from '../src/index.js';
import { createTestCheckout } from '../src/testing/index.js';
import { ctx } from './helpers.js';

async function digitalSession() {
  const t = createTestCheckout();
  const r = await t.service.createSession(
    {
      line_items: [{ id: 'ebook_mcp' }],
      currency: 'usd',
      buyer: { email: 'ada@example.com' },
      capabilities: { interventions: { supported: [] } },
    },
    ctx(),
  );
  return { t, id: (r.body as CheckoutSession).id };
}

/** What a careless consumer does to an answer it was handed (its own copy, it believes). */
function scribble(body: unknown): void {
  try {
    const session = body as CheckoutSession;
    session.totals[0]!.amount = 1;
    session.line_items[0]!.quantity = 99;
  } catch {
    // ed0b1da: the shared rendering is deep-frozen, the change is refused.
  }
}

describe('review-2 C1 (low, v2-core regression): a shared rendering is frozen only at its top level', () => {
  it("one reader's change to a nested field never reaches the next read of the session", async () => {
    const { t, id } = await digitalSession();
    const first = await t.service.getSession(id, ctx());
    const rendered = JSON.stringify(first.body);
    scribble(first.body);
    const second = await t.service.getSession(id, ctx());
    expect(JSON.stringify(second.body)).toBe(rendered);
  });

  it("a writer's change to its own answer never becomes what later reads return", async () => {
    const { t, id } = await digitalSession();
    const updated = await t.service.updateSession(id, { buyer: { email: 'grace@example.com' } }, ctx());
    expect(updated.status).toBe(200);
    const rendered = JSON.stringify(updated.body);
    scribble(updated.body);
    const read = await t.service.getSession(id, ctx());
    expect(JSON.stringify(read.body)).toBe(rendered);
  });

  it('the cached text a REST transport sends is the body an MCP transport sends, for the same read', async () => {
    const { t, id } = await digitalSession();
    const first = await t.service.getSession(id, ctx());
    // mcp-http serves `text` when the service has it (ed0b1da: no `text`, it serializes the body).
    const sent = (first as { text?: string }).text ?? JSON.stringify(first.body);
    expect(sent).toBe(JSON.stringify(first.body));
    scribble(first.body);
    const second = await t.service.getSession(id, ctx());
    const rest = (second as { text?: string }).text ?? JSON.stringify(second.body);
    const mcp = JSON.stringify(second.body);
    expect(rest).toBe(mcp);
  });
});
