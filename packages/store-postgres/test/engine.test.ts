// The full checkout engine on PostgreSQL: a purchase survives a new pool (restart), sweeps work, migrations
// are safe when many instances start at once, and parallel complete/update calls from several pools charge
// once.
import type { CheckoutSession } from '@acp/core';
import {
  RACE_API_VERSION as API_VERSION,
  racePaymentData as paymentData,
  raceCompletes,
} from '@acp/core/contracts';
import { createManualClock, createMemoryGateway, createTestCheckout } from '@acp/core/testing';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresStore, POSTGRES_SCHEMA_VERSION, type PostgresStore } from '../src/index.js';
import { dropSchema, PG_URL, pgUnavailable, testSchema } from './pg-env.js';

const caps = { interventions: { supported: ['3ds'] } };
const opened: PostgresStore[] = [];
const schemas: string[] = [];
const newSchema = (tag: string) => {
  const s = testSchema(tag);
  schemas.push(s);
  return s;
};
const open = async (schema: string, max = 4) => {
  const store = await createPostgresStore({ connectionString: PG_URL, schema, poolConfig: { max } });
  opened.push(store);
  return store;
};
let n = 0;
const ctx = (idempotencyKey: string | undefined = `k_${++n}`) => ({
  caller: 'agent_test',
  apiVersion: API_VERSION,
  idempotencyKey,
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  for (const s of schemas.splice(0)) await dropSchema(s);
});

describe.skipIf(pgUnavailable !== undefined)('engine on PostgreSQL', () => {
  it('a purchase, a refund and an idempotent replay survive a restart (new pool)', async () => {
    const schema = newSchema('flow');
    const clock = createManualClock();
    const gateway = createMemoryGateway();
    const first = await open(schema);
    const t = createTestCheckout({ store: first, clock, gateway });
    const created = await t.service.createSession(
      { line_items: [{ id: 'ebook_mcp' }], currency: 'usd', capabilities: caps, buyer: { email: 'a@b.co' } },
      ctx(),
    );
    const id = (created.body as CheckoutSession).id;
    const done = await t.service.completeSession(id, { payment_data: paymentData() }, ctx('complete-1'));
    expect(done.status).toBe(200);
    const orderId = (done.body as CheckoutSession).order!.id;
    expect((await t.service.refundOrder(orderId, { amount: 500, idempotencyKey: 'r1' })).status).toBe(200);
    await first.close();

    const reopened = await open(schema);
    const t2 = createTestCheckout({ store: reopened, clock, gateway });
    const replay = await t2.service.completeSession(id, { payment_data: paymentData() }, ctx('complete-1'));
    expect(replay.replayed).toBe(true);
    expect(replay.body).toEqual(done.body);
    const order = await reopened.getOrderBySession(id);
    expect(order?.order.id).toBe(orderId);
    expect(await reopened.getOrderByPayment(order!.paymentId!)).toEqual(order);
    expect(order?.order.adjustments?.map((a) => [a.type, a.amount])).toEqual([['refund', 500]]);
    expect(gateway.succeededChargesFor(id)).toHaveLength(1);
  });

  it('sweep expires overdue sessions and removes idempotency records after their 24 h', async () => {
    const clock = createManualClock();
    const store = await open(newSchema('sweep'));
    const t = createTestCheckout({ store, clock });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await t.service.createSession(
        {
          line_items: [{ id: 'ebook_mcp' }],
          currency: 'usd',
          capabilities: caps,
          buyer: { email: 'e@x.co' },
        },
        ctx(),
      );
      ids.push((r.body as CheckoutSession).id);
    }
    await t.service.completeSession(ids[0]!, { payment_data: paymentData() }, ctx());
    const session = (await store.getSession(ids[1]!))!.state;
    expect(await t.service.sweep()).toEqual({ expired: 0, idempotencyRecordsRemoved: 0 });

    clock.set(new Date(Date.parse(session.expiresAt) + 1000));
    expect((await t.service.sweep()).expired).toBe(2);
    expect((await store.getSession(ids[1]!))?.state.status).toBe('expired');
    expect((await store.getSession(ids[0]!))?.state.status).toBe('completed');

    clock.set(new Date(clock.now().getTime() + 25 * 3600_000));
    expect(await t.service.sweep()).toEqual({ expired: 0, idempotencyRecordsRemoved: 4 });
    const { rows } = await store.pool.query(
      `SELECT count(*)::int AS n FROM "${store.schema}".idempotency_records`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('eight instances starting at once on a fresh schema migrate it exactly once', async () => {
    const schema = newSchema('migrate');
    const stores = await Promise.all(Array.from({ length: 8 }, () => open(schema, 2)));
    const { rows } = await stores[0]!.pool.query<{ version: number }>(
      `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
    );
    expect(rows.map((r) => r.version)).toEqual([POSTGRES_SCHEMA_VERSION]);
    // Every instance works against the same tables.
    const results = await Promise.all(
      stores.map((s, i) =>
        s.idempotencyBegin({
          scope: 'migrate',
          key: 'k',
          requestHash: 'h',
          now: '2026-11-24T12:00:00.000Z',
          lockUntil: '2026-11-24T12:01:00.000Z',
          expiresAt: `2026-11-25T12:00:0${i}.000Z`,
        }),
      ),
    );
    expect(results.filter((r) => r.kind === 'started')).toHaveLength(1);
  });

  it('rejects a schema name that is not a plain identifier', async () => {
    await expect(
      createPostgresStore({ connectionString: PG_URL, schema: 'x"; DROP TABLE y; --' }),
    ).rejects.toThrow(/Invalid PostgreSQL schema name/);
  });

  it('works on a pool the caller owns, and leaves it open on close()', async () => {
    const schema = newSchema('pool');
    const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
    try {
      const store = await createPostgresStore({ pool, schema });
      await store.close();
      const { rows } = await pool.query('SELECT 1 AS one');
      expect(rows[0].one).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('parallel complete/update calls from four pools: one charge, one order, a clean history', async () => {
    const schema = newSchema('race');
    const stores = await Promise.all([open(schema), open(schema), open(schema), open(schema)]);
    const report = await raceCompletes({
      stores,
      sessions: 10,
      callersPerService: 6,
      now: () => performance.now(),
    });
    expect(report.charges).toBe(10);
    expect(report.orders).toBe(10);
    expect(report.completedAnswers).toBeGreaterThanOrEqual(10);
    console.info(`[store-postgres] in-process race: ${JSON.stringify(report)}`);
  }, 60_000);
});
