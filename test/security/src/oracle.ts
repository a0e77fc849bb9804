// What a rejection must look like, and the fuzzing tally (runs, requests, rejections by code).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACP_ERROR_CODES, type AcpErrorCode, httpStatusOf } from '@acp/core';

const ERROR_KEYS = new Set(['type', 'code', 'message', 'param', 'supported_versions']);
const ERROR_TYPES = new Set(['invalid_request', 'processing_error', 'service_unavailable']);
/** Codes that blame one input field, so they must say which (`param`). */
const FIELD_CODES = new Set<string>(['invalid', 'invalid_item_id', 'unsupported_currency']);

/** RFC 9535-style JSONPath as core writes it: `$`, then `.name`, `[n]` or `['…']` segments. */
export const JSON_PATH = /^\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\]|\['(?:[^'\\]|\\.)*'\])*$/;

/** Problems with a value that should be a flat ACP `Error` (empty = fine). */
export function acpErrorProblems(body: unknown, httpStatus?: number): string[] {
  const p: string[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return ['error body is not an object'];
  const e = body as Record<string, unknown>;
  for (const k of Object.keys(e)) if (!ERROR_KEYS.has(k)) p.push(`unexpected key ${JSON.stringify(k)}`);
  if (typeof e.type !== 'string' || !ERROR_TYPES.has(e.type)) p.push(`bad type ${JSON.stringify(e.type)}`);
  if (typeof e.code !== 'string' || !(e.code in ACP_ERROR_CODES))
    p.push(`unknown code ${JSON.stringify(e.code)}`);
  if (typeof e.message !== 'string' || e.message === '') p.push('missing message');
  if (typeof e.message === 'string' && /\bat .+\.(?:ts|js|mjs):\d+|node_modules/.test(e.message))
    p.push('message carries a stack trace');
  if (e.param !== undefined && (typeof e.param !== 'string' || !JSON_PATH.test(e.param)))
    p.push(`param is not a JSONPath: ${JSON.stringify(e.param)}`);
  if (typeof e.code === 'string' && FIELD_CODES.has(e.code) && e.param === undefined)
    p.push(`${e.code} without a param`);
  if (httpStatus !== undefined && typeof e.code === 'string' && e.code in ACP_ERROR_CODES) {
    const expected = httpStatusOf(e.code as AcpErrorCode);
    // 431 is request_too_large for the header section (Node's parser limit), 413 for the body.
    const headerLimit = e.code === 'request_too_large' && httpStatus === 431;
    if (expected !== httpStatus && !headerLimit)
      p.push(`HTTP ${httpStatus} for ${e.code} (table says ${expected})`);
  }
  return p;
}

export interface Tally {
  name: string;
  runs: number;
  requests: number;
  accepted: number;
  rejections: Record<string, number>;
  serverErrors: number;
  crashes: number;
  violations: string[];
}

export function createTally(name: string): Tally {
  return {
    name,
    runs: 0,
    requests: 0,
    accepted: 0,
    rejections: {},
    serverErrors: 0,
    crashes: 0,
    violations: [],
  };
}

export function reject(t: Tally, code: string): void {
  t.rejections[code] = (t.rejections[code] ?? 0) + 1;
}

export function violation(t: Tally, what: string, input: unknown): void {
  if (t.violations.length < 50) {
    let shown: string;
    try {
      shown = JSON.stringify(input)?.slice(0, 400) ?? String(input);
    } catch {
      shown = String(input).slice(0, 400);
    }
    t.violations.push(`${what} ← ${shown}`);
  }
}

const here = dirname(fileURLToPath(import.meta.url));

/** Prints the tally and writes it to `test/security/reports/<name>.json` (git-ignored). */
export function report(t: Tally): void {
  const total = Object.values(t.rejections).reduce((a, b) => a + b, 0);
  const codes = Object.entries(t.rejections)
    .sort((a, b) => b[1] - a[1])
    .map(([c, n]) => `${c}=${n}`)
    .join(' ');
  console.info(
    `[security] ${t.name}: runs=${t.runs} requests=${t.requests} accepted=${t.accepted} rejected=${total} ` +
      `5xx=${t.serverErrors} crashes=${t.crashes} violations=${t.violations.length}\n  rejections: ${codes}`,
  );
  const dir = join(here, '..', 'reports');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${t.name}.json`), `${JSON.stringify({ ...t, rejected: total }, null, 2)}\n`);
}

/** Property runs: `FUZZ_RUNS` (env) or the CI default. */
export function fuzzRuns(ciDefault: number): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : ciDefault;
}

/** Fixed seed for CI; `FUZZ_SEED` to reproduce or explore. */
export function fuzzSeed(): number {
  const n = Number(process.env.FUZZ_SEED);
  return Number.isInteger(n) ? n : 20260417;
}
