// Example 3 (examples/express): an Express app serving ACP REST, MCP and the Stripe webhook next to its own
// routes. Bought over REST and MCP; a hosted payment link paid on the emulator's page becomes an order through the
// emulator's signed webhook to the Express app.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buyOverMcp, buyOverRest, exampleEntry, type Running, startExample, until, V } from '../src/agent.js';

let running: Running;
let client: Client;
beforeAll(async () => {
  running = await startExample(exampleEntry('express', 'server.js'));
  client = new Client({ name: 'agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${running.url}/mcp`)));
});
afterAll(async () => {
  await client?.close();
  await running?.stop();
});

describe('example 3: Express', () => {
  it("keeps the app's own routes and their body parser", async () => {
    expect(await (await fetch(`${running.url}/health`)).json()).toEqual({ ok: true, payments: 'emulator' });
    const contact = await fetch(`${running.url}/contact`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'hello' }),
    });
    expect(await contact.json()).toEqual({ received: true });
  });

  it('serves ACP REST and MCP: an agent buys both ways', async () => {
    const discovery = await fetch(`${running.url}/.well-known/acp.json`);
    expect(discovery.status).toBe(200);
    expect((await buyOverMcp(client)).status).toBe('completed');
    const viaRest = await buyOverRest((r) => fetch(r), running.url, client);
    expect(viaRest.status).toBe('completed');
    expect(viaRest.order?.id).toMatch(/^ord_/);
  });

  it('a payment link paid on the hosted page becomes an order through the webhook to Express', async () => {
    const created = (await client.callTool({
      name: 'create_checkout_session',
      arguments: {
        meta: { api_version: V, idempotency_key: crypto.randomUUID() },
        payload: {
          currency: 'usd',
          line_items: [{ id: 'ebook' }],
          capabilities: { interventions: { supported: [] } },
          buyer: { email: 'link@example.com' },
        },
      },
    })) as { structuredContent: { id: string } };
    const id = created.structuredContent.id;
    const orders = () => [...running.stderr().matchAll(/order (ord_\S+): 2174 usd/g)].map((m) => m[1]!);
    const before = orders().length;
    const link = (await client.callTool({
      name: 'create_payment_link',
      arguments: { checkout_session_id: id },
    })) as {
      structuredContent: { url: string };
    };
    const paid = await fetch(link.structuredContent.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'payment_method=pm_card_visa&action=pay',
      redirect: 'manual',
    });
    expect(paid.status).toBeLessThan(400);
    // Nothing reads the session meanwhile, and the recovery timer's first pass is 30 s away: an order within a few
    // seconds can only come from the webhook (the hook prints it).
    const order = await until('the order from the webhook', () => orders()[before]);
    const session = await fetch(`${running.url}/checkout_sessions/${id}`, { headers: { 'api-version': V } });
    const body = (await session.json()) as { status: string; order?: { id: string } };
    expect(body.status).toBe('completed');
    expect(body.order?.id).toBe(order);
  });
});
