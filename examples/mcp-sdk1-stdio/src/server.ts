#!/usr/bin/env node
// An existing MCP server on @modelcontextprotocol/sdk 1.x, over stdio, with its own tool (`store_hours`), plus
// ACP checkout: search, checkout sessions, test payments and orders, from @acp/checkout through @acp/mcp-sdk1.
// stdout is the MCP protocol: logs (and the emulator's warning) go to stderr.
import { createCheckout } from '@acp/checkout';
import { registerAcpCheckoutToolsSdk1 } from '@acp/mcp-sdk1';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import * as z from 'zod';

const key = process.env.STRIPE_SECRET_KEY;
const checkout = await createCheckout({
  name: 'Bookshop',
  products: [
    { id: 'ebook', name: 'MCP Handbook (ebook)', unitAmount: 1999, currency: 'usd', fulfillment: 'digital' },
    { id: 'poster', name: 'Protocol Poster', unitAmount: 1200, currency: 'usd', fulfillment: 'physical' },
  ],
  tax: { rateBps: 875 },
  // Without STRIPE_SECRET_KEY: the local Stripe emulator (not Stripe; said on stderr). No money moves.
  ...(key ? { stripe: { secretKey: key, webhookSecret: process.env.STRIPE_WEBHOOK_SECRET ?? '' } } : {}),
  store: process.env.BOOKSHOP_DB ? { sqlite: process.env.BOOKSHOP_DB } : 'memory',
  onOrder: (order) => console.error(`order ${order.order.id}: ${order.amount} ${order.currency}`),
});

// The server you already have, with its own tools.
const server = new McpServer(
  { name: 'bookshop', version: '1.0.0' },
  { instructions: `A bookshop. ${checkout.instructions}` },
);
server.registerTool(
  'store_hours',
  { description: 'Opening hours of the bookshop.', inputSchema: { day: z.string() } },
  async ({ day }) => ({ content: [{ type: 'text', text: `${day}: 9:00 to 18:00` }] }),
);

// The checkout tools, next to it.
registerAcpCheckoutToolsSdk1(server, checkout.mcpTools);

await server.connect(new StdioServerTransport());
process.stdin.on('close', () => void checkout.close().then(() => process.exit(0)));
