// The checkout tools on a user's existing SDK v2 McpServer (registerAcpCheckoutTools), over stdio (a child
// process: test/fixtures/host-v2.mjs on the built packages) and Streamable HTTP (createMcpHandler), with the
// official v2 client, in both protocol eras. The host's tools, prompts, resources and capabilities must answer
// exactly as the same server without the checkout tools; the binding tools must keep their JSON-RPC errors.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestCheckout, type TestCheckout } from '@acp/core/testing';
import { specPresent, validateDef } from '@acp/spec-oracle';
import {
  Client,
  InMemoryTransport,
  ProtocolError,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { createMcpHandler, type McpHttpHandler, McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAcpCheckoutTools } from '../src/index.js';
import { createHostServer } from './fixtures/host-v2.mjs';
import { API_VERSION, connect, createArgs, READY_UPDATE } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = resolve(here, 'fixtures/host-v2.mjs');
const builtServer = resolve(here, '../dist/index.js');

type Result = Record<string, unknown> & {
  content?: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

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

// ------------------------------------------------------------------------------------------ transports

interface Endpoint {
  connect(modern: boolean): Promise<Client>;
  close(): Promise<void>;
}

function stdioEndpoint(hostOnly: boolean): Endpoint {
  const clients: Client[] = [];
  return {
    async connect(modern) {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [fixture, '--stdio', ...(hostOnly ? ['--host-only'] : [])],
        stderr: 'pipe',
      });
      const client = new Client(
        { name: 'host-test', version: '1.0.0' },
        modern ? { versionNegotiation: { mode: 'auto' } } : {},
      );
      await client.connect(transport);
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
    },
  };
}

/** node:http → the SDK's web-standard handler. */
async function listen(handler: McpHttpHandler): Promise<{ url: URL; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const response = await handler.fetch(
        new Request(`http://${req.headers.host}${req.url}`, {
          method: req.method ?? 'GET',
          headers,
          ...(body && req.method !== 'GET' && req.method !== 'HEAD' ? { body } : {}),
        }),
      );
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) for await (const chunk of response.body) res.write(chunk);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: new URL(`http://127.0.0.1:${port}/mcp`), server };
}

function httpEndpoint(hostOnly: boolean, checkout: TestCheckout): Endpoint {
  const handler = createMcpHandler(() => createHostServer(checkout, { checkout: !hostOnly }).mcp);
  const running = listen(handler);
  const clients: Client[] = [];
  return {
    async connect(modern) {
      const { url } = await running;
      const client = new Client(
        { name: 'host-test', version: '1.0.0' },
        modern ? { versionNegotiation: { mode: 'auto' } } : {},
      );
      await client.connect(new StreamableHTTPClientTransport(url));
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await handler.close();
      const { server } = await running;
      await new Promise((r) => server.close(r));
    },
  };
}

// ------------------------------------------------------------------------------------------ the checks

async function callError(client: Client, name: string, args: unknown): Promise<ProtocolError> {
  try {
    const r = await client.callTool({ name, arguments: args as Record<string, unknown> });
    throw new Error(`${name} answered a result: ${JSON.stringify(r).slice(0, 300)}`);
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return e;
  }
}

/** What a client observes of a host tool call: the result, or the JSON-RPC error. */
async function observe(client: Client, name: string, args: Record<string, unknown>): Promise<unknown> {
  try {
    return { result: await client.callTool({ name, arguments: args }) };
  } catch (e) {
    if (e instanceof ProtocolError) return { error: { code: e.code, message: e.message, data: e.data } };
    throw e;
  }
}

async function hostView(client: Client) {
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

async function purchase(client: Client): Promise<Result> {
  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as Result;
  const found = await call('search_products', { query: 'handbook' });
  expect(found.isError).toBeFalsy();
  const item = (found.structuredContent!.products as { id: string }[])[0]!;
  expect(item.id).toBe('ebook_mcp');
  const created = await call('create_checkout_session', createArgs(undefined, [{ id: item.id }]));
  expect(created.status).toBe('not_ready_for_payment');
  const id = created.id as string;
  const session = await call('update_checkout_session', {
    meta: { api_version: API_VERSION, idempotency_key: crypto.randomUUID() },
    id,
    payload: READY_UPDATE,
  });
  expect(session.status, JSON.stringify(session.messages)).toBe('ready_for_payment');
  const paid = await call('collect_payment_info', { sessionId: id, paymentMethodId: 'pm_card_visa' });
  expect(paid.isError).toBeFalsy();
  const completed = await call('complete_checkout_session', {
    meta: { api_version: API_VERSION, idempotency_key: crypto.randomUUID() },
    id,
    payload: { payment_data: paid.structuredContent!.payment_data },
  });
  expect(completed.status).toBe('completed');
  if (specPresent()) {
    const v = validateDef('CheckoutSessionWithOrder', completed.structuredContent);
    expect(v.valid, v.text).toBe(true);
  }
  const order = await call('get_order', { checkout_session_id: id });
  expect(order.isError).toBeFalsy();
  expect((order.structuredContent!.order as { checkout_session_id: string }).checkout_session_id).toBe(id);
  return completed;
}

async function bindingErrors(client: Client): Promise<void> {
  const notFound = await callError(client, 'get_checkout_session', {
    meta: { api_version: API_VERSION },
    id: 'cs_nope',
  });
  expect(notFound.code).toBe(-32000);
  expect(notFound.data).toMatchObject({ type: 'invalid_request', code: 'session_not_found' });
  if (specPresent()) {
    const v = validateDef('Error', notFound.data);
    expect(v.valid, v.text).toBe(true);
  }
  // The same answers as the standalone factory gives, for invalid params of every kind.
  const standalone = await connect();
  try {
    const missingCurrency = createArgs('same-key');
    delete (missingCurrency.payload as Record<string, unknown>).currency;
    for (const [name, args] of [
      ['create_checkout_session', missingCurrency],
      ['get_checkout_session', { meta: {}, id: 'cs_1' }],
      ['get_checkout_session', { id: 'cs_1' }],
      ['get_checkout_session', { meta: { api_version: 20260417 }, id: 'cs_1' }],
      ['update_checkout_session', { meta: { api_version: API_VERSION }, id: 'cs', payload: [] }],
      ['complete_checkout_session', { meta: { api_version: API_VERSION }, id: 'cs_x', payload: {} }],
    ] as const) {
      const mine = await callError(client, name, args);
      const theirs = await callError(standalone.client, name, args);
      expect(
        { code: mine.code, message: mine.message, data: mine.data },
        `${name} ${JSON.stringify(args)}`,
      ).toEqual({ code: theirs.code, message: theirs.message, data: theirs.data });
      expect([-32000, -32602]).toContain(mine.code);
    }
  } finally {
    await standalone.close();
  }
  // Shopper tools answer failures with isError results, as on the standalone server.
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

describe.each(transports)('checkout tools on an existing v2 McpServer over %s', (_label, endpointOf) => {
  let withCheckout: Endpoint;
  let hostOnly: Endpoint;
  beforeAll(() => {
    if (!existsSync(builtServer)) throw new Error(`${builtServer} is missing: build first (pnpm run build)`);
    const checkout = createTestCheckout();
    withCheckout = endpointOf(false, checkout);
    hostOnly = endpointOf(true, checkout);
  });
  afterAll(async () => {
    await withCheckout.close();
    await hostOnly.close();
  });

  for (const modern of [false, true]) {
    const era = modern ? '2026-07-28 era' : '2025 era';
    it(`lists host and checkout tools; the host answers exactly as without checkout (${era})`, async () => {
      const mine = await withCheckout.connect(modern);
      const names = (await mine.listTools()).tools.map((t) => t.name);
      expect(names).toEqual([...HOST_TOOLS, ...CHECKOUT_TOOLS]);
      const theirs = await hostOnly.connect(modern);
      expect(await hostView(mine)).toEqual(await hostView(theirs));
      expect(mine.getServerCapabilities()?.tools?.listChanged).toBe(true);
    });

    it(`binding errors are JSON-RPC errors, the same as the standalone server's (${era})`, async () => {
      await bindingErrors(await withCheckout.connect(modern));
    });

    it(`a purchase through the registered tools (${era})`, async () => {
      await purchase(await withCheckout.connect(modern));
    });
  }
});

describe('checkout tools on an existing v2 McpServer over stdio: notifications', () => {
  it('the host still notifies tools/list_changed when it adds a tool', async () => {
    const endpoint = stdioEndpoint(false);
    try {
      const client = await endpoint.connect(false);
      const before = (await client.listTools()).tools.length;
      const changed = new Promise<void>((r) =>
        client.setNotificationHandler('notifications/tools/list_changed', () => r()),
      );
      await client.callTool({ name: 'host_add_tool', arguments: {} });
      await changed;
      expect((await client.listTools()).tools.length).toBe(before + 1);
    } finally {
      await endpoint.close();
    }
  });
});

describe('registerAcpCheckoutTools (in process)', () => {
  async function inMemory(server: ReturnType<typeof createHostServer>['mcp']): Promise<Client> {
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(b);
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(a);
    return client;
  }

  it('returns the SDK handles: a disabled checkout tool disappears and is refused like a host tool', async () => {
    const { mcp, registration } = createHostServer(createTestCheckout());
    const client = await inMemory(mcp);
    registration!.tools.create_payment_link!.disable();
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('create_payment_link');
    const refused = await callError(client, 'create_payment_link', { checkout_session_id: 'cs_1' });
    expect(refused.code).toBe(-32602);
    await client.close();
  });

  it('keeps a host capability setting (listChanged: false) and the host instructions', async () => {
    const { mcp } = createHostServer(createTestCheckout(), {
      serverOptions: { capabilities: { tools: { listChanged: false } } },
    });
    const client = await inMemory(mcp);
    expect(client.getServerCapabilities()?.tools).toEqual({ listChanged: false });
    expect(client.getInstructions()).toBe('The host store assistant.');
    await client.close();
  });

  it('refuses a second registration, or a host tool of the same name, with the SDK error, registering nothing', async () => {
    const checkout = createTestCheckout();
    const { mcp } = createHostServer(checkout);
    expect(() => registerAcpCheckoutTools(mcp, { service: checkout.service })).toThrow(/already registered/);
    const other = new McpServer({ name: 'other', version: '1.0.0' });
    other.registerTool('get_order', { description: 'The host has its own get_order.' }, async () => ({
      content: [{ type: 'text', text: 'host order' }],
    }));
    expect(() => registerAcpCheckoutTools(other, { service: checkout.service })).toThrow(
      /get_order.*already registered/,
    );
    const client = await inMemory(other);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['get_order']);
    await client.close();
  });

  it('bridges binding errors when registered on a server that is already connected', async () => {
    const checkout = createTestCheckout();
    const { mcp } = createHostServer(checkout, { checkout: false });
    const client = await inMemory(mcp);
    registerAcpCheckoutTools(mcp, { service: checkout.service });
    const e = await callError(client, 'get_checkout_session', {
      meta: { api_version: API_VERSION },
      id: 'cs_x',
    });
    expect(e.code).toBe(-32000);
    expect(e.data).toMatchObject({ code: 'session_not_found' });
    // ...and the host's tools are still answered by McpServer as before.
    const refused = (await client.callTool({ name: 'host_refuses', arguments: {} })) as Result;
    expect(refused).toEqual({ content: [{ type: 'text', text: 'The host refuses.' }], isError: true });
    await client.close();
  });

  it('refuses what is not an SDK v2 McpServer with a TypeError naming the right package', () => {
    const checkout = createTestCheckout();
    expect(() => registerAcpCheckoutTools({} as McpServer, { service: checkout.service })).toThrow(TypeError);
    expect(() =>
      registerAcpCheckoutTools(undefined as unknown as McpServer, { service: checkout.service }),
    ).toThrow(/@acp\/mcp-sdk1/);
  });

  it('lists collect_payment_info only with a test-mode provider, as the standalone server does', async () => {
    const checkout = createTestCheckout();
    const live = createHostServer(checkout, {
      acp: {
        testPayments: { mode: 'live', rawCardsEnabled: false, createTestToken: () => Promise.reject() },
      },
    });
    const client = await inMemory(live.mcp);
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('collect_payment_info');
    await client.close();
  });

  it('uses authInfo.clientId as the caller: another client cannot read the session', async () => {
    const checkout = createTestCheckout();
    const handler = createMcpHandler(() => createHostServer(checkout).mcp);
    const { url, server } = await listen({
      ...handler,
      fetch: (request, opts) => {
        const token = request.headers.get('authorization')?.replace(/^Bearer /, '');
        return handler.fetch(request, {
          ...opts,
          ...(token ? { authInfo: { token, clientId: token, scopes: [] } } : {}),
        });
      },
    });
    const as = async (token: string) => {
      const client = new Client({ name: 'test', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(url, {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        }),
      );
      return client;
    };
    try {
      const alice = await as('alice');
      const bob = await as('bob');
      const created = (await alice.callTool({
        name: 'create_checkout_session',
        arguments: createArgs(),
      })) as Result;
      const seen = await callError(bob, 'get_checkout_session', {
        meta: { api_version: API_VERSION },
        id: created.id,
      });
      expect(seen.data).toMatchObject({ code: 'session_not_found' });
      const mine = (await alice.callTool({
        name: 'get_checkout_session',
        arguments: { meta: { api_version: API_VERSION }, id: created.id },
      })) as Result;
      expect(mine.id).toBe(created.id);
      await alice.close();
      await bob.close();
    } finally {
      await handler.close();
      await new Promise((r) => server.close(r));
    }
  });
});
