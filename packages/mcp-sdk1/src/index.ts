// @acp/mcp-sdk1: the ACP checkout tools on an existing MCP server built with `@modelcontextprotocol/sdk` 1.x
// (its `McpServer`), next to the server's own tools, prompts and resources. Built on `@acp/mcp-server`'s
// framework-neutral form (`@acp/mcp-server/neutral`, which loads no MCP SDK), so the tools, their schemas and
// their answers are the same as on the SDK v2 server.
import {
  type AcpCheckoutTools,
  type AcpToolsOptions,
  type JsonSchema,
  registerCheckoutTools,
} from '@acp/mcp-server/neutral';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';

export type {
  AcpCheckoutTools,
  AcpToolDefinition,
  AcpToolsOptions,
  TestPaymentsProvider,
} from '@acp/mcp-server/neutral';

/** The second argument of a 1.x tool callback: the request id, `authInfo`, `_meta`, … */
export type Sdk1RequestExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface AcpSdk1RegistrationOptions extends AcpToolsOptions {
  /**
   * The identity idempotency keys are scoped to and sessions are bound to. Default: `extra.authInfo.clientId`
   * (HTTP with authentication), else `local`. Never return `internal`.
   */
  callerOf?: (extra: Sdk1RequestExtra) => string;
  /** Whether `get_order` may return buyer details. Default: only to an authenticated HTTP caller. */
  canReadBuyerDetails?: (extra: Sdk1RequestExtra) => boolean;
}

export interface AcpSdk1Registration {
  /** The registered checkout tools by name: the SDK's handles (`disable()`, `enable()`, `remove()`, …). */
  readonly tools: Readonly<Record<string, RegisteredTool>>;
  /** The framework-neutral tools the registration serves. */
  readonly checkout: AcpCheckoutTools;
}

/**
 * The 1.x `McpServer` takes zod schemas only and lists them through zod's JSON Schema conversion. A loose zod
 * object carrying the JSON Schema as its metadata lists as that JSON Schema (zod merges metadata into the
 * converted schema) and accepts every object: the tools validate their own arguments, so an invalid call gets
 * the same ACP error as on the standalone server.
 */
function asZod(schema: JsonSchema): z.ZodType<Record<string, unknown>> {
  const { type: _type, $schema: _schema, ...rest } = schema;
  return z.looseObject({}).meta(rest);
}

/**
 * Registers the checkout tools (the five ACP binding tools, the shopper tools, and `collect_payment_info` only
 * with a test-mode `testPayments`) on an existing `@modelcontextprotocol/sdk` 1.x `McpServer`, next to its own
 * tools. Call it before serving, like any `registerTool`. Throws the SDK's error if a tool name is already
 * registered, and then registers none of them.
 *
 * The binding tools answer failures with JSON-RPC errors (`-32000` with the flat ACP `Error` in `data`), which a
 * 1.x tool callback cannot produce: the registration routes them through `@acp/mcp-server`'s error bridge on
 * the transport's `send` (see its README). The host's tools keep `McpServer`'s own behaviour.
 */
export function registerAcpCheckoutToolsSdk1(
  server: McpServer,
  options: AcpSdk1RegistrationOptions,
): AcpSdk1Registration {
  if (typeof server?.registerTool !== 'function' || typeof server.server?.connect !== 'function') {
    throw new TypeError(
      'registerAcpCheckoutToolsSdk1 needs an McpServer of @modelcontextprotocol/sdk 1.x; for the SDK v2 use registerAcpCheckoutTools from @acp/mcp-server.',
    );
  }
  return registerCheckoutTools<Sdk1RequestExtra, RegisteredTool>(server.server, options, {
    register: (def, call) =>
      server.registerTool(
        def.name,
        {
          title: def.title,
          description: def.description,
          inputSchema: asZod(def.inputSchema),
          ...(def.outputSchema ? { outputSchema: asZod(def.outputSchema) } : {}),
          annotations: def.annotations,
        },
        async (args: Record<string, unknown>, extra: Sdk1RequestExtra) =>
          (await call(args, extra)) as CallToolResult,
      ),
    identity: (extra) => ({
      clientId: extra.authInfo?.clientId,
      authenticated: extra.authInfo !== undefined,
      meta: extra._meta as Record<string, unknown> | undefined,
      requestId: extra.requestId,
      aborted: extra.signal?.aborted === true,
    }),
  });
}
