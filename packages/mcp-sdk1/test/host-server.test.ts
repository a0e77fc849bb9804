// The checkout tools on a user's existing @modelcontextprotocol/sdk 1.x McpServer (registerAcpCheckoutToolsSdk1),
// over stdio (a child process: test/fixtures/host-sdk1.mjs on the built packages) and Streamable HTTP (the 1.x
// transport, stateless), with a real 1.x client and the v2 client. The host's tools, prompts, resources and
// capabilities must answer exactly as the same server without the checkout tools; the binding tools must keep
// their JSON-RPC errors.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestCheckout, SAMPLE_ADDRESS, type TestCheckout } from '@acp/core/testing';
import { createAcpCheckoutTools } from '@acp/mcp-server/neutral';
import { specPresent, validateDef } from '@acp/spec-oracle';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioV2 } from '@modelcontextprotocol/client/stdio';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAcpCheckoutToolsSdk1 } from '../src/index.js';
import { createHostServer } from './fixtures/host-sdk1.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = resolve(here, 'fixtures/host-sdk1.mjs');
const built = resolve(here, '../dist/index.js');
const V = '2026-04-17';

type Result = Record<string, unknown> & {
  content?: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

/** What both client lines offer under the same names. */
interface AnyClient {
  listTools(): Promise<{ tools: { name: string; inputSchema: unknown }[] }>;
  callTool(params: { name: string; arguments?: Record<string, unknown> }): Promise<unknown>;
  listPrompts(): Promise<unknown>;
  getPrompt(params: { name: string; arguments?: Record<string, string> }): Promise<unknown>;
  listResources(): Promise<unknown>;
  readResource(params: { uri: string }): Promise<unknown>;
  getServerCapabilities(): unknown;
  getInstructions(): string | undefined;
  close(): Promise<void>;
}

interface JsonRpcFailure {
  code: number;
  message: string;
  data?: unknown;
}

const HOST_TOOLS = ['echo', 'host_refuses', 'host_throws', 'host_protocol_error', 'host_add_tool'];
const CHECKOUT_TOOLS = [
  'create_checkout_session',
  'get_checkout_session',
  'update_checkout_session',
  'complete_checkout_session',
  'cancel_checkout_session',
  'search_products',
  'get_product',
  'create_payment_link',
  'get_order',
  'collect_payment_info',
  'complete_checkout',
];

/** A JSON-RPC error as either client throws it (1.x `McpError`, v2 `ProtocolError`: both carry code and data). */
function asJsonRpcError(e: unknown): JsonRpcFailure | undefined {
  if (!(e instanceof Error) || typeof (e as { code?: unknown }).code !== 'number') return undefined;
  const { code, data } = e as Error & { code: number; data?: unknown };
  return { code, message: e.message, ...(data !== undefined ? { data } : {}) };
}

async function callError(client: AnyClient, name: string, args: unknown): Promise<JsonRpcFailure> {
  let answered: unknown;
  try {
    answered = await client.callTool({ name, arguments: args as Record<string, unknown> });
  } catch (e) {
    const failure = asJsonRpcError(e);
    if (!failure) throw e;
    return failure;
  }
  throw new Error(`${name} answered a result: ${JSON.stringify(answered).slice(0, 300)}`);
}

async function observe(client: AnyClient, name: string, args: Record<string, unknown>): Promise<unknown> {
  try {
    return { result: await client.callTool({ name, arguments: args }) };
  } catch (e) {
    const failure = asJsonRpcError(e);
    if (!failure) throw e;
    return { error: failure };
  }
}

// ------------------------------------------------------------------------------------------ endpoints

type ClientLine = 'v1' | 'v2';

interface Endpoint {
  connect(line: ClientLine): Promise<AnyClient>;
  close(): Promise<void>;
}

async function open(
  line: ClientLine,
  transport: { v1: () => unknown; v2: () => unknown },
): Promise<AnyClient> {
  if (line === 'v1') {
    const client = new ClientV1({ name: 'host-test-v1', version: '1.0.0' });
    await client.connect(transport.v1() as Parameters<ClientV1['connect']>[0]);
    return client as unknown as AnyClient;
  }
  const client = new ClientV2({ name: 'host-test-v2', version: '1.0.0' });
  await client.connect(transport.v2() as Parameters<ClientV2['connect']>[0]);
  return client as unknown as AnyClient;
}

function stdioEndpoint(hostOnly: boolean): Endpoint {
  const clients: AnyClient[] = [];
  const params = {
    command: process.execPath,
    args: [fixture, '--stdio', ...(hostOnly ? ['--host-only'] : [])],
    stderr: 'pipe' as const,
  };
  return {
    async connect(line) {
      const client = await open(line, { v1: () => new StdioV1(params), v2: () => new StdioV2(params) });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
    },
  };
}

/** The 1.x stateless Streamable HTTP pattern: a fresh server and transport per request. */
async function listenSdk1(makeServer: () => McpServer): Promise<{ url: URL; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const mcp = makeServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void mcp.close();
      });
      await mcp.connect(transport);
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      await transport.handleRequest(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: new URL(`http://127.0.0.1:${port}/mcp`), server };
}

function httpEndpoint(hostOnly: boolean, checkout: TestCheckout): Endpoint {
  const running = listenSdk1(() => createHostServer(checkout, { checkout: !hostOnly }).mcp);
  const clients: AnyClient[] = [];
  return {
    async connect(line) {
      const { url } = await running;
      const client = await open(line, { v1: () => new HttpV1(url), v2: () => new HttpV2(url) });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      const { server } = await running;
      await new Promise((r) => server.close(r));
    },
  };
}

// ------------------------------------------------------------------------------------------ the checks

async function hostView(client: AnyClient) {
  const tools = (await client.listTools()).tools.filter((t) => !CHECKOUT_TOOLS.includes(t.name));
  return {
    capabilities: client.getServerCapabilities(),
    instructions: client.getInstructions(),
    tools,
    prompts: await client.listPrompts(),
    prompt: await client.getPrompt({ name: 'greeting', arguments: { name: 'Ada' } }),
    resources: await client.listResources(),
    resource: await client.readResource({ uri: 'policy://returns' }),
    calls: [
      await observe(client, 'echo', { text: 'hi' }),
      await observe(client, 'echo', { text: '' }),
      await observe(client, 'echo', {}),
      await observe(client, 'host_refuses', {}),
      await observe(client, 'host_throws', {}),
      await observe(client, 'host_protocol_error', {}),
      await observe(client, 'no_such_tool', {}),
    ],
  };
}

function createArgs(items = [{ id: 'ebook_mcp' }]) {
  return {
    meta: { api_version: V, idempotency_key: crypto.randomUUID() },
    payload: { currency: 'usd', line_items: items, capabilities: { interventions: { supported: [] } } },
  };
}

async function purchase(client: AnyClient): Promise<void> {
  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as Result;
  const found = await call('search_products', { query: 'handbook' });
  const item = (found.structuredContent!.products as { id: string }[])[0]!;
  const created = await call('create_checkout_session', createArgs([{ id: item.id }]));
  expect(created.status).toBe('not_ready_for_payment');
  const id = created.id as string;
  const ready = await call('update_checkout_session', {
    meta: { api_version: V, idempotency_key: crypto.randomUUID() },
    id,
    payload: {
      buyer: { email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' },
      fulfillment_details: { name: 'Ada Lovelace', email: 'ada@example.com', address: SAMPLE_ADDRESS },
    },
  });
  expect(ready.status, JSON.stringify(ready.messages)).toBe('ready_for_payment');
  const paid = await call('collect_payment_info', { sessionId: id, paymentMethodId: 'pm_card_visa' });
  expect(paid.isError).toBeFalsy();
  const completed = await call('complete_checkout_session', {
    meta: { api_version: V, idempotency_key: crypto.randomUUID() },
    id,
    payload: { payment_data: paid.structuredContent!.payment_data },
  });
  expect(completed.status).toBe('completed');
  expect((completed.structuredContent!.order as { checkout_session_id: string }).checkout_session_id).toBe(
    id,
  );
  if (specPresent()) {
    const v = validateDef('CheckoutSessionWithOrder', completed.structuredContent);
    expect(v.valid, v.text).toBe(true);
  }
  const order = await call('get_order', { checkout_session_id: id });
  expect(order.isError).toBeFalsy();
}

async function bindingErrors(client: AnyClient): Promise<void> {
  const notFound = await callError(client, 'get_checkout_session', {
    meta: { api_version: V },
    id: 'cs_nope',
  });
  expect(notFound.code).toBe(-32000);
  expect(notFound.data).toMatchObject({ type: 'invalid_request', code: 'session_not_found' });
  if (specPresent()) {
    const v = validateDef('Error', notFound.data);
    expect(v.valid, v.text).toBe(true);
  }
  // Every invalid call gets the error the neutral tools (and so the standalone v2 server) answer.
  const neutral = createAcpCheckoutTools({ service: createTestCheckout().service });
  const missingCurrency = createArgs();
  delete (missingCurrency.payload as Record<string, unknown>).currency;
  for (const [name, args] of [
    ['create_checkout_session', missingCurrency],
    ['get_checkout_session', { meta: {}, id: 'cs_1' }],
    ['get_checkout_session', { id: 'cs_1' }],
    ['get_checkout_session', { meta: { api_version: 20260417 }, id: 'cs_1' }],
    ['update_checkout_session', { meta: { api_version: V }, id: 'cs', payload: [] }],
    ['complete_checkout_session', { meta: { api_version: V }, id: 'cs_x', payload: {} }],
  ] as const) {
    const mine = await callError(client, name, args);
    const expected = (await neutral.call(name, args)).error!;
    expect({ code: mine.code, data: mine.data }, `${name} ${JSON.stringify(args)}`).toEqual({
      code: expected.code,
      data: expected.data,
    });
    // The 1.x client prefixes "MCP error <code>: ".
    expect(mine.message.endsWith(expected.message)).toBe(true);
  }
  const badProduct = (await client.callTool({
    name: 'get_product',
    arguments: { product_id: 'nope' },
  })) as Result;
  expect(badProduct.isError).toBe(true);
  expect(badProduct.structuredContent).toMatchObject({ error: { code: 'not_found' } });
}

// ------------------------------------------------------------------------------------------ the suites

const transports: [string, (hostOnly: boolean, checkout: TestCheckout) => Endpoint][] = [
  ['stdio', (hostOnly) => stdioEndpoint(hostOnly)],
  ['Streamable HTTP', httpEndpoint],
];

describe.each(transports)('checkout tools on an existing 1.x McpServer over %s', (_label, endpointOf) => {
  let withCheckout: Endpoint;
  let hostOnly: Endpoint;
  beforeAll(() => {
    if (!existsSync(built)) throw new Error(`${built} is missing: build first (pnpm run build)`);
    const checkout = createTestCheckout();
    withCheckout = endpointOf(false, checkout);
    hostOnly = endpointOf(true, checkout);
  });
  afterAll(async () => {
    await withCheckout.close();
    await hostOnly.close();
  });

  for (const line of ['v1', 'v2'] as const) {
    const who = line === 'v1' ? '1.x client' : 'v2 client';
    it(`lists host and checkout tools; the host answers exactly as without checkout (${who})`, async () => {
      const mine = await withCheckout.connect(line);
      const listed = (await mine.listTools()).tools;
      expect(listed.map((t) => t.name)).toEqual([...HOST_TOOLS, ...CHECKOUT_TOOLS]);
      expect(await hostView(mine)).toEqual(await hostView(await hostOnly.connect(line)));
      expect((mine.getServerCapabilities() as { tools?: { listChanged?: boolean } }).tools?.listChanged).toBe(
        true,
      );
    });

    it(`lists the checkout tools' input schemas as the neutral definitions give them (${who})`, async () => {
      const mine = await withCheckout.connect(line);
      const listed = (await mine.listTools()).tools;
      const defs = createAcpCheckoutTools({
        service: createTestCheckout().service,
        catalog: createTestCheckout().catalog,
        testPayments: { mode: 'test', rawCardsEnabled: false, createTestToken: () => Promise.reject() },
      }).definitions();
      for (const def of defs) {
        const tool = listed.find((t) => t.name === def.name)!;
        // 1.x stamps its draft-07 `$schema` (over the shopper schemas' 2020-12 one: they use no keyword whose
        // meaning differs) and an open `additionalProperties` where the schema has none.
        const { $schema, ...schema } = tool.inputSchema as Record<string, unknown>;
        expect($schema).toBe('http://json-schema.org/draft-07/schema#');
        const { $schema: _ours, ...ours } = def.inputSchema;
        expect(schema).toEqual({ additionalProperties: {}, ...ours });
      }
    });

    it(`binding errors are JSON-RPC errors, the same as the standalone server's (${who})`, async () => {
      await bindingErrors(await withCheckout.connect(line));
    });

    it(`a purchase through the registered tools (${who})`, async () => {
      await purchase(await withCheckout.connect(line));
    });
  }
});

describe('checkout tools on an existing 1.x McpServer over stdio: notifications', () => {
  it('the host still notifies tools/list_changed when it adds a tool (1.x client)', async () => {
    const client = new ClientV1({ name: 'host-test-v1', version: '1.0.0' });
    await client.connect(
      new StdioV1({ command: process.execPath, args: [fixture, '--stdio'], stderr: 'pipe' }),
    );
    try {
      const before = (await client.listTools()).tools.length;
      const changed = new Promise<void>((r) =>
        client.setNotificationHandler(ToolListChangedNotificationSchema, () => r()),
      );
      await client.callTool({ name: 'host_add_tool', arguments: {} });
      await changed;
      expect((await client.listTools()).tools.length).toBe(before + 1);
    } finally {
      await client.close();
    }
  });
});

describe('registerAcpCheckoutToolsSdk1 (in process)', () => {
  it('refuses what is not a 1.x McpServer with a TypeError naming the right function', () => {
    const checkout = createTestCheckout();
    expect(() => registerAcpCheckoutToolsSdk1({} as McpServer, { service: checkout.service })).toThrow(
      /registerAcpCheckoutTools from @acp\/mcp-server/,
    );
  });

  it('refuses a host tool of the same name with the SDK error, registering nothing', () => {
    const checkout = createTestCheckout();
    const server = new McpServer({ name: 'other', version: '1.0.0' });
    server.registerTool('get_order', { description: 'The host has its own get_order.' }, async () => ({
      content: [{ type: 'text', text: 'host order' }],
    }));
    expect(() => registerAcpCheckoutToolsSdk1(server, { service: checkout.service })).toThrow(
      /get_order is already registered/,
    );
    // Nothing else was left behind: a second attempt fails on the same name again, not an earlier one.
    expect(() => registerAcpCheckoutToolsSdk1(server, { service: checkout.service })).toThrow(
      /get_order is already registered/,
    );
  });
});
