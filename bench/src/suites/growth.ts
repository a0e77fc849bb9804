// Growth: catalog search at 100 / 10k / 100k products, session get with 1k / 100k / 1M stored sessions on
// SQLite and PostgreSQL, and memory per open session in the memory store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCheckoutService, type Product, type SessionState } from '@acp/core';
import { createFlatRatePricing, createMemoryCatalog, createSystemClock } from '@acp/core/adapters';
import { createMemoryStore } from '@acp/core/memory';
import {
  createMemoryGateway,
  createSequentialIds,
  SAMPLE_ADDRESS,
  SAMPLE_PRODUCTS,
  sampleMerchantConfig,
} from '@acp/core/testing';
import { createPostgresStore } from '@acp/store-postgres';
import { createSqliteStore } from '@acp/store-sqlite';
import type { Reporter } from '../report.js';
import { round, sample, summarize } from '../stats.js';

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
  r.target('catalog search p50 at 100k products', results[100_000]!, 'ms', '<=', 5);
}

function sessionTemplate(): Promise<SessionState> {
  // A realistic stored session: made by the real engine.
  const store = createMemoryStore();
  const service = createCheckoutService({
    store,
    catalog: createMemoryCatalog(SAMPLE_PRODUCTS),
    pricing: createFlatRatePricing({ taxRateBps: 875 }),
    gateway: createMemoryGateway(),
    clock: createSystemClock(),
    ids: createSequentialIds('tpl'),
    config: sampleMerchantConfig({ sessionTtlSeconds: 365 * 24 * 3600 }),
  });
  return service
    .createSession(
      {
        line_items: [{ id: 'mug_classic', quantity: 2 }, { id: 'ebook_mcp' }],
        currency: 'usd',
        capabilities: { interventions: { supported: ['3ds'] } },
        buyer: { email: 'bench@example.com' },
        fulfillment_details: { address: SAMPLE_ADDRESS },
      },
      { caller: 'bench', apiVersion: '2026-04-17', idempotencyKey: 'tpl' },
    )
    .then(async (res) => (await store.getSession((res.body as { id: string }).id))!.state);
}

async function sessionGet(r: Reporter, quick: boolean, pgUrl: string | undefined) {
  const sizes = quick ? [1_000, 10_000, 100_000] : [1_000, 100_000, 1_000_000];
  const tpl = await sessionTemplate();
  const tplJson = JSON.stringify({ ...tpl, id: '__ID__' });
  const ratioOf: Record<string, number> = {};
  // SQLite: one file, bulk-seeded in one transaction (same row shape the adapter writes).
  const dir = mkdtempSync(join(tmpdir(), 'acp-bench-'));
  try {
    const store = createSqliteStore({ filename: join(dir, 'bench.db'), synchronous: 'NORMAL' });
    const insert = store.database.prepare(
      'INSERT INTO acp_checkout_sessions (id, version, status, state, created_at, updated_at, expires_at) VALUES (?, 1, ?, ?, ?, ?, ?)',
    );
    let have = 0;
    const p50: number[] = [];
    for (const n of sizes) {
      const t0 = Date.now();
      store.database.transaction(() => {
        for (let i = have; i < n; i++) {
          const id = `cs_bench_${i}`;
          insert.run(id, tpl.status, tplJson.replace('__ID__', id), t0, t0 + i, t0 + 365 * 86_400_000);
        }
      })();
      have = n;
      let k = 0;
      const lat = await sample(() => store.getSession(`cs_bench_${(k++ * 7919) % n}`), {
        iterations: quick ? 2000 : 5000,
      });
      const s = summarize(lat);
      p50.push(s.p50);
      r.metric(`SQLite getSession p50 @ ${n.toLocaleString('en')} sessions`, round(s.p50, 4), 'ms', {
        p99: round(s.p99, 4),
        seededInMs: Date.now() - t0,
      });
    }
    ratioOf.sqlite = p50.at(-1)! / p50[0]!;
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  r.target(
    `SQLite session get p50 growth ${sizes[0]!.toLocaleString('en')} → ${sizes.at(-1)!.toLocaleString('en')}`,
    round(ratioOf.sqlite!, 2),
    'x',
    '<=',
    1.5,
  );

  if (!pgUrl) {
    r.note('PostgreSQL session-get growth skipped: no ACP_TEST_POSTGRES_URL / server.');
    return;
  }
  const schema = `bench_${process.pid}`;
  const store = await createPostgresStore({ connectionString: pgUrl, schema });
  try {
    let have = 0;
    const p50: number[] = [];
    for (const n of sizes) {
      const t0 = Date.now();
      const chunk = 100_000;
      for (let from = have; from < n; from += chunk) {
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
                await store.commit({ session: { ...tpl, id: `cs_bench_${i}` }, expectedVersion: null });
              return;
            }
            throw e;
          });
      }
      await store.pool.query(`ANALYZE "${schema}".checkout_sessions`);
      have = n;
      let k = 0;
      const lat = await sample(() => store.getSession(`cs_bench_${(k++ * 7919) % n}`), {
        iterations: quick ? 1000 : 3000,
      });
      const s = summarize(lat);
      p50.push(s.p50);
      r.metric(`PostgreSQL getSession p50 @ ${n.toLocaleString('en')} sessions`, round(s.p50, 4), 'ms', {
        p99: round(s.p99, 4),
        seededInMs: Date.now() - t0,
      });
    }
    r.target(
      `PostgreSQL session get p50 growth ${sizes[0]!.toLocaleString('en')} → ${sizes.at(-1)!.toLocaleString('en')}`,
      round(p50.at(-1)! / p50[0]!, 2),
      'x',
      '<=',
      1.5,
    );
  } finally {
    await store.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await store.close();
  }
}

async function memoryPerSession(r: Reporter, quick: boolean) {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    r.note('memory per session skipped: run node with --expose-gc');
    return;
  }
  const n = quick ? 2_000 : 10_000;
  const store = createMemoryStore();
  const service = createCheckoutService({
    store,
    catalog: createMemoryCatalog(SAMPLE_PRODUCTS),
    pricing: createFlatRatePricing({ taxRateBps: 875 }),
    gateway: createMemoryGateway(),
    clock: createSystemClock(),
    ids: createSequentialIds('mem'),
    config: sampleMerchantConfig(),
  });
  const body = {
    line_items: [{ id: 'mug_classic', quantity: 2 }, { id: 'ebook_mcp' }],
    currency: 'usd',
    capabilities: { interventions: { supported: ['3ds'] } },
    buyer: { email: 'bench@example.com' },
    fulfillment_details: { address: SAMPLE_ADDRESS },
  };
  // Warm up allocators and caches before the baseline.
  for (let i = 0; i < 200; i++)
    await service.createSession(body, { caller: 'warm', apiVersion: '2026-04-17', idempotencyKey: `w${i}` });
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++)
    await service.createSession(body, { caller: 'bench', apiVersion: '2026-04-17', idempotencyKey: `m${i}` });
  gc();
  gc();
  const withIdempotency = (process.memoryUsage().heapUsed - before) / n / 1024;
  r.metric(
    `memory store: heap per session created through the service (${n.toLocaleString('en')}; includes its 24 h idempotency record with the full response)`,
    round(withIdempotency, 2),
    'KB',
  );
  // The open session alone: the same realistic state committed n times into a fresh store.
  const tpl = await sessionTemplate();
  const sessionsOnly = createMemoryStore();
  gc();
  gc();
  const base = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++)
    await sessionsOnly.commit({ session: { ...tpl, id: `cs_mem_${i}` }, expectedVersion: null });
  gc();
  gc();
  const perSession = (process.memoryUsage().heapUsed - base) / n / 1024;
  r.metric(
    `memory store: heap per open session (${n.toLocaleString('en')} sessions)`,
    round(perSession, 2),
    'KB',
  );
  r.target('memory per open session (memory store)', round(perSession, 2), 'KB', '<=', 8);
  // Both stores stay reachable until here, so neither measurement is offset by the other being collected.
  keepAlive.push(store, sessionsOnly);
}
const keepAlive: unknown[] = [];

export async function growth(r: Reporter, opts: { quick: boolean; pgUrl: string | undefined }) {
  r.section('Growth');
  await catalogSearch(r, opts.quick);
  await sessionGet(r, opts.quick, opts.pgUrl);
  await memoryPerSession(r, opts.quick);
}
