// Server processes: spawn `dist/server.js` with its ACP_REL_* environment, read its JSON lines, stop it
// (SIGTERM, then SIGKILL) or kill it. Every child is registered so that nothing outlives the run, also when
// a test fails or the runner exits early.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (the directory holding this package's package.json), from src/ or dist/. */
export const PACKAGE_DIR = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package root not found');
    dir = up;
  }
  return dir;
})();

export const SERVER_SCRIPT = join(PACKAGE_DIR, 'dist', 'server.js');

export type ServerLine = Record<string, unknown> & { event?: string };

export interface ServerEnv {
  instance: string;
  store:
    | { kind: 'sqlite'; file: string }
    | { kind: 'postgres'; url: string; schema: string; poolMax?: number };
  stripeUrl: string;
  webhookSecret: string;
  apiKeys: readonly { id: string; key: string }[];
  port?: number;
  stripeRetries?: number;
  paymentLeaseSeconds?: number;
  idempotencyLockSeconds?: number;
  recoveryIntervalMs?: number;
  crash?: 'before_charge' | 'after_charge';
}

export interface ServerProcess {
  readonly instance: string;
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  readonly ready: ServerLine;
  readonly lines: ServerLine[];
  waitFor(match: (line: ServerLine) => boolean, timeoutMs?: number): Promise<ServerLine>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (graceful close), SIGKILL after 5 s; waits for the exit. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function register(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

/** Kills every server still running (used in `afterAll` hooks as a backstop). */
export async function killAllServers(): Promise<void> {
  const children = [...live];
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}

function envOf(e: ServerEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    ACP_REL_INSTANCE: e.instance,
    ACP_REL_STRIPE_URL: e.stripeUrl,
    ACP_REL_WEBHOOK_SECRET: e.webhookSecret,
    ACP_REL_API_KEYS: e.apiKeys.map((k) => `${k.id}=${k.key}`).join(','),
    ACP_REL_PORT: String(e.port ?? 0),
    ACP_REL_STRIPE_RETRIES: String(e.stripeRetries ?? 1),
    ACP_REL_PAYMENT_LEASE_SECONDS: String(e.paymentLeaseSeconds ?? 60),
    ACP_REL_IDEMPOTENCY_LOCK_SECONDS: String(e.idempotencyLockSeconds ?? 60),
    ACP_REL_RECOVERY_INTERVAL_MS: String(e.recoveryIntervalMs ?? 0),
  };
  if (e.crash) env.ACP_REL_CRASH = e.crash;
  if (e.store.kind === 'sqlite') {
    env.ACP_REL_STORE = 'sqlite';
    env.ACP_REL_SQLITE_FILE = e.store.file;
  } else {
    env.ACP_REL_STORE = 'postgres';
    env.ACP_REL_PG_URL = e.store.url;
    env.ACP_REL_PG_SCHEMA = e.store.schema;
    env.ACP_REL_PG_POOL = String(e.store.poolMax ?? 8);
  }
  return env;
}

/** Starts a server and resolves once it listens (after its start-up recovery). */
export async function startServer(e: ServerEnv, startTimeoutMs = 30_000): Promise<ServerProcess> {
  if (!existsSync(SERVER_SCRIPT)) {
    throw new Error(`${SERVER_SCRIPT} is missing: build @acp/reliability-tests first (pnpm build).`);
  }
  const child = spawn(process.execPath, [SERVER_SCRIPT], {
    env: envOf(e),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  register(child);
  const lines: ServerLine[] = [];
  const waiters: { match: (l: ServerLine) => boolean; resolve: (l: ServerLine) => void }[] = [];
  let buffer = '';
  let err = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffer += chunk;
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const text = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      if (!text.trim()) continue;
      let line: ServerLine;
      try {
        line = JSON.parse(text) as ServerLine;
      } catch {
        line = { event: 'text', text };
      }
      lines.push(line);
      for (const w of waiters.splice(0)) {
        if (w.match(line)) w.resolve(line);
        else waiters.push(w);
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    err += chunk;
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

  const waitFor = (match: (l: ServerLine) => boolean, timeoutMs = 30_000): Promise<ServerLine> => {
    const found = lines.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(`${e.instance}: no matching line within ${timeoutMs} ms. stderr:\n${err.slice(-4000)}`),
        );
      }, timeoutMs);
      const done = (l: ServerLine) => {
        clearTimeout(timer);
        resolve(l);
      };
      waiters.push({ match, resolve: done });
      void exited.then(({ code, signal }) => {
        const late = lines.find(match);
        clearTimeout(timer);
        if (late) resolve(late);
        else
          reject(
            new Error(
              `${e.instance} exited (${code ?? signal}) before the expected line. stderr:\n${err.slice(-4000)}`,
            ),
          );
      });
    });
  };

  let ready: ServerLine;
  try {
    ready = await waitFor((l) => l.event === 'ready', startTimeoutMs);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const url = String(ready.url);
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    return exited;
  };
  return {
    instance: e.instance,
    child,
    url,
    port: Number(new URL(url).port),
    ready,
    lines,
    waitFor,
    exited,
    stderr: () => err,
    kill,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
