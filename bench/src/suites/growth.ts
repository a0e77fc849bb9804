// Growth: catalog search at 100 / 10k / 100k products; session get with 1k / 100k / 1M stored sessions on
// SQLite and PostgreSQL (one store per size, measured in alternating rounds); memory per open and per
// completed session in the memory store.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Product, SessionState } from '@acp/core';
import { createMemoryCatalog } from '@acp/core/adapters';
import { createMemoryStore } from '@acp/core/memory';
import { SAMPLE_ADDRESS } from '@acp/core/testing';
import { createPostgresStore, type PostgresStore } from '@acp/store-postgres';
import { createSqliteStore, type SqliteStore } from '@acp/store-sqlite';
import {
  flowInputs,
  inProcessContext,
  inProcessFlow,
  MEMORY_SUCCEEDING_TOKEN,
  memoryCheckout,
  sessionOf,
} from '../checkout.js';
import type { Reporter } from '../report.js';
import { median, round, sample, summarize } from '../stats.js';

const WORDS = [
  'organic',
  'cotton',
  'ceramic',
  'wireless',
  'classic',
  'vintage',
  'steel',
  'linen',
  'walnut',
  'compact',
  'travel',
  'studio',
  'daily',
  'premium',
  'recycled',
  'matte',
  'glass',
  'leather',
  'bamboo',
  'canvas',
];
const NOUNS = [
  'mug',
  'shirt',
  'lamp',
  'bag',
  'notebook',
  'speaker',
  'chair',
  'bottle',
  'jacket',
  'plant',
  'desk',
  'watch',
];

export function syntheticProducts(n: number): Product[] {
  const out: Product[] = [];
  for (let i = 0; i < n; i++) {
    const a = WORDS[i % WORDS.length]!;
    const b = WORDS[(i * 7 + 3) % WORDS.length]!;
    const noun = NOUNS[(i * 13) % NOUNS.length]!;
    out.push({
      id: `p_${i}`,
      name: `${a} ${b} ${noun} ${i}`,
      description: `A ${a} ${noun} made of ${b} materials, model ${i}.`,
      unitAmount: 500 + (i % 200) * 100,
      currency: 'usd',
      fulfillment: i % 5 === 0 ? 'digital' : 'physical',
      availableQuantity: i % 50,
      tags: [a, b, noun],
      category: noun,
    });
  }
  return out;
}

async function catalogSearch(r: Reporter, quick: boolean) {
  const sizes = [100, 10_000, 100_000];
  const results: Record<number, number> = {};
  for (const n of sizes) {
    const catalog = createMemoryCatalog(syntheticProducts(n));
    let i = 0;
    const queries = ['walnut lamp', 'organic', 'leather bag', 'studio speaker', 'nothing-matches-this'];
    const lat = await sample(() => catalog.search({ query: queries[i++ % queries.length]!, limit: 20 }), {
      iterations: quick ? 100 : 400,
    });
    const s = summarize(lat);
    results[n] = s.p50;
    r.metric(`catalog search p50 @ ${n.toLocaleString('en')} products`, round(s.p50, 3), 'ms', {
      p99: round(s.p99, 3),
    });
  }
  r.target('catalog search p50 at 100k products', round(results[100_000]!, 3), 'ms', '<=', 5);
}

/** The body of the realistic open session the growth and memory figures store. */
const OPEN_SESSION_BODY = {
  line_items: [{ id: 'mug_classic', quantity: 2 }, { id: 'ebook_mcp' }],
  currency: 'usd',
  capabilities: { interventions: { supported: ['3ds'] } },
  buyer: { email: 'bench@example.com' },
  fulfillment_details: { address: SAMPLE_ADDRESS },
};

async function sessionTemplate(): Promise<SessionState> {
  // A realistic stored session: made by the real engine.
  const { service, store } = memoryCheckout({ idPrefix: 'tpl', sessionTtlSeconds: 365 * 24 * 3600 });
  const { id } = sessionOf(
    await service.createSession(OPEN_SESSION_BODY, inProcessContext('bench', 'tpl')),
    201,
  );
  return (await store.getSession(id))!.state;
}

const sessionIdAt = (i: number) => `cs_bench_${i}`;

interface SizedStore {
  n: number;
  getSession(id: string): Promise<unknown>;
}

/**
 * Session gets on stores of different sizes in alternating rounds (order flipped every round), so that the
 * sizes share whatever else the machine does. Ids are visited with a stride (7919) over the whole store.
 */
async function alternatingGets(stores: SizedStore[], rounds: number, perRound: number) {
  const p50 = stores.map(() => [] as number[]);
  const p99 = stores.map(() => [] as number[]);
  const next = stores.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [...stores.keys()].reverse() : [...stores.keys()];
    for (const i of order) {
      const s = stores[i]!;
      const lat = await sample(() => s.getSession(sessionIdAt((next[i]!++ * 7919) % s.n)), {
        iterations: perRound,
        warmup: 50,
      });
      const sum = summarize(lat);
      p50[i]!.push(sum.p50);
      p99[i]!.push(sum.p99);
    }
  }
  return stores.map((s, i) => ({
    n: s.n,
    p50: median(p50[i]!),
    p99: median(p99[i]!),
    /** Median over rounds of this size's p50 / the first size's p50 in the same round. */
    ratio: median(p50[i]!.map((x, r) => x / p50[0]![r]!)),
  }));
}

function reportGets(
  r: Reporter,
  label: string,
  results: Awaited<ReturnType<typeof alternatingGets>>,
  seededInMs: number[],
) {
  for (const [i, x] of results.entries())
    r.metric(`${label} getSession p50 @ ${x.n.toLocaleString('en')} sessions`, round(x.p50, 4), 'ms', {
      p99: round(x.p99, 4),
      vsSmallest: round(x.ratio, 2),
      seededInMs: seededInMs[i],
    });
  const first = results[0]!;
  const last = results.at(-1)!;
  r.target(
    `${label} session get p50 growth ${first.n.toLocaleString('en')} → ${last.n.toLocaleString('en')}`,
    round(last.ratio, 2),
    'x',
    '<=',
    1.5,
  );
}

async function sessionGet(r: Reporter, quick: boolean, pgUrl: string | undefined) {
  const sizes = quick ? [1_000, 10_000, 100_000] : [1_000, 100_000, 1_000_000];
  const plan = quick ? { rounds: 6, sqlite: 500, pg: 200 } : { rounds: 10, sqlite: 1_000, pg: 400 };
  r.note(
    `Session get growth: one store per size (SQLite: one file each, synchronous=NORMAL; PostgreSQL: one schema each), seeded with the same realistic session; ${plan.rounds} alternating rounds of ${plan.sqlite} (SQLite) / ${plan.pg} (PostgreSQL) gets per size; p50 and p99 are medians over rounds, the growth is the median of the per-round p50 ratios.`,
  );
  const tpl = await sessionTemplate();
  const tplJson = JSON.stringify({ ...tpl, id: '__ID__' });

  // SQLite: bulk-seeded in one transaction per store (the row shape the adapter writes).
  const dir = mkdtempSync(join(tmpdir(), 'acp-bench-'));
  const sqlite: SqliteStore[] = [];
  try {
    const seeded: number[] = [];
    for (const n of sizes) {
      const t0 = Date.now();
      const store = createSqliteStore({ filename: join(dir, `bench-${n}.db`), synchronous: 'NORMAL' });
      sqlite.push(store);
      const insert = store.database.prepare(
        'INSERT INTO acp_checkout_sessions (id, version, status, state, created_at, updated_at, expires_at) VALUES (?, 1, ?, ?, ?, ?, ?)',
      );
      store.database.transaction(() => {
        for (let i = 0; i < n; i++) {
          const id = sessionIdAt(i);
          insert.run(id, tpl.status, tplJson.replace('__ID__', id), t0, t0 + i, t0 + 365 * 86_400_000);
        }
      })();
      store.database.pragma('wal_checkpoint(TRUNCATE)');
      seeded.push(Date.now() - t0);
    }
    const results = await alternatingGets(
      sqlite.map((s, i) => ({ n: sizes[i]!, getSession: (id) => s.getSession(id) })),
      plan.rounds,
      plan.sqlite,
    );
    reportGets(r, 'SQLite', results, seeded);
    const largest = sqlite.at(-1)!;
    const plan0 = largest.database
      .prepare('EXPLAIN QUERY PLAN SELECT state, version FROM acp_checkout_sessions WHERE id = ?')
      .all('cs_bench_0') as { detail: string }[];
    r.note(
      `SQLite getSession plan at ${sizes.at(-1)!.toLocaleString('en')} sessions: ${plan0.map((p) => p.detail).join('; ')}; database file ${round(statSync(join(dir, `bench-${sizes.at(-1)}.db`)).size / 2 ** 20, 0)} MiB.`,
    );
  } finally {
    for (const s of sqlite) s.close();
    rmSync(dir, { recursive: true, force: true });
  }

  if (!pgUrl) {
    r.note('PostgreSQL session-get growth skipped: no ACP_TEST_POSTGRES_URL / server.');
    return;
  }
  const pg: { store: PostgresStore; schema: string }[] = [];
  try {
    const seeded: number[] = [];
    for (const n of sizes) {
      const t0 = Date.now();
      const schema = `bench_${process.pid}_${n}`;
      const store = await createPostgresStore({ connectionString: pgUrl, schema });
      pg.push({ store, schema });
      const chunk = 100_000;
      for (let from = 0; from < n; from += chunk) {
        const to = Math.min(n, from + chunk);
        await store.pool
          .query(
            `INSERT INTO "${schema}".checkout_sessions (id, version, status, state, created_at, updated_at, expires_at)
           SELECT 'cs_bench_' || g, 1, $1, replace($2, '__ID__', 'cs_bench_' || g)::jsonb, now(), now() + (g || ' milliseconds')::interval, now() + interval '365 days'
           FROM generate_series($3::int, $4::int - 1) AS g`,
            [tpl.status, tplJson, from, to],
          )
          .catch(async (e: Error) => {
            // Column types differ between adapter versions (text vs jsonb, timestamptz vs bigint): fall back to commit().
            if (from === 0 && /type|cast|column/i.test(e.message)) {
              for (let i = from; i < to; i++)
                await store.commit({ session: { ...tpl, id: sessionIdAt(i) }, expectedVersion: null });
              return;
            }
            throw e;
          });
      }
      await store.pool.query(`ANALYZE "${schema}".checkout_sessions`);
      seeded.push(Date.now() - t0);
    }
    const results = await alternatingGets(
      pg.map((p, i) => ({ n: sizes[i]!, getSession: (id) => p.store.getSession(id) })),
      plan.rounds,
      plan.pg,
    );
    reportGets(r, 'PostgreSQL', results, seeded);
    const largest = pg.at(-1)!;
    const explained = await largest.store.pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS) SELECT state::text AS state, version FROM "${largest.schema}".checkout_sessions WHERE id = $1`,
      [sessionIdAt(Math.floor(sizes.at(-1)! / 2))],
    );
    r.note(
      `PostgreSQL getSession plan at ${sizes.at(-1)!.toLocaleString('en')} sessions: ${explained.rows.map((x) => x['QUERY PLAN'].trim()).join('; ')}.`,
    );
  } finally {
    for (const { store, schema } of pg) {
      await store.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await store.close();
    }
  }
}

const gc = () => (globalThis as { gc?: () => void }).gc?.();
const heapAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

export async function memoryPerSession(r: Reporter, quick: boolean) {
  if (!(globalThis as { gc?: () => void }).gc) {
    r.note('memory per session skipped: run node with --expose-gc');
    return;
  }
  const n = quick ? 2_000 : 10_000;
  {
    const { service } = memoryCheckout({ idPrefix: 'mem' });
    // Warm up allocators and caches before the baseline.
    for (let i = 0; i < 200; i++)
      await service.createSession(OPEN_SESSION_BODY, inProcessContext('warm', `w${i}`));
    const before = heapAfterGc();
    for (let i = 0; i < n; i++)
      await service.createSession(OPEN_SESSION_BODY, inProcessContext('bench', `m${i}`));
    const withIdempotency = (heapAfterGc() - before) / n / 1024;
    r.metric(
      `memory store: heap per session created through the service (${n.toLocaleString('en')}; includes its 24 h idempotency record with the full response)`,
      round(withIdempotency, 2),
      'KB',
    );
    keepAlive.push(service);
  }
  // The open session alone: the same realistic state committed n times into a fresh store.
  const tpl = await sessionTemplate();
  const sessionsOnly = createMemoryStore();
  const base = heapAfterGc();
  for (let i = 0; i < n; i++)
    await sessionsOnly.commit({ session: { ...tpl, id: `cs_mem_${i}` }, expectedVersion: null });
  const perSession = (heapAfterGc() - base) / n / 1024;
  r.metric(
    `memory store: heap per open session (${n.toLocaleString('en')} sessions)`,
    round(perSession, 2),
    'KB',
  );
  r.target('memory per open session (memory store)', round(perSession, 2), 'KB', '<=', 8);
  keepAlive.push(sessionsOnly);

  await memoryPerCompletedSession(r, quick);
}

/**
 * A completed session with everything the memory store keeps for it: the session, its payment attempt and
 * order, and the idempotency records of its four POSTs (create, two updates, complete), each with a fresh key.
 * Flows through `createCheckoutService` with the memory gateway and a succeeding test credential. The store
 * alone is what remains reachable when the figure is taken (the service, its render cache and the fake PSP's
 * records are dropped first); the whole wiring's figure is shown too.
 */
async function memoryPerCompletedSession(r: Reporter, quick: boolean) {
  const n = quick ? 1_000 : 5_000;
  const caller = 'agent_bench';
  {
    const warm = memoryCheckout({ idPrefix: 'warm' });
    for (const f of flowInputs(200, { completeWith: MEMORY_SUCCEEDING_TOKEN }))
      await inProcessFlow(warm.service, f, caller);
  }
  const input = flowInputs(n, { completeWith: MEMORY_SUCCEEDING_TOKEN });
  const base = heapAfterGc();
  let wiring: ReturnType<typeof memoryCheckout> | undefined = memoryCheckout({ idPrefix: 'done' });
  for (const f of input) await inProcessFlow(wiring.service, f, caller);
  // Let post-commit work (the new order's refund pull) settle before measuring.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const whole = (heapAfterGc() - base) / n / 1024;
  const stats = wiring.store.stats();
  const store = wiring.store;
  wiring = undefined;
  const storeOnly = (heapAfterGc() - base) / n / 1024;
  // The inputs were built before the baseline: they stay reachable to the end.
  keepAlive.push(store, input);
  r.metric(
    `memory store: heap per completed session incl. its order, attempt and 4 idempotency records (${n.toLocaleString('en')} flows)`,
    round(storeOnly, 2),
    'KB',
    {
      wholeWiringKB: round(whole, 2),
      sessions: stats.sessions,
      orders: stats.orders,
      attempts: stats.attempts,
      idempotencyRecords: stats.idempotencyRecords,
    },
  );
  r.target(
    'memory per completed session incl. idempotency records (memory store)',
    round(storeOnly, 2),
    'KB',
    '<=',
    8,
  );
}
const keepAlive: unknown[] = [];

export async function growth(r: Reporter, opts: { quick: boolean; pgUrl: string | undefined }) {
  r.section('Growth');
  await catalogSearch(r, opts.quick);
  await sessionGet(r, opts.quick, opts.pgUrl);
  await memoryPerSession(r, opts.quick);
}
