// Two separate Node processes on ONE SQLite file, with a PSP shared through that file: concurrent completes
// charge once and make one order per session; a process SIGKILLed between the charge and the order write
// leaves a pending attempt that a restarted process turns into the order, without charging again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
import { createSqliteStore, SQLITE_SCHEMA_VERSION, type SqliteStore } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const WORKER = join(here, 'support', 'worker.mjs');
const PSP_TABLE = `CREATE TABLE IF NOT EXISTS test_psp_charges (
  idempotency_key TEXT PRIMARY KEY, session_id TEXT NOT NULL, payment_id TEXT NOT NULL,
  status TEXT NOT NULL, result TEXT NOT NULL, pid INTEGER NOT NULL)`;

let dir: string;
let filename: string;
let store: SqliteStore;
const parentLog: CommitLogEntry[] = [];
let n = 0;

beforeAll(() => {
  ensureBuilt(join(here, '..'), join(here, '..', '..', 'core'));
  dir = mkdtempSync(join(tmpdir(), 'acp-sqlite-xproc-'));
  filename = join(dir, 'shared.db');
  store = createSqliteStore({ filename });
  store.database.exec(PSP_TABLE);
}, 60_000);
afterAll(() => {
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
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
      { caller: 'agent_x', apiVersion: '2026-04-17', idempotencyKey: `create_${++n}` },
    );
    expect((r.body as CheckoutSession).status).toBe('ready_for_payment');
    ids.push((r.body as CheckoutSession).id);
  }
  return ids;
}

const charges = (sessionId: string) =>
  store.database
    .prepare(`SELECT payment_id FROM test_psp_charges WHERE session_id = ? AND status = 'succeeded'`)
    .all(sessionId) as { payment_id: string }[];

describe('two processes on one SQLite file', () => {
  it('four processes opening a fresh file at once migrate it exactly once', async () => {
    const fresh = join(dir, 'fresh.db');
    const workers = [1, 2, 3, 4].map((i) =>
      startWorker(WORKER, { mode: 'open', filename: fresh, label: `m${i}` }),
    );
    await Promise.all(workers.map((w) => w.waitFor((l) => l.ready === true)));
    for (const w of workers) w.child.stdin!.write('GO\n');
    const exits = await Promise.all(workers.map((w) => w.exited));
    expect(
      exits.map((e) => e.code),
      workers.map((w) => w.stderr()).join('\n'),
    ).toEqual([0, 0, 0, 0]);
    const check = createSqliteStore({ filename: fresh, migrate: false });
    try {
      const rows = check.database.prepare('SELECT version FROM acp_schema_migrations').all();
      expect(rows).toEqual([{ version: SQLITE_SCHEMA_VERSION }]);
      expect(check.database.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      check.close();
    }
  }, 60_000);

  it('concurrent completes: one charge and one order per session, a consistent version history', async () => {
    const sessions = await readySessions(12);
    const callers = 6;
    const started = performance.now();
    const workers = ['A', 'B'].map((label) =>
      startWorker(WORKER, { mode: 'race', filename, sessions, callers, label, updateFirst: label === 'A' }),
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
      expect(charges(sessionId)).toHaveLength(1);
      const order = await store.getOrderBySession(sessionId);
      expect(order?.paymentId).toBe(charges(sessionId)[0]!.payment_id);
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
    const orders = store.database.prepare('SELECT count(*) AS n FROM acp_orders').get() as { n: number };
    const totalCharges = store.database.prepare('SELECT count(*) AS n FROM test_psp_charges').get() as {
      n: number;
    };
    expect(orders.n).toBe(sessions.length);
    expect(totalCharges.n).toBe(sessions.length);
    console.info(
      `[store-sqlite] cross-process race: ${JSON.stringify({ processes: 2, sessions: sessions.length, callsPerSession: (callers + 1) * 2, calls: results.length, charges: totalCharges.n, orders: orders.n, completedAnswers, updatesWon, typedErrors: codes, ms })}`,
    );
  }, 60_000);

  it('SIGKILL between charge and order write: the restarted process makes the order, charged once', async () => {
    const sessions = await readySessions(2);
    const started = performance.now();
    const crashing = startWorker(WORKER, { mode: 'crash', filename, sessions, label: 'crash' });
    for (const s of sessions) await crashing.waitFor((l) => l.charged === s);
    crashing.child.kill('SIGKILL');
    expect((await crashing.exited).signal).toBe('SIGKILL');

    // The crash window: charged at the PSP, attempt pending, no order.
    for (const s of sessions) {
      expect(charges(s)).toHaveLength(1);
      expect(await store.getOrderBySession(s)).toBeNull();
      expect((await store.getSession(s))?.state.status).toBe('complete_in_progress');
      expect((await store.listPaymentAttempts(s)).map((a) => a.status)).toEqual(['pending']);
    }

    // Restart after the payment lease (60 s) has passed. Session 1: the agent retries its complete request
    // with the same Idempotency-Key (recovery on the next access). Session 0: start-up recovery.
    const later = { filename, clockOffsetMs: 61_000 };
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
      expect(charges(s)).toHaveLength(1);
      expect(order!.paymentId).toBe(charges(s)[0]!.payment_id);
      expect((await store.getSession(s))?.state.status).toBe('completed');
      expect((await store.listPaymentAttempts(s)).map((a) => a.status)).toEqual(['succeeded']);
    }
    expect(answer.orderId).toBe((await store.getOrderBySession(sessions[1]!))!.order.id);
    console.info(
      `[store-sqlite] crash: ${JSON.stringify({ sessions: sessions.length, chargesBeforeKill: sessions.length, ordersBeforeKill: 0, chargesAfterRestart: sessions.map((s) => charges(s).length), orders: sessions.length, ms: Math.round(performance.now() - started) })}`,
    );
  }, 60_000);
});
