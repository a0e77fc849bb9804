// Full checkout flow over ACP REST against the Stripe emulator, on the memory, SQLite and PostgreSQL stores:
// create → update (buyer + shipping address) → test SPT through @acp/stripe's test helper → complete.
// The server (@acp/mcp-http on node:http, @acp/stripe gateway) and the emulator each run in a child process;
// the agent side (this process) drives closed-loop flows at concurrency 1 and 16.
// With ACP_BENCH_PROFILE=<dir>, each store's concurrency-16 window is profiled in the three processes (server,
// emulator, agent): <dir>/flow-<store>-c16-<process>.cpuprofile, analysed in <dir>/flow-<store>-c16.md.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createStripeTestPayments } from '@acp/stripe';
import Stripe from 'stripe';
import { API_VERSION, FLOW_BODIES, FLOW_UPDATE_ALL } from '../checkout.js';
import { type RunningChild, startChild, withChild } from '../children.js';
import { httpClient } from '../http-load.js';
import {
  analyzeProfile,
  type CpuProfile,
  formatAnalysis,
  readProfile as readProfileFile,
  startProfiling,
  writeProfile,
} from '../profile.js';
import type { Reporter } from '../report.js';
import { round, summarize } from '../stats.js';

const STRIPE_KEY = 'sk_test_acp_bench';

export interface FlowOptions {
  quick: boolean;
  pgUrl: string | undefined;
  /** Default: all three. */
  stores?: readonly ('memory' | 'sqlite' | 'postgres')[];
}

interface Session {
  id: string;
  status: string;
  totals: { type: string; amount: number }[];
  messages?: { type: string; code?: string; content?: string }[];
}

type Step = 'create' | 'update' | 'token' | 'complete';
const STEPS: Step[] = ['create', 'update', 'token', 'complete'];

class FlowError extends Error {}

function stripeConfigOf(emulatorUrl: string) {
  const u = new URL(emulatorUrl);
  return { host: u.hostname, port: Number(u.port), protocol: 'http' as const };
}

async function runFlows(
  server: RunningChild,
  emulator: RunningChild,
  opts: {
    concurrency: number;
    durationMs: number;
    warmupMs: number;
    /** Profile the measured window of the three processes into `<dir>/<label>-<process>.cpuprofile`. */
    profile?: { dir: string; label: string };
  },
) {
  const client = httpClient(server.url, opts.concurrency);
  const stripe = new Stripe(STRIPE_KEY, { ...stripeConfigOf(emulator.url), maxNetworkRetries: 0 });
  const payments = createStripeTestPayments({ stripe, secretKey: STRIPE_KEY });
  const headers = (key: string) => ({
    'content-type': 'application/json',
    'api-version': API_VERSION,
    'idempotency-key': key,
  });
  const post = async (path: string, body: unknown, expect: number): Promise<Session> => {
    const r = await client.send({
      method: 'POST',
      path,
      headers: headers(randomUUID()),
      body: JSON.stringify(body),
    });
    if (r.status !== expect) throw new FlowError(`${path}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
    return JSON.parse(r.body) as Session;
  };

  async function flow(steps: Record<Step, number[]>) {
    let t = performance.now();
    const mark = (s: Step) => {
      const now = performance.now();
      steps[s].push(now - t);
      t = now;
    };
    const created = await post('/checkout_sessions', FLOW_BODIES.create, 201);
    mark('create');
    const updated = await post(`/checkout_sessions/${created.id}`, FLOW_UPDATE_ALL, 200);
    if (updated.status !== 'ready_for_payment')
      throw new FlowError(`update: ${updated.status} ${JSON.stringify(updated.messages)}`);
    mark('update');
    const total = updated.totals.find((x) => x.type === 'total')!.amount;
    const token = await payments.tokenFromPaymentMethod('pm_card_visa', { amount: total, currency: 'usd' });
    mark('token');
    const done = await post(
      `/checkout_sessions/${created.id}/complete`,
      FLOW_BODIES.complete(token.shared_payment_token),
      200,
    );
    if (done.status !== 'completed')
      throw new FlowError(`complete: ${done.status} ${JSON.stringify(done.messages)}`);
    mark('complete');
  }

  const run = async (ms: number) => {
    const latencies: number[] = [];
    const steps: Record<Step, number[]> = { create: [], update: [], token: [], complete: [] };
    const errors: string[] = [];
    const t0 = performance.now();
    const end = t0 + ms;
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        while (performance.now() < end) {
          const s = performance.now();
          try {
            await flow(steps);
            latencies.push(performance.now() - s);
          } catch (e) {
            errors.push(e instanceof Error ? e.message : String(e));
          }
        }
      }),
    );
    return { latencies, steps, errors, seconds: (performance.now() - t0) / 1000 };
  };
  try {
    if (opts.warmupMs) await run(opts.warmupMs);
    let agentProfiler: { stop(): Promise<CpuProfile> } | undefined;
    if (opts.profile) {
      await Promise.all([server.profileStart(), emulator.profileStart()]);
      agentProfiler = await startProfiling();
    }
    const [server0, emulator0] = [await server.cpuMicros(), await emulator.cpuMicros()];
    const agent0 = process.cpuUsage();
    const r = await run(opts.durationMs);
    const agent = process.cpuUsage(agent0);
    const [server1, emulator1] = [await server.cpuMicros(), await emulator.cpuMicros()];
    const perFlow = (micros: number) => micros / 1000 / Math.max(1, r.latencies.length);
    const cpuMsPerFlow = {
      server: perFlow(server1 - server0),
      emulator: perFlow(emulator1 - emulator0),
      agent: perFlow(agent.user + agent.system),
    };
    if (opts.profile && agentProfiler) {
      const { dir, label } = opts.profile;
      const file = (p: string) => resolve(dir, `${label}-${p}.cpuprofile`);
      const agentProfile = await agentProfiler.stop();
      writeProfile(agentProfile, file('agent'));
      await Promise.all([server.profileStop(file('server')), emulator.profileStop(file('emulator'))]);
      const sections = (['server', 'emulator', 'agent'] as const).map((p) =>
        formatAnalysis(
          `${label}: ${p} (${r.latencies.length} flows)`,
          analyzeProfile(p === 'agent' ? agentProfile : readProfileFile(file(p)), 15),
          { label: 'µs per flow', micros: cpuMsPerFlow[p] * 1000 },
        ),
      );
      writeFileSync(resolve(dir, `${label}.md`), `${sections.join('\n')}\n`);
    }
    return { ...r, cpuMsPerFlow };
  } finally {
    await client.close();
  }
}

export async function checkoutFlow(r: Reporter, o: FlowOptions): Promise<void> {
  r.section('Full checkout flow (REST + Stripe emulator)');
  // ACP_BENCH_SQLITE_SYNCHRONOUS=NORMAL: the SQLite flow without an fsync per commit (WAL stays crash-safe
  // for the application; a power loss may lose the last commits).
  const sync = process.env.ACP_BENCH_SQLITE_SYNCHRONOUS === 'NORMAL' ? 'NORMAL' : 'FULL';
  const syncLabel = sync === 'FULL' ? '' : ', synchronous=NORMAL';
  const plan = o.quick
    ? { warmupMs: 1_000, durations: { 1: 2_000, 16: 3_000 } as Record<number, number> }
    : { warmupMs: 2_000, durations: { 1: 6_000, 16: 8_000 } as Record<number, number> };
  r.note(
    `Flow: create → update (buyer, shipping address and option) → test SPT (@acp/stripe createStripeTestPayments, pm_card_visa) → complete, over keep-alive HTTP; closed loop for ${plan.durations[1]! / 1000} s at concurrency 1 and ${plan.durations[16]! / 1000} s at 16 after ${plan.warmupMs / 1000} s warm-up. Server and Stripe emulator in two child processes; SQLite with synchronous=${sync}${sync === 'FULL' ? ' (its default)' : ' (ACP_BENCH_SQLITE_SYNCHRONOUS)'}; PostgreSQL pool of 16.`,
  );
  const profileDir = process.env.ACP_BENCH_PROFILE ? resolve(process.env.ACP_BENCH_PROFILE) : undefined;
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true });
    r.note(
      `ACP_BENCH_PROFILE: the concurrency-16 windows were profiled (server, emulator, agent; ${profileDir}/flow-<store>-c16.md): their figures include the profilers' overhead.`,
    );
  }
  const emulator = await startChild({ role: 'emulator' }, { profile: 'window' });
  try {
    const stores = o.stores ?? (['memory', 'sqlite', 'postgres'] as const);
    for (const store of stores) {
      if (store === 'postgres' && !o.pgUrl) {
        r.note('PostgreSQL flow skipped: no ACP_TEST_POSTGRES_URL / server.');
        continue;
      }
      await withChild(
        {
          role: 'flow',
          store,
          stripe: stripeConfigOf(emulator.url),
          ...(store === 'sqlite' ? { sqliteSynchronous: sync } : {}),
          ...(store === 'postgres' ? { pgUrl: o.pgUrl, schema: `bench_flow_${process.pid}` } : {}),
        },
        async (server) => {
          for (const concurrency of [1, 16]) {
            const res = await runFlows(server, emulator, {
              concurrency,
              durationMs: plan.durations[concurrency]!,
              warmupMs: plan.warmupMs,
              ...(profileDir && concurrency === 16
                ? { profile: { dir: profileDir, label: `flow-${store}-c16` } }
                : {}),
            });
            const s = summarize(res.latencies);
            const stepP50 = Object.fromEntries(
              STEPS.map((k) => [`${k}P50ms`, round(summarize(res.steps[k]).p50, 2)]),
            );
            r.metric(
              `${store} store${store === 'sqlite' ? syncLabel : ''}, concurrency ${concurrency}`,
              round(res.latencies.length / res.seconds, 1),
              'flows/s',
              {
                p50ms: round(s.p50, 2),
                p99ms: round(s.p99, 2),
                ...stepP50,
                serverCpuMs: round(res.cpuMsPerFlow.server, 2),
                emulatorCpuMs: round(res.cpuMsPerFlow.emulator, 2),
                agentCpuMs: round(res.cpuMsPerFlow.agent, 2),
                flows: s.n,
                errors: res.errors.length,
              },
            );
            if (res.errors.length) r.note(`${store} c=${concurrency}: first error: ${res.errors[0]}`);
            if (store !== 'postgres' && concurrency === 16) {
              // No completed flow is a miss, not a 0 ms p99.
              const p99 = s.n ? round(s.p99, 2) : Number.NaN;
              const name = store === 'memory' ? 'memory store' : `SQLite store${syncLabel}`;
              r.target(`full checkout flow p99 at concurrency 16 (${name})`, p99, 'ms', '<=', 50);
              r.target(
                `full checkout flow: server CPU per flow at concurrency 16 (${name})`,
                s.n ? round(res.cpuMsPerFlow.server, 2) : Number.NaN,
                'ms',
                '<=',
                1.5,
              );
            }
          }
        },
        { profile: 'window' },
      );
    }
  } finally {
    await emulator.stop();
  }
}
