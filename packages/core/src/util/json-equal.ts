// Structural equality of JSON-like values (plain objects, arrays, primitives), for reusing an unchanged part
// of a session in its next version instead of a fresh copy.

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let count = 0;
  for (const k in x) {
    if (!Object.hasOwn(y, k) || !jsonEqual(x[k], y[k])) return false;
    count++;
  }
  for (const _ in y) count--;
  return count === 0;
}

/** `previous` when it equals `next` (so versions share it), else `next`. */
export const unchangedOr = <T>(previous: T, next: T): T => (jsonEqual(previous, next) ? previous : next);
