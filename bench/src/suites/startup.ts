// Start-up: the stdio entry spawned to the first `tools/list` answer, through the real MCP client
// (StdioClientTransport), repeated. The command is configurable: `--stdio-cmd="node path/to/bin.js --flag"` or
// ACP_BENCH_STDIO_CMD; the default is the built `acp-mcp-stdio --demo`.
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { Reporter } from '../report.js';
import { round, summarize } from '../stats.js';

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
  const runs = o.quick ? 5 : 15;
  await once(argv); // warms the file-system cache; not counted
  const samples: number[] = [];
  let tools = 0;
  for (let i = 0; i < runs; i++) {
    const s = await once(argv);
    samples.push(s.ms);
    tools = s.tools;
  }
  const s = summarize(samples);
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
  r.target('stdio start-up to first tools/list (median)', round(s.p50, 1), 'ms', '<=', 500);
}
