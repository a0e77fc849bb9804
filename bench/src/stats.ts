// Timing helpers for benchmarks (never used in unit tests).
import { performance } from 'node:perf_hooks';

export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function summarize(samplesMs: number[]): Summary {
  const s = [...samplesMs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? 0;
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return { n: s.length, mean, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: s.at(-1) ?? 0 };
}

/** Runs `fn` repeatedly (after warm-up) and returns per-call latencies in ms. */
export async function sample(
  fn: () => Promise<unknown> | unknown,
  opts: { warmup?: number; iterations: number },
): Promise<number[]> {
  for (let i = 0; i < (opts.warmup ?? Math.min(50, opts.iterations)); i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < opts.iterations; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** Closed-loop load: `concurrency` workers call `fn` until `durationMs` passes. */
export async function load(
  fn: (worker: number, i: number) => Promise<unknown>,
  opts: { concurrency: number; durationMs: number; warmupMs?: number },
): Promise<{ latencies: number[]; perSecond: number; errors: number }> {
  const run = async (ms: number, record: boolean) => {
    const latencies: number[] = [];
    let errors = 0;
    const end = performance.now() + ms;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: opts.concurrency }, async (_, w) => {
        let i = 0;
        while (performance.now() < end) {
          const s = performance.now();
          try {
            await fn(w, i++);
            if (record) latencies.push(performance.now() - s);
          } catch {
            errors++;
          }
        }
      }),
    );
    return { latencies, perSecond: (latencies.length / (performance.now() - t0)) * 1000, errors };
  };
  if (opts.warmupMs) await run(opts.warmupMs, false);
  return run(opts.durationMs, true);
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
