// `pnpm bench [--quick] [--only=engine,growth,memory,mcp,rest,flow,startup] [--stdio-cmd="node bin.js --demo"]
// [--before=path/to/latest.json|none]`: runs the suites, prints progress to stderr, and writes
// bench/results/latest.json and latest.md. The tables show the figures of an earlier run beside this one's:
// by default bench/baseline/before.json (the issue-11 "before" run), if present.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Reporter, readEarlierRun } from './report.js';
import { engine } from './suites/engine.js';
import { checkoutFlow } from './suites/flow.js';
import { growth, memoryPerSession } from './suites/growth.js';
import { mcpOverhead, restOverhead } from './suites/http.js';
import { startup } from './suites/startup.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const stdioCommand =
  args.find((a) => a.startsWith('--stdio-cmd='))?.slice('--stdio-cmd='.length) ??
  process.env.ACP_BENCH_STDIO_CMD;
const pgUrl = process.env.ACP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const out = resolve(dirname(fileURLToPath(import.meta.url)), '../results');
const beforeArg = args.find((a) => a.startsWith('--before='))?.slice('--before='.length);
const beforePath =
  beforeArg === 'none'
    ? undefined
    : (beforeArg ?? resolve(dirname(fileURLToPath(import.meta.url)), '../baseline/before.json'));

let pgOk = false;
const suites: Record<string, (r: Reporter) => Promise<void>> = {
  engine: (r) => engine(r, { quick, resultsDir: out }),
  growth: (r) => growth(r, { quick, pgUrl: pgOk ? pgUrl : undefined }),
  // The memory figures of `growth` alone (they are part of `growth`; never both in one run).
  memory: async (r) => {
    if (!only || only.includes('growth')) return; // a full run measures them in growth
    r.section('Growth');
    await memoryPerSession(r, quick);
  },
  mcp: (r) => mcpOverhead(r, { quick }),
  rest: (r) => restOverhead(r, { quick }),
  flow: (r) => checkoutFlow(r, { quick, pgUrl: pgOk ? pgUrl : undefined }),
  startup: (r) => startup(r, { quick, ...(stdioCommand ? { command: stdioCommand } : {}) }),
};

async function pgReachable(): Promise<boolean> {
  try {
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 2000 });
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

const r = new Reporter();
pgOk = await pgReachable();
for (const [name, run] of Object.entries(suites)) {
  if (only && !only.includes(name)) continue;
  await run(r);
}
mkdirSync(out, { recursive: true });
const before = beforePath && existsSync(beforePath) ? readEarlierRun(beforePath) : undefined;
r.write(resolve(out, 'latest.json'), resolve(out, 'latest.md'), quick ? 'quick' : 'full', before);
process.stderr.write(`\nwrote ${resolve(out, 'latest.json')} and latest.md\n`);
const missed = r.targets.filter((t) => !t.met);
process.stderr.write(`${r.targets.length - missed.length}/${r.targets.length} targets met\n`);
