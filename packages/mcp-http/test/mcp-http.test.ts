// Real MCP clients over Streamable HTTP (2025-era and 2026-07-28), and one scenario run through REST and
// through the MCP binding that must give the same answers.
import { createTestCheckout } from '@acp/core/testing';
import { specPresent, validateDef } from '@acp/spec-oracle';
import { type Client, ProtocolError } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { CAPS, headers, mcpClient, type Running, start, V } from './helpers.js';

let r: Running | undefined;
let clients: Client[] = [];
afterEach(async () => {
  for (const c of clients) await c.close();
  clients = [];
  await r?.close();
  r = undefined;
});

type Step =
  | { op: 'create'; key: string; body: unknown }
  | { op: 'update' | 'complete' | 'cancel'; key: string; body?: unknown }
  | { op: 'get'; id?: string };

interface Answer {
  ok: boolean;
  body: unknown;
}

const SCENARIO: Step[] = [
  {
    op: 'create',
    key: 'k1',
    body: { currency: 'usd', line_items: [{ id: 'mug_classic', quantity: 2 }], capabilities: CAPS },
  },
  {
    op: 'create',
    key: 'k1',
    body: { currency: 'usd', line_items: [{ id: 'mug_classic', quantity: 2 }], capabilities: CAPS },
  },
  {
    op: 'update',
    key: 'k2',
    body: {
      buyer: { email: 'ada@example.com' },
      fulfillment_details: {
        name: 'Ada',
        address: {
          name: 'Ada Lovelace',
          line_one: '1 Analytical Way',
          city: 'San Francisco',
          state: 'CA',
          country: 'US',
          postal_code: '94131',
        },
      },
    },
  },
  {
    op: 'update',
    key: 'k3',
    body: {
      selected_fulfillment_options: [
        { type: 'shipping', option_id: 'ship_express', item_ids: ['mug_classic'] },
      ],
    },
  },
  {
    op: 'update',
    key: 'k4',
    body: {
      selected_fulfillment_options: [
        { type: 'shipping', shipping: { option_id: 'ship_express', item_ids: ['mug_classic'] } },
      ],
    },
  },
  { op: 'get' },
  { op: 'get', id: 'cs_does_not_exist' },
  {
    op: 'complete',
    key: 'k5',
    body: {
      payment_data: {
        handler_id: 'card_tokenized',
        instrument: { type: 'card', credential: { type: 'spt', token: 'spt_test_declined' } },
      },
    },
  },
  {
    op: 'complete',
    key: 'k6',
    body: {
      payment_data: {
        handler_id: 'card_tokenized',
        instrument: { type: 'card', credential: { type: 'spt', token: 'spt_test_visa' } },
      },
    },
  },
  {
    op: 'complete',
    key: 'k6',
    body: {
      payment_data: {
        handler_id: 'card_tokenized',
        instrument: { type: 'card', credential: { type: 'spt', token: 'spt_test_visa' } },
      },
    },
  },
  { op: 'cancel', key: 'k7' },
  { op: 'get' },
];

async function viaRest(url: string): Promise<Answer[]> {
  const out: Answer[] = [];
  let id = '';
  for (const step of SCENARIO) {
    const path =
      step.op === 'create'
        ? '/checkout_sessions'
        : step.op === 'get'
          ? `/checkout_sessions/${step.id ?? id}`
          : step.op === 'update'
            ? `/checkout_sessions/${id}`
            : `/checkout_sessions/${id}/${step.op}`;
    const res = await fetch(url + path, {
      method: step.op === 'get' ? 'GET' : 'POST',
      headers: headers(step.op === 'get' ? {} : { 'idempotency-key': step.key }),
      ...('body' in step && step.body !== undefined ? { body: JSON.stringify(step.body) } : {}),
    });
    const body = (await res.json()) as { id?: string };
    if (step.op === 'create') id = body.id!;
    out.push({ ok: res.ok, body });
  }
  return out;
}

async function viaMcp(client: Client): Promise<Answer[]> {
  const out: Answer[] = [];
  let id = '';
  for (const step of SCENARIO) {
    const name = `${step.op}_checkout_session`;
    const args: Record<string, unknown> = {
      meta: { api_version: V, ...('key' in step ? { idempotency_key: step.key } : {}) },
    };
    if (step.op !== 'create') args.id = step.op === 'get' ? (step.id ?? id) : id;
    if ('body' in step && step.body !== undefined) args.payload = step.body;
    try {
      const res = (await client.callTool({ name, arguments: args })) as { structuredContent: { id: string } };
      if (step.op === 'create') id = res.structuredContent.id;
      out.push({ ok: true, body: res.structuredContent });
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
      expect((e as ProtocolError).code).toBe(-32000);
      out.push({ ok: false, body: (e as ProtocolError).data });
    }
  }
  return out;
}

/** The REST error param is rooted at the body (`$`); the binding's at the arguments (`$.payload`). */
function rootParams(answers: Answer[]): Answer[] {
  return JSON.parse(JSON.stringify(answers).replaceAll('"$.payload.', '"$.'));
}

describe.skipIf(!specPresent())('MCP over Streamable HTTP', () => {
  it('serves a 2025-era client and a 2026-07-28 client from the same endpoint', async () => {
    r = await start();
    const legacy = await mcpClient(r.url);
    const modern = await mcpClient(r.url, { modern: true });
    clients.push(legacy, modern);
    expect(legacy.getProtocolEra()).toBe('legacy');
    expect(modern.getProtocolEra()).toBe('modern');
    for (const client of [legacy, modern]) {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toContain('create_checkout_session');
      expect(tools).toContain('search_products');
      const found = (await client.callTool({ name: 'search_products', arguments: { query: 'ebook' } })) as {
        structuredContent: { products: { id: string }[] };
      };
      expect(found.structuredContent.products.map((p) => p.id)).toEqual(['ebook_mcp']);
      const created = (await client.callTool({
        name: 'create_checkout_session',
        arguments: {
          meta: { api_version: V, idempotency_key: crypto.randomUUID() },
          payload: { currency: 'usd', line_items: [{ id: 'ebook_mcp' }], capabilities: CAPS },
        },
      })) as Record<string, unknown> & { structuredContent: Record<string, unknown> };
      expect(created.status).toBe('not_ready_for_payment');
      expect(validateDef('CheckoutSession', created.structuredContent).valid).toBe(true);
      const err = await client
        .callTool({ name: 'get_checkout_session', arguments: { meta: { api_version: V }, id: 'cs_x' } })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as ProtocolError).code).toBe(-32000);
      expect((err as ProtocolError).data).toMatchObject({ code: 'session_not_found' });
    }
  });

  it('REST and the MCP binding give the same answers for the same sequence', async () => {
    r = await start({}, createTestCheckout());
    const rest = await viaRest(r.url);
    await r.close();
    r = await start({}, createTestCheckout());
    const client = await mcpClient(r.url);
    clients.push(client);
    const mcp = await viaMcp(client);
    expect(rootParams(mcp)).toEqual(rest);
    // The scenario covers success, replay, an ACP validation error, 404, a decline, an order and a 405.
    expect(rest.map((a) => a.ok)).toEqual([
      true,
      true,
      true,
      true,
      false,
      true,
      false,
      true,
      true,
      true,
      false,
      true,
    ]);
    for (const a of rest) expect(validateDef(a.ok ? 'CheckoutSession' : 'Error', a.body).valid).toBe(true);
    expect(validateDef('CheckoutSessionWithOrder', rest[8]!.body).valid).toBe(true);
  });
});
