// The advertised input schemas of the five ACP MCP binding tools: the OpenRPC params `{meta, id?, payload?}`,
// self-contained (every `$ref` points into the tool's own `$defs`: a subschema used more than once is defined
// once), derived from core's zod wire schemas, which are generated from the official ACP 2026-04-17 JSON
// Schema bundle. The bundle itself is never copied into this repository; a test proves the two accept the
// same official examples.
import { LATEST_API_VERSION, spec } from '@acp/core';
import * as z from 'zod';
import { SPEC_NAMES_BY_HASH } from './spec-names.generated.js';

export type JsonSchema = Record<string, unknown>;

/**
 * `components.schemas.meta` of the official OpenRPC document (openrpc.agentic_checkout.json): the same keywords,
 * with descriptions cut to what a model needs.
 */
export const META_JSON_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'Protocol metadata (the ACP HTTP headers).',
  required: ['api_version'],
  additionalProperties: true,
  properties: {
    api_version: { type: 'string', description: `Always "${LATEST_API_VERSION}".` },
    idempotency_key: {
      type: 'string',
      description: 'A new UUID per distinct create/update/complete/cancel; reuse it only to retry that call.',
    },
    request_id: { type: 'string' },
    user_agent: { type: 'string' },
    accept_language: { type: 'string' },
    signature: { type: 'string' },
    timestamp: { type: 'string', format: 'date-time' },
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
      // zod spells out its own regular expression beside `format` for dates and emails; the bundle has the
      // format only (what a validator checks), so the pattern is noise, and a different rule.
      if (typeof js.pattern === 'string' && (js.format === 'date-time' || js.format === 'email'))
        delete js.pattern;
      // Keywords that constrain nothing: JSON object keys are strings, and `{}` accepts every value.
      if (isPlainObject(js.propertyNames) && Object.keys(js.propertyNames).length === 1) {
        if ((js.propertyNames as JsonSchema).type === 'string') delete js.propertyNames;
      }
      if (isPlainObject(js.additionalProperties) && Object.keys(js.additionalProperties).length === 0) {
        delete js.additionalProperties;
      }
    },
  }) as JsonSchema;
  delete out.$schema;
  splitTypeLists(out);
  return out;
}

/**
 * A `type` list means the same as `anyOf` with one type each, which every client dialect reads (some map tool
 * schemas onto a single-`type` dialect, e.g. Gemini's OpenAPI subset; the MCP Inspector warns). zod writes
 * the list for a union of primitives after its override hook, hence this pass.
 */
function splitTypeLists(schema: JsonSchema): void {
  if (Array.isArray(schema.type) && schema.anyOf === undefined) {
    schema.anyOf = schema.type.map((type) => ({ type }));
    delete schema.type;
  }
  forEachSubschema(schema, (child) => splitTypeLists(child));
}

function isPlainObject(v: unknown): v is JsonSchema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Keywords whose value is one subschema, or a list or map of subschemas (JSON Schema 2020-12). */
const ONE_SCHEMA = [
  'items',
  'additionalProperties',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
];
const SCHEMA_LIST = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
const SCHEMA_MAP = ['properties', 'patternProperties', '$defs'];

/** Calls `visit` on each direct subschema of `schema`, with a setter and the property name it sits under. */
function forEachSubschema(
  schema: JsonSchema,
  visit: (child: JsonSchema, set: (v: JsonSchema) => void, key: string | undefined) => void,
): void {
  for (const key of ONE_SCHEMA) {
    const v = schema[key];
    if (isPlainObject(v)) visit(v, (n) => (schema[key] = n), undefined);
  }
  for (const key of SCHEMA_LIST) {
    const list = schema[key];
    if (Array.isArray(list)) {
      list.forEach((v, i) => {
        if (isPlainObject(v)) visit(v, (n) => (list[i] = n), undefined);
      });
    }
  }
  for (const key of SCHEMA_MAP) {
    const map = schema[key];
    if (!isPlainObject(map)) continue;
    for (const [k, v] of Object.entries(map)) {
      if (isPlainObject(v)) visit(v, (n) => (map[k] = n), key === 'properties' ? k : undefined);
    }
  }
}

/** Smallest subschema given a definition: shorter ones gain little, and a reader follows fewer references. */
const MIN_SHARED = 48;
/** `{"$ref":"#/$defs/"}` without the name. */
const REF_BYTES = 19;

function pascal(key: string): string {
  return key.replace(/(^|[_-])([a-z0-9])/g, (_m, _u, c: string) => c.toUpperCase());
}

/** The ACP name of a definition, else its format (`DateTime`), else the property it first appears under. */
function definitionName(
  json: string,
  hint: string,
  names: ReadonlyMap<string, string>,
  defs: Record<string, JsonSchema>,
): string {
  const named = names.get(json);
  const schema = JSON.parse(json) as JsonSchema;
  const base =
    named ??
    (typeof schema.format === 'string' && Object.keys(schema).every((k) => k === 'type' || k === 'format')
      ? pascal(schema.format)
      : pascal(hint));
  let name = base;
  for (let i = 2; Object.hasOwn(defs, name); i++) name = `${base}${i}`;
  return name;
}

/**
 * Defines every subschema that occurs more than once (where that saves bytes) once, in the root's `$defs`,
 * and points each occurrence at it with a bare `{"$ref": "#/$defs/<name>"}` (no sibling keyword, so the meaning
 * is the same for a draft-07 reader). `names` maps a subschema's JSON to a definition name (the ACP schema
 * names); others are named after the property they first appear under. Returns a new schema.
 */
export function shareDefinitions(
  root: JsonSchema,
  names: ReadonlyMap<string, string> = new Map(),
): JsonSchema {
  const out = structuredClone(root);
  const defs: Record<string, JsonSchema> = {};
  if (isPlainObject(out.$defs)) Object.assign(defs, out.$defs);
  delete out.$defs;
  for (;;) {
    const seen = new Map<string, { count: number; hint: string }>();
    const collect = (schema: JsonSchema, hint: string): void =>
      forEachSubschema(schema, (child, _set, key) => {
        const json = JSON.stringify(child);
        if (json.length >= MIN_SHARED) {
          const entry = seen.get(json);
          if (entry) entry.count++;
          else seen.set(json, { count: 1, hint: key ?? hint });
        }
        collect(child, key ?? hint);
      });
    collect(out, 'Schema');
    for (const [name, def] of Object.entries(defs)) collect(def, name);
    let best: { json: string; name: string; saving: number } | undefined;
    for (const [json, { count, hint }] of seen) {
      if (count < 2) continue;
      const name = definitionName(json, hint, names, defs);
      // Each occurrence becomes a reference; the definition is written once, under its name.
      const saving = (count - 1) * json.length - count * (REF_BYTES + name.length) - (name.length + 4);
      if (saving > 0 && (!best || saving > best.saving)) best = { json, name, saving };
    }
    if (!best) break;
    const { name } = best;
    const target = best.json;
    const replace = (schema: JsonSchema): void =>
      forEachSubschema(schema, (child, set) => {
        if (JSON.stringify(child) === target) set({ $ref: `#/$defs/${name}` });
        else replace(child);
      });
    replace(out);
    for (const def of Object.values(defs)) replace(def);
    defs[name] = JSON.parse(target) as JsonSchema;
  }
  if (Object.keys(defs).length) out.$defs = defs;
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
    payloadDescription: 'The REST request body (CheckoutSessionCreateRequest).',
  },
  get_checkout_session: { id: true, payload: undefined, payloadRequired: false },
  update_checkout_session: {
    id: true,
    payload: spec.CheckoutSessionUpdateRequest,
    payloadRequired: true,
    payloadDescription: 'The REST request body (CheckoutSessionUpdateRequest).',
  },
  complete_checkout_session: {
    id: true,
    payload: spec.CheckoutSessionCompleteRequest,
    payloadRequired: true,
    payloadDescription: 'The REST request body (CheckoutSessionCompleteRequest).',
  },
  cancel_checkout_session: {
    id: true,
    payload: spec.CancelSessionRequest,
    payloadRequired: false,
    payloadDescription: 'The REST request body (CancelSessionRequest), optional.',
  },
};

/**
 * A subschema's JSON → the ACP definition name it is (first in `SPEC_DEF_NAMES` order), for naming shared
 * definitions. Computing it means converting every ACP definition to JSON Schema (about 80 ms at start-up),
 * so the table is generated ahead (`scripts/generate-spec-names.mjs` → `spec-names.generated.ts`, keyed by a
 * 53-bit hash of the JSON; `test/spec-names.test.ts` fails when it is stale) and a lookup only hashes.
 */
function specNames(io: 'input' | 'output'): ReadonlyMap<string, string> {
  const table: Readonly<Record<string, string>> = SPEC_NAMES_BY_HASH[io];
  return { get: (json: string) => table[jsonHash(json)] } as ReadonlyMap<string, string>;
}

/** The table `spec-names.generated.ts` holds, computed (what the generator writes and the test compares). */
export function computeSpecNames(): Record<'input' | 'output', Record<string, string>> {
  const out = { input: {} as Record<string, string>, output: {} as Record<string, string> };
  for (const io of ['input', 'output'] as const) {
    for (const name of spec.SPEC_DEF_NAMES) {
      const schema = (spec as unknown as Record<string, z.ZodType>)[name];
      if (!schema) continue;
      const key = jsonHash(JSON.stringify(toJsonSchema(schema, io)));
      out[io][key] ??= name;
    }
  }
  return out;
}

/** 53-bit FNV-1a-style hash of a string, in base 36 (cheap; a collision would only misname a definition). */
export function jsonHash(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return ((h2 >>> 0) * 0x200000 + ((h1 >>> 0) & 0x1fffff)).toString(36);
}

/**
 * The `inputSchema` advertised for a binding tool: the OpenRPC params as one object, self-contained, each
 * subschema used more than once defined once in its `$defs` (named after the ACP definition where it is one).
 */
export function bindingInputSchema(name: BindingToolName): JsonSchema {
  const shape = BINDING_SHAPES[name];
  const properties: Record<string, JsonSchema> = { meta: structuredClone(META_JSON_SCHEMA) };
  const required = ['meta'];
  if (shape.id) {
    properties.id = { type: 'string', description: 'The checkout session id.' };
    required.push('id');
  }
  if (shape.payload) {
    properties.payload = {
      ...toJsonSchema(shape.payload, 'input'),
      ...(shape.payloadDescription ? { description: shape.payloadDescription } : {}),
    };
    if (shape.payloadRequired) required.push('payload');
  }
  return shareDefinitions({ type: 'object', properties, required }, specNames('input'));
}

/** One property of the session at a glance: its type, and its values when they are a closed set. */
function glance(schema: unknown): JsonSchema {
  if (!isPlainObject(schema)) return {};
  const out: JsonSchema = {};
  if (schema.type !== undefined) out.type = schema.type;
  if (Array.isArray(schema.enum)) out.enum = schema.enum;
  if (schema.const !== undefined) out.const = schema.const;
  return out;
}

let cachedSessionSchema: JsonSchema | undefined;
/**
 * Output schema of the binding tools (and `complete_checkout`): the ACP `CheckoutSession` at a glance — every
 * top-level field with its type (and `status`'s values), the required ones required, open to `order` and to
 * later fields. The whole definition (26 KB) on six tools would be most of tools/list; the results are the
 * spec's `CheckoutSession` whatever the schema says, and a test validates them against the bundle.
 */
export function checkoutSessionOutputSchema(): JsonSchema {
  if (!cachedSessionSchema) {
    const full = toJsonSchema(spec.CheckoutSession, 'output');
    const properties = isPlainObject(full.properties) ? full.properties : {};
    cachedSessionSchema = {
      type: 'object',
      description: `An ACP ${LATEST_API_VERSION} CheckoutSession (with order once completed).`,
      properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, glance(v)])),
      ...(Array.isArray(full.required) ? { required: full.required } : {}),
    };
  }
  return structuredClone(cachedSessionSchema);
}

/** The full JSON Schema of a zod schema, each subschema used more than once defined once (see `shareDefinitions`). */
export function sharedJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  return shareDefinitions(toJsonSchema(schema, io), specNames(io));
}
