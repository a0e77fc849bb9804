// The one MCP server factory. Both transports (`@acp/mcp-stdio`, `@acp/mcp-http`) serve the instances it
// builds; every tool is registered here once, and every checkout rule stays in `@acp/core`'s service.
import {
  AcpError,
  type AcpErrorCode,
  type CatalogV1,
  type CheckoutService,
  canonicalJson,
  echoRedacted,
  findPanField,
  type Logger,
  type Product,
  panRefusalMessage,
  productAvailability,
  type RequestContext,
  type ServiceResult,
  toJsonPath,
  toWireError,
  toWireOrder,
  type AcpWireError as WireError,
} from '@acp/core';
import {
  type CallToolResult,
  fromJsonSchema,
  InMemoryTransport,
  type JSONRPCMessage,
  type ListToolsResult,
  type McpRequestContext,
  McpServer,
  ProtocolError,
  ProtocolErrorCode,
  type StandardSchemaWithJSON,
  type ToolAnnotations,
} from '@modelcontextprotocol/server';
import type * as z from 'zod';
import {
  BINDING_SHAPES,
  type BindingToolName,
  bindingInputSchema,
  checkoutSessionOutputSchema,
  type JsonSchema,
} from './json-schema.js';
import { mcpSigningBody, type RequestSigningOptions, verifyRequestSignature } from './signing.js';
import {
  CollectPaymentInfoOutput,
  CompleteCheckoutInput,
  CreatePaymentLinkInput,
  CreatePaymentLinkOutput,
  collectPaymentInfoInput,
  GetOrderInput,
  GetOrderOutput,
  GetProductInput,
  GetProductOutput,
  type ProductSummary,
  SearchProductsInput,
  SearchProductsOutput,
} from './tools.js';

/** The caller identity of an unauthenticated local user (stdio; HTTP without keys), on REST and MCP alike. */
export const LOCAL_CALLER = 'local';

/** JSON-RPC error code of every ACP error in the MCP binding (docs/mcp-binding.md "Error Handling"). */
export const ACP_MCP_ERROR_CODE = -32000;

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

export interface AcpMcpServerOptions {
  service: CheckoutService;
  /** Product catalog for `search_products` / `get_product` (both absent without it). */
  catalog?: CatalogV1;
  name?: string;
  version?: string;
  /** Server instructions shown to the model. A purchase walkthrough is used by default. */
  instructions?: string;
  testPayments?: TestPaymentsProvider;
  /** Register `create_payment_link` (hosted payment page). Default true. */
  paymentLinks?: boolean;
  /** Register ChatGPT's `complete_checkout` (payment sheet). Default true. */
  chatgptCompleteCheckout?: boolean;
  /**
   * The identity idempotency keys are scoped to and sessions are bound to (a caller sees only the sessions,
   * orders and payment links it created). Default: `authInfo.clientId` over HTTP, else `local` (stdio, or
   * HTTP without authentication: a single local user). Never return `internal` (core's merchant identity).
   */
  callerOf?: (ctx: McpRequestContext | undefined) => string;
  /** Whether `get_order` may return buyer details. Default: only to an authenticated HTTP caller. */
  canReadBuyerDetails?: (ctx: McpRequestContext | undefined) => boolean;
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

export type AcpMcpServerFactory = (ctx?: McpRequestContext) => McpServer;

const PKG_VERSION = '0.1.0';
const API_VERSION = '2026-04-17';

const DEFAULT_INSTRUCTIONS = `This server sells products through the Agentic Commerce Protocol (ACP ${API_VERSION}).
To buy: 1) search_products to find item ids; 2) create_checkout_session with meta {api_version: "${API_VERSION}", idempotency_key: <new UUID>} and payload {currency, line_items: [{id, quantity}], capabilities: {interventions: {supported: []}}}; 3) update_checkout_session with buyer, fulfillment_details (address) and selected_fulfillment_options until status is ready_for_payment (read messages[] for what is missing); 4) pay: create_payment_link gives the buyer a hosted payment page (real money); complete_checkout_session takes payload.payment_data with a Shared Payment Token from the buyer's agent or wallet; 5) get_order to confirm. Amounts are integers in minor units (cents). Never ask the buyer for card numbers.`;

// ------------------------------------------------------------------------------------------ binding helpers

const KNOWN_META = [
  'api_version',
  'idempotency_key',
  'request_id',
  'user_agent',
  'accept_language',
  'signature',
  'timestamp',
] as const;

type Meta = Partial<Record<(typeof KNOWN_META)[number], string>>;

function invalidParams(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.InvalidParams, message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses the `{meta, id, payload}` envelope. Only a malformed envelope is `-32602`. */
function parseEnvelope(
  name: BindingToolName,
  args: unknown,
): { meta: Meta; id: string | undefined; payload: unknown } {
  const shape = BINDING_SHAPES[name];
  if (!isObject(args)) throw invalidParams(`${name}: arguments must be an object {meta, id, payload}.`);
  const rawMeta = args.meta;
  if (!isObject(rawMeta)) throw invalidParams(`${name}: "meta" is required and must be an object.`);
  const meta: Meta = {};
  for (const key of KNOWN_META) {
    const v = rawMeta[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw invalidParams(`${name}: "meta.${key}" must be a string.`);
    meta[key] = v;
  }
  let id: string | undefined;
  if (shape.id) {
    if (typeof args.id !== 'string' || args.id === '')
      throw invalidParams(`${name}: "id" (the checkout session id) is required and must be a string.`);
    id = args.id;
  }
  let payload: unknown;
  if (shape.payload) {
    payload = args.payload;
    if (payload === undefined || payload === null) {
      if (shape.payloadRequired) throw invalidParams(`${name}: "payload" is required.`);
      payload = undefined;
    } else if (!isObject(payload)) {
      throw invalidParams(`${name}: "payload" must be an object.`);
    }
  }
  return { meta, id, payload };
}

/** A JSON-RPC `-32000` error carrying the flat ACP `Error` in `data`. */
export function acpProtocolError(error: WireError): ProtocolError {
  return new ProtocolError(ACP_MCP_ERROR_CODE, error.message, error);
}

type BindingResult = CallToolResult & Record<string, unknown>;

/**
 * A success in both readings: the bare session at the top level (`result.status`, `result.id`, … as in the
 * binding's examples) and the MCP view (`structuredContent`, `content`).
 */
function bindingSuccess(r: ServiceResult<unknown>): BindingResult {
  const session = r.body as Record<string, unknown>;
  const meta: Record<string, unknown> = {};
  if (r.replayed) meta['dev.acp/idempotent_replayed'] = true;
  return {
    ...session,
    content: [{ type: 'text', text: JSON.stringify(session) }],
    structuredContent: session,
    ...(Object.keys(meta).length ? { _meta: meta } : {}),
  };
}

// ------------------------------------------------------------------------------------------ shopper helpers

function productSummary(p: Product): ProductSummary {
  const out: ProductSummary = {
    id: p.id,
    name: p.name,
    unit_amount: p.unitAmount,
    currency: p.currency,
    availability_status: productAvailability(p),
    images: [...(p.images ?? [])],
  };
  if (p.description !== undefined) out.description = p.description;
  if (p.availableQuantity !== undefined) out.available_quantity = Math.max(0, p.availableQuantity);
  if (p.category !== undefined) out.category = p.category;
  if (p.url !== undefined) out.url = p.url;
  return out;
}

function toolError(error: WireError, hint?: string): CallToolResult {
  return {
    content: [
      {
        type: 'text',
        text: `${hint ? `${hint} ` : ''}ACP error ${error.code}: ${error.message}\n${JSON.stringify(error)}`,
      },
    ],
    structuredContent: { error },
    isError: true,
  };
}

function toolOk(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
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

/**
 * Shopper-tool arguments that may legitimately read as a card number: the raw TEST card of
 * `collect_payment_info` (test mode, raw cards enabled, sent to Stripe only) and catalog product ids (looked
 * up, echoed through `echoRedacted`). Every other argument is refused when it holds one.
 */
const PAN_ALLOWED_ARGS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  collect_payment_info: [['cardNumber']],
  get_product: [['product_id']],
};

/** Masks anything that looks like a card number or CVC in provider messages. */
function redactDigits(text: string): string {
  return text.replace(/\d[\d -]{2,}\d/g, '[redacted]');
}

interface LocalTool {
  input: z.ZodType;
  run(args: unknown): Promise<CallToolResult>;
}

const READ_ONLY: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

// ------------------------------------------------------------------------------------------ the factory

export function createAcpMcpServerFactory(options: AcpMcpServerOptions): AcpMcpServerFactory {
  const { service, catalog } = options;
  const testPayments = options.testPayments?.mode === 'test' ? options.testPayments : undefined;
  const inputSchemas = new Map<BindingToolName, StandardSchemaWithJSON>();
  const outputSchema = lazyJsonSchema(checkoutSessionOutputSchema());
  for (const name of Object.keys(BINDING_SHAPES) as BindingToolName[]) {
    inputSchemas.set(name, lazyJsonSchema(bindingInputSchema(name)));
  }

  const collectInput = testPayments
    ? collectPaymentInfoInput(testPayments.rawCardsEnabled === true)
    : undefined;
  // tools/list never changes for a factory: it is rendered once, by a template instance on which every tool is
  // registered with McpServer (so the listing is exactly the SDK's), and served from that cache. The
  // per-request instances register no tool: McpServer's registration is most of the cost of a stateless
  // request, and the ACP tools/call handler below dispatches on its own tables anyway.
  let listing: Promise<ListToolsResult> | undefined;
  const toolsList = async (): Promise<ListToolsResult> => {
    if (!listing) {
      listing = renderToolsList(build(undefined, true));
      listing.catch(() => {
        listing = undefined;
      });
    }
    return { ...(await listing) };
  };

  function build(ctx: McpRequestContext | undefined, template: boolean): McpServer {
    const server = new McpServer(
      { name: options.name ?? 'acp-checkout', version: options.version ?? PKG_VERSION },
      { instructions: options.instructions ?? DEFAULT_INSTRUCTIONS },
    );
    const caller = options.callerOf?.(ctx) ?? ctx?.authInfo?.clientId ?? LOCAL_CALLER;
    const buyerDetails = options.canReadBuyerDetails?.(ctx) ?? ctx?.authInfo !== undefined;
    const local = new Map<string, LocalTool>();
    const binding = new Set<string>();
    const unused = async (): Promise<CallToolResult> => {
      throw new Error('dispatched by the ACP tools/call handler');
    };

    // ---------------------------------------------------------------------------- ACP MCP binding tools
    const bindingTools: [BindingToolName, string, string, ToolAnnotations][] = [
      [
        'create_checkout_session',
        'Create checkout session',
        `Create an ACP checkout session (POST /checkout_sessions). Arguments: {meta, payload}. meta.api_version must be "${API_VERSION}"; send meta.idempotency_key (a new UUID per distinct request, reused only to retry the same request). payload: {currency: "usd", line_items: [{id: <item id from search_products>, quantity?}], capabilities: {interventions: {supported: []}}, buyer?, fulfillment_details?}. Returns the session: read status and messages[] to see what is still needed.`,
        { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
      ],
      [
        'get_checkout_session',
        'Get checkout session',
        `Retrieve the current state of a checkout session (GET /checkout_sessions/{id}). Arguments: {meta: {api_version: "${API_VERSION}"}, id}.`,
        READ_ONLY,
      ],
      [
        'update_checkout_session',
        'Update checkout session',
        `Update a checkout session (POST /checkout_sessions/{id}): line_items (replaces the cart), buyer {email, first_name, last_name}, fulfillment_details {name, email, address {name, line_one, city, state, country, postal_code}}, selected_fulfillment_options [{type, option_id, item_ids}] (option ids come from the session's fulfillment_options). Arguments: {meta: {api_version: "${API_VERSION}", idempotency_key}, id, payload}. Repeat until status is ready_for_payment.`,
        { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      ],
      [
        'complete_checkout_session',
        'Pay and place the order',
        `Pay for a ready_for_payment session and create the order (POST /checkout_sessions/{id}/complete). This charges the buyer: confirm with them first. Arguments: {meta: {api_version: "${API_VERSION}", idempotency_key}, id, payload: {buyer?, payment_data: {handler_id: <capabilities.payment.handlers[].id>, instrument: {type: "card", credential: {type: "spt", token: <Shared Payment Token>}}}}}. Returns the completed session with order {id, permalink_url}, or the session with a payment_declined message.`,
        { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
      ],
      [
        'cancel_checkout_session',
        'Cancel checkout session',
        `Cancel a checkout session that is not completed or canceled yet (POST /checkout_sessions/{id}/cancel). Arguments: {meta: {api_version: "${API_VERSION}", idempotency_key}, id, payload?: {intent_trace?: {reason_code, trace_summary?}}}.`,
        { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
      ],
    ];
    for (const [name, title, description, annotations] of bindingTools) {
      if (template) {
        server.registerTool(
          name,
          {
            title,
            description,
            inputSchema: inputSchemas.get(name)!,
            outputSchema,
            annotations,
          },
          unused,
        );
      }
      binding.add(name);
    }

    async function runBinding(name: BindingToolName, args: unknown): Promise<BindingResult> {
      const { meta, id, payload } = parseEnvelope(name, args);
      // Without `meta.idempotency_key` a write runs once and records nothing (core's `optional` mode): a
      // made-up key would store an idempotency record nobody can replay, for every call, rejected ones too.
      const rc: RequestContext = {
        caller,
        apiVersion: meta.api_version,
        idempotencyKey: meta.idempotency_key,
        idempotency: options.requireIdempotencyKey ? 'required' : 'optional',
        requestId: meta.request_id,
        paramRoot: '$.payload',
      };
      let r: ServiceResult;
      switch (name) {
        case 'create_checkout_session':
          r = await service.createSession(payload, rc);
          break;
        case 'get_checkout_session':
          r = await service.getSession(id!, rc);
          break;
        case 'update_checkout_session':
          r = await service.updateSession(id!, payload, rc);
          break;
        case 'complete_checkout_session':
          r = await service.completeSession(id!, payload, rc);
          break;
        case 'cancel_checkout_session':
          r = await service.cancelSession(id!, payload, rc);
          break;
      }
      if (r.status >= 400) {
        const err = r.body as WireError;
        // The path parameter is `id` in the binding; the REST-rooted `$.id` stays meaningful.
        throw acpProtocolError(err);
      }
      return bindingSuccess(r);
    }

    // ---------------------------------------------------------------------------- shopper tools
    function register(
      name: string,
      config: {
        title: string;
        description: string;
        input: z.ZodType;
        output: z.ZodType | StandardSchemaWithJSON;
        annotations: ToolAnnotations;
      },
      run: (args: never) => Promise<CallToolResult>,
    ): void {
      if (template) {
        server.registerTool(
          name,
          {
            title: config.title,
            description: config.description,
            inputSchema: config.input,
            outputSchema: config.output,
            annotations: config.annotations,
          },
          unused,
        );
      }
      local.set(name, { input: config.input, run: run as (args: unknown) => Promise<CallToolResult> });
    }

    if (catalog) {
      register(
        'search_products',
        {
          title: 'Search products',
          description:
            'Search the store catalog. Returns products with id (use as line_items[].id when creating a checkout session), name, description, unit_amount (minor units, e.g. cents), currency, availability_status, available_quantity and images.',
          input: SearchProductsInput,
          output: SearchProductsOutput,
          annotations: READ_ONLY,
        },
        async (args: z.infer<typeof SearchProductsInput>) => {
          const page = await catalog.search({
            ...(args.query !== undefined ? { query: args.query } : {}),
            ...(args.category !== undefined ? { category: args.category } : {}),
            ...(args.max_unit_amount !== undefined ? { maxUnitAmount: args.max_unit_amount } : {}),
            ...(args.in_stock_only !== undefined ? { inStockOnly: args.in_stock_only } : {}),
            ...(args.cursor !== undefined ? { cursor: args.cursor } : {}),
            limit: args.limit ?? 10,
          });
          return toolOk({
            products: page.products.map(productSummary),
            ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}),
          });
        },
      );
      register(
        'get_product',
        {
          title: 'Get product',
          description: 'Get one product of the catalog by its id (as returned by search_products).',
          input: GetProductInput,
          output: GetProductOutput,
          annotations: READ_ONLY,
        },
        async (args: z.infer<typeof GetProductInput>) => {
          const [product] = await catalog.getProducts([args.product_id]);
          if (!product) {
            return toolError(
              toWireError(
                new AcpError('not_found', `No product with id "${echoRedacted(args.product_id)}".`, {
                  param: '$.product_id',
                }),
              ),
              'Use search_products to find valid ids.',
            );
          }
          return toolOk({ product: productSummary(product) });
        },
      );
    }

    if (options.paymentLinks !== false) {
      register(
        'create_payment_link',
        {
          title: 'Create payment link',
          description:
            'Open (or return the already open) hosted payment page for a checkout session whose status is ready_for_payment. Give the url to the buyer: they pay there with real money, safely, without card data passing through the chat. The session then moves to in_progress and becomes completed when the payment succeeds (check with get_checkout_session or get_order).',
          input: CreatePaymentLinkInput,
          output: CreatePaymentLinkOutput,
          annotations: {
            readOnlyHint: false,
            destructiveHint: false,
            idempotentHint: true,
            openWorldHint: true,
          },
        },
        async (args: z.infer<typeof CreatePaymentLinkInput>) => {
          const r = await service.createPaymentLink(args.checkout_session_id, { caller });
          if (r.status >= 400) return toolError(r.body as WireError);
          return toolOk(r.body as Record<string, unknown>);
        },
      );
    }

    register(
      'get_order',
      {
        title: 'Get order',
        description:
          'Look up a placed order by order_id or by checkout_session_id: status, line items, totals, permalink. Buyer contact details are included only for an authorized caller.',
        input: GetOrderInput,
        output: GetOrderOutput,
        annotations: READ_ONLY,
      },
      async (args: z.infer<typeof GetOrderInput>) => {
        let record = args.order_id
          ? await service.getOrder(args.order_id)
          : await service.getOrderBySession(args.checkout_session_id!);
        // An order belongs to whoever created its session: anyone else gets the unknown-order answer.
        if (record && !(await service.loadSession(record.sessionId, { caller }))) record = null;
        if (!record) {
          return toolError(
            toWireError(
              new AcpError('order_not_found', 'No order found. The session may not be completed yet.', {
                param: args.order_id ? '$.order_id' : '$.checkout_session_id',
              }),
            ),
          );
        }
        return toolOk({
          order: toWireOrder(record),
          checkout_session_id: record.sessionId,
          amount: record.amount,
          currency: record.currency,
          created_at: record.createdAt,
          ...(buyerDetails && record.buyer ? { buyer: record.buyer } : {}),
        });
      },
    );

    if (testPayments) {
      const rawCards = testPayments.rawCardsEnabled === true;
      const input = collectInput!;
      register(
        'collect_payment_info',
        {
          title: 'Collect test payment info (TEST MODE ONLY)',
          description: `TEST MODE ONLY: turns a Stripe test payment method into a Shared Payment Token for a checkout session, for clients without a payment UI. Safer option: pass paymentMethodId with a Stripe test PaymentMethod (pm_card_visa, pm_card_mastercard, pm_card_visa_chargeDeclined, …): no card data passes through the chat.${rawCards ? ' Raw TEST card numbers (cardNumber, expMonth, expYear, cvc) are accepted only because this server enables them in test mode; never enter a real card.' : ''} Returns {shared_payment_token, expires_at, max_amount, currency} and a payment_data object ready for complete_checkout_session. For real money use create_payment_link.`,
          input,
          output: CollectPaymentInfoOutput,
          annotations: {
            readOnlyHint: false,
            destructiveHint: false,
            idempotentHint: false,
            openWorldHint: true,
          },
        },
        async (args: {
          sessionId: string;
          paymentMethodId?: string;
          cardNumber?: string;
          expMonth?: number;
          expYear?: number;
          cvc?: string;
        }) => {
          const state = await service.loadSession(args.sessionId, { caller });
          if (!state) {
            return toolError(
              toWireError(
                new AcpError('session_not_found', `No checkout session with id "${args.sessionId}".`, {
                  param: '$.sessionId',
                }),
              ),
            );
          }
          if (state.status !== 'ready_for_payment' && state.status !== 'authentication_required') {
            return toolError(
              toWireError(
                new AcpError(
                  'session_not_payable',
                  `The session is ${state.status}; it must be ready_for_payment before collecting payment.`,
                  { param: '$.sessionId' },
                ),
              ),
            );
          }
          const handler =
            service.config.paymentHandlers.find((h) => h.name === 'dev.acp.tokenized.card') ??
            service.config.paymentHandlers[0];
          if (!handler) {
            return toolError(
              toWireError(new AcpError('unsupported_payment_handler', 'This store has no payment handler.')),
            );
          }
          const base = {
            sessionId: state.id,
            amount: state.totals.total,
            currency: state.currency,
          };
          let token: TestToken;
          try {
            token = await testPayments.createTestToken(
              args.paymentMethodId !== undefined
                ? { ...base, paymentMethodId: args.paymentMethodId }
                : {
                    ...base,
                    card: {
                      number: (args.cardNumber ?? '').replace(/\s+/g, ''),
                      expMonth: args.expMonth!,
                      expYear: args.expYear!,
                      cvc: args.cvc!,
                    },
                  },
            );
          } catch (e) {
            options.logger?.warn('test token creation failed', { tool: 'collect_payment_info' });
            const message = e instanceof Error ? redactDigits(e.message).slice(0, 300) : 'unknown error';
            return toolError(
              toWireError(
                new AcpError('payment_processing_error', `The test payment provider refused: ${message}`),
              ),
              'Try paymentMethodId "pm_card_visa".',
            );
          }
          return toolOk({
            shared_payment_token: token.shared_payment_token,
            expires_at: token.expires_at,
            max_amount: token.max_amount,
            currency: token.currency,
            handler_id: handler.id,
            payment_data: {
              handler_id: handler.id,
              instrument: { type: 'card', credential: { type: 'spt', token: token.shared_payment_token } },
            },
          });
        },
      );
    }

    if (options.chatgptCompleteCheckout !== false) {
      register(
        'complete_checkout',
        {
          title: 'Complete checkout (ChatGPT payment sheet)',
          description:
            'Called by ChatGPT after the buyer approves the payment sheet: charges the payment token for the checkout session and returns the completed session with order in structuredContent. Takes {checkout_session_id, buyer, payment_data: {token, provider, billing_address?}} (ACP 2026-04-17 payment_data {handler_id, instrument} is accepted too).',
          input: CompleteCheckoutInput,
          output: outputSchema,
          annotations: {
            readOnlyHint: false,
            destructiveHint: true,
            idempotentHint: true,
            openWorldHint: true,
          },
        },
        async (args: CompleteCheckoutInput) => {
          const body = await completeCheckoutBody(service, args);
          if ('error' in body) return toolError(body.error);
          const r = await service.completeSession(args.checkout_session_id, body.request, {
            caller,
            apiVersion: API_VERSION,
            idempotencyKey: `chatgpt-complete-${await shortHash(canonicalJson(body.request))}`,
            paramRoot: '$',
          });
          if (r.status >= 400) return toolError(r.body as WireError);
          const session = r.body as Record<string, unknown>;
          return toolOk(session);
        },
      );
    }

    // ---------------------------------------------------------------------------- tools/list, tools/call
    // The template answers tools/list from the registrations above; the per-request instances answer it from
    // the template's rendering. McpServer's own tools/call turns every thrown error (and its input-validation
    // failures) into an `isError` result, which the ACP binding forbids, so this server takes over the one
    // method through the documented low-level escape hatch (`mcp.server`).
    if (template) return server;
    server.server.registerCapabilities({ tools: { listChanged: true } });
    server.server.setRequestHandler('tools/list', () => toolsList());
    server.server.setRequestHandler('tools/call', async (request) => {
      const name = request.params.name;
      const isBinding = binding.has(name);
      const tool = isBinding ? undefined : local.get(name);
      if (!isBinding && !tool)
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Tool ${echoRedacted(name)} not found`);
      if (options.requestSigning && !UNSIGNED_TOOLS.has(name)) {
        const refused = await checkToolSignature(
          options.requestSigning,
          name,
          request.params.arguments,
          request.params._meta,
          isBinding,
        );
        if (refused) {
          if (isBinding) throw acpProtocolError(refused);
          return toolError(refused);
        }
      }
      if (isBinding) return runBinding(name as BindingToolName, request.params.arguments);
      if (!tool)
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Tool ${echoRedacted(name)} not found`);
      // Card numbers never enter through tool arguments (checked before the schema, whose messages quote keys).
      const panParam = findPanField(request.params.arguments ?? {}, { skip: PAN_ALLOWED_ARGS[name] ?? [] });
      if (panParam) {
        return toolError(
          toWireError(new AcpError('invalid', panRefusalMessage(panParam), { param: panParam })),
        );
      }
      const parsed = tool.input.safeParse(request.params.arguments ?? {});
      if (!parsed.success) {
        return toolError(
          toWireError(
            new AcpError('invalid', `Invalid arguments for ${name}: ${describeIssues(parsed.error)}`, {
              param: issueParam(parsed.error),
            }),
          ),
        );
      }
      try {
        return await tool.run(parsed.data);
      } catch (e) {
        const err = AcpError.isInstance(e)
          ? e
          : new AcpError('internal_error', 'The store could not process this request. It is safe to retry.');
        if (!AcpError.isInstance(e)) options.logger?.error('tool failed', { tool: name });
        return toolError(toWireError(err));
      }
    });
    return server;
  }

  const factory: AcpMcpServerFactory = (ctx?: McpRequestContext): McpServer => build(ctx, false);
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

/** Tools that read only the public catalog: never signed. */
const UNSIGNED_TOOLS = new Set(['search_products', 'get_product']);

/**
 * Verifies one tool call's signature (binding tools: `meta.signature`/`meta.timestamp`; other tools:
 * `_meta["dev.acp/signature"]`/`_meta["dev.acp/timestamp"]`). Returns the ACP error to answer, or undefined.
 */
async function checkToolSignature(
  signing: RequestSigningOptions,
  name: string,
  args: unknown,
  requestMeta: Record<string, unknown> | undefined,
  isBinding: boolean,
): Promise<WireError | undefined> {
  const source = isBinding ? (isObject(args) && isObject(args.meta) ? args.meta : {}) : (requestMeta ?? {});
  const sigKey = isBinding ? 'signature' : 'dev.acp/signature';
  const tsKey = isBinding ? 'timestamp' : 'dev.acp/timestamp';
  const signature = typeof source[sigKey] === 'string' ? (source[sigKey] as string) : undefined;
  const timestamp = typeof source[tsKey] === 'string' ? (source[tsKey] as string) : undefined;
  const check = await verifyRequestSignature(signing, {
    signature,
    timestamp,
    method: 'MCP',
    path: name,
    body: mcpSigningBody(args),
  });
  if (check.ok) return undefined;
  const where = isBinding ? '$.meta' : '$._meta';
  const sigName = isBinding ? 'meta.signature' : '_meta["dev.acp/signature"]';
  const tsName = isBinding ? 'meta.timestamp' : '_meta["dev.acp/timestamp"]';
  const [code, message, param]: [AcpErrorCode, string, string] =
    check.reason === 'missing'
      ? ['invalid_signature', `${sigName} and ${tsName} are required.`, `${where}.signature`]
      : check.reason === 'stale_timestamp'
        ? [
            'invalid_signature',
            `${tsName} must be RFC 3339 and within the accepted clock skew.`,
            isBinding ? '$.meta.timestamp' : `${where}.timestamp`,
          ]
        : check.reason === 'replayed'
          ? [
              'invalid_signature',
              `This ${sigName} was already used; sign every call anew.`,
              `${where}.signature`,
            ]
          : check.reason === 'replay_store_unavailable'
            ? [
                'service_unavailable',
                'Request signatures cannot be checked for replay right now; retry.',
                `${where}.signature`,
              ]
            : ['invalid_signature', `${sigName} does not match this call.`, `${where}.signature`];
  return toWireError(new AcpError(code, message, { param }));
}

/**
 * `fromJsonSchema` without compiling the validator up front. The bundled ACP schemas are large, and compiling
 * them all took most of a stdio server's start-up; tools/list only needs the JSON, and the ACP tools/call
 * handler validates the envelope itself, so a validator is compiled only if something validates.
 */
function lazyJsonSchema(schema: JsonSchema): StandardSchemaWithJSON {
  let compiled: StandardSchemaWithJSON | undefined;
  return {
    '~standard': {
      version: 1,
      vendor: 'mcp',
      jsonSchema: { input: () => schema, output: () => schema },
      validate: (data) => {
        compiled ??= fromJsonSchema(schema);
        return compiled['~standard'].validate(data);
      },
    },
  };
}

/** tools/list as a connected McpServer answers it (over an in-memory transport, once per factory). */
async function renderToolsList(server: McpServer): Promise<ListToolsResult> {
  const [client, transport] = InMemoryTransport.createLinkedPair();
  const waiting = new Map<number, (message: JSONRPCMessage) => void>();
  client.onmessage = (message) => {
    if ('id' in message && typeof message.id === 'number') waiting.get(message.id)?.(message);
  };
  const ask = (id: number, method: string, params: Record<string, unknown>) =>
    new Promise<JSONRPCMessage>((resolve, reject) => {
      waiting.set(id, resolve);
      client.send({ jsonrpc: '2.0', id, method, params }).catch(reject);
    });
  await server.connect(transport);
  try {
    await client.start();
    await ask(1, 'initialize', {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'acp-tools-list', version: PKG_VERSION },
    });
    await client.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const answer = await ask(2, 'tools/list', {});
    if (!('result' in answer)) throw new Error('could not render tools/list');
    return answer.result as ListToolsResult;
  } finally {
    await server.close();
  }
}

async function shortHash(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  let hex = '';
  for (const b of digest.slice(0, 16)) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** ChatGPT `complete_checkout` arguments → ACP 2026-04-17 `CheckoutSessionCompleteRequest`. */
async function completeCheckoutBody(
  service: CheckoutService,
  args: CompleteCheckoutInput,
): Promise<{ request: Record<string, unknown> } | { error: WireError }> {
  const pd = args.payment_data;
  let paymentData: Record<string, unknown>;
  if ('token' in pd) {
    const handler = service.config.paymentHandlers.find((h) => h.psp === pd.provider);
    if (!handler) {
      return {
        error: toWireError(
          new AcpError(
            'unsupported_payment_handler',
            `This store does not accept provider "${pd.provider}".`,
            {
              param: '$.payment_data.provider',
            },
          ),
        ),
      };
    }
    paymentData = {
      handler_id: handler.id,
      instrument: { type: 'card', credential: { type: 'spt', token: pd.token } },
    };
  } else {
    paymentData = { handler_id: pd.handler_id, instrument: pd.instrument };
  }
  if (pd.billing_address) paymentData.billing_address = pd.billing_address;
  const request: Record<string, unknown> = { payment_data: paymentData };
  if (args.buyer) {
    const b = args.buyer;
    const buyer: Record<string, unknown> = { email: b.email };
    if (b.first_name) buyer.first_name = b.first_name;
    if (b.last_name) buyer.last_name = b.last_name;
    const full = b.full_name ?? b.name;
    if (full) buyer.full_name = full;
    if (b.phone_number) buyer.phone_number = b.phone_number;
    request.buyer = buyer;
  }
  return { request };
}
