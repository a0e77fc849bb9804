// Test harness: runs the built demo-store bins as real processes and connects real MCP clients to them.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const here = dirname(fileURLToPath(import.meta.url));
export const HTTP_BIN = resolve(here, '../dist/bin/http.js');
export const STDIO_BIN = resolve(here, '../dist/bin/stdio.js');
export const V = '2026-04-17';

export function assertBuilt(): void {
  for (const bin of [HTTP_BIN, STDIO_BIN]) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: build first (pnpm run build)`);
  }
}

export const tempDataDir = () => mkdtempSync(join(tmpdir(), 'acp-demo-'));

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}

export interface RunningStore {
  url: string;
  process: ChildProcess;
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `acp-demo-store` and waits for its `listening on` line (the README's contract). */
export async function startStore(env: Record<string, string>): Promise<RunningStore> {
  const port = await freePort();
  const child = spawn(process.execPath, [HTTP_BIN], {
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo store did not start:\n${err}`)), 30_000);
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo store exited with ${code}:\n${err}`));
    });
  });
  return {
    url,
    process: child,
    stderr: () => err,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill(signal);
      await done;
      if (out.length > 0 && signal !== 'SIGKILL') {
        // The HTTP server never writes to stdout (logs go to stderr).
        throw new Error(`unexpected stdout output: ${out.slice(0, 200)}`);
      }
    },
  };
}

export async function httpClient(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'chatgpt-like', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }),
  );
  return client;
}

export async function stdioClient(
  env: Record<string, string>,
): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [STDIO_BIN],
    env: { ...(process.env as Record<string, string>), LOG_LEVEL: 'info', ...env },
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const client = new Client({ name: 'claude-desktop-like', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => err };
}

export type ToolResult = {
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  content?: { type: string; text?: string }[];
} & Record<string, unknown>;

export function tools(client: Client) {
  return async (name: string, args: Record<string, unknown>): Promise<ToolResult> =>
    (await client.callTool({ name, arguments: args })) as ToolResult;
}

export const idem = () => `idem_${crypto.randomUUID()}`;

export const ADDRESS = {
  name: 'Ada Lovelace',
  line_one: '1 Main St',
  city: 'Springfield',
  state: 'IL',
  country: 'US',
  postal_code: '62701',
};
