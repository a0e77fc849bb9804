// Example 4 (examples/fetch-handler): the web-standard fetch handler, called with Request objects (REST, and MCP
// through the official client whose fetch is the handler), then served on Node and bought over real HTTP.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, describe, expect, it } from 'vitest';
import { checkout, handler } from '../../../examples/fetch-handler/src/handler.js';
import { buyOverMcp, buyOverRest, exampleEntry, restRequest, startExample, V } from '../src/agent.js';

const BASE = 'http://localhost:3000';
afterAll(() => checkout.close());

/** The MCP client's transport, with the handler as its fetch (no server in between). */
async function clientOnHandler(): Promise<Client> {
  const client = new Client({ name: 'agent', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), {
      fetch: async (url, init) => {
        const request = new Request(url, init);
        request.headers.set('host', new URL(BASE).host);
        return handler(request);
      },
    }),
  );
  return client;
}

describe('example 4: a web-standard fetch handler', () => {
  it('is a Request → Response handler: discovery, an unknown route, a bad request', async () => {
    const discovery = await handler(restRequest(BASE, '/.well-known/acp.json'));
    expect(discovery.status).toBe(200);
    expect(await discovery.json()).toMatchObject({ transports: ['rest', 'mcp'] });
    expect((await handler(restRequest(BASE, '/nowhere'))).status).toBe(404);
    const bad = await handler(
      restRequest(BASE, '/checkout_sessions', { currency: 'usd', line_items: 'mug' }),
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: 'invalid_request' });
    expect(checkout.payments).toMatchObject({ mode: 'emulator', simulated: true });
  });

  it('an agent buys over MCP and over REST, through the emulator', async () => {
    const client = await clientOnHandler();
    try {
      const viaMcp = await buyOverMcp(client);
      expect(viaMcp.status).toBe('completed');
      expect(viaMcp.order?.id).toMatch(/^ord_/);
      const viaRest = await buyOverRest(handler, BASE, client);
      expect(viaRest.status).toBe('completed');
      const read = await handler(restRequest(BASE, `/checkout_sessions/${viaRest.id}`));
      expect(((await read.json()) as { status: string }).status).toBe('completed');
      expect((await checkout.service.getOrderBySession(viaRest.id))?.amount).toBe(1999 + 175);
    } finally {
      await client.close();
    }
  });

  it('served on Node by dist/serve.js: bought over real HTTP, the order hook prints', async () => {
    const running = await startExample(exampleEntry('fetch-handler', 'serve.js'));
    try {
      expect(running.stderr()).toContain('payments are SIMULATED');
      const client = new Client({ name: 'agent', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${running.url}/mcp`)));
      const done = await buyOverMcp(client);
      await client.close();
      expect(done.status).toBe('completed');
      const got = await fetch(`${running.url}/checkout_sessions/${done.id}`, {
        headers: { 'api-version': V },
      });
      expect(((await got.json()) as { order?: { id: string } }).order?.id).toBe(done.order!.id);
      await expect.poll(() => running.stderr()).toContain(`order ${done.order!.id}: 2174 usd`);
    } finally {
      await running.stop();
    }
  });
});
