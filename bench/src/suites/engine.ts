// The engine in process: `createCheckoutService` on the memory store, with the service's own validation and
// idempotency (real request bodies, a fresh idempotency key on every POST). One flow is four engine calls:
// create → update buyer and address → select shipping → get. Figures:
// - CPU per engine call: process.cpuUsage() around a round of flows, one flow at a time, after a warm-up;
//   the median over rounds (each round on a fresh wiring, after a forced GC when node runs with --expose-gc);
// - flows/s: the same rounds' wall-clock rate (one flow in flight, one event loop), and per CPU second;
// - a CPU profile of the loop (results/engine.cpuprofile, or in ACP_BENCH_PROFILE) and its analysis
//   (results/engine-profile.md): self time by category and the top functions with their TypeScript file:line;
// - CPU per call of each operation: the profile's samples split by the operation running when each was taken
//   (the flow marks each step's start on the profiler's clock), × the measured CPU per flow.
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
import {
  analyzeProfile,
  classifySamples,
  formatAnalysis,
  profileClockMicros,
  startProfiling,
  writeProfile,
} from '../profile.js';
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

/** `n` flows, one at a time, on a fresh wiring. */
async function runRound(n: number, freeze = true): Promise<Round> {
  const c = memoryCheckout({ idPrefix: `e${randomUUID().slice(0, 8)}`, freeze });
  const input = flowInputs(n);
  gc();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const f of input) await inProcessFlow(c.service, f, CALLER);
  const cpu = process.cpuUsage(cpu0);
  return { cpuMicros: cpu.user + cpu.system, wallMs: performance.now() - t0 };
}

export async function engine(r: Reporter, o: EngineOptions): Promise<void> {
  r.section('In-process engine (memory store, validation + idempotency)');
  const plan = o.quick
    ? { warmupFlows: 500, rounds: 6, roundMs: 300, profileMs: 2_000 }
    : { warmupFlows: 3_000, rounds: 16, roundMs: 600, profileMs: 6_000 };
  // Warm-up (JIT); it also sizes the rounds to about `roundMs` of CPU each (200–5,000 flows).
  const warm = await runRound(plan.warmupFlows);
  const perRound = Math.max(
    200,
    Math.min(5_000, Math.round((plan.roundMs * 1000) / (warm.cpuMicros / plan.warmupFlows))),
  );
  // The default (the memory store freezes what it stores) and `freeze: false`, in alternating rounds.
  await runRound(plan.warmupFlows, false);
  const rounds: Round[] = [];
  const unfrozenRounds: Round[] = [];
  for (let i = 0; i < plan.rounds; i++) {
    const frozenFirst = i % 2 === 0;
    if (!frozenFirst) unfrozenRounds.push(await runRound(perRound, false));
    rounds.push(await runRound(perRound));
    if (frozenFirst) unfrozenRounds.push(await runRound(perRound, false));
  }
  const flowMicros = median(rounds.map((x) => x.cpuMicros / perRound));
  const unfrozenFlowMicros = median(unfrozenRounds.map((x) => x.cpuMicros / perRound));
  const perCall = flowMicros / ENGINE_OPS.length;
  const flowsPerSecond = median(rounds.map((x) => (perRound / x.wallMs) * 1000));

  // The profile: a fresh wiring, sampled every 100 µs for about `profileMs` of flows, each step's start
  // marked on the profiler's clock.
  const c = memoryCheckout({ idPrefix: 'prof' });
  const n = Math.max(200, Math.round((plan.profileMs * 1000) / flowMicros));
  const input = flowInputs(n);
  const marks: { at: number[]; op: Op[] } = { at: [], op: [] };
  const onStep = (step: InProcessStep) => {
    if (step === 'complete') return;
    marks.at.push(profileClockMicros());
    marks.op.push(step);
  };
  gc();
  const profiler = await startProfiling(100);
  for (const f of input) await inProcessFlow(c.service, f, CALLER, { onStep });
  const profile = await profiler.stop();
  const dir = process.env.ACP_BENCH_PROFILE ? resolve(process.env.ACP_BENCH_PROFILE) : o.resultsDir;
  mkdirSync(dir, { recursive: true });
  const file = resolve(dir, 'engine.cpuprofile');
  writeProfile(profile, file);

  /** The step running at `t` (the last mark at or before it). */
  const opAt = (t: number): Op => {
    let lo = 0;
    let hi = marks.at.length - 1;
    if (hi < 0 || t < marks.at[0]!) return 'create';
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (marks.at[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return marks.op[lo]!;
  };
  const SEP = '\u0000';
  const split = classifySamples([profile], (_, s) => `${opAt(s.timestamp)}${SEP}${s.category}`);
  /** µs per call of one operation (and category): its share of the samples × the CPU of a flow. */
  const perOp = new Map<Op, number>(ENGINE_OPS.map((op) => [op, 0]));
  const cells = new Map<string, Map<Op, number>>();
  for (const { name, share } of split) {
    const [op, category] = name.split(SEP) as [Op, string];
    const micros = share * flowMicros;
    perOp.set(op, perOp.get(op)! + micros);
    let row = cells.get(category);
    if (!row) {
      row = new Map();
      cells.set(category, row);
    }
    row.set(op, (row.get(op) ?? 0) + micros);
  }

  r.note(
    `Engine: ${ENGINE_OPS.join(' → ')} (4 engine calls per flow) through \`createCheckoutService\` (memory store, catalog and gateway, flat-rate pricing, system clock), request bodies as a transport's JSON.parse gives them and a fresh idempotency key on every POST; one flow at a time. ${plan.rounds} rounds of ${perRound} flows, each on a fresh wiring after a forced GC, after ${plan.warmupFlows} warm-up flows; medians over rounds. CPU = process.cpuUsage() (user + system, all threads: GC included). By operation: the profile's samples (${n} flows) split by the step running when each was taken, × the CPU per flow.`,
  );
  r.metric('CPU per engine call (mean over the flow)', round(perCall, 1), 'µs', {
    cpuPerFlowMicros: round(flowMicros, 0),
    flowsPerRound: perRound,
    rounds: plan.rounds,
  });
  r.metric(
    'CPU per engine call, memory store without freezing (freeze: false, same rounds alternated)',
    round(unfrozenFlowMicros / ENGINE_OPS.length, 1),
    'µs',
    { frozenVsUnfrozen: round(flowMicros / unfrozenFlowMicros, 2) },
  );
  r.metric('flows per second (one flow at a time, wall clock)', round(flowsPerSecond, 0), 'flows/s', {
    engineCallsPerSecond: round(flowsPerSecond * ENGINE_OPS.length, 0),
    // What one core would do at the measured CPU per flow (less sensitive to other load on the machine).
    perCpuSecond: round(1e6 / flowMicros, 0),
  });
  r.metric(
    'CPU per call, by operation',
    round(perCall, 1),
    'µs',
    Object.fromEntries(ENGINE_OPS.map((op) => [op, round(perOp.get(op)!, 1)])),
  );
  r.target('in-process engine: CPU per engine call (memory store)', round(perCall, 1), 'µs', '<=', 25);

  const analysis = analyzeProfile(profile, 15);
  const byOp = [
    `### By operation: µs of CPU per call (the profile's samples split by the step running)`,
    '',
    `| Category | ${ENGINE_OPS.join(' | ')} |`,
    `| --- |${ENGINE_OPS.map(() => ' ---: |').join('')}`,
    ...[...cells.entries()]
      .sort((a, b) => sum(b[1]) - sum(a[1]))
      .filter(([, row]) => sum(row) >= 0.004 * flowMicros)
      .map(
        ([category, row]) =>
          `| ${category} | ${ENGINE_OPS.map((op) => (row.get(op) ?? 0).toFixed(1)).join(' | ')} |`,
      ),
    `| **total** | ${ENGINE_OPS.map((op) => `**${perOp.get(op)!.toFixed(1)}**`).join(' | ')} |`,
    '',
  ];
  const md = formatAnalysis(
    `In-process engine: ${n} flows (${n * ENGINE_OPS.length} engine calls)`,
    analysis,
    {
      label: 'µs per engine call',
      micros: perCall,
    },
  );
  writeFileSync(resolve(dir, 'engine-profile.md'), `${md}\n${byOp.join('\n')}\n`);
  r.note(
    `Engine profile (${file}; analysis in engine-profile.md), self time by category, µs per engine call: ${analysis.categories
      .filter((x) => x.share >= 0.01)
      .map((x) => `${x.name} ${round(x.share * perCall, 1)}`)
      .join(', ')}.`,
  );
}

const sum = (row: Map<unknown, number>) => [...row.values()].reduce((a, b) => a + b, 0);
