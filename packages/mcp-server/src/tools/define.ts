// `defineTool`: one MCP tool of this package, defined once at module level (name, input, output, annotations,
// run). Framework-neutral: no MCP SDK type here; the SDK factory (factory.ts) only maps the table in
// tools/index.ts to its listing and dispatch.
import { AcpError, type CatalogV1, type CheckoutService, type Logger, toJsonPath } from '@acp/core';
import type * as z from 'zod';
import { type JsonSchema, sharedJsonSchema } from '../json-schema.js';
import type { RequestSigningOptions } from '../signing.js';

export type TestTokenInput =
  | { sessionId: string; amount: number; currency: string; paymentMethodId: string }
  | {
      sessionId: string;
      amount: number;
      currency: string;
      card: { number: string; expMonth: number; expYear: number; cvc: string };
    };

export interface TestToken {
  shared_payment_token: string;
  expires_at: string;
  max_amount: number;
  currency: string;
}

/**
 * A test-mode payment provider that can mint a Shared Payment Token for a session (implemented structurally
 * by `@acp/stripe`'s test helpers). `collect_payment_info` exists only when one is given with `mode: 'test'`.
 */
export interface TestPaymentsProvider {
  /**
   * `'live'` (or anything but `'test'`) makes `collect_payment_info` absent. Derive it from the PSP client that
   * will send the requests (e.g. `@acp/stripe`'s `clientKeyMode(stripe) === 'test'`), never from a configured
   * string: a client built with a live key beside a test-key setting must not list the tool.
   */
  mode: 'test' | 'live';
  /** Accept raw TEST card numbers (Stripe test mode with "raw card data APIs" enabled). Default off. */
  rawCardsEnabled: boolean;
  createTestToken(input: TestTokenInput): Promise<TestToken>;
}

/** What the tools read from the server options: which tools exist, and what they call. */
export interface AcpToolsOptions {
  service: CheckoutService;
  /** Product catalog for `search_products` / `get_product` (both absent without it). */
  catalog?: CatalogV1;
  testPayments?: TestPaymentsProvider;
  /** Register `create_payment_link` (hosted payment page). Default true. */
  paymentLinks?: boolean;
  /** Register ChatGPT's `complete_checkout` (payment sheet). Default true. */
  chatgptCompleteCheckout?: boolean;
  /**
   * The binding marks `meta.idempotency_key` optional ("recommended for create and complete"); by default a
   * binding call without one runs once, without replay protection. `true` applies the REST rule (required on
   * every write, `idempotency_key_required`).
   */
  requireIdempotencyKey?: boolean;
  /**
   * Require ACP request signatures on every tools/call except the public catalog tools (`search_products`,
   * `get_product`): binding tools carry them in `meta.signature`/`meta.timestamp`, the other tools in the
   * request's `_meta["dev.acp/signature"]`/`_meta["dev.acp/timestamp"]`. HMAC-SHA256 over
   * `timestamp\nMCP\n<tool name>\nsha256(canonical JSON of the arguments without meta.signature/timestamp)`;
   * each signature is accepted once (see `signMcpToolCall`). Pass the same object as the HTTP handler's
   * `requestSigning` to share one replay store.
   */
  requestSigning?: RequestSigningOptions;
  logger?: Logger;
}

/** Everything a tool call runs with: the options, and who is calling. */
export interface ToolContext {
  readonly service: CheckoutService;
  readonly options: AcpToolsOptions;
  /** The identity idempotency keys are scoped to and sessions are bound to. */
  readonly caller: string;
  /** Whether `get_order` may return buyer details. */
  readonly canReadBuyerDetails: boolean;
  /** The `_meta` of the tools/call request (where the non-binding tools carry their signature). */
  readonly requestMeta?: Record<string, unknown> | undefined;
}

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export const READ_ONLY: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

/** An MCP `CallToolResult` (binding results also carry the session at the top level). */
export interface ToolCallResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

/** JSON-RPC error code of every ACP error in the MCP binding (docs/mcp-binding.md "Error Handling"). */
export const ACP_MCP_ERROR_CODE = -32000;
/** JSON-RPC "Invalid params": a malformed binding envelope, an unknown tool. */
export const INVALID_PARAMS = -32602;
/** JSON-RPC "Internal error": an unexpected failure (its message is never echoed). */
export const INTERNAL_ERROR = -32603;

/** A JSON-RPC error answering tools/call (the binding's errors, an unknown tool). */
export class ToolCallError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'ToolCallError';
  }
}

/**
 * How a tool reads its arguments. `binding` tools take the ACP MCP binding envelope and answer every failure
 * with a JSON-RPC error, signed in `meta`; `shopper` tools answer failures with `isError` results, are signed in
 * the request's `_meta`, and never accept a card number outside their allowed arguments.
 */
export interface ToolInput<A> {
  readonly protocol: 'binding' | 'shopper';
  /** The JSON Schema as listed (before MCP's `type: "object"` root). Memoized by the input: do not mutate. */
  jsonSchema(tool: string, options: AcpToolsOptions): JsonSchema;
  /** The arguments, or throws (`ToolCallError` for a binding tool, `AcpError` for a shopper tool). */
  parse(args: unknown, tool: string, options: AcpToolsOptions): A;
}

export interface ToolDefinition<A> {
  name: string;
  title: string;
  description: string | ((options: AcpToolsOptions) => string);
  input: ToolInput<A>;
  /** A zod schema (its output JSON Schema is listed), or the JSON Schema itself. */
  output: z.ZodType | (() => JsonSchema);
  annotations: ToolAnnotations;
  /** Whether the tool exists with these options. Default: always. */
  enabled?: (options: AcpToolsOptions) => boolean;
  /** `false` for tools that read only the public catalog: never signed. Default true. */
  signed?: boolean;
  /** Arguments (paths) that may legitimately read as a card number (shopper tools). */
  panAllowed?: readonly (readonly string[])[];
  run(args: A, ctx: ToolContext): Promise<ToolCallResult>;
}

/** A tool of the table, its argument type erased. */
export interface AcpTool {
  readonly name: string;
  readonly title: string;
  readonly protocol: 'binding' | 'shopper';
  readonly annotations: ToolAnnotations;
  readonly signed: boolean;
  readonly panAllowed: readonly (readonly string[])[];
  enabled(options: AcpToolsOptions): boolean;
  description(options: AcpToolsOptions): string;
  inputSchema(options: AcpToolsOptions): JsonSchema;
  outputSchema(): JsonSchema;
  /** Parses the arguments and runs the tool (signatures and card numbers are the dispatcher's). */
  invoke(args: unknown, ctx: ToolContext): Promise<ToolCallResult>;
}

const always = (): boolean => true;

export function defineTool<A>(def: ToolDefinition<A>): AcpTool {
  const { name, input, output, run } = def;
  const description = def.description;
  return Object.freeze({
    name,
    title: def.title,
    protocol: input.protocol,
    annotations: def.annotations,
    signed: def.signed ?? true,
    panAllowed: def.panAllowed ?? [],
    enabled: def.enabled ?? always,
    description: typeof description === 'string' ? () => description : description,
    inputSchema: (options: AcpToolsOptions) => input.jsonSchema(name, options),
    outputSchema: typeof output === 'function' ? output : () => zodJsonSchema(output, 'output'),
    invoke: async (args: unknown, ctx: ToolContext) => run(input.parse(args, name, ctx.options), ctx),
  });
}

// ------------------------------------------------------------------------------------------ zod inputs

const converted = new WeakMap<z.ZodType, Partial<Record<'input' | 'output', JsonSchema>>>();

/**
 * A zod schema's JSON Schema as listed: JSON Schema 2020-12 through `toJsonSchema` (the bundle's keywords, no
 * noise), each subschema used more than once defined once. Memoized.
 */
export function zodJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  let entry = converted.get(schema);
  if (!entry) {
    entry = {};
    converted.set(schema, entry);
  }
  entry[io] ??= sharedJsonSchema(schema, io);
  return entry[io];
}

/** Describes a zod failure by path and rule only: never the submitted values (card data must not echo). */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(arguments)'}: ${i.message}`)
    .join('; ');
}

/** JSONPath (rooted at the tool arguments, `$`) of the first zod issue; an unknown key is named. */
function issueParam(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return '$';
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
  return toJsonPath(path);
}

/** Shopper-tool arguments checked by a zod schema (or one chosen by the options). */
export function zodInput<A>(
  schema: z.ZodType<A> | ((options: AcpToolsOptions) => z.ZodType<A>),
): ToolInput<A> {
  const select = typeof schema === 'function' ? schema : () => schema;
  return {
    protocol: 'shopper',
    jsonSchema: (_tool, options) => zodJsonSchema(select(options), 'input'),
    parse(args, tool, options) {
      const parsed = select(options).safeParse(args);
      if (parsed.success) return parsed.data;
      throw new AcpError('invalid', `Invalid arguments for ${tool}: ${describeIssues(parsed.error)}`, {
        param: issueParam(parsed.error),
      });
    },
  };
}
