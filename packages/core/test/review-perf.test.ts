// Review PoCs for the performance work since 0d6d63f (memory store keeping objects by reference, answers that
// render again on replay, isoOf/millisOf). Each test fails on the current code; see the review report.
import { describe, expect, it } from 'vitest';
import type { CheckoutSession, CheckoutStoreV1, ServiceResult } from '../src/index.js';
import { isoToMillis } from '../src/index.js';
import { createMemoryStore } from '../src/memory/index.js';
import { createTestCheckout } from '../src/testing/index.js';
import { millisOf } from '../src/util/time.js';
import { ctx, paymentData } from './helpers.js';

const snapshot = (r: ServiceResult<unknown>) => JSON.stringify({ status: r.status, body: r.body });

const address = {
  name: 'Ada Lovelace',
  line_one: '1 Analytical Way',
  city: 'San Francisco',
  state: 'CA',
  country: 'US',
  postal_code: '94131',
};

/** A session ready for payment on the production default memory store (no freeze). */
async function readySession(store: CheckoutStoreV1 = createMemoryStore()) {
  const t = createTestCheckout({ store });
  const created = await t.service.createSession(
    {
      currency: 'usd',
      line_items: [{ id: 'mug_classic', quantity: 1 }],
      capabilities: { interventions: { supported: [] } },
      buyer: { email: 'ada@example.com', first_name: 'Ada' },
      fulfillment_details: { name: 'Ada Lovelace', email: 'ada@example.com', address },
    },
    ctx(),
  );
  expect(created.status).toBe(201);
  const id = (created.body as CheckoutSession).id;
  const option = (created.body as CheckoutSession).fulfillment_options[0]!;
  const ready = await t.service.updateSession(
    id,
    { selected_fulfillment_options: [{ type: 'shipping', option_id: option.id, item_ids: ['mug_classic'] }] },
    ctx(),
  );
  expect((ready.body as CheckoutSession).status).toBe('ready_for_payment');
  const total = (ready.body as CheckoutSession).totals.find((x) => x.type === 'total')!.amount;
  return { t, id, total };
}

describe('review: millisOf / isoToMillis equal Date.parse on malformed input', () => {
  it('a 24-character string with a non-digit in the year, hour, minute or second is NaN, as Date.parse says', () => {
    for (const s of [
      '20x6-11-24T12:00:00.000Z',
      '2026-11-24T1x:00:00.000Z',
      '2026-11-24T12:0x:00.000Z',
      '2026-11-24T12:00:0x.000Z',
      '2026-11-24T-1:00:00.000Z',
    ]) {
      expect(Number.isNaN(Date.parse(s)), s).toBe(true);
      expect(millisOf(s), s).toBeNaN();
    }
  });
  it('isoToMillis (the store kit) rejects them rather than storing garbage', () => {
    expect(() => isoToMillis('2026-11-24T1x:00:00.000Z')).toThrow(TypeError);
  });
});

describe('review: the service hands out the memory store objects themselves', () => {
  it('changing the session loadSession returned does not change the amount charged', async () => {
    const { t, id, total } = await readySession();
    const state = await t.service.loadSession(id);
    // A dashboard or tool that works on what it read (e.g. a display conversion done in place).
    state!.totals.total = 1;
    const done = await t.service.completeSession(id, { payment_data: paymentData() }, ctx());
    expect(done.status).toBe(200);
    const order = await t.service.getOrderBySession(id);
    expect(order!.amount).toBe(total); // charged 1 (minor unit) instead of the quoted total
  });

  it('changing the order record getOrder returned changes neither the stored order (refund limit) nor the replay of the completion', async () => {
    const { t, id, total } = await readySession();
    const completeCtx = ctx();
    const done = await t.service.completeSession(id, { payment_data: paymentData() }, completeCtx);
    expect(done.status).toBe(200);
    const first = snapshot(done);
    const orderId = (done.body as CheckoutSession).order!.id;
    const record = await t.service.getOrder(orderId);
    record!.amount = total * 100; // the refund limit (refundTotals: amount - refunded - pending)
    record!.order = { ...record!.order, status: 'canceled' } as NonNullable<typeof record>['order'];
    const replay = await t.service.completeSession(id, { payment_data: paymentData() }, completeCtx);
    expect(replay.replayed).toBe(true);
    expect(snapshot(replay)).toBe(first);
    expect((await t.service.getOrder(orderId))!.amount).toBe(total);
  });

  it('versions share line items: changing the current version changes the replay of an earlier answer', async () => {
    const t = createTestCheckout({ store: createMemoryStore() });
    const createCtx = ctx();
    const body = {
      currency: 'usd',
      line_items: [{ id: 'mug_classic', quantity: 1 }],
      capabilities: { interventions: { supported: [] } },
    };
    const created = await t.service.createSession(body, createCtx);
    const first = snapshot(created);
    const id = (created.body as CheckoutSession).id;
    // A second version with the same cart: it keeps version 1's line item objects (unchangedOr).
    expect((await t.service.updateSession(id, { order_notes: 'ring twice' }, ctx())).status).toBe(200);
    const current = await t.service.loadSession(id);
    current!.lines[0]!.name = 'changed by a reader of version 2';
    const replay = await t.service.createSession(body, createCtx);
    expect(replay.replayed).toBe(true);
    expect(snapshot(replay)).toBe(first);
  });
});

describe('review: request objects become stored state', () => {
  it("a caller changing its request after the call does not change the stored session (memory store keeps the caller's objects)", async () => {
    const t = createTestCheckout({ store: createMemoryStore() });
    const attribution = { provider: 'impact', token: 'tok_1', extra: { campaign: 'spring' } };
    const r = await t.service.createSession(
      {
        currency: 'usd',
        line_items: [{ id: 'mug_classic', quantity: 1 }],
        capabilities: { interventions: { supported: [] } },
        affiliate_attribution: attribution,
      },
      ctx(),
    );
    expect(r.status).toBe(201);
    attribution.extra.campaign = 'changed after the call';
    const state = await t.service.loadSession((r.body as CheckoutSession).id);
    expect(JSON.stringify(state!.writeOnly)).toContain('spring');
  });

  it("core does not freeze the caller's request objects", async () => {
    const t = createTestCheckout({ store: createMemoryStore() });
    const metadata = { cart: { tags: ['gift'] } };
    const r = await t.service.createSession(
      {
        currency: 'usd',
        line_items: [{ id: 'mug_classic', quantity: 1 }],
        capabilities: { interventions: { supported: [] } },
        metadata,
      },
      ctx(),
    );
    expect(r.status).toBe(201);
    // The caller reuses its template for the next request: this now throws (strict mode), frozen by the answer.
    expect(() => metadata.cart.tags.push('second')).not.toThrow();
  });
});

describe('review: the store port now carries a function', () => {
  it('a store that copies what it is given with structuredClone (a worker-backed store) still commits an idempotent create', async () => {
    const inner = createMemoryStore();
    const store: CheckoutStoreV1 = {
      ...inner,
      commit: (req) => inner.commit(structuredClone(req)),
      idempotencyFinish: (f) => inner.idempotencyFinish(structuredClone(f)),
    };
    const t = createTestCheckout({ store });
    const r = await t.service.createSession(
      {
        currency: 'usd',
        line_items: [{ id: 'mug_classic', quantity: 1 }],
        capabilities: { interventions: { supported: [] } },
      },
      ctx(),
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  });
});
