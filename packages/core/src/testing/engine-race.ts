// Engine-level race harness shared by this package's tests: several checkout services, each on its own
// store connection but one database and one (in-memory, idempotent) PSP, hammer the same sessions with
// parallel complete and update calls. It records every successful commit so the version history can be
// checked. Every CheckoutStoreV1 adapter's tests can use it (the SQL adapters do).

import { expect } from 'vitest';
import type { CheckoutStoreV1, CommitRequest } from '../ports.js';
import type { ServiceResult } from '../service/results.js';
import type { CheckoutSession } from '../spec/2026-04-17/schemas.generated.js';
import { createManualClock, createSequentialIds } from './doubles.js';
import { createTestCheckout } from './fixtures.js';
import { createMemoryGateway } from './memory-gateway.js';

export const API_VERSION = '2026-04-17';
const caps = { interventions: { supported: ['3ds'] } };
export const paymentData = (token = 'spt_test_visa') => ({
  handler_id: 'card_tokenized',
  instrument: { type: 'card', credential: { type: 'spt', token } },
});

export interface CommitLogEntry {
  sessionId: string;
  from: number | null;
  to: number;
  status: string;
}

/** Wraps a store so every successful commit is logged (what the database accepted, in order). */
export function recordingStore(store: CheckoutStoreV1, log: CommitLogEntry[]): CheckoutStoreV1 {
  return {
    ...store,
    async commit(req: CommitRequest) {
      const r = await store.commit(req);
      if (r.ok) {
        log.push({
          sessionId: req.session.id,
          from: req.expectedVersion,
          to: r.version,
          status: req.session.status,
        });
      }
      return r;
    },
  };
}

/** Versions 1..n each accepted exactly once, each on top of the previous one; `completed` absorbs. */
export function expectConsistentHistory(log: readonly CommitLogEntry[], sessionId: string): number {
  const mine = log.filter((e) => e.sessionId === sessionId).sort((a, b) => a.to - b.to);
  expect(mine.map((e) => e.to)).toEqual(mine.map((_, i) => i + 1));
  expect(mine.map((e) => e.from)).toEqual(mine.map((_, i) => (i === 0 ? null : i)));
  const firstCompleted = mine.findIndex((e) => e.status === 'completed');
  expect(firstCompleted).toBeGreaterThan(0);
  expect(mine.slice(firstCompleted).every((e) => e.status === 'completed')).toBe(true);
  return mine.length;
}

/** Error codes a losing caller may get: each is a typed, retryable-or-final ACP error, never a 5xx. */
export const LOSER_CODES = new Set([
  'idempotency_in_flight',
  'payment_in_progress',
  'session_completed',
  'concurrent_modification',
]);

export interface RaceOptions {
  /** One store per simulated connection/instance, all on the same database. */
  stores: CheckoutStoreV1[];
  sessions: number;
  /** Parallel callers per session per service. */
  callersPerService: number;
  /** Monotonic milliseconds for the report's duration (e.g. `() => performance.now()`). Default: none (0). */
  now?: () => number;
}

export interface RaceReport {
  sessions: number;
  calls: number;
  completedAnswers: number;
  replays: number;
  typedErrors: Record<string, number>;
  charges: number;
  orders: number;
  commits: number;
  ms: number;
}

let run = 0;

export async function raceCompletes(opts: RaceOptions): Promise<RaceReport> {
  const r = ++run;
  const log: CommitLogEntry[] = [];
  const clock = createManualClock();
  const gateway = createMemoryGateway();
  const services = opts.stores.map(
    (store, i) =>
      createTestCheckout({
        store: recordingStore(store, log),
        gateway,
        clock,
        ids: createSequentialIds(`race${r}_${i}`),
      }).service,
  );
  const first = services[0]!;
  let key = 0;
  const ctx = (idempotencyKey = `race${r}_${++key}`) => ({
    caller: 'agent_race',
    apiVersion: API_VERSION,
    idempotencyKey,
  });

  const ids: string[] = [];
  for (let i = 0; i < opts.sessions; i++) {
    const created = await first.createSession(
      {
        line_items: [{ id: 'ebook_mcp' }],
        currency: 'usd',
        capabilities: caps,
        buyer: { email: `buyer${i}@example.com` },
      },
      ctx(),
    );
    expect(created.status).toBe(201);
    const s = created.body as CheckoutSession;
    expect(s.status).toBe('ready_for_payment');
    ids.push(s.id);
  }

  const now = opts.now ?? (() => 0);
  const started = now();
  const calls: { sessionId: string; kind: 'complete' | 'update'; p: Promise<ServiceResult> }[] = [];
  for (const sessionId of ids) {
    // One key shared by a "retrying" caller on every instance: those are replays or in-flight 409s.
    const sharedKey = `race${r}_shared_${sessionId}`;
    services.forEach((service, si) => {
      const update = () => {
        const body = { buyer: { email: 'buyer@example.com', first_name: `Caller${si}` } };
        calls.push({ sessionId, kind: 'update', p: service.updateSession(sessionId, body, ctx()) });
      };
      // Half the instances send their update before their completes, half after.
      if (si % 2 === 0) update();
      for (let c = 0; c < opts.callersPerService; c++) {
        const k = c === 0 ? sharedKey : undefined;
        const p = service.completeSession(sessionId, { payment_data: paymentData() }, ctx(k));
        calls.push({ sessionId, kind: 'complete', p });
      }
      if (si % 2 === 1) update();
    });
  }
  const results = await Promise.all(calls.map((c) => c.p));
  const elapsed = now() - started;

  const report: RaceReport = {
    sessions: ids.length,
    calls: calls.length,
    completedAnswers: 0,
    replays: 0,
    typedErrors: {},
    charges: 0,
    orders: 0,
    commits: 0,
    ms: Math.round(elapsed),
  };
  const reader = opts.stores[0]!;
  for (const sessionId of ids) {
    const order = await reader.getOrderBySession(sessionId);
    expect(order, `order for ${sessionId}`).not.toBeNull();
    report.orders += 1;
    const charges = gateway.succeededChargesFor(sessionId);
    expect(charges, `charges for ${sessionId}`).toHaveLength(1);
    report.charges += charges.length;
    expect(order!.paymentId).toBe(charges[0]!.paymentId);
    const stored = await reader.getSession(sessionId);
    expect(stored?.state.status).toBe('completed');
    report.commits += expectConsistentHistory(log, sessionId);
    const attempts = await reader.listPaymentAttempts(sessionId);
    expect(attempts.filter((a) => a.status === 'succeeded')).toHaveLength(1);

    calls.forEach((call, i) => {
      if (call.sessionId !== sessionId) return;
      const res = results[i]!;
      if (res.replayed) report.replays++;
      if (res.status === 200) {
        const body = res.body as CheckoutSession;
        if (call.kind === 'complete') {
          expect(body.status).toBe('completed');
          expect(body.order?.id).toBe(order!.order.id);
          report.completedAnswers++;
        } else {
          // An update that won its race ran before the payment started.
          expect(body.status).toBe('ready_for_payment');
        }
        return;
      }
      const code = (res.body as { code?: string }).code ?? `status_${res.status}`;
      expect(res.status, `${call.kind} answered ${res.status} ${code}`).toBeLessThan(500);
      expect(LOSER_CODES, `unexpected code ${code}`).toContain(code);
      report.typedErrors[code] = (report.typedErrors[code] ?? 0) + 1;
    });
  }
  expect(gateway.charges.filter((c) => c.status === 'succeeded')).toHaveLength(ids.length);
  return report;
}
