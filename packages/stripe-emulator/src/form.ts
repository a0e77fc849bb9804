// Stripe's request encoding: `application/x-www-form-urlencoded` with bracket notation
// (`line_items[0][price_data][currency]=usd`, `expand[0]=latest_charge`, `metadata[k]=v`). Indexed keys
// become arrays; everything else nests as objects. Values stay strings, as on the wire.

export type FormValue = string | FormObject | FormValue[];
export interface FormObject {
  [key: string]: FormValue;
}

/** Splits `a[b][0][c]` into `['a', 'b', '0', 'c']`. */
function splitKey(key: string): string[] {
  const first = key.indexOf('[');
  if (first <= 0) return [key];
  const parts = [key.slice(0, first)];
  const re = /\[([^\]]*)\]/g;
  let m: RegExpExecArray | null = re.exec(key.slice(first));
  while (m !== null) {
    parts.push(m[1] ?? '');
    m = re.exec(key.slice(first));
  }
  return parts;
}

function decode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

/** Parses a form body or query string into nested objects/arrays (arrays from numeric or empty indices). */
export function parseForm(body: string): FormObject {
  const root: FormObject = {};
  if (!body) return root;
  for (const pair of body.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    let key: string;
    let value: string;
    try {
      key = decode(rawKey);
      value = decode(rawValue);
    } catch {
      continue;
    }
    const path = splitKey(key);
    let node: FormObject = root;
    for (let i = 0; i < path.length; i++) {
      const part = path[i] ?? '';
      const last = i === path.length - 1;
      if (last) {
        node[part === '' ? String(Object.keys(node).length) : part] = value;
      } else {
        const existing = node[part];
        if (existing === undefined || typeof existing === 'string' || Array.isArray(existing)) {
          const fresh: FormObject = {};
          node[part] = fresh;
          node = fresh;
        } else {
          node = existing;
        }
      }
    }
  }
  return arrayify(root) as FormObject;
}

/** Objects whose keys are exactly 0..n-1 become arrays. */
function arrayify(value: FormValue): FormValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(arrayify);
  const keys = Object.keys(value);
  const out: FormObject = {};
  for (const k of keys) out[k] = arrayify(value[k] as FormValue);
  if (keys.length > 0 && keys.every((k, i) => k === String(i))) return keys.map((k) => out[k] as FormValue);
  return out;
}

/** A canonical string of params, for Stripe's "same key, same parameters" idempotency check. */
export function fingerprint(method: string, path: string, params: FormValue): string {
  const canon = (v: FormValue): unknown => {
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) return v.map(canon);
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canon(v[k] as FormValue)]),
    );
  };
  return `${method} ${path} ${JSON.stringify(canon(params))}`;
}

// ------------------------------------------------------------------------------------------ accessors

export function str(obj: FormObject | undefined, key: string): string | undefined {
  const v = obj?.[key];
  return typeof v === 'string' ? v : undefined;
}

export function obj(o: FormObject | undefined, key: string): FormObject | undefined {
  const v = o?.[key];
  return v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

export function list(o: FormObject | undefined, key: string): FormValue[] {
  const v = o?.[key];
  if (Array.isArray(v)) return v;
  if (v !== undefined && typeof v === 'object') return Object.values(v);
  return [];
}

export function strings(o: FormObject | undefined, key: string): Record<string, string> {
  const v = obj(o, key);
  const out: Record<string, string> = {};
  if (!v) return out;
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

export function bool(o: FormObject | undefined, key: string): boolean | undefined {
  const v = str(o, key);
  if (v === undefined) return undefined;
  return v === 'true';
}
