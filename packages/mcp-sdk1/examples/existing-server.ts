// README example (typechecked with the package): checkout tools added to an existing 1.x server.
import type { CatalogV1, CheckoutService } from '@acp/core';
import { registerAcpCheckoutToolsSdk1 } from '@acp/mcp-sdk1';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import * as z from 'zod';

export async function serveMyShop(service: CheckoutService, catalog: CatalogV1): Promise<void> {
  // The server you already have, with its own tools, prompts and resources.
  const server = new McpServer({ name: 'my-shop', version: '1.0.0' });
  server.registerTool(
    'store_hours',
    { description: 'Opening hours of the shop.', inputSchema: { day: z.string() } },
    async ({ day }) => ({ content: [{ type: 'text', text: `${day}: 9:00 to 18:00` }] }),
  );

  // The checkout tools, next to them.
  const { tools } = registerAcpCheckoutToolsSdk1(server, { service, catalog });
  tools.create_payment_link?.disable(); // the SDK's handles, like any registered tool

  await server.connect(new StdioServerTransport());
}
