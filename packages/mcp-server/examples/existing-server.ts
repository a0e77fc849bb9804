// README examples (typechecked with the package): the checkout tools on a server you already have (SDK v2),
// over stdio and over Streamable HTTP, and the framework-neutral form for any other MCP framework.
import type { CatalogV1, CheckoutService } from '@acp/core';
import { createAcpCheckoutTools, registerAcpCheckoutTools } from '@acp/mcp-server';
import {
  createMcpHandler,
  hostHeaderValidationResponse,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  McpServer,
  originValidationResponse,
} from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod';

// ---- add checkout to your existing server
export function createMyServer(service: CheckoutService, catalog: CatalogV1): McpServer {
  // The server you already have, with its own tools, prompts and resources.
  const server = new McpServer({ name: 'my-shop', version: '1.0.0' });
  server.registerTool(
    'store_hours',
    { description: 'Opening hours of the shop.', inputSchema: z.object({ day: z.string() }) },
    async ({ day }) => ({ content: [{ type: 'text', text: `${day}: 9:00 to 18:00` }] }),
  );

  // The checkout tools, next to them.
  const { tools } = registerAcpCheckoutTools(server, { service, catalog });
  tools.create_payment_link?.disable(); // the SDK's handles, like any registered tool
  return server;
}

export function serveOverStdio(service: CheckoutService, catalog: CatalogV1) {
  return serveStdio(() => createMyServer(service, catalog));
}

export function serveOverHttp(
  service: CheckoutService,
  catalog: CatalogV1,
): (req: Request) => Promise<Response> {
  const handler = createMcpHandler(() => createMyServer(service, catalog)); // one server per request
  // The SDK's handler validates nothing: accept only this machine's names and pages (no DNS rebinding).
  return async (req) =>
    hostHeaderValidationResponse(req, localhostAllowedHostnames()) ??
    originValidationResponse(req, localhostAllowedOrigins()) ??
    handler.fetch(req);
}
// ---- end

// ---- the framework-neutral form
export async function answerToolsCall(
  service: CheckoutService,
  request: { id: number | string; params: { name: string; arguments?: Record<string, unknown> } },
): Promise<Record<string, unknown>> {
  const checkout = createAcpCheckoutTools({ service });
  // tools/list: checkout.definitions() (name, title, description, inputSchema, outputSchema?, annotations, kind)
  const outcome = await checkout.call(request.params.name, request.params.arguments, { caller: 'user-42' });
  return outcome.error
    ? { jsonrpc: '2.0', id: request.id, error: outcome.error } // binding errors, unknown tool
    : { jsonrpc: '2.0', id: request.id, result: outcome.result }; // a CallToolResult (isError for shopper failures)
}
// ---- end
