// Hostile inputs for fast-check: schema-violating values, huge and odd numbers, hostile unicode, prototype
// keys, deep nesting, oversized and malformed JSON text, and mutations of valid requests.
import fc from 'fast-check';

/** A number written verbatim into JSON text (`1e400`, `-0`, `2^53+1` digits…). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Sets an own enumerable property, even `__proto__` (an object literal would set the prototype instead). */
export function withKey<T extends object>(obj: T, key: string, value: unknown): T {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  return obj;
}

/** JSON text of a value that may hold RawJson leaves and own `__proto__` keys. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${Array.from(value, (v) => toJsonText(v)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${toJsonText((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
  return JSON.stringify(value);
}

/** The same value with RawJson leaves turned into what JSON.parse would give (for clients that stringify). */
export function toPlain(value: unknown): unknown {
  if (value instanceof RawJson) return JSON.parse(value.text) as unknown;
  if (Array.isArray(value)) return Array.from(value, (v) => toPlain(v));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) withKey(out, k, toPlain((value as Record<string, unknown>)[k]));
    return out;
  }
  return value;
}

export const DANGEROUS_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'then',
] as const;

export const HUGE_NUMBERS = [
  1e308,
  -1e308,
  -0,
  2 ** 53 + 1,
  -(2 ** 53 + 1),
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  5e-324,
  0.1,
  1.5,
  -1,
  0,
  1e21,
  2 ** 31,
  2 ** 32 + 1,
];

/** Number spellings only JSON text can carry (overflow to Infinity, beyond-double precision, exponents). */
export const RAW_NUMBERS = [
  '1e400',
  '-1e400',
  '-0',
  '-0.0',
  '9007199254740993',
  '1E+308',
  '123456789012345678901234567890',
  '0.000000000000000000000000001',
  '1.0',
  '1e2',
];

export const WEIRD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83d',
  '\u202eevil\u202c',
  '\u200f\u0627\u0644\u0639\u0631\u0628\u064a\u0629',
  '\ufeff',
  '\u200b',
  'e\u0301',
  '😀'.repeat(50),
  '__proto__',
  'constructor',
  'prototype',
  "' OR 1=1 --",
  '"; DROP TABLE acp_checkout_sessions; --',
  '../../etc/passwd',
  '%00',
  '%ZZ',
  '$.payload',
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal template-injection probe
  '${process.env}',
  'x'.repeat(10_000),
  'usd',
  'USD',
  '2026-04-17',
  'pm_card_visa',
  'spt_test_nope',
  'NaN',
  'Infinity',
  '-0',
];

export const hugeNumber = fc.constantFrom(...HUGE_NUMBERS);
export const rawNumber = fc.constantFrom(...RAW_NUMBERS).map((t) => new RawJson(t));
export const weirdString = fc.oneof(
  fc.constantFrom(...WEIRD_STRINGS),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Nested arrays/objects `depth` levels deep (built iteratively; JSON.stringify of it is fine to ~10k). */
export function deepValue(depth: number, kind: 'array' | 'object'): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}

/** Deeply nested JSON text (no JS object: parsers and walkers meet it first). */
export function deepText(depth: number, kind: 'array' | 'object'): RawJson {
  return new RawJson(
    kind === 'array'
      ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );
}

/** An object carrying a prototype-ish key. */
export const dangerousObject = fc
  .tuple(
    fc.constantFrom(...DANGEROUS_KEYS),
    fc.oneof(fc.constant({ polluted: true }), weirdString, hugeNumber),
  )
  .map(([k, v]) => withKey({}, k, v));

/** One hostile leaf or small structure (JS values; `RawJson` only where `raw` allows). */
export function hostileValue(raw = true): fc.Arbitrary<unknown> {
  const leaves: fc.Arbitrary<unknown>[] = [
    weirdString,
    hugeNumber,
    fc.constantFrom(true, false, null),
    dangerousObject,
    fc.constant([]),
    fc.constant({}),
    fc.jsonValue({ maxDepth: 3 }),
    fc.integer({ min: 20, max: 400 }).map((d) => deepValue(d, 'array')),
  ];
  if (raw) {
    leaves.push(rawNumber);
    leaves.push(fc.constantFrom(200, 3000, 20_000).map((d) => deepText(d, 'array')));
    leaves.push(fc.constantFrom(200, 3000, 20_000).map((d) => deepText(d, 'object')));
  }
  return fc.oneof(...leaves);
}

type Path = (string | number)[];

function paths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) paths(value[i], [...prefix, i], out);
  } else if (typeof value === 'object' && value !== null && !(value instanceof RawJson))
    for (const k of Object.keys(value)) paths((value as Record<string, unknown>)[k], [...prefix, k], out);
  return out;
}

function clone(value: unknown): unknown {
  if (value instanceof RawJson) return value;
  if (Array.isArray(value)) return Array.from(value, (v) => clone(v));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) withKey(out, k, clone((value as Record<string, unknown>)[k]));
    return out;
  }
  return value;
}

type Mutation =
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'add'; at: number; key: string; value: unknown };

function applyMutation(root: unknown, mutation: Mutation): unknown {
  // Inserted values are copied: fast-check hands out the same constant objects again, which must stay intact.
  const m = 'value' in mutation ? { ...mutation, value: clone(mutation.value) } : mutation;
  const all = paths(root);
  const path = all[m.at % all.length]!;
  if (path.length === 0) {
    if (m.kind === 'replace') return m.value;
    if (m.kind === 'add' && typeof root === 'object' && root !== null && !Array.isArray(root))
      withKey(root, m.key, m.value);
    return root;
  }
  let parent = root as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (m.kind === 'replace') {
    if (Array.isArray(parent)) parent[last as number] = m.value;
    else withKey(parent, String(last), m.value);
  } else if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else {
    const target = parent[last];
    if (
      typeof target === 'object' &&
      target !== null &&
      !Array.isArray(target) &&
      !(target instanceof RawJson)
    )
      withKey(target, m.key, m.value);
    else if (Array.isArray(parent)) parent.push(m.value);
    else withKey(parent, m.key, m.value);
  }
  return root;
}

/** 1–3 mutations (replace a node by a hostile value, delete a key, add a key) of a valid value. */
export function mutated(valid: unknown, raw = true): fc.Arbitrary<unknown> {
  const key = fc.oneof(fc.constantFrom(...DANGEROUS_KEYS), fc.constantFrom('extra', 'x', ''), weirdString);
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: hostileValue(raw) }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('add' as const),
        at: fc.nat(),
        key,
        value: hostileValue(raw),
      }),
    },
  );
  return fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms) => {
    let v = clone(valid);
    for (const m of ms) v = applyMutation(v, m);
    return v;
  });
}

/** JSON text that is not valid JSON (or not UTF-8 when bytes). */
export const malformedJsonText = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '{"currency":',
    '{"a":1}}',
    "{'currency':'usd'}",
    '{"a":NaN}',
    '{"a":Infinity}',
    '{"a":undefined}',
    '/* c */ {}',
    '{"a":1,}',
    '[1,]',
    '\ufeff{}',
    '{"a":"\\ud800"',
    '{"a":"\\x41"}',
    'null',
    'true',
    '"string"',
    '12',
    '[]',
  ),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

/** Bytes that are not UTF-8 (fatal decoding must reject them). */
export const invalidUtf8 = fc.constantFrom(
  Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
  Uint8Array.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]),
  Uint8Array.from([0xed, 0xa0, 0x80]),
  Uint8Array.from([0xc0, 0xaf]),
);
