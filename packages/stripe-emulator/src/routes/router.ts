// One small router: each resource module exports a plain table of routes; the server finds the route of a
// request here and calls its handler with the parsed parameters and the model.
import { invalid, missingParam } from '../errors.js';
import { type FormObject, list, str } from '../form.js';
import type { EmulatorState, Json } from '../state.js';

export interface RouteContext {
  params: FormObject;
  match: RegExpExecArray;
  method: string;
  state: EmulatorState;
}

export type Handler = (ctx: RouteContext) => { status?: number; body: Json };

export interface Route {
  method: 'GET' | 'POST';
  path: RegExp;
  handler: Handler;
}

export class Router {
  private readonly routes: readonly Route[];

  constructor(...tables: readonly (readonly Route[])[]) {
    this.routes = tables.flat();
  }

  /** The first route of the method whose pattern matches the path. */
  find(method: string, path: string): { route: Route; match: RegExpExecArray } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const match = route.path.exec(path);
      if (match) return { route, match };
    }
    return undefined;
  }
}

// ------------------------------------------------------------------------------------------ parameters

/** Unknown parameters are 400 `parameter_unknown`, as at Stripe. */
export function checkParams(o: FormObject, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw invalid(`Received unknown parameter: ${k}`, k, 'parameter_unknown');
  }
}

export function int(o: FormObject, key: string, required: true): number;
export function int(o: FormObject, key: string, required: false): number | undefined;
export function int(o: FormObject, key: string, required: boolean): number | undefined {
  const v = str(o, key);
  if (v === undefined) {
    if (required) throw missingParam(key);
    return undefined;
  }
  if (!/^-?\d+$/.test(v))
    throw invalid(`Invalid integer: ${v.slice(0, 32)}`, key, 'parameter_invalid_integer');
  return Number(v);
}

export const expandOf = (o: FormObject): string[] =>
  list(o, 'expand').filter((x): x is string => typeof x === 'string');

/** A list's `expand[]` names fields of its items (`data.latest_charge`). */
export const listExpandOf = (o: FormObject): string[] => expandOf(o).map((e) => e.replace(/^data\./, ''));

/** A list's page size: `limit`, 1..100, default 10. */
export const limitOf = (o: FormObject): number =>
  Math.max(1, Math.min(100, Number(str(o, 'limit') ?? '10') || 10));

/** A required lower-cased currency parameter. */
export function currencyOf(o: FormObject | undefined, key: string, param = key): string {
  const currency = (str(o, key) ?? '').toLowerCase();
  if (!currency) throw missingParam(param);
  return currency;
}
