// The memory store keeps objects by reference (no copies, no serialization), frozen by default (`freeze: false`
// skips that). These tests hold, in both modes, the promises that make it safe: a consumer changing an answer
// (anything reachable from its body or headers) never changes a stored session, a later answer, or a replay;
// a replay returns the first answer even after the session moved on; core never changes a stored object (the
// freezing store throws if it does: every flow here also runs on it).
import { describe, expect, it } from 'vitest';
import type { CheckoutSession, ServiceResult } from '../src/index.js';
import { createMemoryStore } from '../src/memory/index.js';
import { createTestCheckout } from '../src/testing/index.js';
import { ctx, paymentData } from './helpers.js';

/** Tries to change every value reachable from `value` (frozen parts refuse: the attempt throws, and is ignored). */
function scribble(value: unknown, seen = new Set<unknown>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    scribble(o[k], seen);
    try {
      o[k] = typeof o[k] === 'number' ? 424242 : typeof o[k] === 'string' ? 'scribbled' : null;
    } catch {
      // frozen: refused
    }
  }
  try {
    if (Array.isArray(value)) value.push('scribbled');
  } catch {
    // frozen
  }
}

const snapshot = (r: ServiceResult<unknown>) => JSON.stringify({ status: r.status, body: r.body });

for (const freeze of [false, true]) {
  describe(`memory store keeping objects (freeze: ${freeze})`, () => {
    const setup = () => createTestCheckout({ store: createMemoryStore({ freeze }) });

    it('a consumer changing every part of its answers changes nothing stored, read or replayed', async () => {
      const t = setup();
      const createCtx = ctx();
      const created = await t.service.createSession(
        {
          currency: 'usd',
          line_items: [{ id: 'mug_classic', quantity: 1 }],
          capabilities: { interventions: { supported: [] } },
          buyer: { email: 'ada@example.com', first_name: 'Ada' },
          metadata: { note: 'keep' },
        },
        createCtx,
      );
      expect(created.status).toBe(201);
      const id = (created.body as CheckoutSession).id;
      const firstCreate = snapshot(created);
      scribble(created.body);
      scribble(created.headers);

      const updateCtx = ctx();
      const updateBody = {
        fulfillment_details: {
          name: 'Ada Lovelace',
          email: 'ada@example.com',
          address: {
            name: 'Ada Lovelace',
            line_one: '1 Analytical Way',
            city: 'San Francisco',
            state: 'CA',
            country: 'US',
            postal_code: '94131',
          },
        },
      };
      const updated = await t.service.updateSession(id, updateBody, updateCtx);
      expect(updated.status).toBe(200);
      const firstUpdate = snapshot(updated);
      const read = await t.service.getSession(id, ctx());
      expect(JSON.stringify(read.body)).toBe(JSON.stringify(updated.body));
      scribble(updated.body);
      scribble(read.body);

      const option = (JSON.parse(firstUpdate).body as CheckoutSession).fulfillment_options[0]!;
      const shipped = await t.service.updateSession(
        id,
        {
          selected_fulfillment_options: [
            { type: 'shipping', option_id: option.id, item_ids: ['mug_classic'] },
          ],
        },
        ctx(),
      );
      expect((shipped.body as CheckoutSession).status).toBe('ready_for_payment');
      const completeCtx = ctx();
      const completed = await t.service.completeSession(id, { payment_data: paymentData() }, completeCtx);
      expect((completed.body as CheckoutSession).status).toBe('completed');
      const firstComplete = snapshot(completed);
      scribble(completed.body);

      // Replays return the first answers, byte for byte, though the session moved on and answers were scribbled.
      const replayCreate = await t.service.createSession(
        {
          currency: 'usd',
          line_items: [{ id: 'mug_classic', quantity: 1 }],
          capabilities: { interventions: { supported: [] } },
          buyer: { email: 'ada@example.com', first_name: 'Ada' },
          metadata: { note: 'keep' },
        },
        createCtx,
      );
      expect(replayCreate.replayed).toBe(true);
      expect(snapshot(replayCreate)).toBe(firstCreate);
      const replayUpdate = await t.service.updateSession(id, updateBody, updateCtx);
      expect(replayUpdate.replayed).toBe(true);
      expect(snapshot(replayUpdate)).toBe(firstUpdate);
      scribble(replayUpdate.body);
      const again = await t.service.updateSession(id, updateBody, updateCtx);
      expect(snapshot(again)).toBe(firstUpdate);
      const replayComplete = await t.service.completeSession(
        id,
        { payment_data: paymentData() },
        completeCtx,
      );
      expect(snapshot(replayComplete)).toBe(firstComplete);

      // The stored session is the completed one, untouched.
      const final = await t.service.getSession(id, ctx());
      expect(JSON.stringify(final.body)).toBe(
        JSON.parse(firstComplete).body && JSON.stringify(JSON.parse(firstComplete).body),
      );
    });

    it('a stored error answer replays as first given, though its consumer changed it', async () => {
      const t = setup();
      const c = ctx();
      const body = { currency: 'usd', line_items: [{ id: 'no_such_item', quantity: 1 }] };
      const first = await t.service.createSession(body, c);
      expect(first.status).toBeGreaterThanOrEqual(400);
      const before = snapshot(first);
      scribble(first.body);
      const replay = await t.service.createSession(body, c);
      expect(snapshot(replay)).toBe(before);
    });
  });
}
