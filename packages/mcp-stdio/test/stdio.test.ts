// The real MCP client spawning the built bin over stdio: the Claude Desktop / Cursor path, end to end.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { specPresent, validateDef } from '@acp/spec-oracle';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const bin = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/bin.js');
const V = '2026-04-17';
let client: Client | undefined;

afterEach(async () => {
  await client?.close();
  client = undefined;
});

beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build first (pnpm run build)`);
});

async function connect(modern = false): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, '--demo'],
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  const c = new Client(
    { name: 'claude-desktop-like', version: '1.0.0' },
    modern ? { versionNegotiation: { mode: 'auto' } } : {},
  );
  await c.connect(transport);
  client = c;
  return { client: c, stderr: () => err };
}

type Res = { structuredContent: Record<string, unknown>; isError?: boolean } & Record<string, unknown>;

describe.skipIf(!specPresent())('acp-mcp-stdio bin', () => {
  it('takes a chat-client purchase from search to order; logs only on stderr', async () => {
    const { client: c, stderr } = await connect();
    const call = async (name: string, args: Record<string, unknown>) =>
      (await c.callTool({ name, arguments: args })) as Res;
    const found = await call('search_products', { query: 'handbook' });
    const product = (found.structuredContent.products as { id: string }[])[0]!;
    expect(product.id).toBe('ebook_mcp');
    const created = await call('create_checkout_session', {
      meta: { api_version: V, idempotency_key: crypto.randomUUID() },
      payload: {
        currency: 'usd',
        line_items: [{ id: product.id }],
        capabilities: { interventions: { supported: [] } },
      },
    });
    expect(validateDef('CheckoutSession', created.structuredContent).valid).toBe(true);
    const id = created.id as string;
    const ready = await call('update_checkout_session', {
      meta: { api_version: V, idempotency_key: crypto.randomUUID() },
      id,
      payload: { buyer: { email: 'ada@example.com' } },
    });
    expect(ready.status).toBe('ready_for_payment');
    const pay = await call('collect_payment_info', { sessionId: id, paymentMethodId: 'pm_card_visa' });
    expect(pay.isError).toBeFalsy();
    const done = await call('complete_checkout_session', {
      meta: { api_version: V, idempotency_key: crypto.randomUUID() },
      id,
      payload: { payment_data: pay.structuredContent.payment_data },
    });
    expect(done.status).toBe('completed');
    expect(validateDef('CheckoutSessionWithOrder', done.structuredContent).valid).toBe(true);
    const order = await call('get_order', { checkout_session_id: id });
    expect((order.structuredContent.order as { id: string }).id).toBe((done.order as { id: string }).id);
    expect(stderr()).toContain('demo store');
  });

  it('serves a 2026-07-28 client too (auto negotiation)', async () => {
    const { client: c } = await connect(true);
    expect(c.getProtocolEra()).toBe('modern');
    const tools = (await c.listTools()).tools.map((t) => t.name);
    expect(tools).toContain('complete_checkout_session');
    const err = await c
      .callTool({ name: 'get_checkout_session', arguments: { meta: { api_version: V }, id: 'cs_nope' } })
      .catch((e: unknown) => e as { code: number; data: unknown });
    expect(err).toMatchObject({ code: -32000, data: { code: 'session_not_found' } });
  });

  it('writes nothing but JSON-RPC to stdout', async () => {
    const child = spawn(process.execPath, [bin, '--demo'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    };
    child.stdin.write(`${JSON.stringify(init)}\n`);
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })}\n`);
    for (let i = 0; i < 200 && out.split('\n').filter(Boolean).length < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    child.stdin.end();
    await new Promise((r) => child.once('exit', r));
    const lines = out.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(JSON.parse(line).jsonrpc).toBe('2.0');
  });
});
