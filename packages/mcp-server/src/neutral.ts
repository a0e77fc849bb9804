// The framework-neutral form of the checkout tools: their definitions as MCP lists them, and one `call` that
// answers a tools/call with a `CallToolResult` or a JSON-RPC error object. No MCP SDK is imported here: the
// SDK v2 registration (register.ts), the standalone factory (factory.ts), `@acp/mcp-sdk1` (SDK 1.x) and any
// other MCP framework are built on it.
import type { JsonSchema } from './json-schema.js';
import {
  type AcpToolsOptions,
  INTERNAL_ERROR,
  type ToolAnnotations,
  ToolCallError,
  type ToolCallResult,
  type ToolContext,
} from './tools/define.js';
import { ACP_TOOLS, callTool, listTools } from './tools/index.js';

/** The caller identity of an unauthenticated local user (stdio; HTTP without keys), on REST and MCP alike. */
export const LOCAL_CALLER = 'local';

/** One checkout tool as MCP's tools/list lists it, plus how it reports failures. */
export interface AcpToolDefinition {
  name: string;
  title: string;
  description: string;
  /** JSON Schema 2020-12 with an object root. */
  inputSchema: JsonSchema & { type: 'object' };
  /** JSON Schema of `structuredContent` on success, when the tool declares one. */
  outputSchema?: JsonSchema;
  annotations: ToolAnnotations;
  /**
   * `binding`: one of the five ACP MCP binding tools; every failure is a JSON-RPC error (`-32000` with the
   * flat ACP `Error` in `data`, `-32602` for a malformed envelope). `shopper`: failures are `isError` results.
   */
  kind: 'binding' | 'shopper';
}

/** Who is calling, as the host's framework knows it. */
export interface AcpCallContext {
  /**
   * The identity idempotency keys are scoped to and sessions are bound to (a caller sees only the sessions,
   * orders and payment links it created). Default {@link LOCAL_CALLER}. Never `internal` (core's merchant).
   */
  caller?: string;
  /** Whether `get_order` may return buyer details. Default false. */
  canReadBuyerDetails?: boolean;
  /** The `_meta` of the tools/call request (where the shopper tools carry a request signature). */
  requestMeta?: Record<string, unknown>;
}

/** A JSON-RPC error object (`error` member of a JSON-RPC response). */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * The answer to one tools/call: a `CallToolResult` (shopper-tool failures included, as `isError` results), or
 * the JSON-RPC error the host must answer with (binding-tool failures, an unknown tool).
 */
export type AcpCallOutcome =
  | { result: ToolCallResult; error?: undefined }
  | { error: JsonRpcErrorObject; result?: undefined };

export interface AcpCheckoutTools {
  /** The tools these options enable, in listing order (fresh copies: the caller may keep or change them). */
  definitions(): AcpToolDefinition[];
  /** Whether `name` is one of these checkout tools. */
  has(name: string): boolean;
  /**
   * Answers one tools/call. Never throws: an unexpected failure is logged (tool name only) and answered with
   * JSON-RPC `-32603` for a binding tool, an `internal_error` `isError` result for a shopper tool.
   */
  call(name: string, args: unknown, context?: AcpCallContext): Promise<AcpCallOutcome>;
}

const caller = (context: AcpCallContext | undefined): string => {
  const c = context?.caller;
  if (c === 'internal') throw new Error('callerOf must never return "internal" (core\'s merchant identity).');
  return c ?? LOCAL_CALLER;
};

/**
 * The checkout tools for these options, in the framework-neutral form: tool definitions (name, title,
 * description, JSON Schema input, output schema, annotations) and `call`.
 */
export function createAcpCheckoutTools(options: AcpToolsOptions): AcpCheckoutTools {
  const enabled = new Set(ACP_TOOLS.filter((t) => t.enabled(options)).map((t) => t.name));
  const kinds = new Map(ACP_TOOLS.map((t) => [t.name, t.protocol]));
  let listed: AcpToolDefinition[] | undefined;
  return {
    definitions() {
      listed ??= listTools(options).map((t) => ({ ...t, kind: kinds.get(t.name)! }));
      return structuredClone(listed);
    },
    has: (name) => enabled.has(name),
    async call(name, args, context) {
      try {
        const ctx: ToolContext = {
          service: options.service,
          options,
          caller: caller(context),
          canReadBuyerDetails: context?.canReadBuyerDetails ?? false,
          requestMeta: context?.requestMeta,
        };
        return { result: await callTool(name, args, ctx) };
      } catch (e) {
        if (e instanceof ToolCallError) {
          return {
            error: { code: e.code, message: e.message, ...(e.data !== undefined ? { data: e.data } : {}) },
          };
        }
        options.logger?.error('tool failed', {
          tool: enabled.has(name) ? name : 'unknown',
          error: e instanceof Error ? e.name : typeof e,
        });
        return { error: { code: INTERNAL_ERROR, message: 'Internal error' } };
      }
    },
  };
}
