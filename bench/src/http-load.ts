// Closed-loop HTTP load: `concurrency` workers, each on its own keep-alive connection (undici Pool with one
// connection per worker, no pipelining), send a request as soon as the previous answer is fully read. The
// servers under test run in child processes, so this loop never shares their event loop.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { type Summary, summarize } from './stats.js';

export interface HttpRequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  perSecond: number;
  latency: Summary;
  errors: number;
  /** Mean response body size in bytes. */
  bytes: number;
}

export interface HttpLoadOptions {
  concurrency: number;
  durationMs: number;
  warmupMs?: number;
  /** Checks one answer (status and body); a false return counts as an error. Default: status 200. */
  check?: (status: number, body: string) => boolean;
}

/** One keep-alive client per origin; `close()` ends its connections. */
export function httpClient(origin: string, connections: number) {
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  async function send(spec: HttpRequestSpec): Promise<{ status: number; body: string }> {
    const res = await pool.request({
      method: spec.method,
      path: spec.path,
      headers: spec.headers,
      ...(spec.body !== undefined ? { body: spec.body } : {}),
    });
    return { status: res.statusCode, body: await res.body.text() };
  }
  return { send, close: () => pool.close() };
}

/** Closed-loop load against one origin with a fixed request (or one built per call). */
export async function httpLoad(
  origin: string,
  request: HttpRequestSpec | ((worker: number, i: number) => HttpRequestSpec),
  opts: HttpLoadOptions,
): Promise<LoadResult> {
  const client = httpClient(origin, opts.concurrency);
  const check = opts.check ?? ((status) => status === 200);
  const build = typeof request === 'function' ? request : () => request;
  const run = async (ms: number) => {
    const latencies: number[] = [];
    let errors = 0;
    let bytes = 0;
    const t0 = performance.now();
    const end = t0 + ms;
    await Promise.all(
      Array.from({ length: opts.concurrency }, async (_, w) => {
        let i = 0;
        while (performance.now() < end) {
          const spec = build(w, i++);
          const s = performance.now();
          try {
            const r = await client.send(spec);
            const elapsed = performance.now() - s;
            if (check(r.status, r.body)) {
              latencies.push(elapsed);
              bytes += r.body.length;
            } else errors++;
          } catch {
            errors++;
          }
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    return {
      perSecond: latencies.length / seconds,
      latency: summarize(latencies),
      errors,
      bytes: latencies.length ? bytes / latencies.length : 0,
    };
  };
  try {
    if (opts.warmupMs) await run(opts.warmupMs);
    return await run(opts.durationMs);
  } finally {
    await client.close();
  }
}
