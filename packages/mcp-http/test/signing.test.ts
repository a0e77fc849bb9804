// Request signing (issue 10 item 6): a signature covers Timestamp, method, path and body, is accepted once,
// within the skew window both ways, and is enforced on REST and /mcp alike.
import {
  createAcpMcpServerFactory,
  type RequestSigningOptions,
  signMcpToolCall,
  signRequest,
} from '@acp/mcp-server';
import { ProtocolError } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { createAcpHttpHandler } from '../src/index.js';
import { CAPS, headers, mcpClient, type Running, sessionCount, start, V } from './helpers.js';

const SECRET = 'acp_request_signing_secret_0123';
let r: Running | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

const createBody = JSON.stringify({ currency: 'usd', line_items: [{ id: 'ebook_mcp' }], capabilities: CAPS });

interface Signed {
  signature: string;
  timestamp: string;
}

/** Sends a REST request with the given Signature/Timestamp (signed correctly by default). */
async function send(
  method: 'GET' | 'POST',
  path: string,
  body?: string,
  sig?: Signed | Promise<Signed>,
): Promise<{ status: number; body: Record<string, unknown>; sent: Signed }> {
  const url = `${r!.url}${path}`;
  const sent =
    (await sig) ?? (await signRequest(SECRET, { method, url, ...(body !== undefined ? { body } : {}) }));
  const res = await fetch(url, {
    method,
    headers: headers({
      ...(method === 'POST' ? { 'idempotency-key': crypto.randomUUID() } : {}),
      signature: sent.signature,
      timestamp: sent.timestamp,
    }),
    ...(body !== undefined ? { body } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, sent };
}

async function startSigned(signing: RequestSigningOptions = { secrets: [SECRET] }) {
  r = await start({ requestSigning: signing });
  const a = await send('POST', '/checkout_sessions', createBody);
  const b = await send('POST', '/checkout_sessions', createBody);
  expect([a.status, b.status]).toEqual([201, 201]);
  return { a: a.body.id as string, b: b.body.id as string };
}

describe('REST request signing', () => {
  it('refuses unsigned, forged and tampered requests before any state changes', async () => {
    await startSigned();
    const before = await sessionCount(r!.checkout);
    const unsigned = await fetch(`${r!.url}/checkout_sessions`, {
      method: 'POST',
      headers: headers({ 'idempotency-key': crypto.randomUUID() }),
      body: createBody,
    });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ code: 'invalid_signature' });
    const url = `${r!.url}/checkout_sessions`;
    const forged = await send(
      'POST',
      '/checkout_sessions',
      createBody,
      signRequest('other secret', { method: 'POST', url, body: createBody }),
    );
    expect(forged.status).toBe(401);
    const tampered = await send(
      'POST',
      '/checkout_sessions',
      createBody.replace('ebook_mcp', 'mug_classic'),
      signRequest(SECRET, { method: 'POST', url, body: createBody }),
    );
    expect(tampered.status).toBe(401);
    expect(await sessionCount(r!.checkout)).toBe(before);
  });

  it('a captured signature does not verify with a fresh Timestamp (the timestamp is signed)', async () => {
    await startSigned();
    const before = await sessionCount(r!.checkout);
    const url = `${r!.url}/checkout_sessions`;
    const captured = await signRequest(SECRET, {
      method: 'POST',
      url,
      body: createBody,
      timestamp: new Date(Date.now() - 60_000),
    });
    const swapped = await send('POST', '/checkout_sessions', createBody, {
      signature: captured.signature,
      timestamp: new Date().toISOString(),
    });
    expect(swapped.status).toBe(401);
    expect(swapped.body).toMatchObject({ code: 'invalid_signature' });
    expect(await sessionCount(r!.checkout)).toBe(before);
  });

  it('a GET or empty-body cancel signature is bound to its session: it does not work on another one', async () => {
    const { a, b } = await startSigned();
    const getA = await send('GET', `/checkout_sessions/${a}`);
    expect(getA.status).toBe(200);
    const getB = await send('GET', `/checkout_sessions/${b}`, undefined, {
      signature: getA.sent.signature,
      timestamp: getA.sent.timestamp,
    });
    expect(getB.status).toBe(401);
    expect(getB.body).toMatchObject({ code: 'invalid_signature' });
    // An empty-body cancel signed for A, sent to B: refused, B stays open.
    const cancelA = await signRequest(SECRET, {
      method: 'POST',
      url: `${r!.url}/checkout_sessions/${a}/cancel`,
    });
    const onB = await send('POST', `/checkout_sessions/${b}/cancel`, undefined, cancelA);
    expect(onB.status).toBe(401);
    expect((await r!.checkout.store.getSession(b))!.state.status).not.toBe('canceled');
    // The method is signed too: a GET signature is no POST (update) signature.
    const asPost = await send(
      'POST',
      `/checkout_sessions/${a}`,
      undefined,
      await signRequest(SECRET, { method: 'GET', url: `${r!.url}/checkout_sessions/${a}` }),
    );
    expect(asPost.status).toBe(401);
  });

  it('a signature is accepted once: a replay inside the window is refused and changes nothing', async () => {
    const { a } = await startSigned();
    const cancel = await signRequest(SECRET, {
      method: 'POST',
      url: `${r!.url}/checkout_sessions/${a}/cancel`,
    });
    const createSig = await signRequest(SECRET, {
      method: 'POST',
      url: `${r!.url}/checkout_sessions`,
      body: createBody,
    });
    const first = await send('POST', '/checkout_sessions', createBody, createSig);
    expect(first.status).toBe(201);
    const count = await sessionCount(r!.checkout);
    // Same signature and timestamp, new Idempotency-Key (a new request to the server): refused.
    const replay = await send('POST', '/checkout_sessions', createBody, createSig);
    expect(replay.status).toBe(401);
    expect(replay.body.message).toMatch(/already used/);
    expect(await sessionCount(r!.checkout)).toBe(count);
    // Spelled differently (hex instead of base64url), it is still the same signature.
    const bytes = Uint8Array.from(
      atob(createSig.signature.replace(/-/g, '+').replace(/_/g, '/') + '='),
      (c) => c.charCodeAt(0),
    );
    const hex = [...bytes].map((x) => x.toString(16).padStart(2, '0')).join('');
    expect(
      (await send('POST', '/checkout_sessions', createBody, { ...createSig, signature: hex })).status,
    ).toBe(401);
    expect((await send('POST', `/checkout_sessions/${a}/cancel`, undefined, cancel)).status).toBe(200);
    expect((await send('POST', `/checkout_sessions/${a}/cancel`, undefined, cancel)).status).toBe(401);
  });

  it('a used signature is refused with a new Idempotency-Key, in hex spelling, and on a trailing-slash path', async () => {
    r = await start({ requestSigning: { secrets: [SECRET] } });
    const sig = await signRequest(SECRET, {
      method: 'POST',
      url: `${r.url}/checkout_sessions`,
      body: createBody,
    });
    const toHex = (b64url: string) =>
      Buffer.from(b64url.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('hex');
    expect((await send('POST', '/checkout_sessions', createBody, sig)).status).toBe(201);
    expect((await send('POST', '/checkout_sessions', createBody, sig)).status).toBe(401);
    const hex = { ...sig, signature: toHex(sig.signature) };
    expect((await send('POST', '/checkout_sessions', createBody, hex)).status).toBe(401);
    expect((await send('POST', '/checkout_sessions/', createBody, sig)).status).toBe(401);
    expect(await sessionCount(r.checkout)).toBe(1);
  });

  it('a signature for one path spelling does not verify another (trailing slash), even unused', async () => {
    r = await start({ requestSigning: { secrets: [SECRET] } });
    const sig = await signRequest(SECRET, {
      method: 'POST',
      url: `${r.url}/checkout_sessions`,
      body: createBody,
    });
    const res = await send('POST', '/checkout_sessions/', createBody, sig);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'invalid_signature' });
    expect(await sessionCount(r.checkout)).toBe(0);
  });

  it('refuses timestamps outside the window in the past and in the future, and non-RFC 3339 ones', async () => {
    let now = Date.parse('2026-05-01T12:00:00Z');
    r = await start({ requestSigning: { secrets: [SECRET], toleranceSeconds: 300, now: () => now } });
    const url = `${r!.url}/checkout_sessions`;
    const at = (ms: number) =>
      signRequest(SECRET, { method: 'POST', url, body: createBody, timestamp: new Date(now + ms) });
    const before = await sessionCount(r!.checkout);
    for (const ms of [-301_000, 301_000, 3_600_000]) {
      const res = await send('POST', '/checkout_sessions', createBody, at(ms));
      expect(res.status, String(ms)).toBe(401);
      expect(res.body.message).toMatch(/Timestamp/);
    }
    const loose = await signRequest(SECRET, {
      method: 'POST',
      url,
      body: createBody,
      timestamp: String(now),
    });
    expect((await send('POST', '/checkout_sessions', createBody, loose)).status).toBe(401);
    expect(await sessionCount(r!.checkout)).toBe(before);
    expect((await send('POST', '/checkout_sessions', createBody, at(290_000))).status).toBe(201);
    now += 1000;
    expect((await send('POST', '/checkout_sessions', createBody, at(-290_000))).status).toBe(201);
  });
});

describe('/mcp enforces the same signing option', () => {
  const args = () => ({
    meta: { api_version: V, idempotency_key: crypto.randomUUID() },
    payload: { currency: 'usd', line_items: [{ id: 'ebook_mcp' }], capabilities: CAPS },
  });

  it('an unsigned create_checkout_session over /mcp is refused when REST signing is configured', async () => {
    r = await start({ requestSigning: { secrets: [SECRET] } });
    const client = await mcpClient(r.url);
    const e = await client
      .callTool({ name: 'create_checkout_session', arguments: args() })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).code).toBe(-32000);
    expect((e as ProtocolError).data).toMatchObject({ code: 'invalid_signature' });
    expect(await sessionCount(r.checkout)).toBe(0);
    // Signed over the arguments (tool name = path), it goes through once; the same signature again does not.
    const a = args();
    const sig = await signMcpToolCall(SECRET, { name: 'create_checkout_session', arguments: a });
    const signed = { ...a, meta: { ...a.meta, ...sig } };
    const ok = (await client.callTool({ name: 'create_checkout_session', arguments: signed })) as {
      id?: string;
    };
    expect(ok.id).toBeDefined();
    const again = await client
      .callTool({ name: 'create_checkout_session', arguments: signed })
      .catch((x: unknown) => x);
    expect((again as ProtocolError).data).toMatchObject({ code: 'invalid_signature' });
    // A get signed for one session does not read another (the id is in the signed arguments).
    const getA = { meta: { api_version: V }, id: ok.id };
    const getSig = await signMcpToolCall(SECRET, { name: 'get_checkout_session', arguments: getA });
    const other = await client
      .callTool({
        name: 'get_checkout_session',
        arguments: { meta: { api_version: V, ...getSig }, id: 'cs_test_0002' },
      })
      .catch((x: unknown) => x);
    expect((other as ProtocolError).data).toMatchObject({ code: 'invalid_signature' });
    // The other state-changing tools need a signature too (in the request _meta).
    const link = (await client.callTool({
      name: 'create_payment_link',
      arguments: { checkout_session_id: ok.id },
    })) as {
      isError?: boolean;
      structuredContent?: { error?: { code?: string } };
    };
    expect(link.isError).toBe(true);
    expect(link.structuredContent?.error?.code).toBe('invalid_signature');
    expect(await sessionCount(r.checkout)).toBe(1);
    await client.close();
  });

  it('an MCP signature for one tool or arguments does not verify another', async () => {
    r = await start({ requestSigning: { secrets: [SECRET] } });
    const a = args();
    const s = await signMcpToolCall(SECRET, { name: 'get_checkout_session', arguments: a });
    const res = await fetch(`${r.url}/mcp`, {
      method: 'POST',
      headers: headers({
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
      }),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'create_checkout_session',
          arguments: { ...a, meta: { ...a.meta, signature: s.signature, timestamp: s.timestamp } },
        },
      }),
    });
    expect(await res.text()).toContain('invalid_signature');
    expect(await sessionCount(r.checkout)).toBe(0);
  });

  it('refuses a custom MCP factory that would not check the REST signing option', async () => {
    const { createTestCheckout } = await import('@acp/core/testing');
    const t = createTestCheckout();
    const signing = { secrets: [SECRET] };
    expect(() =>
      createAcpHttpHandler({
        service: t.service,
        requestSigning: signing,
        mcp: createAcpMcpServerFactory({ service: t.service }),
      }),
    ).toThrow(/requestSigning/);
    expect(() =>
      createAcpHttpHandler({
        service: t.service,
        requestSigning: signing,
        mcp: createAcpMcpServerFactory({ service: t.service, requestSigning: signing }),
      }),
    ).not.toThrow();
  });
});
