// Every string field of a request, replaced in turn by a card number: the templates (valid REST bodies, MCP
// binding payloads and shopper-tool arguments), the paths of their string leaves, and the substitution.

export type Path = (string | number)[];

/** Paths of every string leaf of a JSON value (object keys in order, array indexes). */
export function stringPaths(value: unknown, path: Path = []): Path[] {
  if (typeof value === 'string') return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...path, i]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...path, k]));
  return [];
}

/** A deep copy of `value` with `replacement` at `path`. */
export function setAt<T>(value: T, path: Path, replacement: unknown): T {
  const copy = structuredClone(value) as unknown;
  if (path.length === 0) return replacement as T;
  let node = copy as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = replacement;
  return copy as T;
}

/** The JSONPath core reports for a path (same notation: `$.a[0].b`). */
export function jsonPathOf(path: Path, root = '$'): string {
  return path.reduce<string>(
    (out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : `${out}.${seg}`),
    root,
  );
}

/**
 * Card numbers as people type or paste them into the wrong field: with expiry and CVC, grouped with dashes,
 * bare, embedded in text, with no-break spaces (pasted from a web page), dots, and full-width digits (CJK
 * input). Test numbers from Stripe's table (Visa, Mastercard, Discover, Diners, Amex).
 */
export const PAN_FORMS = [
  '4242 4242 4242 4242 12/31 737',
  'card: 5555-5555-5555-4444',
  '6011111111111117',
  'please charge 3056 9300 0902 0004 thanks',
  'card\u00a04000\u00a00566\u00a05566\u00a05556',
  '5200.8282.8282.8210',
  '\uff13\uff17\uff18\uff12\uff18\uff12\uff12\uff14\uff16\uff13\uff11\uff10\uff10\uff10\uff15',
] as const;

/** The digits of every PAN_FORMS entry, for the exact-number scan. */
export const PAN_FORM_NUMBERS = [
  '4242424242424242',
  '5555555555554444',
  '6011111111111117',
  '3056930009020004',
  '4000056655665556',
  '5200828282828210',
  '378282246310005',
] as const;
