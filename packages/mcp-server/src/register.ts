// The checkout tools on a server the user already has: an SDK v2 `McpServer` with its own tools, prompts and
// resources. Each checkout tool is registered with the public `registerTool` (so it lists, enables, disables
// and notifies `listChanged` like the host's tools); the binding tools' JSON-RPC errors go through the error
// bridge (error-bridge.ts explains why).
import type {
  CallToolResult,
  McpServer,
  RegisteredTool,
  ServerContext,
  StandardSchemaWithJSON,
} from '@modelcontextprotocol/server';
import type { JsonSchema } from './json-schema.js';
import type { AcpCheckoutTools } from './neutral.js';
import { registerCheckoutTools } from './registration-kit.js';
import type { AcpToolsOptions } from './tools/define.js';

export interface AcpToolRegistrationOptions extends AcpToolsOptions {
  /**
   * The identity idempotency keys are scoped to and sessions are bound to. Default: the request's
   * `authInfo.clientId` (HTTP with authentication), else `local`. Never return `internal`.
   */
  callerOf?: (ctx: ServerContext) => string;
  /** Whether `get_order` may return buyer details. Default: only to an authenticated HTTP caller. */
  canReadBuyerDetails?: (ctx: ServerContext) => boolean;
}

export interface AcpToolRegistration {
  /** The registered checkout tools by name: the SDK's handles (`disable()`, `enable()`, `remove()`, …). */
  readonly tools: Readonly<Record<string, RegisteredTool>>;
  /** The framework-neutral tools the registration serves. */
  readonly checkout: AcpCheckoutTools;
}

/**
 * A JSON Schema as the SDK's Standard Schema: listed exactly as given, and accepting every value (the tools
 * validate their own arguments, so an invalid call gets the same ACP error as on the standalone server).
 */
function asStandardSchema(schema: JsonSchema): StandardSchemaWithJSON<Record<string, unknown>> {
  return {
    '~standard': {
      version: 1,
      vendor: '@acp/mcp-server',
      validate: (value) => ({ value: value as Record<string, unknown> }),
      jsonSchema: { input: () => schema, output: () => schema },
    },
  };
}

/**
 * Registers the checkout tools (the five ACP binding tools, the shopper tools, and `collect_payment_info` only
 * with a test-mode `testPayments`) on an existing SDK v2 `McpServer`, next to its own tools. Call it before
 * serving, like any `registerTool`. Throws the SDK's error if a tool name is already registered, and then
 * registers none of them.
 *
 * The binding tools answer failures with JSON-RPC errors (`-32000` with the flat ACP `Error` in `data`) as the
 * ACP MCP binding requires; the host's tools keep `McpServer`'s own behaviour.
 */
export function registerAcpCheckoutTools(
  server: McpServer,
  options: AcpToolRegistrationOptions,
): AcpToolRegistration {
  if (typeof server?.registerTool !== 'function' || typeof server.server?.connect !== 'function') {
    throw new TypeError(
      'registerAcpCheckoutTools needs an McpServer of the MCP SDK v2 (@modelcontextprotocol/server); for @modelcontextprotocol/sdk 1.x use @acp/mcp-sdk1.',
    );
  }
  return registerCheckoutTools<ServerContext, RegisteredTool>(server.server, options, {
    register: (def, call) =>
      server.registerTool(
        def.name,
        {
          title: def.title,
          description: def.description,
          inputSchema: asStandardSchema(def.inputSchema),
          ...(def.outputSchema ? { outputSchema: asStandardSchema(def.outputSchema) } : {}),
          annotations: def.annotations,
        },
        async (args: Record<string, unknown>, ctx: ServerContext) =>
          (await call(args, ctx)) as CallToolResult,
      ),
    identity: (ctx) => ({
      clientId: ctx.http?.authInfo?.clientId,
      authenticated: ctx.http?.authInfo !== undefined,
      meta: ctx.mcpReq._meta as Record<string, unknown> | undefined,
      requestId: ctx.mcpReq.id,
      aborted: ctx.mcpReq.signal?.aborted === true,
    }),
  });
}
