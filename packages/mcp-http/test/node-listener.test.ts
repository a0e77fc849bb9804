// createAcpNodeListener: the handler as a plain node:http request listener, in a server the application owns
// (what Express, Connect and `http.createServer` take). Real server, real fetch and MCP client.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestCheckout } from '@acp/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createAcpHttpHandler } from '../src/index.js';
import { createAcpNodeListener } from '../src/node.js';
import { CAPS, KEY, mcpClient, post } from './helpers.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

async function serve(listener: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('createAcpNodeListener', () => {
  it('serves REST and MCP from a server the application owns, next to its own routes', async () => {
    const checkout = createTestCheckout();
    const acp = createAcpNodeListener(
      createAcpHttpHandler({
        service: checkout.service,
        catalog: checkout.catalog,
        apiKeys: [{ id: 'agent-1', key: KEY }],
      }),
    );
    const url = await serve((req, res) => {
      if (req.url === '/health') res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      else acp(req, res);
    });
    expect(await (await fetch(`${url}/health`)).text()).toBe('ok');
    const created = await post(`${url}/checkout_sessions`, {
      currency: 'usd',
      line_items: [{ id: checkout.catalog.all()[0]!.id }],
      capabilities: CAPS,
    });
    expect(created.res.status).toBe(201);
    const client = await mcpClient(url);
    const read = (await client.callTool({
      name: 'get_checkout_session',
      arguments: { meta: { api_version: '2026-04-17' }, id: created.body.id },
    })) as { structuredContent?: { id?: string } };
    expect(read.structuredContent?.id).toBe(created.body.id);
    await client.close();
  });

  it('answers a body another middleware already read with a 500 naming the cause, instead of hanging', async () => {
    const checkout = createTestCheckout();
    const acp = createAcpNodeListener(createAcpHttpHandler({ service: checkout.service }));
    const url = await serve((req, res) => {
      // What express.json() does before the handler: the stream is consumed.
      req.resume();
      req.on('end', () => acp(req, res));
    });
    const res = await fetch(`${url}/checkout_sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'api-version': '2026-04-17', 'idempotency-key': 'k1' },
      body: JSON.stringify({ currency: 'usd', line_items: [{ id: 'x' }], capabilities: CAPS }),
      signal: AbortSignal.timeout(5000),
    });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({
      code: 'internal_error',
      message: expect.stringMatching(/before body parsers/),
    });
  });
});
