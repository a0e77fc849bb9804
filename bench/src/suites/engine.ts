// The engine in process: `createCheckoutService` on the memory store, with the service's own validation and
// idempotency (real request bodies, a fresh idempotency key on every POST). One flow is four engine calls:
// create → update buyer and address → select shipping → get. Figures:
// - CPU per engine call: process.cpuUsage() around a round of flows, one flow at a time, after a warm-up;
//   the median over rounds (each round on a fresh wiring, after a forced GC when node runs with --expose-gc);
// - flows/s: the same rounds' wall-clock rate (one flow in flight, one event loop);
// - CPU per call of each operation: other rounds, with process.cpuUsage() around every call;
// - a CPU profile of the loop (results/engine.cpuprofile, or in ACP_BENCH_PROFILE) and its analysis
//   (results/engine-profile.md): self time by category and the top functions with their TypeScript file:line.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  flowInputs,
  IN_PROCESS_STEPS,
  type InProcessStep,
  inProcessFlow,
  memoryCheckout,
} from '../checkout.js';
import { analyzeProfile, formatAnalysis, startProfiling, writeProfile } from '../profile.js';
import type { Reporter } from '../report.js';
import { median, round } from '../stats.js';

export interface EngineOptions {
  quick: boolean;
  /** Where the profile and its analysis go. */
  resultsDir: string;
}

/** The four engine calls of one flow, in order (no complete). */
type Op = Exclude<InProcessStep, 'complete'>;
export const ENGINE_OPS = IN_PROCESS_STEPS.filter((s): s is Op => s !== 'complete');

const CALLER = 'agent_bench';

const gc = () => (globalThis as { gc?: () => void }).gc?.();

interface Round {
  cpuMicros: number;
  wallMs: number;
}

/** `n` flows (up to step `until`), one at a time, on a fresh wiring. */
async function runRound(n: number, until: Op = 'get'): Promise<Round> {
  const c = memoryCheckout({ idPrefix: `e${randomUUID().slice(0, 8)}` });
  const input = flowInputs(n);
  gc();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const f of input) await inProcessFlow(c.service, f, CALLER, until);
  const cpu = process.cpuUsage(cpu0);
  return { cpuMicros: cpu.user + cpu.system, wallMs: performance.now() - t0 };
}

export async function engine(r: Reporter, o: EngineOptions): Promise<void> {
  r.section('In-process engine (memory store, validation + idempotency)');
  const plan = o.quick
    ? { warmupFlows: 500, rounds: 5, roundMs: 250, profileMs: 1_500 }
    : { warmupFlows: 3_000, rounds: 12, roundMs: 500, profileMs: 4_000 };
  // Warm-up (JIT); it also sizes the rounds to about `roundMs` of CPU each (200–5,000 flows).
  const warm = await runRound(plan.warmupFlows);
  const perRound = Math.max(
    200,
    Math.min(5_000, Math.round((plan.roundMs * 1000) / (warm.cpuMicros / plan.warmupFlows))),
  );

  // Each round runs the flow up to one step: the full flow gives the headline, and the CPU of one step is the
  // difference between the prefixes that end just before and at it (no timing inside the flow). The step
  // kinds take turns (order flipped every round) so they share the machine's load.
  const rounds = new Map<Op, Round[]>(ENGINE_OPS.map((op) => [op, []]));
  for (let i = 0; i < plan.rounds; i++) {
    const order = i % 2 ? [...ENGINE_OPS].reverse() : ENGINE_OPS;
    for (const op of order) rounds.get(op)!.push(await runRound(perRound, op));
  }
  const flowMicros = (op: Op) => median(rounds.get(op)!.map((x) => x.cpuMicros / perRound));
  const full = rounds.get('get')!;
  const perCall = flowMicros('get') / ENGINE_OPS.length;
  const flowsPerSecond = median(full.map((x) => (perRound / x.wallMs) * 1000));
  const perOp = Object.fromEntries(
    ENGINE_OPS.map((op, i) => [op, flowMicros(op) - (i ? flowMicros(ENGINE_OPS[i - 1]!) : 0)]),
  ) as Record<Op, number>;

  r.note(
    `Engine: ${ENGINE_OPS.join(' → ')} (4 engine calls per flow) through \`createCheckoutService\` (memory store, catalog and gateway, flat-rate pricing, system clock), request bodies as a transport's JSON.parse gives them and a fresh idempotency key on every POST; one flow at a time. ${plan.rounds} rounds of ${perRound} flows per flow prefix (create; + update; + shipping; + get = the full flow), each round on a fresh wiring after a forced GC, after ${plan.warmupFlows} warm-up flows; medians over rounds; one operation's CPU = the difference between two prefixes. CPU = process.cpuUsage() (user + system, all threads: GC included).`,
  );
  r.metric('CPU per engine call (mean over the flow)', round(perCall, 1), 'µs', {
    cpuPerFlowMicros: round(perCall * ENGINE_OPS.length, 0),
    flowsPerRound: perRound,
    rounds: plan.rounds,
  });
  r.metric('flows per second (one flow at a time, wall clock)', round(flowsPerSecond, 0), 'flows/s', {
    engineCallsPerSecond: round(flowsPerSecond * ENGINE_OPS.length, 0),
    // What one core would do at the measured CPU per flow (less sensitive to other load on the machine).
    perCpuSecond: round(1e6 / (perCall * ENGINE_OPS.length), 0),
  });
  r.metric(
    'CPU per call, by operation',
    round(perCall, 1),
    'µs',
    Object.fromEntries(ENGINE_OPS.map((op) => [op, round(perOp[op], 1)])),
  );
  r.target('in-process engine: CPU per engine call (memory store)', round(perCall, 1), 'µs', '<=', 25);

  // The profile: a fresh wiring, sampled every 100 µs for about `profileMs` of flows.
  const c = memoryCheckout({ idPrefix: 'prof' });
  const n = Math.max(200, Math.round((plan.profileMs * 1000) / (perCall * ENGINE_OPS.length)));
  const input = flowInputs(n);
  gc();
  const profiler = await startProfiling(100);
  for (const f of input) await inProcessFlow(c.service, f, CALLER);
  const profile = await profiler.stop();
  const dir = process.env.ACP_BENCH_PROFILE ? resolve(process.env.ACP_BENCH_PROFILE) : o.resultsDir;
  mkdirSync(dir, { recursive: true });
  const file = resolve(dir, 'engine.cpuprofile');
  writeProfile(profile, file);
  const analysis = analyzeProfile(profile, 15);
  const md = formatAnalysis(
    `In-process engine: ${n} flows (${n * ENGINE_OPS.length} engine calls)`,
    analysis,
    {
      label: 'µs per engine call',
      micros: perCall,
    },
  );
  writeFileSync(resolve(dir, 'engine-profile.md'), `${md}\n`);
  r.note(
    `Engine profile (${file}; analysis in engine-profile.md), self time by category, µs per engine call: ${analysis.categories
      .filter((x) => x.share >= 0.01)
      .map((x) => `${x.name} ${round(x.share * perCall, 1)}`)
      .join(', ')}.`,
  );
}
