// Example 2 (examples/mcp-sdk2-http): an SDK v2 Streamable HTTP server with its own tool, plus the checkout
// tools. Bought by the official v2 client over Streamable HTTP (2025-era and 2026-07-28), through the emulator.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buyOverMcp, exampleEntry, type Running, startExample } from '../src/agent.js';

let running: Running;
beforeAll(async () => {
  running = await startExample(exampleEntry('mcp-sdk2-http', 'server.js'));
});
afterAll(() => running.stop());

describe('example 2: an SDK v2 Streamable HTTP server with its own tools', () => {
  it.each([false, true])('keeps its own tool and an agent buys (modern protocol era: %s)', async (modern) => {
    const client = new Client(
      { name: 'agent', version: '1.0.0' },
      modern ? { versionNegotiation: { mode: 'auto' } } : {},
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(`${running.url}/mcp`)));
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(
        expect.arrayContaining(['store_hours', 'create_checkout_session', 'collect_payment_info']),
      );
      const hours = (await client.callTool({ name: 'store_hours', arguments: { day: 'Sunday' } })) as {
        content: { text: string }[];
      };
      expect(hours.content[0]!.text).toBe('Sunday: 10:00 to 19:00');
      const done = await buyOverMcp(client, 'brewing');
      expect(done.status).toBe('completed');
      expect(done.order?.id).toMatch(/^ord_/);
    } finally {
      await client.close();
    }
  });

  it('answers 404 off /mcp and says payments are simulated', async () => {
    expect((await fetch(`${running.url}/elsewhere`)).status).toBe(404);
    expect(running.stderr()).toContain('payments are SIMULATED');
  });
});
