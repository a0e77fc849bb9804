import { createSystemClock, createTestCheckout } from '@acp/core/memory';
import { createAcpHttpHandler } from '@acp/mcp-http';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { noopFactory } from '/work/main/bench/dist/child.js';
import { toolCall } from '/work/main/bench/dist/suites/http.js';
import { performance } from 'node:perf_hooks';
const era = process.argv[2] ?? '2025-11-25';
const t = createTestCheckout({ clock: createSystemClock() });
const acp = createAcpHttpHandler({ service: t.service, catalog: t.catalog });
const noop = createMcpHandler(() => noopFactory());
const cr = await t.service.createSession({ currency: 'usd', line_items: [{ id: 'mug_classic' }], capabilities: { interventions: { supported: [] } } }, { caller: 'anonymous', apiVersion: '2026-04-17', idempotencyKey: 'k' });
const id = cr.body.id;
const mk = (spec) => () => new Request('http://127.0.0.1:1' + spec.path, { method: spec.method, headers: { ...spec.headers, host: '127.0.0.1:1' }, body: spec.body });
const cases = [
  ['bare noop', noop, mk(toolCall(era, 'noop', {}))],
  ['acp get_checkout_session', acp, mk(toolCall(era, 'get_checkout_session', { meta: { api_version: '2026-04-17' }, id }))],
];
const res = {};
for (let rep = 0; rep < 8; rep++) for (const [name, h, req] of cases) {
  for (let i = 0; i < 200; i++) { const r = await h.fetch(req()); await r.text(); }
  const n = 1000; const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) { const r = await h.fetch(req()); await r.text(); }
  const c = process.cpuUsage(c0);
  (res[name] ??= []).push((c.user + c.system) / n);
}
const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(28), med(v).toFixed(0), 'µs cpu (median of 8)');
