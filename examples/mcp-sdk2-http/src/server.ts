#!/usr/bin/env node
// An existing MCP server on the SDK v2 (@modelcontextprotocol/server), stateless Streamable HTTP at /mcp, with its
// own tool (`store_hours`), plus ACP checkout from @acp/checkout. Node's http server runs the SDK's web-standard
// handler (through @acp/mcp-http's Node helpers); the Stripe webhook is mounted beside it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCheckout } from '@acp/checkout';
import { toWebRequest, writeWebResponse } from '@acp/mcp-http/node';
import {
  createMcpHandler,
  hostHeaderValidationResponse,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  McpServer,
  originValidationResponse,
} from '@modelcontextprotocol/server';
import * as z from 'zod';

const key = process.env.STRIPE_SECRET_KEY;
const checkout = await createCheckout({
  name: 'Tea Shop',
  products: [
    { id: 'sencha', name: 'Sencha, 100 g', unitAmount: 1400, currency: 'usd', fulfillment: 'physical' },
    { id: 'guide', name: 'Brewing guide (ebook)', unitAmount: 900, currency: 'usd', fulfillment: 'digital' },
  ],
  shipping: { freeOver: 3000 },
  // Without STRIPE_SECRET_KEY: the local Stripe emulator (not Stripe; said on stderr). No money moves.
  ...(key ? { stripe: { secretKey: key, webhookSecret: process.env.STRIPE_WEBHOOK_SECRET ?? '' } } : {}),
});

// Your server, one per request (stateless), with its own tools and the checkout tools next to them.
const mcp = createMcpHandler(() => {
  const server = new McpServer(
    { name: 'tea-shop', version: '1.0.0' },
    { instructions: checkout.instructions },
  );
  server.registerTool(
    'store_hours',
    { description: 'Opening hours of the tea shop.', inputSchema: z.object({ day: z.string() }) },
    async ({ day }) => ({ content: [{ type: 'text', text: `${day}: 10:00 to 19:00` }] }),
  );
  checkout.registerTools(server);
  return server;
});

const http = createServer((req, res) => {
  if (req.url === checkout.webhookPath) return checkout.node(req, res); // Stripe webhook
  if (req.url !== '/mcp') return void res.writeHead(404).end();
  const request = toWebRequest(req, 'localhost');
  // The SDK's handler validates nothing: only this machine's names and pages (no DNS rebinding).
  const refused =
    hostHeaderValidationResponse(request, localhostAllowedHostnames()) ??
    originValidationResponse(request, localhostAllowedOrigins());
  (refused ? Promise.resolve(refused) : mcp.fetch(request))
    .then((response) => writeWebResponse(response, res))
    .catch(() => res.writeHead(500).end());
});
http.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  checkout.setServerUrl(url); // the emulator's webhooks go to <url>/webhooks/stripe
  console.error(`listening on ${url}`);
});
process.on('SIGTERM', () => void checkout.close().then(() => process.exit(0)));
