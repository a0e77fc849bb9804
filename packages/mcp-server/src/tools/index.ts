// The tool table and its framework-neutral dispatcher: `listTools(options)` gives the definitions as MCP's
// tools/list lists them, `callTool(name, args, ctx)` answers a tools/call (a result, or a thrown
// `ToolCallError`). The SDK factory (factory.ts) maps both onto its server; nothing here depends on the SDK.
import { AcpError, echoRedacted, findPanField, panRefusalMessage, toWireError } from '@acp/core';
import type { JsonSchema } from '../json-schema.js';
import { cancelCheckoutSession } from './cancel-checkout-session.js';
import { collectPaymentInfo } from './collect-payment-info.js';
import { completeCheckout } from './complete-checkout.js';
import { completeCheckoutSession } from './complete-checkout-session.js';
import { createCheckoutSession } from './create-checkout-session.js';
import { createPaymentLink } from './create-payment-link.js';
import {
  type AcpTool,
  type AcpToolsOptions,
  INVALID_PARAMS,
  type ToolAnnotations,
  ToolCallError,
  type ToolCallResult,
  type ToolContext,
} from './define.js';
import { getCheckoutSession } from './get-checkout-session.js';
import { getOrder } from './get-order.js';
import { getProduct } from './get-product.js';
import { acpToolError, toolError } from './results.js';
import { searchProducts } from './search-products.js';
import { checkToolSignature } from './signature.js';
import { updateCheckoutSession } from './update-checkout-session.js';

/** Every tool, in listing order: the ACP MCP binding tools first, then the shopper tools. */
export const ACP_TOOLS: readonly AcpTool[] = [
  createCheckoutSession,
  getCheckoutSession,
  updateCheckoutSession,
  completeCheckoutSession,
  cancelCheckoutSession,
  searchProducts,
  getProduct,
  createPaymentLink,
  getOrder,
  collectPaymentInfo,
  completeCheckout,
];

const BY_NAME = new Map(ACP_TOOLS.map((tool) => [tool.name, tool]));

/** One tool as tools/list lists it. */
export interface ToolListing {
  name: string;
  title: string;
  description: string;
  inputSchema: JsonSchema & { type: 'object' };
  annotations: ToolAnnotations;
  outputSchema: JsonSchema;
}

/** MCP requires an object root for a tool's input (the SDK stamps `type: "object"` first). */
function objectRoot(schema: JsonSchema): JsonSchema & { type: 'object' } {
  if (schema.type !== undefined && schema.type !== 'object') {
    throw new Error(`A tool input schema must describe an object (got type ${JSON.stringify(schema.type)}).`);
  }
  const { type: _type, ...rest } = schema;
  return { type: 'object', ...rest };
}

/** The tools these options enable, as tools/list lists them (fresh objects: the caller may keep or change them). */
export function listTools(options: AcpToolsOptions): ToolListing[] {
  const tools = ACP_TOOLS.filter((tool) => tool.enabled(options)).map(
    (tool): ToolListing => ({
      name: tool.name,
      title: tool.title,
      description: tool.description(options),
      inputSchema: objectRoot(tool.inputSchema(options)),
      annotations: tool.annotations,
      outputSchema: tool.outputSchema(),
    }),
  );
  return structuredClone(tools);
}

/**
 * Answers one tools/call. An unknown tool, a malformed binding envelope and every binding-tool error throw a
 * `ToolCallError` (JSON-RPC); the shopper tools answer failures with `isError` results.
 */
export async function callTool(name: string, args: unknown, ctx: ToolContext): Promise<ToolCallResult> {
  const tool = BY_NAME.get(name);
  if (!tool?.enabled(ctx.options))
    throw new ToolCallError(INVALID_PARAMS, `Tool ${echoRedacted(name)} not found`);
  const isBinding = tool.protocol === 'binding';
  const signing = ctx.options.requestSigning;
  if (signing && tool.signed) {
    const refused = await checkToolSignature(signing, name, args, ctx.requestMeta, isBinding);
    if (refused) {
      if (isBinding) throw acpToolError(refused);
      return toolError(refused);
    }
  }
  if (isBinding) return tool.invoke(args, ctx);
  // Card numbers never enter through tool arguments (checked before the schema, whose messages quote keys).
  const panParam = findPanField(args ?? {}, { skip: tool.panAllowed });
  if (panParam) {
    return toolError(toWireError(new AcpError('invalid', panRefusalMessage(panParam), { param: panParam })));
  }
  try {
    return await tool.invoke(args ?? {}, ctx);
  } catch (e) {
    if (AcpError.isInstance(e)) return toolError(toWireError(e));
    ctx.options.logger?.error('tool failed', { tool: name });
    return toolError(
      toWireError(
        new AcpError('internal_error', 'The store could not process this request. It is safe to retry.'),
      ),
    );
  }
}
