// Example 1 (examples/mcp-sdk1-stdio): a @modelcontextprotocol/sdk 1.x stdio server with its own tool, plus the
// checkout tools. Bought by the 1.x client over stdio, through the emulator.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { buyOverMcp, exampleEntry } from '../src/agent.js';

describe('example 1: an SDK 1.x stdio server with its own tools', () => {
  it('keeps its own tool, lists the checkout tools, and an agent buys over stdio', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [exampleEntry('mcp-sdk1-stdio', 'server.js')],
      env: { ...(process.env as Record<string, string>) },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const client = new Client({ name: 'claude-desktop-like', version: '1.0.0' });
    await client.connect(transport);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'store_hours',
          'search_products',
          'create_checkout_session',
          'collect_payment_info',
        ]),
      );
      expect(client.getInstructions()).toMatch(/^A bookshop\./);
      const hours = (await client.callTool({ name: 'store_hours', arguments: { day: 'Monday' } })) as {
        content: { text: string }[];
      };
      expect(hours.content[0]!.text).toBe('Monday: 9:00 to 18:00');

      const done = await buyOverMcp(client, 'handbook');
      expect(done.status).toBe('completed');
      expect(done.order?.id).toMatch(/^ord_/);
      // A binding error is still a JSON-RPC error on the 1.x host (not an isError result).
      await expect(
        client.callTool({
          name: 'get_checkout_session',
          arguments: { meta: { api_version: '2026-04-17' }, id: 'cs_nope' },
        }),
      ).rejects.toMatchObject({ code: -32000 });
      await expect.poll(() => stderr).toContain(`order ${done.order!.id}: 2174 usd`);
      expect(stderr).toContain('payments are SIMULATED');
    } finally {
      await client.close();
    }
  });
});
