// Small helpers the generated schemas use for JSON Schema keywords zod has no direct equivalent for.
import type * as z from 'zod';

/** JSON Schema `uniqueItems`: items compared by their JSON text. */
export function uniqueItems(items: readonly unknown[]): boolean {
  const seen = new Set<string>();
  for (const item of items) {
    const key = JSON.stringify(item);
    if (seen.has(key)) return false;
    seen.add(key);
  }
  return true;
}

/** JSON Schema `anyOf: [{required: [a]}, {required: [b, c]}]` on an object. */
export function requireAnyOf(alternatives: readonly (readonly string[])[]) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    const ok = alternatives.some((keys) => keys.every((k) => value[k] !== undefined));
    if (!ok) {
      ctx.addIssue({
        code: 'custom',
        message: `Requires ${alternatives.map((keys) => keys.join(' + ')).join(' or ')}`,
        path: [alternatives[0]?.[0] ?? ''],
      });
    }
  };
}

/** JSON Schema `if: {properties: {field: {enum}}}, then: {required}`. */
export function requireWhen(field: string, values: readonly unknown[], required: readonly string[]) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    if (!values.includes(value[field])) return;
    for (const key of required) {
      if (value[key] === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `Required when ${field} is ${String(value[field])}`,
          path: [key],
        });
      }
    }
  };
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * JSON Schema `format: date-time` (RFC 3339 §5.6, as ajv-formats checks it): `T`/`Z` in either case, any
 * fraction, an offset, and a leap second only at 23:59:60 UTC. zod's `iso.datetime` is stricter (upper case, no
 * leap second): an agent sending what the spec allows must not be refused.
 */
export function isRfc3339DateTime(s: string): boolean {
  const m = RFC3339.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const tzh = m[8] === undefined ? 0 : Number(m[8]);
  const tzm = m[9] === undefined ? 0 : Number(m[9]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return false;
  if (h > 23 || mi > 59 || sec > 60 || tzh > 23 || tzm > 59) return false;
  if (sec === 60) {
    const sign = m[7] === '-' ? -1 : 1;
    const utc = (((h * 60 + mi - sign * (tzh * 60 + tzm)) % 1440) + 1440) % 1440;
    if (utc !== 23 * 60 + 59) return false;
  }
  return true;
}
