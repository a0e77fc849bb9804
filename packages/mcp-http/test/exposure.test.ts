// Closed by default (issue 10 item 7) and the per-caller rate limit (item 8b): a loopback bind behind a proxy
// or tunnel is still public; a burst past the limit gets 429 + Retry-After before anything changes.
import { createTestCheckout } from '@acp/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createAcpHttpHandler } from '../src/index.js';
import { createAcpNodeServer } from '../src/node.js';
import { CAPS, headers, KEY, mcpClient, type Running, sessionCount, start, V } from './helpers.js';

let r: Running | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

describe('closed by default when publicly reachable', () => {
  it('refuses to listen on loopback without keys when publicUrl or allowedHosts is public', async () => {
    const { service } = createTestCheckout();
    for (const options of [
      { publicUrl: 'https://shop.example.com' },
      { allowedHosts: ['shop.example.com'] },
      { allowedHosts: 'any' as const },
    ]) {
      const node = createAcpNodeServer({ service, ...options });
      await expect(node.listen({ host: '127.0.0.1', port: 0 }), JSON.stringify(options)).rejects.toThrow(
        /without authentication/,
      );
      expect(node.server.listening).toBe(false);
      await node.close().catch(() => undefined);
    }
    // With a key, or loopback only, it listens.
    const keyed = createAcpNodeServer({
      service,
      publicUrl: 'https://shop.example.com',
      apiKeys: [{ key: KEY }],
    });
    await keyed.listen({ host: '127.0.0.1', port: 0 });
    await keyed.close();
    const local = createAcpNodeServer({ service, publicUrl: 'http://127.0.0.1:8787' });
    await local.listen({ host: '127.0.0.1', port: 0 });
    await local.close();
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

  it('is on by default when publicly reachable, off on loopback, and can be turned off', () => {
    const { service } = createTestCheckout();
    expect(createAcpHttpHandler({ service }).rateLimited).toBe(false);
    expect(createAcpHttpHandler({ service, publicUrl: 'https://shop.example.com' }).rateLimited).toBe(true);
    expect(createAcpHttpHandler({ service, allowedHosts: ['shop.example.com'] }).rateLimited).toBe(true);
    expect(
      createAcpHttpHandler({ service, allowedHosts: ['shop.example.com'], rateLimit: false }).rateLimited,
    ).toBe(false);
  });
});
