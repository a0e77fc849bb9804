// A buying agent for the examples' tests: the ACP flow over any MCP client (v2 or 1.x, same method names) and
// over REST; plus process helpers to start a built example and read its "listening on" line.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const V = '2026-04-17';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The built entry of an example, or a clear failure telling to build first. */
export function exampleEntry(example: string, file: string): string {
  const path = resolve(root, 'examples', example, 'dist', file);
  if (!existsSync(path)) throw new Error(`${path} is missing: build first (npx -y pnpm@10.34.9 run build)`);
  return path;
}

export interface McpLike {
  callTool(params: { name: string; arguments?: Record<string, unknown> }): Promise<unknown>;
  listTools(): Promise<{ tools: { name: string }[] }>;
}

type Result = { structuredContent?: Record<string, unknown>; isError?: boolean; content?: unknown };

export interface Session {
  id: string;
  status: string;
  totals: { type: string; amount: number }[];
  order?: { id: string; permalink_url: string };
}

/** search → create (the ebook, a digital good) → collect_payment_info (pm_card_visa) → complete: the session. */
export async function buyOverMcp(client: McpLike, query = 'ebook'): Promise<Session> {
  const call = async (name: string, args: Record<string, unknown>) => {
    const r = (await client.callTool({ name, arguments: args })) as Result;
    if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.structuredContent ?? r.content)}`);
    return r.structuredContent!;
  };
  const found = (await call('search_products', { query })).products as { id: string }[];
  const created = (await call('create_checkout_session', {
    meta: { api_version: V, idempotency_key: crypto.randomUUID() },
    payload: {
      currency: 'usd',
      line_items: [{ id: found[0]!.id }],
      capabilities: { interventions: { supported: [] } },
      buyer: { email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' },
    },
  })) as unknown as Session;
  if (created.status !== 'ready_for_payment') throw new Error(`not payable: ${JSON.stringify(created)}`);
  const token = await call('collect_payment_info', {
    sessionId: created.id,
    paymentMethodId: 'pm_card_visa',
  });
  return (await call('complete_checkout_session', {
    meta: { api_version: V, idempotency_key: crypto.randomUUID() },
    id: created.id,
    payload: { payment_data: token.payment_data },
  })) as unknown as Session;
}

/** A REST request as an ACP agent sends it (Host set: a bare `new Request` has none). */
export function restRequest(base: string, path: string, body?: unknown, key?: string): Request {
  return new Request(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      host: new URL(base).host,
      'api-version': V,
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body === undefined
        ? {}
        : { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Create over REST → a test token over MCP (`collect_payment_info`) → complete over REST. */
export async function buyOverRest(
  fetchFn: (r: Request) => Promise<Response>,
  base: string,
  mcp: McpLike,
): Promise<Session> {
  const created = await fetchFn(
    restRequest(base, '/checkout_sessions', {
      currency: 'usd',
      line_items: [{ id: 'ebook' }],
      capabilities: { interventions: { supported: [] } },
      buyer: { email: 'grace@example.com' },
    }),
  );
  const session = (await created.json()) as Session;
  if (created.status !== 201)
    throw new Error(`create answered ${created.status}: ${JSON.stringify(session)}`);
  const token = (await mcp.callTool({
    name: 'collect_payment_info',
    arguments: { sessionId: session.id, paymentMethodId: 'pm_card_visa' },
  })) as Result;
  const done = await fetchFn(
    restRequest(base, `/checkout_sessions/${session.id}/complete`, {
      payment_data: token.structuredContent!.payment_data,
    }),
  );
  return (await done.json()) as Session;
}

export interface Running {
  url: string;
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `node <entry>` with PORT=0 and waits for its `listening on <url>` line on stderr. */
export async function startExample(entry: string, env: Record<string, string> = {}): Promise<Running> {
  const child: ChildProcess = spawn(process.execPath, [entry], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start:\n${err}`)), 30_000);
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
      reject(new Error(`${entry} exited with ${code}:\n${err}`));
    });
  });
  return {
    url,
    stderr: () => err,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await done;
    },
  };
}

export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 8000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
