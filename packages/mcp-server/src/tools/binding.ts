// What the five ACP MCP binding tools share: the `{meta, id, payload}` envelope, the REST request context it
// maps to, and the answer (the session in both readings, or the JSON-RPC `-32000` error).
import type { RequestContext, ServiceResult } from '@acp/core';
import {
  BINDING_SHAPES,
  type BindingToolName,
  bindingInputSchema,
  checkoutSessionOutputSchema,
  type JsonSchema,
} from '../json-schema.js';
import { fromServiceResult } from '../service-result.js';
import {
  INVALID_PARAMS,
  ToolCallError,
  type ToolCallResult,
  type ToolContext,
  type ToolInput,
} from './define.js';
import { acpToolError } from './results.js';

const KNOWN_META = [
  'api_version',
  'idempotency_key',
  'request_id',
  'user_agent',
  'accept_language',
  'signature',
  'timestamp',
] as const;

export type Meta = Partial<Record<(typeof KNOWN_META)[number], string>>;

/** The parsed envelope. `id` is present for every tool whose shape has one (all but create). */
export interface BindingEnvelope {
  meta: Meta;
  id: string | undefined;
  payload: unknown;
}

function invalidParams(message: string): ToolCallError {
  return new ToolCallError(INVALID_PARAMS, message);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isBindingToolName(tool: string): tool is BindingToolName {
  return Object.hasOwn(BINDING_SHAPES, tool);
}

function bindingName(tool: string): BindingToolName {
  if (!isBindingToolName(tool)) throw new Error(`${tool} is not an ACP MCP binding tool`);
  return tool;
}

/** Parses the `{meta, id, payload}` envelope. Only a malformed envelope is `-32602`. */
function parseEnvelope(name: BindingToolName, args: unknown): BindingEnvelope {
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

const inputSchemas = new Map<BindingToolName, JsonSchema>();

/** The input of every binding tool: the envelope, advertised with the official OpenRPC params schema. */
export const BINDING_ENVELOPE: ToolInput<BindingEnvelope> = {
  protocol: 'binding',
  jsonSchema(tool) {
    const name = bindingName(tool);
    let schema = inputSchemas.get(name);
    if (!schema) {
      schema = bindingInputSchema(name);
      inputSchemas.set(name, schema);
    }
    return schema;
  },
  parse: (args, tool) => parseEnvelope(bindingName(tool), args),
};

let sessionSchema: JsonSchema | undefined;
/** The output of every binding tool: the ACP `CheckoutSession` (which may carry `order`). Memoized. */
export function sessionOutput(): JsonSchema {
  sessionSchema ??= checkoutSessionOutputSchema();
  return sessionSchema;
}

/**
 * The REST request context of a binding call. Without `meta.idempotency_key` a write runs once and records
 * nothing (core's `optional` mode): a made-up key would store an idempotency record nobody can replay, for
 * every call, rejected ones too.
 */
export function bindingRequest(meta: Meta, ctx: ToolContext): RequestContext {
  return {
    caller: ctx.caller,
    apiVersion: meta.api_version,
    idempotencyKey: meta.idempotency_key,
    idempotency: ctx.options.requireIdempotencyKey ? 'required' : 'optional',
    requestId: meta.request_id,
    paramRoot: '$.payload',
  };
}

/**
 * The answer to a binding call. A success in both readings: the bare session at the top level
 * (`result.status`, `result.id`, … as in the binding's examples) and the MCP view (`structuredContent`,
 * `content`). An ACP error is the JSON-RPC `-32000` error (the REST-rooted `$.id` param stays meaningful: the
 * path parameter is `id` in the binding too).
 */
export function bindingAnswer(r: ServiceResult): ToolCallResult {
  const outcome = fromServiceResult(r);
  if (!outcome.ok) throw acpToolError(outcome.error);
  const session: Record<string, unknown> = outcome.value;
  const meta: Record<string, unknown> = {};
  if (outcome.replayed) meta['dev.acp/idempotent_replayed'] = true;
  return {
    ...session,
    content: [{ type: 'text', text: JSON.stringify(session) }],
    structuredContent: session,
    ...(Object.keys(meta).length ? { _meta: meta } : {}),
  };
}
