// Closed by default (issue 10 item 7) and the per-caller rate limit (item 8b): a loopback bind behind a proxy
// or tunnel is still public, and a publicly reachable handler without authentication is refused at
// construction whatever serves it; a burst past the limit gets 429 + Retry-After before anything changes, and
// a JSON-RPC batch takes one token per message.
import { createTestCheckout } from '@acp/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { AcpHttpConfigError, createAcpHttpHandler } from '../src/index.js';
import { createAcpNodeServer } from '../src/node.js';
import { CAPS, headers, KEY, mcpClient, type Running, sessionCount, start, V } from './helpers.js';

let r: Running | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

describe('closed by default when publicly reachable', () => {
  it('refuses to build a handler without keys when publicUrl or allowedHosts is public (typed error)', async () => {
    const { service } = createTestCheckout();
    for (const options of [
      { publicUrl: 'https://shop.example.com' },
      { allowedHosts: ['shop.example.com'] },
      { allowedHosts: 'any' as const },
    ]) {
      let thrown: unknown;
      try {
        createAcpNodeServer({ service, ...options });
      } catch (e) {
        thrown = e;
      }
      expect(thrown, JSON.stringify(options)).toBeInstanceOf(AcpHttpConfigError);
      expect(thrown).toMatchObject({ code: 'unauthenticated_public_handler' });
      expect(String(thrown)).toMatch(/no authentication: configure apiKeys or verifyToken/);
      expect(() => createAcpHttpHandler({ service, ...options })).toThrow(AcpHttpConfigError);
    }
    // With a key, a verifier, or loopback only, it is built and listens.
    const keyed = createAcpNodeServer({
      service,
      publicUrl: 'https://shop.example.com',
      apiKeys: [{ key: KEY }],
    });
    await keyed.listen({ host: '127.0.0.1', port: 0 });
    await keyed.close();
    const verified = createAcpHttpHandler({
      service,
      allowedHosts: ['shop.example.com'],
      verifyToken: () => undefined,
    });
    expect(verified.authenticated).toBe(true);
    const local = createAcpNodeServer({ service, publicUrl: 'http://127.0.0.1:8787' });
    await local.listen({ host: '127.0.0.1', port: 0 });
    await local.close();
  });

  it('a publicly reachable web handler (publicUrl/allowedHosts public, no keys) does not serve checkout to anyone', async () => {
    const checkout = createTestCheckout();
    // The same options createAcpNodeServer().listen() refuses; used as a fetch handler (Workers, Bun, Deno,
    // Hono, a custom node server) the construction itself refuses them.
    let res: Response | undefined;
    let refused: unknown;
    try {
      const handler = createAcpHttpHandler({
        service: checkout.service,
        catalog: checkout.catalog,
        publicUrl: 'https://shop.example.com',
        allowedHosts: ['shop.example.com'],
      });
      res = await handler.fetch(
        new Request('https://shop.example.com/checkout_sessions', {
          method: 'POST',
          headers: {
            host: 'shop.example.com',
            'api-version': V,
            'content-type': 'application/json',
            'idempotency-key': crypto.randomUUID(),
          },
          body: JSON.stringify({ currency: 'usd', line_items: [{ id: 'ebook_mcp' }], capabilities: CAPS }),
        }),
      );
      await handler.close();
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(AcpHttpConfigError);
    expect({ status: res?.status ?? 401, sessions: await sessionCount(checkout) }).toEqual({
      status: 401,
      sessions: 0,
    });
  });

  it('behind a proxy that keeps Host: 127.0.0.1 (no publicUrl), a keyless handler refuses proxied requests', async () => {
    // nginx's default `proxy_set_header Host $proxy_host` makes a public deployment look like loopback; the
    // proxy's own headers give it away.
    const checkout = createTestCheckout();
    const handler = createAcpHttpHandler({ service: checkout.service, catalog: checkout.catalog });
    const post = (extra: Record<string, string>) =>
      handler.fetch(
        new Request('http://127.0.0.1:8787/checkout_sessions', {
          method: 'POST',
          headers: {
            host: '127.0.0.1:8787',
            'api-version': V,
            'content-type': 'application/json',
            'idempotency-key': crypto.randomUUID(),
            ...extra,
          },
          body: JSON.stringify({ currency: 'usd', line_items: [{ id: 'ebook_mcp' }], capabilities: CAPS }),
        }),
      );
    const proxyHeaders: Record<string, string>[] = [
      { 'x-forwarded-for': '203.0.113.7' },
      { forwarded: 'for=203.0.113.7;proto=https' },
      { 'x-real-ip': '203.0.113.7' },
      { 'x-forwarded-host': 'shop.example.com' },
    ];
    for (const h of proxyHeaders) {
      const res = await post(h);
      expect(res.status, JSON.stringify(h)).toBe(403);
      expect(((await res.json()) as { message: string }).message).toMatch(/proxy.*no authentication/);
    }
    const mcp = await handler.fetch(
      new Request('http://127.0.0.1:8787/mcp', {
        method: 'POST',
        headers: {
          host: '127.0.0.1:8787',
          'x-forwarded-for': '203.0.113.7',
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      }),
    );
    expect(mcp.status).toBe(403);
    expect(await sessionCount(checkout)).toBe(0);
    // Direct local use still works, and so does an explicit opt-out or a keyed handler behind the proxy.
    expect((await post({})).status).toBe(201);
    const optOut = createAcpHttpHandler({
      service: checkout.service,
      catalog: checkout.catalog,
      allowUnauthenticated: true,
      logger: { warn: () => undefined, error: () => undefined },
    });
    const viaProxy = await optOut.fetch(
      new Request('http://127.0.0.1:8787/.well-known/acp.json', {
        headers: { host: '127.0.0.1:8787', 'x-forwarded-for': '203.0.113.7' },
      }),
    );
    expect(viaProxy.status).toBe(200);
    await Promise.all([handler.close(), optOut.close()]);
    // The same over a real node server (its own header access path).
    const r = await start({ apiKeys: [] });
    try {
      const proxied = await fetch(`${r.url}/checkout_sessions`, {
        method: 'POST',
        headers: {
          'api-version': V,
          'content-type': 'application/json',
          'idempotency-key': crypto.randomUUID(),
          'x-forwarded-for': '203.0.113.7',
        },
        body: JSON.stringify({ currency: 'usd', line_items: [{ id: 'ebook_mcp' }], capabilities: CAPS }),
      });
      expect(proxied.status).toBe(403);
      expect(await sessionCount(r.checkout)).toBe(0);
    } finally {
      await r.close();
    }
  });

  it('allows an explicit, logged opt-out for local work, but never a non-loopback bind without keys', async () => {
    const { service } = createTestCheckout();
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m), error: () => undefined };
    const node = createAcpNodeServer({
      service,
      publicUrl: 'https://tunnel.example.com',
      allowUnauthenticated: true,
      logger,
    });
    expect(warnings.join('\n')).toMatch(/UNAUTHENTICATED/);
    await node.listen({ host: '127.0.0.1', port: 0 });
    await node.close();
    const wide = createAcpNodeServer({
      service,
      allowedHosts: ['shop.example.com'],
      allowUnauthenticated: true,
    });
    await expect(wide.listen({ host: '0.0.0.0', port: 0 })).rejects.toThrow(/without authentication/);
  });
});

describe('per-caller rate limit', () => {
  const create = (url: string, key = KEY) =>
    fetch(`${url}/checkout_sessions`, {
      method: 'POST',
      headers: { ...headers({ 'idempotency-key': crypto.randomUUID() }), authorization: `Bearer ${key}` },
      body: JSON.stringify({ currency: 'usd', line_items: [{ id: 'ebook_mcp' }], capabilities: CAPS }),
    });

  it('answers a REST burst past the limit with 429 + Retry-After, per caller, with no state change', async () => {
    let now = 1_000_000;
    const other = 'sk_test_other_agent_key_0123456789';
    r = await start({
      apiKeys: [
        { id: 'agent-1', key: KEY },
        { id: 'agent-2', key: other },
      ],
      rateLimit: { burst: 3, perSecond: 0.5, now: () => now },
    });
    for (let i = 0; i < 3; i++) expect((await create(r.url)).status).toBe(201);
    const before = await r.checkout.store.listSessions({ limit: 100 });
    const limited = await create(r.url);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(await limited.json()).toMatchObject({ type: 'invalid_request', code: 'rate_limited' });
    const get = await fetch(`${r.url}/checkout_sessions/${before.sessions[0]!.state.id}`, {
      headers: headers(),
    });
    expect(get.status).toBe(429);
    expect(await r.checkout.store.listSessions({ limit: 100 })).toEqual(before);
    // Another caller has its own bucket; time refills this one.
    expect((await create(r.url, other)).status).toBe(201);
    now += 2000;
    expect((await create(r.url)).status).toBe(201);
    expect((await create(r.url)).status).toBe(429);
  });

  it('answers an MCP burst past the limit with HTTP 429 + Retry-After before the call runs', async () => {
    r = await start({ rateLimit: { burst: 6, perSecond: 0.001 } });
    const client = await mcpClient(r.url);
    let created = 0;
    let refused: unknown;
    for (let i = 0; i < 10 && !refused; i++) {
      await client
        .callTool({
          name: 'create_checkout_session',
          arguments: {
            meta: { api_version: V, idempotency_key: crypto.randomUUID() },
            payload: { currency: 'usd', line_items: [{ id: 'ebook_mcp' }], capabilities: CAPS },
          },
        })
        .then(() => created++)
        .catch((e: unknown) => {
          refused = e;
        });
    }
    expect(created).toBeGreaterThan(0);
    expect(String(refused)).toMatch(/rate_limited/);
    expect(await sessionCount(r.checkout)).toBe(created);
    const res = await fetch(`${r.url}/mcp`, {
      method: 'POST',
      headers: headers({
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
      }),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: {
          name: 'create_checkout_session',
          arguments: {
            meta: { api_version: V, idempotency_key: crypto.randomUUID() },
            payload: { currency: 'usd', line_items: [{ id: 'ebook_mcp' }], capabilities: CAPS },
          },
        },
      }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({ error: { code: -32000, data: { code: 'rate_limited' } } });
    expect(await sessionCount(r.checkout)).toBe(created);
    await client.close();
  });

  it('one /mcp request carrying a JSON-RPC batch of tool calls takes one token per call', async () => {
    r = await start({ rateLimit: { burst: 2, perSecond: 0.001 } });
    const call = (i: number) => ({
      jsonrpc: '2.0',
      id: i,
      method: 'tools/call',
      params: {
        name: 'create_checkout_session',
        arguments: {
          meta: { api_version: V, idempotency_key: crypto.randomUUID() },
          payload: { currency: 'usd', line_items: [{ id: 'ebook_mcp' }], capabilities: CAPS },
        },
      },
    });
    const batch = (n: number) =>
      fetch(`${r!.url}/mcp`, {
        method: 'POST',
        headers: headers({
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-06-18',
        }),
        body: JSON.stringify(Array.from({ length: n }, (_, i) => call(i + 1))),
      });
    const res = await batch(50);
    const text = await res.text();
    // The limit is 2 requests; 50 sessions must not be created by one HTTP request.
    expect(await sessionCount(r.checkout)).toBeLessThanOrEqual(2);
    // Refused whole, before anything ran, with a message that says why.
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(text).toMatch(/batch of 50 JSON-RPC messages/);
    expect(await sessionCount(r.checkout)).toBe(0);
  });

  it('a batch within the limit runs; the next one past what is left is refused whole', async () => {
    r = await start({ rateLimit: { burst: 3, perSecond: 0.001 } });
    const call = (i: number) => ({
      jsonrpc: '2.0',
      id: i,
      method: 'tools/call',
      params: {
        name: 'create_checkout_session',
        arguments: {
          meta: { api_version: V, idempotency_key: crypto.randomUUID() },
          payload: { currency: 'usd', line_items: [{ id: 'ebook_mcp' }], capabilities: CAPS },
        },
      },
    });
    const send = (ids: number[]) =>
      fetch(`${r!.url}/mcp`, {
        method: 'POST',
        headers: headers({
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-06-18',
        }),
        body: JSON.stringify(ids.map(call)),
      });
    const ok = await send([1, 2]);
    expect(ok.status).toBe(200);
    await ok.text();
    expect(await sessionCount(r.checkout)).toBe(2);
    const refused = await send([3, 4]);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { data: { code: 'rate_limited' } } });
    expect(await sessionCount(r.checkout)).toBe(2);
  });

  it('is on by default when publicly reachable, off on loopback, and can be turned off', () => {
    const { service } = createTestCheckout();
    const apiKeys = [{ key: KEY }];
    expect(createAcpHttpHandler({ service }).rateLimited).toBe(false);
    expect(
      createAcpHttpHandler({ service, apiKeys, publicUrl: 'https://shop.example.com' }).rateLimited,
    ).toBe(true);
    expect(createAcpHttpHandler({ service, apiKeys, allowedHosts: ['shop.example.com'] }).rateLimited).toBe(
      true,
    );
    expect(
      createAcpHttpHandler({ service, apiKeys, allowedHosts: ['shop.example.com'], rateLimit: false })
        .rateLimited,
    ).toBe(false);
  });
});
