import { afterEach, describe, expect, it } from 'vitest';
import { createAcpNodeServer } from '../src/node.js';
import {
  CAPS,
  headers,
  KEY,
  mcpClient,
  type Running,
  rawRequest,
  sessionCount,
  start,
  V,
} from './helpers.js';

let r: Running | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

const body = JSON.stringify({ currency: 'usd', line_items: [{ id: 'ebook_mcp' }], capabilities: CAPS });
const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
});

async function create(url: string, extra: Record<string, string>, payload = body) {
  return fetch(`${url}/checkout_sessions`, {
    method: 'POST',
    headers: headers({ 'idempotency-key': crypto.randomUUID(), ...extra }),
    body: payload,
  });
}

describe('HTTP security', () => {
  it('requires a valid bearer key on REST and MCP, without touching state', async () => {
    r = await start();
    const none = await create(r.url, { authorization: '' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.json()).toMatchObject({ type: 'invalid_request', code: 'unauthorized' });
    const wrong = await create(r.url, { authorization: `Bearer ${KEY}x` });
    expect(wrong.status).toBe(401);
    const mcpWrong = await fetch(`${r.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: initialize,
    });
    expect(mcpWrong.status).toBe(401);
    await expect(mcpClient(r.url, { token: 'nope' })).rejects.toThrow();
    expect(await sessionCount(r.checkout)).toBe(0);
    const ok = await create(r.url, {});
    expect(ok.status).toBe(201);
    expect(await sessionCount(r.checkout)).toBe(1);
  });

  it('accepts a verifier hook and scopes idempotency keys to the caller', async () => {
    r = await start({
      apiKeys: [],
      verifyToken: (token) =>
        token.startsWith('agent-') ? { token, clientId: token, scopes: [] } : undefined,
    });
    const a = await create(r.url, { authorization: 'Bearer agent-a', 'idempotency-key': 'same' });
    const b = await create(r.url, { authorization: 'Bearer agent-b', 'idempotency-key': 'same' });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    const [ja, jb] = (await Promise.all([a.json(), b.json()])) as { id: string }[];
    expect(ja!.id).not.toBe(jb!.id);
    expect((await create(r.url, { authorization: 'Bearer other' })).status).toBe(401);
  });

  it('two verified users whose AuthInfo has no clientId do not share one identity (or are refused)', async () => {
    r = await start({
      apiKeys: [],
      // e.g. a JWT verifier mapping `sub` to clientId, for tokens without `sub`
      verifyToken: (token) =>
        token.startsWith('user-')
          ? ({ token, scopes: [] } as unknown as { token: string; clientId: string; scopes: string[] })
          : token.startsWith('blank-')
            ? { token, clientId: '  ', scopes: [] }
            : token.startsWith('named-')
              ? { token, clientId: token, scopes: [] }
              : undefined,
    });
    const as = (token: string) => ({
      authorization: `Bearer ${token}`,
      'api-version': V,
      'content-type': 'application/json',
    });
    const createAs = (token: string) =>
      fetch(`${r!.url}/checkout_sessions`, {
        method: 'POST',
        headers: { ...as(token), 'idempotency-key': crypto.randomUUID() },
        body: JSON.stringify({
          currency: 'usd',
          line_items: [{ id: 'ebook_mcp' }],
          capabilities: CAPS,
          buyer: { email: 'alice@example.com', first_name: 'Alice', last_name: 'A' },
        }),
      });
    // Without a clientId (or with a blank one) the caller has no identity to bind sessions to: refused.
    for (const token of ['user-alice', 'blank-bob']) {
      const refused = await createAs(token);
      expect(refused.status, token).toBe(401);
      expect(await refused.json()).toMatchObject({ code: 'unauthorized' });
    }
    const mcp = await fetch(`${r.url}/mcp`, {
      method: 'POST',
      headers: {
        ...as('user-alice'),
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(mcp.status).toBe(401);
    expect(await sessionCount(r.checkout)).toBe(0);
    // Users with their own clientId keep separate sessions.
    const created = await createAs('named-alice');
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { id: string }).id;
    const read = await fetch(`${r.url}/checkout_sessions/${id}`, { headers: as('named-mallory') });
    expect(read.status).toBe(404);
  });

  it('rejects a foreign Host or Origin (DNS rebinding) on REST and MCP', async () => {
    r = await start();
    const host = await rawRequest(`${r.url}/checkout_sessions`, {
      method: 'POST',
      headers: headers({ host: 'evil.example.com', 'idempotency-key': 'k1' }),
      body,
    });
    expect(host.status).toBe(403);
    expect(JSON.parse(host.body)).toMatchObject({ code: 'forbidden' });
    const origin = await create(r.url, { origin: 'https://evil.example.com' });
    expect(origin.status).toBe(403);
    const mcpHost = await rawRequest(`${r.url}/mcp`, {
      method: 'POST',
      headers: headers({ host: 'evil.example.com', accept: 'application/json, text/event-stream' }),
      body: initialize,
    });
    expect(mcpHost.status).toBe(403);
    const localOrigin = await create(r.url, { origin: 'http://localhost:5173' });
    expect(localOrigin.status).toBe(201);
    expect(await sessionCount(r.checkout)).toBe(1);
  });

  it('limits the body size (413)', async () => {
    r = await start({ maxBodyBytes: 2048 });
    const big = JSON.stringify({
      currency: 'usd',
      line_items: [{ id: 'x'.repeat(5000) }],
      capabilities: CAPS,
    });
    const res = await create(r.url, {}, big);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'request_too_large' });
    const mcpBig = await fetch(`${r.url}/mcp`, {
      method: 'POST',
      headers: headers({ accept: 'application/json, text/event-stream' }),
      body: big,
    });
    expect(mcpBig.status).toBe(413);
    // Chunked (no Content-Length): the limit is found while reading, and the client still gets the 413
    // (the connection is not reset before the answer is written).
    const { request } = await import('node:http');
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${r!.url}/checkout_sessions`,
        { method: 'POST', headers: headers({ 'idempotency-key': crypto.randomUUID() }), agent: false },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            data += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 8; i++) req.write(big);
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ code: 'request_too_large' });
    expect(await sessionCount(r.checkout)).toBe(0);
  });

  it('refuses to listen beyond loopback without auth or with only localhost allowed', async () => {
    const { createTestCheckout } = await import('@acp/core/testing');
    const t = createTestCheckout();
    await expect(createAcpNodeServer({ service: t.service }).listen({ host: '0.0.0.0' })).rejects.toThrow(
      /without authentication/,
    );
    await expect(
      createAcpNodeServer({ service: t.service, apiKeys: [{ id: 'a', key: KEY }] }).listen({
        host: '0.0.0.0',
      }),
    ).rejects.toThrow(/allowedHosts/);
  });

  it('mounts a payment webhook with the raw body preserved and no bearer auth', async () => {
    const seen: { raw: Uint8Array; sig: string | null }[] = [];
    r = await start({
      webhook: {
        handle(raw, sig) {
          seen.push({ raw, sig });
          return sig === 't=1,v1=abc' ? { status: 200, body: { received: true } } : { status: 400 };
        },
      },
    });
    const raw = '{"id":"evt_1",  "type":"checkout.session.completed","name":"Zoë 🛒"}\n';
    const res = await fetch(`${r.url}/webhooks/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=abc' },
      body: raw,
    });
    expect(res.status).toBe(200);
    expect(new TextDecoder().decode(seen[0]!.raw)).toBe(raw);
    const bad = await fetch(`${r.url}/webhooks/payments`, { method: 'POST', body: raw });
    expect(bad.status).toBe(400);
    expect((await fetch(`${r.url}/webhooks/payments`)).status).toBe(405);
    expect(V).toBe('2026-04-17');
  });
  it('answers what never reaches the handler (oversized headers, malformed HTTP, TRACE) with a flat ACP Error', async () => {
    r = await start();
    const { connect } = await import('node:net');
    const { port } = new URL(r.url);
    const send = (raw: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.end(raw));
        let data = '';
        socket.setEncoding('utf8');
        socket.on('data', (c: string) => {
          data += c;
        });
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
    const parse = (answer: string) => ({
      status: Number(answer.split(' ')[1]),
      body: JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>,
    });
    const huge = parse(
      await send(
        `GET /checkout_sessions/x HTTP/1.1\r\nHost: localhost\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
      ),
    );
    expect(huge.status).toBe(431);
    expect(huge.body).toEqual({
      type: 'invalid_request',
      code: 'request_too_large',
      message: 'The request headers are too large.',
    });
    const garbage = parse(await send('NOT HTTP AT ALL\r\n\r\n'));
    expect(garbage.status).toBe(400);
    expect(garbage.body).toMatchObject({ type: 'invalid_request', code: 'invalid_request' });
    const lengths = parse(
      await send(
        'POST /checkout_sessions HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
      ),
    );
    expect(lengths.status).toBe(400);
    const trace = await rawRequest(`${r.url}/checkout_sessions`, { method: 'TRACE', headers: headers() });
    expect(trace.status).toBe(400);
    expect(JSON.parse(trace.body)).toMatchObject({ type: 'invalid_request', code: 'invalid_request' });
    expect(await sessionCount(r.checkout)).toBe(0);
  });
});
