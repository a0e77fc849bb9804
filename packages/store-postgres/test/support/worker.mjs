// A separate checkout "server" process for the cross-process tests. It runs the real engine on the BUILT
// packages (dist/) against a PostgreSQL schema shared with other processes, and the shared test PSP.
//   node worker.mjs '<json options>'   — prints one JSON object per line on stdout.
// Modes: race (parallel completes + an update per session, after the parent says GO), crash (start
// completing, print CHARGED after the PSP charged, then hang until SIGKILLed), recover
// (recoverPendingPayments at start-up), retry (repeat the agent's complete requests with their keys), open
// (wait for GO, then open and migrate the database, then exit).
import { createInterface } from 'node:readline';
import { createCheckoutService, tokenizedCardHandler } from '@acp/core';
import {
  createFlatRatePricing,
  createMemoryCatalog,
  createSequentialIds,
  createSystemClock,
} from '@acp/core/memory';
import { createPostgresStore } from '../../dist/index.js';
import { createSharedPostgresPsp } from './shared-psp.mjs';

const opts = JSON.parse(process.argv[2]);
const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

const PRODUCTS = [
  {
    id: 'ebook_mcp',
    name: 'The MCP Handbook (ebook)',
    unitAmount: 1999,
    currency: 'usd',
    fulfillment: 'digital',
  },
];

async function waitForGo() {
  out({ ready: true });
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) if (line.trim() === 'GO') break;
  rl.close();
}

// mode 'open': several processes open (and migrate) a fresh database at the same moment.
if (opts.mode === 'open') await waitForGo();
const store = await createPostgresStore({
  connectionString: opts.url,
  schema: opts.schema,
  poolConfig: { max: opts.poolMax ?? 5 },
});
if (opts.mode === 'open') {
  await store.close();
  out({ done: true });
  process.exit(0);
}
const recording = {
  ...store,
  async commit(req) {
    const r = await store.commit(req);
    if (r.ok)
      out({
        commit: {
          sessionId: req.session.id,
          from: req.expectedVersion,
          to: r.version,
          status: req.session.status,
        },
      });
    return r;
  },
};
const gateway = createSharedPostgresPsp(store.pool, opts.schema, {
  onCharged: async (req) => {
    if (opts.mode !== 'crash') return;
    out({ charged: req.sessionId });
    await new Promise((resolve) => setTimeout(resolve, 120_000)); // "crash" window: the parent SIGKILLs us
  },
});
const system = createSystemClock();
const clock = { now: () => new Date(system.now().getTime() + (opts.clockOffsetMs ?? 0)) };
const service = createCheckoutService({
  store: recording,
  catalog: createMemoryCatalog(PRODUCTS),
  pricing: createFlatRatePricing({ taxRateBps: 875 }),
  gateway,
  clock,
  ids: createSequentialIds(`${opts.label}_${process.pid}`),
  config: {
    paymentHandlers: [
      tokenizedCardHandler({ psp: 'stripe', merchantId: 'acct_test_merchant', environment: 'test' }),
    ],
    interventions: { supported: ['3ds'], required: [], enforcement: 'conditional' },
    supportedCurrencies: ['usd'],
    orderPermalinkBase: 'https://shop.example.com/orders/',
  },
  logger: { warn: () => {}, error: (m, f) => out({ log: m, fields: f }) },
});

const paymentData = {
  handler_id: 'card_tokenized',
  instrument: { type: 'card', credential: { type: 'spt', token: 'spt_test_visa' } },
};
const ctx = (idempotencyKey) => ({ caller: 'agent_x', apiVersion: '2026-04-17', idempotencyKey });
const summarize = (sessionId, kind, r) => ({
  result: {
    sessionId,
    kind,
    status: r.status,
    code: r.body?.code,
    replayed: r.replayed,
    sessionStatus: r.body?.status,
    orderId: r.body?.order?.id,
  },
});

if (opts.mode === 'race') {
  await waitForGo();
  const calls = [];
  for (const sessionId of opts.sessions) {
    const update = () => {
      const body = { buyer: { email: 'buyer@example.com', first_name: opts.label } };
      calls.push(
        service
          .updateSession(sessionId, body, ctx(`${opts.label}_${sessionId}_update`))
          .then((r) => summarize(sessionId, 'update', r)),
      );
    };
    if (opts.updateFirst) update();
    for (let c = 0; c < opts.callers; c++) {
      const key = c === 0 ? `shared_${sessionId}` : `${opts.label}_${sessionId}_${c}`;
      calls.push(
        service
          .completeSession(sessionId, { payment_data: paymentData }, ctx(key))
          .then((r) => summarize(sessionId, 'complete', r)),
      );
    }
    if (!opts.updateFirst) update();
  }
  for (const r of await Promise.all(calls)) out(r);
} else if (opts.mode === 'crash') {
  await Promise.all(
    opts.sessions.map((sessionId) =>
      service.completeSession(sessionId, { payment_data: paymentData }, ctx(`crash_${sessionId}`)),
    ),
  );
  out({ error: 'the crash window ended without a SIGKILL' });
} else if (opts.mode === 'recover') {
  out({ recovered: await service.recoverPendingPayments() });
} else if (opts.mode === 'retry') {
  for (const sessionId of opts.sessions) {
    out(
      summarize(
        sessionId,
        'complete',
        await service.completeSession(sessionId, { payment_data: paymentData }, ctx(`crash_${sessionId}`)),
      ),
    );
  }
}
await store.close();
out({ done: true });
