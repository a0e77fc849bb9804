// Two separate Node processes on ONE PostgreSQL schema, with a PSP shared through that database: concurrent
// completes charge once and make one order per session; a process SIGKILLed between the charge and the
// order write leaves a pending attempt that a restarted process turns into the order, without charging
// again.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckoutSession } from '@acp/core';
import { createSystemClock } from '@acp/core/adapters';
import {
  type CommitLogEntry,
  expectConsistentHistory,
  LOSER_CODES,
  recordingStore,
} from '@acp/core/contracts';
import { createSequentialIds, createTestCheckout } from '@acp/core/testing';
import { ensureBuilt, runWorker, startWorker } from '@acp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, POSTGRES_SCHEMA_VERSION, type PostgresStore } from '../src/index.js';
import { dropSchema, PG_URL, pgUnavailable, testSchema } from './pg-env.js';

const here = dirname(fileURLToPath(import.meta.url));
const WORKER = join(here, 'support', 'worker.mjs');

let schema: string;
let store: PostgresStore;
const parentLog: CommitLogEntry[] = [];
let n = 0;

describe.skipIf(pgUnavailable !== undefined)('two processes on one PostgreSQL database', () => {
  beforeAll(async () => {
    ensureBuilt(join(here, '..'), join(here, '..', '..', 'core'));
    schema = testSchema('xproc');
    store = await createPostgresStore({ connectionString: PG_URL, schema, poolConfig: { max: 4 } });
    await store.pool.query(`CREATE TABLE "${schema}".test_psp_charges (
      idempotency_key text PRIMARY KEY, session_id text NOT NULL, payment_id text NOT NULL,
      status text NOT NULL, result json NOT NULL, pid integer NOT NULL)`);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    if (schema) await dropSchema(schema);
  });

  async function readySessions(count: number): Promise<string[]> {
    const t = createTestCheckout({
      store: recordingStore(store, parentLog),
      clock: createSystemClock(),
      ids: createSequentialIds(`parent${++n}`),
    });
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const r = await t.service.createSession(
        {
          line_items: [{ id: 'ebook_mcp' }],
          currency: 'usd',
          capabilities: { interventions: { supported: ['3ds'] } },
          buyer: { email: `b${i}@example.com` },
        },
        { caller: 'agent_x', apiVersion: '2026-04-17', idempotencyKey: `create_${n}_${i}` },
      );
      expect((r.body as CheckoutSession).status).toBe('ready_for_payment');
      ids.push((r.body as CheckoutSession).id);
    }
    return ids;
  }

  const charges = async (sessionId: string) =>
    (
      await store.pool.query<{ payment_id: string }>(
        `SELECT payment_id FROM "${schema}".test_psp_charges WHERE session_id = $1 AND status = 'succeeded'`,
        [sessionId],
      )
    ).rows;
  const count = async (table: string) =>
    (await store.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".${table}`)).rows[0]!.n;

  it('four processes opening a fresh schema at once migrate it exactly once', async () => {
    const fresh = testSchema('xmigrate');
    try {
      const workers = [1, 2, 3, 4].map((i) =>
        startWorker(WORKER, { mode: 'open', url: PG_URL, schema: fresh, label: `m${i}`, poolMax: 1 }),
      );
      await Promise.all(workers.map((w) => w.waitFor((l) => l.ready === true)));
      for (const w of workers) w.child.stdin!.write('GO\n');
      const exits = await Promise.all(workers.map((w) => w.exited));
      expect(
        exits.map((e) => e.code),
        workers.map((w) => w.stderr()).join('\n'),
      ).toEqual([0, 0, 0, 0]);
      const { rows } = await store.pool.query<{ version: number }>(
        `SELECT version FROM "${fresh}".schema_migrations`,
      );
      expect(rows.map((r) => r.version)).toEqual([POSTGRES_SCHEMA_VERSION]);
    } finally {
      await dropSchema(fresh);
    }
  }, 60_000);

  it('concurrent completes: one charge and one order per session, a consistent version history', async () => {
    const sessions = await readySessions(16);
    const callers = 6;
    const started = performance.now();
    const workers = ['A', 'B'].map((label) =>
      startWorker(WORKER, {
        mode: 'race',
        url: PG_URL,
        schema,
        sessions,
        callers,
        label,
        updateFirst: label === 'A',
        poolMax: 8,
      }),
    );
    await Promise.all(workers.map((w) => w.waitFor((l) => l.ready === true)));
    for (const w of workers) w.child.stdin!.write('GO\n');
    const exits = await Promise.all(workers.map((w) => w.exited));
    const ms = Math.round(performance.now() - started);
    expect(
      exits.map((e) => e.code),
      workers.map((w) => w.stderr()).join('\n'),
    ).toEqual([0, 0]);

    const lines = workers.flatMap((w) => w.lines);
    const log = [...parentLog, ...lines.flatMap((l) => (l.commit ? [l.commit as CommitLogEntry] : []))];
    const results = lines.flatMap((l) =>
      l.result
        ? [l.result as { sessionId: string; kind: string; status: number; code?: string; orderId?: string }]
        : [],
    );
    expect(results).toHaveLength(sessions.length * (callers + 1) * 2);
    const codes: Record<string, number> = {};
    let completedAnswers = 0;
    let updatesWon = 0;
    for (const sessionId of sessions) {
      const charged = await charges(sessionId);
      expect(charged).toHaveLength(1);
      const order = await store.getOrderBySession(sessionId);
      expect(order?.paymentId).toBe(charged[0]!.payment_id);
      expect((await store.getSession(sessionId))?.state.status).toBe('completed');
      expectConsistentHistory(log, sessionId);
      for (const r of results.filter((x) => x.sessionId === sessionId)) {
        expect(r.status, JSON.stringify(r)).toBeLessThan(500);
        if (r.status === 200 && r.kind === 'complete') {
          expect(r.orderId).toBe(order!.order.id);
          completedAnswers++;
        } else if (r.status === 200) {
          updatesWon++;
        } else {
          expect(LOSER_CODES).toContain(r.code);
          codes[r.code!] = (codes[r.code!] ?? 0) + 1;
        }
      }
    }
    expect(await count('orders')).toBe(sessions.length);
    expect(await count('test_psp_charges')).toBe(sessions.length);
    console.info(
      `[store-postgres] cross-process race: ${JSON.stringify({ processes: 2, sessions: sessions.length, callsPerSession: (callers + 1) * 2, calls: results.length, charges: await count('test_psp_charges'), orders: await count('orders'), completedAnswers, updatesWon, typedErrors: codes, ms })}`,
    );
  }, 60_000);

  it('SIGKILL between charge and order write: the restarted process makes the order, charged once', async () => {
    const sessions = await readySessions(2);
    const ordersBefore = await count('orders');
    const started = performance.now();
    const crashing = startWorker(WORKER, { mode: 'crash', url: PG_URL, schema, sessions, label: 'crash' });
    for (const s of sessions) await crashing.waitFor((l) => l.charged === s);
    crashing.child.kill('SIGKILL');
    expect((await crashing.exited).signal).toBe('SIGKILL');

    // The crash window: charged at the PSP, attempt pending, no order.
    for (const s of sessions) {
      expect(await charges(s)).toHaveLength(1);
      expect(await store.getOrderBySession(s)).toBeNull();
      expect((await store.getSession(s))?.state.status).toBe('complete_in_progress');
      expect((await store.listPaymentAttempts(s)).map((a) => a.status)).toEqual(['pending']);
    }

    // Restart after the payment lease (60 s) has passed. Session 1: the agent retries its complete request
    // with the same Idempotency-Key (recovery on the next access). Session 0: start-up recovery.
    const later = { url: PG_URL, schema, clockOffsetMs: 61_000 };
    const retried = await runWorker(WORKER, {
      ...later,
      mode: 'retry',
      sessions: [sessions[1]],
      label: 'retry',
    });
    const answer = retried.find((l) => l.result)?.result as {
      status: number;
      sessionStatus: string;
      orderId: string;
    };
    expect(answer.status).toBe(200);
    expect(answer.sessionStatus).toBe('completed');
    expect(await store.getOrderBySession(sessions[0]!)).toBeNull();
    const recovered = await runWorker(WORKER, { ...later, mode: 'recover', sessions: [], label: 'recover' });
    expect(recovered.find((l) => l.recovered)?.recovered).toEqual({ resumed: 1, stillPending: 0 });

    for (const s of sessions) {
      const order = await store.getOrderBySession(s);
      expect(order).not.toBeNull();
      const charged = await charges(s);
      expect(charged).toHaveLength(1);
      expect(order!.paymentId).toBe(charged[0]!.payment_id);
      expect((await store.getSession(s))?.state.status).toBe('completed');
      expect((await store.listPaymentAttempts(s)).map((a) => a.status)).toEqual(['succeeded']);
    }
    expect(answer.orderId).toBe((await store.getOrderBySession(sessions[1]!))!.order.id);
    expect(await count('orders')).toBe(ordersBefore + 2);
    console.info(
      `[store-postgres] crash: ${JSON.stringify({ sessions: sessions.length, chargesBeforeKill: sessions.length, ordersBeforeKill: 0, chargesAfterRestart: await Promise.all(sessions.map(async (s) => (await charges(s)).length)), orders: sessions.length, ms: Math.round(performance.now() - started) })}`,
    );
  }, 60_000);
});
