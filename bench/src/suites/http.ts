// Transport overhead, side by side in one run, each server in its own child process:
// - MCP: `get_checkout_session` (ACP binding tool) on @acp/mcp-http vs a no-op tool on a bare
//   `createMcpHandler` (same SDK v2, stateless, same node adapter), in both protocol eras.
// - REST: `GET /checkout_sessions/{id}` on @acp/mcp-http vs a bare node:http endpoint answering a JSON body of
//   the same size.
import { API_VERSION, CAPABILITIES } from '../checkout.js';
import { type RunningChild, withChild } from '../children.js';
import { type HttpRequestSpec, httpClient, httpLoad, type LoadResult } from '../http-load.js';
import type { Reporter } from '../report.js';
import { median, round } from '../stats.js';

export interface HttpOptions {
  quick: boolean;
  /** Closed-loop connections for the throughput comparison. */
  concurrency?: number;
}

export interface Plan {
  rounds: number;
  durationMs: number;
  warmupMs: number;
  concurrency: number;
}

function planOf(o: HttpOptions): Plan {
  // Short alternating rounds: other processes on a small machine add noise, and adjacent rounds share it.
  return o.quick
    ? { rounds: 6, durationMs: 1_000, warmupMs: 1_000, concurrency: o.concurrency ?? 8 }
    : { rounds: 16, durationMs: 1_500, warmupMs: 2_000, concurrency: o.concurrency ?? 8 };
}

export interface Side {
  label: string;
  /** The server process, to read its CPU time per request. */
  child?: RunningChild;
  origin: string;
  request: HttpRequestSpec;
  check: (status: number, body: string) => boolean;
}

export interface Compared {
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  bytes: number;
  /** Median server CPU time per answered request (µs), when the side has a child. */
  cpuMicrosPerRequest: number;
  /** Median over rounds of this side's throughput / the first side's throughput in the same round. */
  throughputRatio: number;
  /** Median over rounds of this side's p99 / the first side's p99 in the same round. */
  p99Ratio: number;
}

/**
 * Alternates the sides for `rounds` short rounds (order flipped each round, after one warm-up per side) and
 * keeps each side's median throughput, p50 and p99, plus the median of its per-round ratios to side 0.
 */
export async function compare(sides: Side[], plan: Plan): Promise<Compared[]> {
  const results: LoadResult[][] = sides.map(() => []);
  const cpu: number[][] = sides.map(() => []);
  for (const s of sides) {
    await httpLoad(s.origin, s.request, {
      concurrency: plan.concurrency,
      durationMs: plan.warmupMs,
      check: s.check,
    });
  }
  for (let round = 0; round < plan.rounds; round++) {
    const order = round % 2 ? [...sides.keys()].reverse() : [...sides.keys()];
    for (const i of order) {
      const s = sides[i]!;
      const before = (await s.child?.cpuMicros()) ?? 0;
      const r = await httpLoad(s.origin, s.request, {
        concurrency: plan.concurrency,
        durationMs: plan.durationMs,
        check: s.check,
      });
      const after = (await s.child?.cpuMicros()) ?? 0;
      results[i]!.push(r);
      cpu[i]!.push((after - before) / Math.max(1, r.latency.n));
    }
  }
  const base = results[0]!;
  return results.map((rs, side) => ({
    perSecond: median(rs.map((r) => r.perSecond)),
    p50: median(rs.map((r) => r.latency.p50)),
    p99: median(rs.map((r) => r.latency.p99)),
    errors: rs.reduce((a, r) => a + r.errors, 0),
    bytes: median(rs.map((r) => r.bytes)),
    cpuMicrosPerRequest: median(cpu[side]!),
    throughputRatio: median(rs.map((r, i) => r.perSecond / base[i]!.perSecond)),
    p99Ratio: median(rs.map((r, i) => r.latency.p99 / base[i]!.latency.p99)),
  }));
}

function describe(c: Compared) {
  return {
    p50ms: round(c.p50, 3),
    p99ms: round(c.p99, 3),
    serverCpuMicrosPerRequest: Math.round(c.cpuMicrosPerRequest),
    errors: c.errors,
    bodyBytes: Math.round(c.bytes),
  };
}

/** Creates one session through REST and returns its id and its GET body. */
async function seedSession(origin: string): Promise<{ id: string; body: string }> {
  const client = httpClient(origin, 1);
  try {
    const created = await client.send({
      method: 'POST',
      path: '/checkout_sessions',
      headers: {
        'content-type': 'application/json',
        'api-version': API_VERSION,
        'idempotency-key': 'bench-seed-1',
      },
      body: JSON.stringify({
        currency: 'usd',
        line_items: [{ id: 'mug_classic', quantity: 1 }],
        capabilities: CAPABILITIES,
      }),
    });
    if (created.status !== 201) throw new Error(`seed session: HTTP ${created.status} ${created.body}`);
    const id = (JSON.parse(created.body) as { id: string }).id;
    const got = await client.send({
      method: 'GET',
      path: `/checkout_sessions/${id}`,
      headers: { 'api-version': API_VERSION },
    });
    return { id, body: got.body };
  } finally {
    await client.close();
  }
}

type Era = '2025-11-25' | '2026-07-28';

/** A stateless `tools/call` exactly as `@modelcontextprotocol/client` sends it in each era. */
export function toolCall(era: Era, name: string, args: Record<string, unknown>): HttpRequestSpec {
  const headers: Record<string, string> = {
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
    'mcp-protocol-version': era,
  };
  const params: Record<string, unknown> = { name, arguments: args };
  if (era === '2026-07-28') {
    headers['mcp-method'] = 'tools/call';
    headers['mcp-name'] = name;
    params._meta = {
      'io.modelcontextprotocol/protocolVersion': era,
      'io.modelcontextprotocol/clientInfo': { name: 'acp-bench', version: '1.0.0' },
      'io.modelcontextprotocol/clientCapabilities': {},
    };
  }
  return {
    method: 'POST',
    path: '/mcp',
    headers,
    body: JSON.stringify({ method: 'tools/call', params, jsonrpc: '2.0', id: 1 }),
  };
}

const toolOk = (status: number, body: string) =>
  status === 200 && body.includes('"result"') && !body.includes('"isError":true');

export async function mcpOverhead(r: Reporter, o: HttpOptions): Promise<void> {
  const plan = planOf(o);
  r.section('MCP overhead (Streamable HTTP, stateless)');
  r.note(
    `MCP and REST: ${plan.rounds} alternating rounds of ${plan.durationMs / 1000} s per side at ${plan.concurrency} keep-alive connections (closed loop, after ${plan.warmupMs / 1000} s warm-up per side); ratios are medians of per-round ratios, absolute figures medians over rounds. Servers in child processes, load generator (undici) in the parent.`,
  );
  await withChild({ role: 'acp' }, async (acp) => {
    const { id } = await seedSession(acp.url);
    await withChild({ role: 'mcp-noop' }, async (noop) => {
      for (const era of ['2025-11-25', '2026-07-28'] as const) {
        const [base, real] = await compare(
          [
            {
              label: 'no-op',
              child: noop,
              origin: noop.url,
              request: toolCall(era, 'noop', {}),
              check: toolOk,
            },
            {
              label: 'get_checkout_session',
              child: acp,
              origin: acp.url,
              request: toolCall(era, 'get_checkout_session', { meta: { api_version: API_VERSION }, id }),
              check: (s, b) => toolOk(s, b) && b.includes(id),
            },
          ],
          plan,
        );
        r.metric(`no-op tool, ${era} era`, round(base!.perSecond, 0), 'req/s', describe(base!));
        r.metric(`get_checkout_session, ${era} era`, round(real!.perSecond, 0), 'req/s', describe(real!));
        r.target(
          `MCP get_checkout_session throughput vs no-op (${era})`,
          round(real!.throughputRatio, 2),
          'x',
          '>=',
          0.85,
        );
        r.target(`MCP get_checkout_session p99 vs no-op (${era})`, round(real!.p99Ratio, 2), 'x', '<=', 1.25);
      }
    });
  });
}

export async function restOverhead(r: Reporter, o: HttpOptions): Promise<void> {
  const plan = planOf(o);
  r.section('REST overhead');
  await withChild({ role: 'acp' }, async (acp) => {
    const { id, body } = await seedSession(acp.url);
    await withChild({ role: 'rest-bare', body: JSON.parse(body) }, async (bare) => {
      await withChild({ role: 'rest-service' }, async (direct) => {
        const get = {
          method: 'GET' as const,
          path: `/checkout_sessions/${id}`,
          headers: { 'api-version': API_VERSION },
        };
        const sameBody = (s: number, b: string) => s === 200 && b.length === body.length;
        const [base, core, real] = await compare(
          [
            { label: 'bare', child: bare, origin: bare.url, request: get, check: sameBody },
            { label: 'service', child: direct, origin: direct.url, request: get, check: sameBody },
            { label: 'acp', child: acp, origin: acp.url, request: get, check: sameBody },
          ],
          plan,
        );
        r.metric(
          'bare node:http JSON endpoint (same body)',
          round(base!.perSecond, 0),
          'req/s',
          describe(base!),
        );
        r.metric(
          'node:http + core service.getSession, no @acp/mcp-http (diagnostic)',
          round(core!.perSecond, 0),
          'req/s',
          { ...describe(core!), vsBare: round(core!.throughputRatio, 2) },
        );
        r.metric('GET /checkout_sessions/{id}', round(real!.perSecond, 0), 'req/s', describe(real!));
        r.target(
          'REST GET /checkout_sessions/{id} throughput vs bare node:http',
          round(real!.throughputRatio, 2),
          'x',
          '>=',
          0.5,
        );
      });
    });
  });
}
