// What registering the checkout tools on a host server means, whatever the SDK line: every tool or none (a
// name clash leaves the host as it was), and one call path (the neutral tools; a binding failure answered as a
// JSON-RPC error through the error bridge). `register.ts` (SDK v2) and `@acp/mcp-sdk1` (SDK 1.x) only adapt
// schemas and request contexts.
import { type BridgeableServer, bridgedErrorResult, jsonRpcErrorBridge } from './error-bridge.js';
import {
  type AcpCheckoutTools,
  type AcpToolDefinition,
  createAcpCheckoutTools,
  LOCAL_CALLER,
} from './neutral.js';
import type { AcpToolsOptions, ToolCallResult } from './tools/define.js';

/** Who calls, from a host request: what the options say, else the authenticated client, else `local`. */
export interface HostIdentity {
  /** `authInfo.clientId` of the request, when the transport authenticated it. */
  clientId: string | undefined;
  authenticated: boolean;
  meta: Record<string, unknown> | undefined;
  requestId: string | number;
  /** The request was cancelled or its connection closed: nobody will read its answer. */
  aborted: boolean;
}

export interface HostRegistrar<Ctx, Handle extends { remove(): void }> {
  /** Registers one tool on the host; `call` answers its calls. */
  register(
    def: AcpToolDefinition,
    call: (args: Record<string, unknown>, ctx: Ctx) => Promise<ToolCallResult>,
  ): Handle;
  /** The identity of a request's context. */
  identity(ctx: Ctx): HostIdentity;
}

export function registerCheckoutTools<Ctx, Handle extends { remove(): void }>(
  server: BridgeableServer,
  options: AcpToolsOptions & {
    callerOf?: (ctx: Ctx) => string;
    canReadBuyerDetails?: (ctx: Ctx) => boolean;
  },
  host: HostRegistrar<Ctx, Handle>,
): { tools: Record<string, Handle>; checkout: AcpCheckoutTools } {
  const checkout = createAcpCheckoutTools(options);
  const bridge = jsonRpcErrorBridge(server);
  const tools: Record<string, Handle> = {};
  const call =
    (def: AcpToolDefinition) =>
    async (args: Record<string, unknown>, ctx: Ctx): Promise<ToolCallResult> => {
      const who = host.identity(ctx);
      const outcome = await checkout.call(def.name, args, {
        caller: options.callerOf?.(ctx) ?? who.clientId ?? LOCAL_CALLER,
        canReadBuyerDetails: options.canReadBuyerDetails?.(ctx) ?? who.authenticated,
        ...(who.meta ? { requestMeta: who.meta } : {}),
      });
      if (outcome.error) {
        // An aborted request's answer is never sent: a mark would outlive it and could rewrite the answer of a
        // later request with the same id (another connection's).
        if (!host.identity(ctx).aborted) bridge.fail(who.requestId, outcome.error);
        return bridgedErrorResult(outcome.error);
      }
      return outcome.result as ToolCallResult;
    };
  try {
    for (const def of checkout.definitions()) tools[def.name] = host.register(def, call(def));
  } catch (e) {
    // All or nothing: a name clash leaves the host's server as it was.
    for (const tool of Object.values(tools)) tool.remove();
    throw e;
  }
  return { tools, checkout };
}
