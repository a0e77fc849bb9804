#!/usr/bin/env node
// Generates zod 4 wire schemas from the official ACP JSON Schema bundle.
//
//   node scripts/generate-spec-schemas.mjs [--check] [path/to/schema.agentic_checkout.json]
//
// The bundle lives outside this repository (../shared/acp-spec); the output is a translation of it into
// zod, committed as src/spec/2026-04-17/schemas.generated.ts. `--check` exits non-zero when the committed
// file differs from what the bundle generates (the drift test runs this).
//
// Deliberate deviations from a literal translation (each is documented in the package README):
//   - `ItemInput`: request line items accept an optional integer `quantity` (default 1). The 2026-04-17
//     `Item` has no quantity while every RFC sends one (digest §9 A2). Responses use the strict `Item`.
//   - `IntentTrace.reason_code` accepts any string: the RFC says unknown values SHOULD be treated as `other`.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const check = args.includes('--check');
const explicit = args.find((a) => !a.startsWith('--'));
const bundlePath =
  explicit ??
  resolve(here, '../../../../shared/acp-spec/spec/2026-04-17/json-schema/schema.agentic_checkout.json');
const outPath = resolve(here, '../src/spec/2026-04-17/schemas.generated.ts');

const bundle = JSON.parse(readFileSync(bundlePath, 'utf8'));
const defs = bundle.$defs;

const REQUEST_ITEM_CONTAINERS = new Set(['CheckoutSessionCreateRequest', 'CheckoutSessionUpdateRequest']);

const refName = (ref) => {
  const m = /^#\/\$defs\/(.+)$/.exec(ref);
  if (!m) throw new Error(`unsupported $ref ${ref}`);
  return m[1];
};

function collectRefs(node, out = new Set()) {
  if (Array.isArray(node)) {
    for (const n of node) collectRefs(n, out);
  } else if (node && typeof node === 'object') {
    if (typeof node.$ref === 'string') out.add(refName(node.$ref));
    for (const v of Object.values(node)) collectRefs(v, out);
  }
  return out;
}

const lit = (v) => JSON.stringify(v);

function stringSchema(s) {
  let base;
  if (s.const !== undefined) return `z.literal(${lit(s.const)})`;
  if (s.enum) return `z.enum(${lit(s.enum)})`;
  switch (s.format) {
    case 'email':
      // RFC 5322 addresses, as JSON Schema's `email` format accepts them (zod's default refuses `a!b@c.com`).
      base = 'z.email({ pattern: z.regexes.rfc5322Email })';
      break;
    case 'uri':
      base = 'z.url()';
      break;
    case 'date-time':
      // RFC 3339 as JSON Schema's `date-time` format reads it (see refinements.ts); listed as `format: date-time`.
      base =
        "z.string().refine(isRfc3339DateTime, { error: 'Invalid RFC 3339 date-time' }).meta({ format: 'date-time' })";
      break;
    case undefined:
      base = 'z.string()';
      break;
    default:
      throw new Error(`unsupported format ${s.format}`);
  }
  if (s.minLength !== undefined) base += `.min(${s.minLength})`;
  if (s.maxLength !== undefined) base += `.max(${s.maxLength})`;
  if (s.pattern) base += `.regex(new RegExp(${lit(s.pattern)}))`;
  return base;
}

function numberSchema(s, integer) {
  let base = integer ? 'z.number().int()' : 'z.number()';
  if (s.minimum !== undefined) base += `.min(${s.minimum})`;
  if (s.maximum !== undefined) base += `.max(${s.maximum})`;
  if (s.exclusiveMinimum !== undefined) base += `.gt(${s.exclusiveMinimum})`;
  return base;
}

function arraySchema(s, ctx) {
  let base = `z.array(${schemaFor(s.items ?? {}, ctx)})`;
  if (s.minItems !== undefined) base += `.min(${s.minItems})`;
  if (s.maxItems !== undefined) base += `.max(${s.maxItems})`;
  if (s.uniqueItems) base += '.refine(uniqueItems, { message: "Array items must be unique" })';
  return base;
}

function discriminatorOf(options) {
  const consts = [];
  for (const o of options) {
    if (!o.$ref) return null;
    const target = defs[refName(o.$ref)];
    const c = target?.properties?.type?.const;
    if (typeof c !== 'string') return null;
    consts.push(c);
  }
  return new Set(consts).size === consts.length ? 'type' : null;
}

function objectSchema(s, ctx) {
  const props = s.properties ?? {};
  const required = new Set(s.required ?? []);
  const fields = [];
  for (const [key, sub] of Object.entries(props)) {
    let inner;
    if (key === 'line_items' && REQUEST_ITEM_CONTAINERS.has(ctx.def)) {
      inner = arraySchema({ ...sub, items: { $ref: '#/$defs/ItemInput' } }, ctx);
    } else if (ctx.def === 'IntentTrace' && key === 'reason_code') {
      inner = 'z.string() /* lenient: unknown values are treated as "other" (rfc.intent_traces.md) */';
    } else {
      inner = schemaFor(sub, { ...ctx, path: [...ctx.path, key] });
    }
    fields.push(
      `  ${/^[A-Za-z_$][\w$]*$/.test(key) ? key : lit(key)}: ${inner}${required.has(key) ? '' : '.optional()'},`,
    );
  }
  // required keys that have no declared property (e.g. FulfillmentOption*.title is declared; guard anyway)
  for (const key of required) {
    if (!(key in props)) fields.push(`  ${key}: z.unknown(),`);
  }
  const body = fields.length ? `{\n${fields.join('\n')}\n}` : '{}';
  const ap = s.additionalProperties;
  let base;
  if (ap === false) base = `z.strictObject(${body})`;
  else if (ap && typeof ap === 'object') {
    base = fields.length
      ? `z.object(${body}).catchall(${schemaFor(ap, ctx)})`
      : `z.record(z.string(), ${schemaFor(ap, ctx)})`;
  } else if (!fields.length) base = 'z.record(z.string(), z.unknown())';
  else base = `z.looseObject(${body})`;

  const checks = [];
  if (s.anyOf?.every((b) => Array.isArray(b.required) && Object.keys(b).length === 1)) {
    checks.push(`requireAnyOf(${lit(s.anyOf.map((b) => b.required))})`);
  } else if (s.anyOf) throw new Error(`unsupported anyOf in ${ctx.def}`);
  for (const part of s.allOf ?? []) {
    if (part.if && part.then) {
      const [[field, cond]] = Object.entries(part.if.properties);
      checks.push(`requireWhen(${lit(field)}, ${lit(cond.enum)}, ${lit(part.then.required)})`);
    } else throw new Error(`unsupported allOf in ${ctx.def}`);
  }
  for (const c of checks) base += `.superRefine(${c})`;
  return base;
}

function schemaFor(s, ctx) {
  if (s === true || (s && Object.keys(s).length === 0)) return 'z.unknown()';
  if (s.$ref) return refName(s.$ref);
  if (s.oneOf) {
    const allArrays = s.oneOf.every((o) => o.type === 'array');
    if (allArrays) {
      // oneOf of two array shapes: an empty array matches both branches and is therefore invalid.
      return `z.union([${s.oneOf.map((o) => arraySchema({ ...o, minItems: 1 }, ctx)).join(', ')}])`;
    }
    if (s.oneOf.every((o) => o.type && Object.keys(o).length === 1)) {
      return `z.union([${s.oneOf.map((o) => schemaFor(o, ctx)).join(', ')}])`;
    }
    const disc = discriminatorOf(s.oneOf);
    const members = s.oneOf.map((o) => schemaFor(o, ctx)).join(', ');
    return disc ? `z.discriminatedUnion(${lit(disc)}, [${members}])` : `z.union([${members}])`;
  }
  if (s.allOf && s.type === undefined) {
    // Only CheckoutSession / CheckoutSessionWithOrder use allOf at the top level.
    const [first, ...rest] = s.allOf;
    let base = schemaFor(first, ctx);
    for (const part of rest) {
      if (part.required && part.type === 'object') {
        const req = part.required;
        base += `.superRefine(requireAnyOf(${lit([req])}))`;
      } else throw new Error(`unsupported allOf part in ${ctx.def}`);
    }
    return base;
  }
  if (Array.isArray(s.type)) {
    return `z.union([${s.type.map((t) => schemaFor({ type: t }, ctx)).join(', ')}])`;
  }
  switch (s.type) {
    case 'string':
      return stringSchema(s);
    case 'integer':
      return numberSchema(s, true);
    case 'number':
      return numberSchema(s, false);
    case 'boolean':
      return 'z.boolean()';
    case 'array':
      return arraySchema(s, ctx);
    case 'object':
      return objectSchema(s, ctx);
    default:
      if (s.properties) return objectSchema(s, ctx);
      throw new Error(`unsupported schema in ${ctx.def}: ${JSON.stringify(s).slice(0, 120)}`);
  }
}

// ItemInput is ours: Item plus a lenient optional quantity (see header).
const allDefs = { ...defs };
const order = [];
const state = new Map();
function visit(name) {
  if (state.get(name) === 'done') return;
  if (state.get(name) === 'visiting') throw new Error(`recursive $ref through ${name}`);
  state.set(name, 'visiting');
  const deps = collectRefs(allDefs[name]);
  if (REQUEST_ITEM_CONTAINERS.has(name)) deps.add('ItemInput');
  for (const d of deps) if (d !== 'ItemInput') visit(d);
  if (deps.has('ItemInput')) visitItemInput();
  state.set(name, 'done');
  order.push(name);
}
let itemInputDone = false;
function visitItemInput() {
  if (itemInputDone) return;
  visit('Item');
  itemInputDone = true;
  order.push('ItemInput');
}
for (const name of Object.keys(defs)) visit(name);

const lines = [];
lines.push(
  '// GENERATED by scripts/generate-spec-schemas.mjs from the official ACP 2026-04-17 JSON Schema bundle',
);
lines.push('// (spec/2026-04-17/json-schema/schema.agentic_checkout.json). Do not edit by hand: run');
lines.push('// `pnpm --filter @acp/core generate:spec`. The drift test fails when this file is out of date.');
lines.push('/* biome-ignore-all lint: generated */');
lines.push("import * as z from 'zod';");
lines.push("import { isRfc3339DateTime, requireAnyOf, requireWhen, uniqueItems } from './refinements.js';");
lines.push('');
for (const name of order) {
  if (name === 'ItemInput') {
    lines.push(
      '/** Request-side `Item`: the spec `Item` plus an optional integer `quantity` (default 1; digest §9 A2). */',
    );
    lines.push(
      'export const ItemInput = z.strictObject({\n  ...Item.shape,\n  quantity: z.number().int().min(1).optional(),\n});',
    );
    lines.push('export type ItemInput = z.infer<typeof ItemInput>;');
    lines.push('');
    continue;
  }
  const expr = schemaFor(defs[name], { def: name, path: [] });
  lines.push(`export const ${name} = ${expr};`);
  lines.push(`export type ${name} = z.infer<typeof ${name}>;`);
  lines.push('');
}
lines.push(`/** Every $defs name of the bundle, in dependency order. */`);
lines.push(`export const SPEC_DEF_NAMES = ${lit(order.filter((n) => n !== 'ItemInput'))} as const;`);
lines.push('');
const output = lines.join('\n');

if (check) {
  let current = '';
  try {
    current = readFileSync(outPath, 'utf8');
  } catch {}
  if (current !== output) {
    console.error(`${outPath} is out of date with ${bundlePath}; run generate:spec`);
    process.exit(1);
  }
  console.log('spec schemas are up to date');
} else {
  writeFileSync(outPath, output);
  console.log(`wrote ${outPath} (${order.length} schemas)`);
}
