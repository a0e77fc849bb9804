// Object-level authorization (issue 10 item 8b): a session, its order and its payment link belong to the caller
// (API key identity) that created it. Another key gets exactly the unknown-id answer, on REST and MCP, and
// nothing changes.
import { MEMORY_TEST_TOKENS, SAMPLE_ADDRESS } from '@acp/core/testing';
import type { TestPaymentsProvider } from '@acp/mcp-server';
import type { Client } from '@modelcontextprotocol/client';
import { ProtocolError } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultKeyId } from '../src/handler.js';
import { CAPS, mcpClient, type Running, start, V } from './helpers.js';

const KEY_A = 'agent_a_secret_0123456789abcdef';
const KEY_B = 'agent_b_secret_0123456789abcdef';

const testPayments: TestPaymentsProvider = {
  mode: 'test',
  rawCardsEnabled: false,
  async createTestToken(input) {
    return {
      shared_payment_token: MEMORY_TEST_TOKENS.succeeds,
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
      max_amount: input.amount,
      currency: input.currency,
    };
  },
};

let r: Running | undefined;
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await r?.close();
  r = undefined;
});

function rest(key: string) {
  return async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await fetch(`${r!.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        'api-version': V,
        'content-type': 'application/json',
        ...(method === 'POST' ? { 'idempotency-key': crypto.randomUUID() } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
}

const READY = {
  buyer: { email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' },
  fulfillment_details: { name: 'Ada Lovelace', email: 'ada@example.com', address: SAMPLE_ADDRESS },
};
const PAY = {
  payment_data: {
    handler_id: 'card_tokenized',
    instrument: { type: 'card', credential: { type: 'spt', token: MEMORY_TEST_TOKENS.succeeds } },
  },
};

/** The answer for an id that does not exist, with the id replaced (the message names it). */
function asUnknown(answer: { status: number; body: Record<string, unknown> }, id: string, unknownId: string) {
  return { status: answer.status, body: JSON.parse(JSON.stringify(answer.body).replaceAll(unknownId, id)) };
}

describe('sessions belong to the API key identity that created them', () => {
  it('REST: another key gets the unknown-id 404 for read, update, complete and cancel; nothing changes', async () => {
    r = await start({ apiKeys: [{ id: 'agent-a', key: KEY_A }, { key: KEY_B }] });
    const a = rest(KEY_A);
    const b = rest(KEY_B);
    const created = await a('POST', '/checkout_sessions', {
      currency: 'usd',
      line_items: [{ id: 'ebook_mcp' }],
      capabilities: CAPS,
      ...READY,
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const stored = await r.checkout.store.getSession(id);
    expect(stored!.state.owner).toBe('agent-a');
    const unknown = 'cs_does_not_exist';
    const cases: [string, 'GET' | 'POST', string, unknown][] = [
      ['read', 'GET', '', undefined],
      ['update', 'POST', '', { buyer: { email: 'mallory@example.com' } }],
      ['complete', 'POST', '/complete', PAY],
      ['cancel', 'POST', '/cancel', {}],
    ];
    for (const [what, method, suffix, body] of cases) {
      const foreign = await b(method, `/checkout_sessions/${id}${suffix}`, body);
      const none = await b(method, `/checkout_sessions/${unknown}${suffix}`, body);
      expect(foreign.status, what).toBe(404);
      expect(foreign, what).toEqual(asUnknown(none, id, unknown));
      expect(JSON.stringify(foreign.body)).not.toContain('ada@example.com');
    }
    const after = await r.checkout.store.getSession(id);
    expect(after).toEqual(stored);
    // The owner still can.
    expect((await a('GET', `/checkout_sessions/${id}`)).body).toMatchObject({
      id,
      status: 'ready_for_payment',
    });
    expect((await a('POST', `/checkout_sessions/${id}/complete`, PAY)).body).toMatchObject({
      status: 'completed',
    });
    // Default identity: a hash prefix of the key, never the key.
    const byB = await b('POST', '/checkout_sessions', {
      currency: 'usd',
      line_items: [{ id: 'mug_classic' }],
      capabilities: CAPS,
    });
    const owner = (await r.checkout.store.getSession(byB.body.id as string))!.state.owner;
    expect(owner).toBe(await defaultKeyId(KEY_B));
    expect(owner).toMatch(/^key_[0-9a-f]{12}$/);
    expect(KEY_B).not.toContain(owner!.slice(4));
  });

  it('MCP: binding and shopper tools answer another key as for an unknown id; nothing changes', async () => {
    r = await start({
      apiKeys: [
        { id: 'agent-a', key: KEY_A },
        { id: 'agent-b', key: KEY_B },
      ],
      testPayments,
    });
    const a = await mcpClient(r.url, { token: KEY_A });
    const b = await mcpClient(r.url, { token: KEY_B });
    clients.push(a, b);
    const meta = () => ({ api_version: V, idempotency_key: crypto.randomUUID() });
    const created = (await a.callTool({
      name: 'create_checkout_session',
      arguments: {
        meta: meta(),
        payload: { currency: 'usd', line_items: [{ id: 'ebook_mcp' }], capabilities: CAPS, ...READY },
      },
    })) as unknown as { id: string; status: string };
    expect(created.status).toBe('ready_for_payment');
    const id = created.id;
    const stored = await r.checkout.store.getSession(id);
    const unknown = 'cs_does_not_exist';
    const bindingError = async (name: string, sessionId: string, payload?: unknown) => {
      const e = await b
        .callTool({ name, arguments: { meta: meta(), id: sessionId, ...(payload ? { payload } : {}) } })
        .catch((x: unknown) => x);
      expect(e, name).toBeInstanceOf(ProtocolError);
      return { code: (e as ProtocolError).code, data: (e as ProtocolError).data };
    };
    for (const [name, payload] of [
      ['get_checkout_session', undefined],
      ['update_checkout_session', { buyer: { email: 'mallory@example.com' } }],
      ['complete_checkout_session', PAY],
      ['cancel_checkout_session', {}],
    ] as const) {
      const foreign = await bindingError(name, id, payload);
      const none = await bindingError(name, unknown, payload);
      expect(foreign.data, name).toMatchObject({ code: 'session_not_found' });
      expect(JSON.stringify(foreign), name).toBe(JSON.stringify(none).replaceAll(unknown, id));
    }
    const shopper = async (client: Client, name: string, args: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: args })) as {
        isError?: boolean;
        structuredContent?: Record<string, unknown>;
      };
    for (const [name, args, unknownArgs] of [
      ['create_payment_link', { checkout_session_id: id }, { checkout_session_id: unknown }],
      [
        'collect_payment_info',
        { sessionId: id, paymentMethodId: 'pm_card_visa' },
        { sessionId: unknown, paymentMethodId: 'pm_card_visa' },
      ],
      [
        'complete_checkout',
        {
          checkout_session_id: id,
          buyer: { email: 'm@example.com' },
          payment_data: { token: MEMORY_TEST_TOKENS.succeeds, provider: 'stripe' },
        },
        {
          checkout_session_id: unknown,
          buyer: { email: 'm@example.com' },
          payment_data: { token: MEMORY_TEST_TOKENS.succeeds, provider: 'stripe' },
        },
      ],
    ] as const) {
      const foreign = await shopper(b, name, args);
      const none = await shopper(b, name, unknownArgs);
      expect(foreign.isError, name).toBe(true);
      expect(JSON.stringify(foreign), name).toBe(JSON.stringify(none).replaceAll(unknown, id));
    }
    expect(await r.checkout.store.getSession(id)).toEqual(stored);
    // The order too: once A completes, B cannot read it (by session or by order id), A can.
    const done = (await a.callTool({
      name: 'complete_checkout_session',
      arguments: { meta: meta(), id, payload: PAY },
    })) as unknown as { status: string; order: { id: string } };
    expect(done.status).toBe('completed');
    for (const args of [{ checkout_session_id: id }, { order_id: done.order.id }]) {
      const foreign = await shopper(b, 'get_order', args);
      expect(foreign.isError).toBe(true);
      expect(foreign.structuredContent).toMatchObject({ error: { code: 'order_not_found' } });
      expect(JSON.stringify(foreign)).not.toContain('ada@example.com');
      const own = await shopper(a, 'get_order', args);
      expect(own.isError).toBeFalsy();
    }
  });
});
