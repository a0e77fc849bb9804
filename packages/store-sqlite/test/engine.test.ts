// The full checkout engine on SQLite files: a purchase survives reopening the file, expiry and idempotency
// sweeps work, and parallel complete/update calls over several connections charge once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckoutSession, Order } from '@acp/core';
import {
  RACE_API_VERSION as API_VERSION,
  racePaymentData as paymentData,
  raceCompletes,
} from '@acp/core/contracts';
import { createManualClock, createMemoryGateway, createTestCheckout } from '@acp/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, type SqliteStore } from '../src/index.js';

let dir: string;
const opened: SqliteStore[] = [];
const open = (name = 'checkout.db') => {
  const store = createSqliteStore({ filename: join(dir, name) });
  opened.push(store);
  return store;
};
const caps = { interventions: { supported: ['3ds'] } };
let n = 0;
const ctx = (idempotencyKey: string | undefined = `k_${++n}`) => ({
  caller: 'agent_test',
  apiVersion: API_VERSION,
  idempotencyKey,
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'acp-sqlite-engine-'));
});
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('engine on SQLite', () => {
  it('a purchase, a refund and an idempotent replay survive closing and reopening the file', async () => {
    const clock = createManualClock();
    const gateway = createMemoryGateway();
    const t = createTestCheckout({ store: open(), clock, gateway });
    const created = await t.service.createSession(
      {
        line_items: [{ id: 'ebook_mcp' }],
        currency: 'usd',
        capabilities: caps,
        buyer: { email: 'ada@example.com' },
      },
      ctx(),
    );
    const id = (created.body as CheckoutSession).id;
    const done = await t.service.completeSession(id, { payment_data: paymentData() }, ctx('complete-1'));
    expect(done.status).toBe(200);
    const orderId = (done.body as CheckoutSession).order!.id;
    const refund = await t.service.refundOrder(orderId, { amount: 500, idempotencyKey: 'r1' });
    expect(refund.status).toBe(200);
    opened[0]!.close();

    // A new process would open the same file: everything is there.
    const reopened = open();
    const t2 = createTestCheckout({ store: reopened, clock, gateway });
    const replay = await t2.service.completeSession(id, { payment_data: paymentData() }, ctx('complete-1'));
    expect(replay.replayed).toBe(true);
    expect(replay.body).toEqual(done.body);
    const order = await reopened.getOrderBySession(id);
    expect(order?.order.id).toBe(orderId);
    expect(order?.order.adjustments?.map((a) => [a.type, a.amount])).toEqual([['refund', 500]]);
    expect((await reopened.listOrders({})).orders.map((o) => o.order.id)).toEqual([orderId]);
    expect(gateway.succeededChargesFor(id)).toHaveLength(1);
    expect(((await t2.service.getSession(id, ctx(undefined))).body as CheckoutSession).status).toBe(
      'completed',
    );
  });

  it('sweep expires overdue sessions and removes idempotency records after their 24 h', async () => {
    const clock = createManualClock();
    const store = open();
    const t = createTestCheckout({ store, clock });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await t.service.createSession(
        {
          line_items: [{ id: 'ebook_mcp' }],
          currency: 'usd',
          capabilities: caps,
          buyer: { email: 'e@example.com' },
        },
        ctx(),
      );
      ids.push((r.body as CheckoutSession).id);
    }
    await t.service.completeSession(ids[0]!, { payment_data: paymentData() }, ctx());
    const session = (await store.getSession(ids[1]!))!.state;
    expect(await t.service.sweep()).toEqual({ expired: 0, idempotencyRecordsRemoved: 0 });

    clock.set(new Date(Date.parse(session.expiresAt) + 1000));
    const first = await t.service.sweep();
    expect(first.expired).toBe(2);
    expect((await store.getSession(ids[1]!))?.state.status).toBe('expired');
    expect((await store.getSession(ids[0]!))?.state.status).toBe('completed');
    const left = await store.listSessions({ statuses: ['ready_for_payment'] });
    expect(left.sessions).toEqual([]);

    clock.set(new Date(clock.now().getTime() + 25 * 3600_000));
    const second = await t.service.sweep();
    expect(second).toEqual({ expired: 0, idempotencyRecordsRemoved: 4 });
    const count = store.database.prepare('SELECT count(*) AS n FROM acp_idempotency_records').get() as {
      n: number;
    };
    expect(count.n).toBe(0);
  });

  it('parallel complete/update calls over four connections: one charge, one order, a clean history', async () => {
    const stores = [open(), open(), open(), open()];
    const report = await raceCompletes({
      stores,
      sessions: 8,
      callersPerService: 6,
      now: () => performance.now(),
    });
    expect(report.charges).toBe(8);
    expect(report.orders).toBe(8);
    expect(report.completedAnswers).toBeGreaterThanOrEqual(8);
    console.info(`[store-sqlite] in-process race: ${JSON.stringify(report)}`);
  });

  it('an order record is refund-adjusted through the engine without touching other orders', async () => {
    const t = createTestCheckout({ store: open() });
    const orders: Order[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await t.service.createSession(
        {
          line_items: [{ id: 'ebook_mcp' }],
          currency: 'usd',
          capabilities: caps,
          buyer: { email: 'e@example.com' },
        },
        ctx(),
      );
      const c = await t.service.completeSession(
        (r.body as CheckoutSession).id,
        { payment_data: paymentData() },
        ctx(),
      );
      orders.push((c.body as CheckoutSession).order as Order);
    }
    await t.service.refundOrder(orders[0]!.id, { idempotencyKey: 'full' });
    expect((await t.service.getOrder(orders[0]!.id))?.order.adjustments).toHaveLength(1);
    expect((await t.service.getOrder(orders[1]!.id))?.order.adjustments ?? []).toHaveLength(0);
  });
});
