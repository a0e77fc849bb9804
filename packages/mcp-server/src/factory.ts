// The one MCP server factory. Both transports (`@acp/mcp-stdio`, `@acp/mcp-http`) serve the instances it
// builds. It maps the tool table (tools/index.ts) onto the SDK: tools/list answers `listTools`, tools/call
// answers `callTool`; every checkout rule stays in `@acp/core`'s service.
import type { AcpWireError as WireError } from '@acp/core';
import {
  type ListToolsResult,
  type McpRequestContext,
  McpServer,
  ProtocolError,
} from '@modelcontextprotocol/server';
import { acpServerInstructions } from './instructions.js';
import { type AcpCheckoutTools, createAcpCheckoutTools, LOCAL_CALLER } from './neutral.js';
import type { RequestSigningOptions } from './signing.js';
import type { AcpToolsOptions } from './tools/define.js';
import { acpToolError } from './tools/results.js';

export { LOCAL_CALLER };

export interface AcpMcpServerOptions extends AcpToolsOptions {
  name?: string;
  version?: string;
  /** Server instructions shown to the model. Default: `acpServerInstructions(options)`. */
  instructions?: string;
  /**
   * The identity idempotency keys are scoped to and sessions are bound to (a caller sees only the sessions,
   * orders and payment links it created). Default: `authInfo.clientId` over HTTP, else `local` (stdio, or
   * HTTP without authentication: a single local user). Never return `internal` (core's merchant identity).
   */
  callerOf?: (ctx: McpRequestContext | undefined) => string;
  /** Whether `get_order` may return buyer details. Default: only to an authenticated HTTP caller. */
  canReadBuyerDetails?: (ctx: McpRequestContext | undefined) => boolean;
}

export type AcpMcpServerFactory = (ctx?: McpRequestContext) => McpServer;

const PKG_VERSION = '0.1.0';

/** A JSON-RPC `-32000` error carrying the flat ACP `Error` in `data`. */
export function acpProtocolError(error: WireError): ProtocolError {
  const e = acpToolError(error);
  return new ProtocolError(e.code, e.message, e.data);
}

export function createAcpMcpServerFactory(options: AcpMcpServerOptions): AcpMcpServerFactory {
  // tools/list never changes for a factory: it is listed once, on first use. The per-request instances
  // register no tool with McpServer (its registration is most of the cost of a stateless request): both
  // methods are answered from the table, through the documented low-level escape hatch (`mcp.server`),
  // because McpServer's own tools/call turns every thrown error (and its input-validation failures) into an
  // `isError` result, which the ACP binding forbids.
  const checkout: AcpCheckoutTools = createAcpCheckoutTools(options);
  let listing: ListToolsResult | undefined;
  const toolsList = (): ListToolsResult => {
    listing ??= { tools: checkout.definitions().map(({ kind: _kind, ...tool }) => tool) };
    return { ...listing };
  };

  const instructions = options.instructions ?? acpServerInstructions(options);

  const factory: AcpMcpServerFactory = (ctx?: McpRequestContext): McpServer => {
    const server = new McpServer(
      { name: options.name ?? 'acp-checkout', version: options.version ?? PKG_VERSION },
      { instructions },
    );
    const caller = options.callerOf?.(ctx) ?? ctx?.authInfo?.clientId ?? LOCAL_CALLER;
    const canReadBuyerDetails = options.canReadBuyerDetails?.(ctx) ?? ctx?.authInfo !== undefined;
    server.server.registerCapabilities({ tools: { listChanged: true } });
    server.server.setRequestHandler('tools/list', toolsList);
    server.server.setRequestHandler('tools/call', async ({ params }) => {
      const outcome = await checkout.call(params.name, params.arguments, {
        caller,
        canReadBuyerDetails,
        ...(params._meta ? { requestMeta: params._meta } : {}),
      });
      if (outcome.error)
        throw new ProtocolError(outcome.error.code, outcome.error.message, outcome.error.data);
      return outcome.result;
    });
    return server;
  };
  factorySigning.set(factory, options.requestSigning);
  return factory;
}

const factorySigning = new WeakMap<AcpMcpServerFactory, RequestSigningOptions | undefined>();

/**
 * Whether a factory verifies request signatures: the options it was built with, `null` when it was built
 * without signing, `undefined` when it was not built by {@link createAcpMcpServerFactory}. The HTTP handler
 * uses it to refuse a `/mcp` that would skip the signing it enforces on REST.
 */
export function requestSigningOf(factory: AcpMcpServerFactory): RequestSigningOptions | null | undefined {
  if (!factorySigning.has(factory)) return undefined;
  return factorySigning.get(factory) ?? null;
}
