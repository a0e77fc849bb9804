// The per-request instances register no tool: tools/list is rendered once per factory by a template McpServer
// and served from that cache. It must be exactly what McpServer itself answers.
import { createTestCheckout } from '@acp/core/testing';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { createAcpMcpServerFactory } from '../src/index.js';
import { memoryTestPayments } from './helpers.js';

async function listWith(server: McpServer) {
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(b);
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(a);
  const first = await client.listTools();
  const second = await client.listTools();
  await client.close();
  await server.close();
  return { first, second };
}

describe('tools/list', () => {
  it('serves the cached rendering on every instance, the same on every call', async () => {
    const checkout = createTestCheckout();
    const factory = createAcpMcpServerFactory({
      service: checkout.service,
      catalog: checkout.catalog,
      testPayments: memoryTestPayments(true),
    });
    const one = await listWith(factory());
    const two = await listWith(factory());
    expect(one.second).toEqual(one.first);
    expect(two.first).toEqual(one.first);
    expect(one.first.tools.map((t) => t.name)).toContain('get_checkout_session');
    expect(one.first.tools.map((t) => t.name)).toContain('collect_payment_info');
    // A plain McpServer with one registered tool lists it the way the template lists ours.
    const plain = new McpServer({ name: 'p', version: '1' });
    plain.registerTool('x', { description: 'x' }, async () => ({ content: [] }));
    const reference = await listWith(plain);
    expect(Object.keys(reference.first)).toEqual(Object.keys(one.first));
  });
});
