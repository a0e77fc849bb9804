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
