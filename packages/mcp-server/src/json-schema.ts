// The advertised input schemas of the five ACP MCP binding tools: the OpenRPC params `{meta, id?, payload?}`
// with every `$ref` resolved (fully inlined, no `$defs`), derived from core's zod wire schemas, which are
// generated from the official ACP 2026-04-17 JSON Schema bundle. The bundle itself is never copied into
// this repository; a test proves the two accept the same official examples.
import { LATEST_API_VERSION, spec } from '@acp/core';
import * as z from 'zod';

export type JsonSchema = Record<string, unknown>;

/** `components.schemas.meta` of the official OpenRPC document (openrpc.agentic_checkout.json). */
export const META_JSON_SCHEMA: JsonSchema = {
  type: 'object',
  description:
    'Protocol metadata mapped from ACP HTTP headers. Authentication is handled at the MCP server level and is not included here.',
  required: ['api_version'],
  additionalProperties: true,
  properties: {
    api_version: {
      type: 'string',
      description: `ACP API version date (e.g. '${LATEST_API_VERSION}'). Maps to the API-Version header.`,
    },
    idempotency_key: {
      type: 'string',
      description:
        'Unique key for retry safety. Maps to the Idempotency-Key header. Recommended for create and complete operations.',
    },
    request_id: {
      type: 'string',
      description: 'Correlation ID for request tracing. Maps to the Request-Id header.',
    },
    user_agent: {
      type: 'string',
      description: 'Agent identification string. Maps to the User-Agent header.',
    },
    accept_language: {
      type: 'string',
      description: "Locale preference (e.g. 'en-US'). Maps to the Accept-Language header.",
    },
    signature: {
      type: 'string',
      description: 'Request signature for integrity verification. Maps to the Signature header.',
    },
    timestamp: {
      type: 'string',
      format: 'date-time',
      description: 'Request signing timestamp (RFC 3339). Maps to the Timestamp header.',
    },
  },
};

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

interface CheckDef {
  check?: string;
  fn?: (value: unknown) => unknown;
}

function customChecks(schema: unknown): CheckDef[] {
  const def = (schema as { _zod?: { def?: { checks?: { _zod?: { def?: CheckDef } }[] } } })._zod?.def;
  return (def?.checks ?? []).map((c) => c._zod?.def ?? {}).filter((d) => d.check === 'custom');
}

/** A `.refine()` that rejects repeated items: the generated schemas' JSON Schema `uniqueItems`. */
function isUniqueItemsCheck(d: CheckDef): boolean {
  if (typeof d.fn !== 'function') return false;
  try {
    return d.fn(['a', 'a']) === false && d.fn(['a', 'b']) === true;
  } catch {
    return false;
  }
}

/**
 * JSON Schema keywords the zod schemas enforce with refinements, which `z.toJSONSchema` cannot see. Keyed by
 * schema identity, so they are added exactly where the bundle has them.
 */
const KEYWORDS = new Map<unknown, JsonSchema>([
  [
    spec.PaymentData,
    { anyOf: [{ required: ['handler_id', 'instrument'] }, { required: ['purchase_order_number'] }] },
  ],
  [spec.AffiliateAttribution, { anyOf: [{ required: ['token'] }, { required: ['publisher_id'] }] }],
  [
    spec.AuthenticationResult,
    {
      if: {
        properties: { outcome: { enum: ['authenticated', 'informational', 'attempt_acknowledged'] } },
        required: ['outcome'],
      },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema `then` keyword
      then: { required: ['outcome_details'] },
    },
  ],
]);

/** JSON Schema 2020-12 for a zod wire schema, fully inlined, with the bundle's refinement keywords. */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const out = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    reused: 'inline',
    cycles: 'throw',
    override(ctx) {
      const js = ctx.jsonSchema as JsonSchema;
      const extra = KEYWORDS.get(ctx.zodSchema);
      if (extra) Object.assign(js, extra);
      if (js.type === 'array' && customChecks(ctx.zodSchema).some(isUniqueItemsCheck)) js.uniqueItems = true;
      // zod bounds every integer by Number.MAX_SAFE_INTEGER; the bundle does not: drop the noise.
      if (js.type === 'integer') {
        if (js.minimum === -MAX_SAFE) delete js.minimum;
        if (js.maximum === MAX_SAFE) delete js.maximum;
      }
    },
  }) as JsonSchema;
  delete out.$schema;
  return out;
}

export type BindingToolName =
  | 'create_checkout_session'
  | 'get_checkout_session'
  | 'update_checkout_session'
  | 'complete_checkout_session'
  | 'cancel_checkout_session';

interface BindingShape {
  id: boolean;
  payload: z.ZodType | undefined;
  payloadRequired: boolean;
  payloadDescription?: string;
}

export const BINDING_SHAPES: Record<BindingToolName, BindingShape> = {
  create_checkout_session: {
    id: false,
    payload: spec.CheckoutSessionCreateRequest,
    payloadRequired: true,
    payloadDescription: 'Checkout session creation data. Matches the REST request body schema exactly.',
  },
  get_checkout_session: { id: true, payload: undefined, payloadRequired: false },
  update_checkout_session: {
    id: true,
    payload: spec.CheckoutSessionUpdateRequest,
    payloadRequired: true,
    payloadDescription:
      'Fields to update on the checkout session. Matches the REST request body schema exactly.',
  },
  complete_checkout_session: {
    id: true,
    payload: spec.CheckoutSessionCompleteRequest,
    payloadRequired: true,
    payloadDescription:
      'Payment data and optional buyer/attribution/risk signals. Matches the REST request body schema exactly.',
  },
  cancel_checkout_session: {
    id: true,
    payload: spec.CancelSessionRequest,
    payloadRequired: false,
    payloadDescription:
      'Optional cancellation data including intent trace. Matches the REST request body schema exactly.',
  },
};

/** The `inputSchema` advertised for a binding tool (OpenRPC params as one object, `$ref`s resolved). */
export function bindingInputSchema(name: BindingToolName): JsonSchema {
  const shape = BINDING_SHAPES[name];
  const properties: Record<string, JsonSchema> = { meta: structuredClone(META_JSON_SCHEMA) };
  const required = ['meta'];
  if (shape.id) {
    properties.id = {
      type: 'string',
      description: 'The checkout session ID. Maps to the checkout_session_id path parameter.',
    };
    required.push('id');
  }
  if (shape.payload) {
    properties.payload = {
      ...toJsonSchema(shape.payload, 'input'),
      ...(shape.payloadDescription ? { description: shape.payloadDescription } : {}),
    };
    if (shape.payloadRequired) required.push('payload');
  }
  return { type: 'object', properties, required };
}

let cachedSessionSchema: JsonSchema | undefined;
/** Output schema of the binding tools: the ACP `CheckoutSession` (which may carry `order`). */
export function checkoutSessionOutputSchema(): JsonSchema {
  cachedSessionSchema ??= toJsonSchema(spec.CheckoutSession, 'output');
  return structuredClone(cachedSessionSchema);
}
