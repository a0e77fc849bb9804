// Transport security: no unauthenticated non-loopback listener; a missing or wrong bearer key, a foreign
// Host or Origin, a bad signature and a stale timestamp are each rejected on REST and MCP without touching
// state (every table, idempotency records included, byte-identical before and after).

import { createTestCheckout } from '@acp/core/testing';
import { createAcpNodeServer } from '@acp/mcp-http/node';
import { signMcpToolCall, signRequest } from '@acp/mcp-server';
import { ProtocolError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, jsonRpcMessages, rawRequest } from '../src/http.js';
import { acpErrorProblems } from '../src/oracle.js';
import { CAPS, VALID_UPDATE } from '../src/requests.js';
import { type Snapshot, snapshotCounts } from '../src/snapshot.js';
import { AGENT_KEY, API_VERSION, type Stack, startStack } from '../src/stack.js';

const SECRET = 'acp_request_signing_secret_for_tests';
let stack: Stack;
let sessionId: string;

beforeAll(async () => {
  stack = await startStack({
    requestSigning: { secrets: [SECRET], toleranceSeconds: 300 },
    webhooks: false,
  });
  const body = JSON.stringify({ currency: 'usd', line_items: [{ id: 'ebook_mcp' }], capabilities: CAPS });
  const res = await signedPost('/checkout_sessions', body);
  expect(res.status).toBe(201);
  sessionId = (jsonOf(res.text) as { id: string }).id;
});

afterAll(async () => {
  await stack?.close();
});

/** `Signature`/`Timestamp` headers for a POST of `body` to `path`. */
async function signed(path: string, body: string, at = new Date(), secret = SECRET) {
  return signRequest(secret, { method: 'POST', url: `${stack.url}${path}`, body, timestamp: at });
}

async function signedPost(path: string, body: string, extra: Record<string, string> = {}, at = new Date()) {
  return rawRequest(`${stack.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${AGENT_KEY}`,
      'api-version': API_VERSION,
      'content-type': 'application/json',
      'idempotency-key': crypto.randomUUID(),
      ...(await signed(path, body, at)),
      ...extra,
    },
    body,
  });
}

function expectSame(before: Snapshot, after: Snapshot, what: string): void {
  expect(after, what).toEqual(before);
}

describe('listening', () => {
  it('refuses a non-loopback address without keys, and with only localhost allowed, before binding', async () => {
    const { service } = createTestCheckout();
    for (const host of [
      '0.0.0.0',
      '::',
      '192.168.1.10',
      '10.0.0.7',
      'shop.example.com',
      '::ffff:127.0.0.1',
    ]) {
      const open = createAcpNodeServer({ service });
      await expect(open.listen({ host, port: 0 }), host).rejects.toThrow(/Refusing to listen/);
      expect(open.server.listening).toBe(false);
      const localOnly = createAcpNodeServer({ service, apiKeys: [{ id: 'a', key: AGENT_KEY }] });
      await expect(localOnly.listen({ host, port: 0 }), host).rejects.toThrow(/allowedHosts/);
      expect(localOnly.server.listening).toBe(false);
      await open.close().catch(() => undefined);
      await localOnly.close().catch(() => undefined);
    }
    // Control: loopback without keys is allowed (local development).
    const local = createAcpNodeServer({ service });
    const url = await local.listen({ host: '127.0.0.1', port: 0 });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await local.close();
  });
});

describe('REST rejections touch no state', () => {
  const update = JSON.stringify(VALID_UPDATE);
  const cases: [string, () => Promise<Awaited<ReturnType<typeof rawRequest>>>, number, string][] = [
    [
      'missing bearer',
      () => signedPost(`/checkout_sessions/${sessionId}`, update, { authorization: '' }),
      401,
      'unauthorized',
    ],
    [
      'wrong bearer',
      () => signedPost(`/checkout_sessions/${sessionId}`, update, { authorization: `Bearer ${AGENT_KEY}x` }),
      401,
      'unauthorized',
    ],
    [
      'foreign Host',
      () => signedPost(`/checkout_sessions/${sessionId}`, update, { host: 'evil.example.com' }),
      403,
      'forbidden',
    ],
    [
      'foreign Origin',
      () => signedPost(`/checkout_sessions/${sessionId}`, update, { origin: 'https://evil.example.com' }),
      403,
      'forbidden',
    ],
    [
      'DNS-rebound Host with a local Origin',
      () =>
        signedPost(`/checkout_sessions/${sessionId}/cancel`, '{}', {
          host: 'attacker.test:80',
          origin: 'http://localhost',
        }),
      403,
      'forbidden',
    ],
    [
      'bad signature',
      () => signedPost(`/checkout_sessions/${sessionId}`, update, { signature: 'AAAA' }),
      401,
      'invalid_signature',
    ],
    [
      'signature of another body',
      async () =>
        signedPost(`/checkout_sessions/${sessionId}`, update, {
          signature: (await signed(`/checkout_sessions/${sessionId}`, '{}')).signature,
        }),
      401,
      'invalid_signature',
    ],
    [
      'signature with the wrong secret',
      async () =>
        signedPost(`/checkout_sessions/${sessionId}/cancel`, '{}', {
          signature: (await signed(`/checkout_sessions/${sessionId}/cancel`, '{}', new Date(), 'other'))
            .signature,
        }),
      401,
      'invalid_signature',
    ],
    [
      'stale timestamp',
      () =>
        signedPost(`/checkout_sessions/${sessionId}/cancel`, '{}', {}, new Date(Date.now() - 10 * 60_000)),
      401,
      'invalid_signature',
    ],
    [
      'future timestamp',
      () => signedPost('/checkout_sessions', '{"currency":"usd"}', {}, new Date(Date.now() + 10 * 60_000)),
      401,
      'invalid_signature',
    ],
    [
      'missing signature',
      () => signedPost('/checkout_sessions', '{}', { signature: '' }),
      401,
      'invalid_signature',
    ],
  ];
  for (const [name, send, status, code] of cases) {
    it(`${name} → ${status} ${code}`, async () => {
      const before = await stack.snapshot();
      const res = await send();
      expect(res.status).toBe(status);
      const body = jsonOf(res.text);
      expect(body).toMatchObject({ code });
      expect(acpErrorProblems(body, res.status)).toEqual([]);
      expectSame(before, await stack.snapshot(), name);
    });
  }

  it('a replayed signature, one with a swapped Timestamp, and one moved to another session → 401, no state change', async () => {
    const path = `/checkout_sessions/${sessionId}`;
    const sig = await signed(path, update);
    const first = await signedPost(path, update, { signature: sig.signature, timestamp: sig.timestamp });
    expect(first.status).toBe(200);
    const before = await stack.snapshot();
    const attempts = [
      signedPost(path, update, { signature: sig.signature, timestamp: sig.timestamp }),
      signedPost(path, update, {
        signature: sig.signature,
        timestamp: new Date(Date.now() + 1000).toISOString(),
      }),
      signedPost('/checkout_sessions/cs_other/cancel', '', {
        ...(await signRequest(SECRET, { method: 'POST', url: `${stack.url}${path}/cancel` })),
      }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(401);
      expect(jsonOf(res.text)).toMatchObject({ code: 'invalid_signature' });
    }
    expectSame(before, await stack.snapshot(), 'replays');
  });

  it('control: the same request, correctly signed and authenticated, does change state', async () => {
    const before = await stack.snapshot();
    const res = await signedPost(`/checkout_sessions/${sessionId}`, update);
    expect(res.status).toBe(200);
    expect((await stack.snapshot()).sessions).not.toEqual(before.sessions);
    expect(snapshotCounts(await stack.snapshot()).idempotency).toBe(snapshotCounts(before).idempotency + 1);
  });
});

describe('MCP rejections touch no state', () => {
  const rpc = (args: Record<string, unknown>) =>
    JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'cancel_checkout_session', arguments: args },
    });
  const mcpHeaders = (extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${AGENT_KEY}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-06-18',
    ...extra,
  });
  const cancelArgs = () => ({
    meta: { api_version: API_VERSION, idempotency_key: crypto.randomUUID() },
    id: sessionId,
    payload: {},
  });

  for (const [name, headers, status] of [
    ['missing bearer', { authorization: '' }, 401],
    ['wrong bearer', { authorization: `Bearer nope` }, 401],
    ['foreign Host', { host: 'evil.example.com' }, 403],
    ['foreign Origin', { origin: 'https://evil.example.com' }, 403],
  ] as const) {
    it(`${name} → HTTP ${status}`, async () => {
      const before = await stack.snapshot();
      const res = await rawRequest(`${stack.url}/mcp`, {
        method: 'POST',
        headers: mcpHeaders(headers),
        body: rpc(cancelArgs()),
      });
      expect(res.status).toBe(status);
      const [msg] = jsonRpcMessages(res.text, res.headers['content-type'] as string | undefined) as {
        error?: { code: number };
      }[];
      expect(msg?.error?.code).toBeLessThan(0);
      expectSame(before, await stack.snapshot(), name);
    });
  }

  it('binding calls with a bad meta.signature or a stale meta.timestamp → -32000 invalid_signature', async () => {
    const client = await stack.mcp();
    const payload = {};
    const argsOf = (meta: Record<string, string>) => ({
      meta: { api_version: API_VERSION, idempotency_key: 'k-signing', ...meta },
      id: sessionId,
      payload,
    });
    const good = await signMcpToolCall(SECRET, { name: 'cancel_checkout_session', arguments: argsOf({}) });
    for (const [what, meta] of [
      ['unsigned', {}],
      ['bad signature', { signature: 'AAAA', timestamp: new Date().toISOString() }],
      [
        'signature of another payload',
        {
          ...(await signMcpToolCall(SECRET, {
            name: 'cancel_checkout_session',
            arguments: { ...argsOf({}), payload: { x: 1 } },
          })),
        },
      ],
      [
        'stale timestamp',
        await signMcpToolCall(SECRET, {
          name: 'cancel_checkout_session',
          arguments: argsOf({}),
          timestamp: new Date(Date.now() - 3_600_000),
        }),
      ],
      ['unparsable timestamp', { signature: good.signature, timestamp: 'yesterday' }],
    ] as const) {
      const before = await stack.snapshot();
      const e = await client
        .callTool({ name: 'cancel_checkout_session', arguments: argsOf(meta) })
        .catch((err: unknown) => err);
      expect(e, what).toBeInstanceOf(ProtocolError);
      expect((e as ProtocolError).code).toBe(-32000);
      expect((e as ProtocolError).data).toMatchObject({ code: 'invalid_signature' });
      expect(acpErrorProblems((e as ProtocolError).data)).toEqual([]);
      expectSame(before, await stack.snapshot(), what);
    }
    // Control: correctly signed, the call goes through.
    const getArgs = { meta: { api_version: API_VERSION }, id: sessionId };
    const ok = await client.callTool({
      name: 'get_checkout_session',
      arguments: {
        ...getArgs,
        meta: {
          ...getArgs.meta,
          ...(await signMcpToolCall(SECRET, { name: 'get_checkout_session', arguments: getArgs })),
        },
      },
    });
    expect((ok as { status?: string }).status).toBeDefined();
  });
});
