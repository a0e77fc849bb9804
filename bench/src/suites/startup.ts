// Start-up: the stdio entry spawned to the first `tools/list` answer, through the real MCP client
// (StdioClientTransport), repeated. The command is configurable: `--stdio-cmd="node path/to/bin.js --flag"` or
// ACP_BENCH_STDIO_CMD; the default is the built `acp-mcp-stdio --demo`.
// Beside it, the floor: plain Node answering the same two requests with canned JSON (Node's own start, the
// pipes and the client), so that `start-up − floor` is what the toolkit's modules and wiring cost.
// With ACP_BENCH_PROFILE=<dir>, one more start runs with `--cpu-prof` (startup.cpuprofile, startup.md).
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import {
  analyzeProfile,
  classifySamples,
  type Frame,
  formatAnalysis,
  packageOf,
  readProfile,
} from '../profile.js';
import type { Reporter } from '../report.js';
import { round, summarize } from '../stats.js';

/** A stdio MCP server in plain Node: answers initialize and tools/list (one tool) with canned JSON. */
const FLOOR_SCRIPT = `
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const m = JSON.parse(line);
  if (m.id === undefined) return;
  const result = m.method === 'initialize'
    ? { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'floor', version: '1.0.0' } }
    : m.method === 'tools/list'
      ? { tools: [{ name: 'noop', inputSchema: { type: 'object' } }] }
      : {};
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: m.id, result }) + '\\n');
});
`;

/**
 * What a start-up sample was doing, from its stack (leaf first): the innermost frame that names a phase
 * decides; stacks that name none (async continuations) are told by their innermost library frame.
 */
function startupPhase(stack: Frame[]): string {
  for (const f of stack) {
    if (f.functionName === '(garbage collector)') return 'GC';
    if (f.functionName === '(program)') return 'V8 (program: compiler, runtime)';
    if (f.functionName === 'createDemoFactory' || f.place.startsWith('packages/mcp-stdio/src/demo.ts'))
      return 'demo wiring: createDemoFactory (service, catalog, MCP factory and its tool schemas)';
    if (f.functionName === 'renderToolsList' || f.place.startsWith('@modelcontextprotocol/server/dist/stdio'))
      return SERVING;
    if (f.url !== '' && f.lineNumber === 0 && f.columnNumber === 0 && f.functionName === '')
      return `module evaluation (top-level code): ${packageOf(f.place)}`;
    if (f.place.startsWith('node:internal/modules/')) return LOADING;
  }
  for (const f of stack) {
    // The ESM loader reads sources with fs/promises: their completions run outside the loader's stack.
    if (f.place.startsWith('node:internal/fs/promises')) return LOADING;
    if (f.place.startsWith('@modelcontextprotocol/')) return SERVING;
  }
  return 'other (Node bootstrap, stdio, timers)';
}
const LOADING = 'module loading: resolve, read, compile, link';
const SERVING =
  'serving initialize and tools/list (MCP SDK: transport, its protocol schemas built on first use, listing)';

export interface StartupOptions {
  quick: boolean;
  /** Shell-style words: the command and its arguments. */
  command?: string;
}

export function defaultStdioCommand(): string[] {
  const pkg = createRequire(import.meta.url).resolve('@acp/mcp-stdio/package.json');
  return [process.execPath, resolve(dirname(pkg), 'dist/bin.js'), '--demo'];
}

/** Splits a command line on spaces, honouring simple single or double quotes. */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) words.push(m[1] ?? m[2] ?? m[3] ?? '');
  return words;
}

async function once(argv: string[]): Promise<{ ms: number; tools: number }> {
  const [command, ...args] = argv;
  const t0 = performance.now();
  const transport = new StdioClientTransport({ command: command!, args, stderr: 'ignore' });
  const client = new Client({ name: 'acp-bench', version: '1.0.0' });
  try {
    await client.connect(transport);
    const { tools } = await client.listTools();
    return { ms: performance.now() - t0, tools: tools.length };
  } finally {
    await client.close().catch(() => undefined);
  }
}

export async function startup(r: Reporter, o: StartupOptions): Promise<void> {
  r.section('Start-up (stdio)');
  const argv = o.command ? splitCommand(o.command) : defaultStdioCommand();
  const floorArgv = [process.execPath, '-e', FLOOR_SCRIPT];
  const runs = o.quick ? 5 : 15;
  await once(argv); // warms the file-system cache; not counted
  await once(floorArgv);
  const samples: number[] = [];
  const floor: number[] = [];
  let tools = 0;
  for (let i = 0; i < runs; i++) {
    // Alternated, so both see the same machine load.
    const s = await once(argv);
    samples.push(s.ms);
    tools = s.tools;
    floor.push((await once(floorArgv)).ms);
  }
  const s = summarize(samples);
  const f = summarize(floor);
  const shown = argv.map((a) =>
    a === process.execPath ? 'node' : a.replace(/^.*\/(packages|apps)\//, '$1/'),
  );
  r.note(
    `Start-up: \`${shown.join(' ')}\` spawned by @modelcontextprotocol/client's StdioClientTransport until the first tools/list answer (initialize included), ${runs} runs after one warm-up; ${process.version}.`,
  );
  r.metric('spawn → first tools/list answer (median)', round(s.p50, 1), 'ms', {
    min: round(Math.min(...samples), 1),
    max: round(s.max, 1),
    tools,
  });
  r.metric('floor: plain Node answering the same requests (median)', round(f.p50, 1), 'ms', {
    min: round(Math.min(...floor), 1),
    max: round(f.max, 1),
    toolkitShareMs: round(s.p50 - f.p50, 1),
  });
  r.target('stdio start-up to first tools/list (median)', round(s.p50, 1), 'ms', '<=', 300);

  const dir = process.env.ACP_BENCH_PROFILE;
  if (dir && argv[0] === process.execPath) {
    // Five more starts with --cpu-prof (written when the server exits on stdin's end), analysed together.
    const tmp = resolve(dir, `startup-${process.pid}`);
    mkdirSync(tmp, { recursive: true });
    for (let i = 0; i < 5; i++)
      await once([
        argv[0],
        '--cpu-prof',
        '--cpu-prof-interval=100',
        `--cpu-prof-dir=${tmp}`,
        ...argv.slice(1),
      ]);
    await new Promise((done) => setTimeout(done, 500));
    const profiles = readdirSync(tmp)
      .filter((x) => x.endsWith('.cpuprofile'))
      .map((x, i) => {
        const file = resolve(dir, `startup-${i + 1}.cpuprofile`);
        renameSync(join(tmp, x), file);
        return readProfile(file);
      });
    rmSync(tmp, { recursive: true, force: true });
    if (profiles.length) {
      const phases = classifySamples(profiles, startupPhase);
      const md = [
        `### stdio start-up by phase (${profiles.length} runs with --cpu-prof; the floor, ${round(f.p50, 0)} ms, is Node's own start before any of this)`,
        '',
        '| Phase (innermost match) | share of the samples |',
        '| --- | ---: |',
        ...phases.map((x) => `| ${x.name} | ${(x.share * 100).toFixed(1)} % |`),
        '',
        formatAnalysis(
          `stdio start-up (${profiles.length} runs with --cpu-prof)`,
          analyzeProfile(profiles, 25),
        ),
      ];
      writeFileSync(resolve(dir, 'startup.md'), `${md.join('\n')}\n`);
    }
  }
}
