// Fault injection for API requests (never hosted pages): one-shot rules or a seeded rate, so a campaign is
// reproducible for a given request order.
import { ApiError } from './errors.js';
import { seededRandom } from './random.js';

/**
 * Injected faults, placed where Stripe's idempotency layer puts them (https://docs.stripe.com/idempotency,
 * stripe.md §5.1: the first response is saved "after endpoint execution begins", "including 500 errors";
 * nothing is saved when the request "is rejected before the idempotency layer, such as 429 or 401"):
 * - `server_error`: a 500 once execution began, before anything took effect; SAVED under the key, so every
 *   retry with that key gets the same 500 (Idempotent-Replayed).
 * - `server_error_executed`: the request took effect (a charge happened) but the answer is a 500; SAVED.
 * - `rate_limited` (429) and `drop_connection`: before the idempotency layer; nothing executes or is saved.
 * - `lost_response`: executes and saves the real result; the client never hears back.
 * - `latency`: the request is delayed.
 * A 500 fault on a request whose key already has a saved response has no effect: Stripe replays the saved one.
 */
export type FaultKind =
  | 'latency'
  | 'server_error'
  | 'server_error_executed'
  | 'rate_limited'
  | 'drop_connection'
  | 'lost_response';

/** A one-shot fault for the next request that matches. */
export interface FaultRule {
  kind: FaultKind;
  /** HTTP method to match (default any). */
  method?: string;
  /** Path prefix (string) or pattern to match (default any API path). */
  path?: string | RegExp;
  /** How many matching requests get it (default 1). */
  times?: number;
  /** For `latency`: added delay in ms (default 200). */
  ms?: number;
}

export interface FaultSettings {
  /** Seed of the PRNG drawing rate faults and latency jitter (default 1). */
  seed?: number;
  /** Probability (0..1) that a matching request gets a fault drawn from `kinds`. */
  rate?: number;
  /** Kinds drawn for rate faults (default: server_error, rate_limited, drop_connection, lost_response). */
  kinds?: readonly FaultKind[];
  /** Requests that rate faults may hit (method + path prefix/pattern); default every API request. */
  match?: readonly { method?: string; path?: string | RegExp }[];
  /** Latency added to every API request: fixed ms or a [min, max] range drawn from the seeded PRNG. */
  latencyMs?: number | readonly [number, number];
  /** One-shot faults, consumed in order by matching requests. */
  queue?: readonly FaultRule[];
}

/** The fault drawn for one request, and the delay before it executes (or replays). */
export interface PickedFault {
  kind?: FaultKind;
  latency: number;
}

const DEFAULT_KINDS: readonly FaultKind[] = [
  'server_error',
  'rate_limited',
  'drop_connection',
  'lost_response',
];
const DEFAULT_LATENCY_FAULT_MS = 200;

const matches = (rule: { method?: string; path?: string | RegExp }, method: string, path: string) =>
  (!rule.method || rule.method.toUpperCase() === method) &&
  (rule.path === undefined ||
    (typeof rule.path === 'string' ? path.startsWith(rule.path) : rule.path.test(path)));

const armed = (rules: readonly FaultRule[]) => rules.map((r) => ({ ...r, left: r.times ?? 1 }));

export class FaultInjector {
  private settings: FaultSettings = {};
  private random = seededRandom(1);
  private queue: (FaultRule & { left: number })[] = [];

  constructor(settings: FaultSettings = {}) {
    this.set(settings);
  }

  /** Replace the fault settings (the PRNG is re-seeded). */
  set(settings: FaultSettings): void {
    this.settings = settings;
    this.random = seededRandom(settings.seed ?? 1);
    this.queue = armed(settings.queue ?? []);
  }

  /** Queue one-shot faults. */
  inject(rules: readonly FaultRule[]): void {
    this.queue.push(...armed(rules));
  }

  /** Draws the fault of an API request: a queued rule first, else the seeded rate. */
  pick(method: string, path: string): PickedFault {
    const { settings: faults, random } = this;
    let latency = 0;
    const l = faults.latencyMs;
    if (typeof l === 'number') latency = l;
    else if (l) latency = Math.round(l[0] + random() * (l[1] - l[0]));
    const i = this.queue.findIndex((r) => matches(r, method, path));
    if (i !== -1) {
      const rule = this.queue[i]!;
      rule.left -= 1;
      if (rule.left <= 0) this.queue.splice(i, 1);
      // Latency is logged as a fault too (the request still executes normally, only later).
      if (rule.kind === 'latency')
        return { kind: 'latency', latency: latency + (rule.ms ?? DEFAULT_LATENCY_FAULT_MS) };
      return { kind: rule.kind, latency };
    }
    const rate = faults.rate ?? 0;
    if (rate > 0 && (!faults.match || faults.match.some((m) => matches(m, method, path)))) {
      if (random() < rate) {
        const kinds = faults.kinds ?? DEFAULT_KINDS;
        const kind = kinds[Math.floor(random() * kinds.length) % kinds.length];
        if (kind === 'latency') return { kind, latency: latency + DEFAULT_LATENCY_FAULT_MS };
        if (kind) return { kind, latency };
      }
    }
    return { latency };
  }
}

// ------------------------------------------------------------------------------------------ effects

/** The 429 of a `rate_limited` fault, answered before the idempotency layer (stripe-node does not retry it). */
export const rateLimited = (): ApiError =>
  new ApiError(
    429,
    {
      type: 'invalid_request_error',
      code: 'rate_limit',
      message: 'Too many requests hit the API too quickly (injected by the Stripe emulator).',
    },
    false,
  );

/** An injected 500 after execution began: saved under the idempotency key, as Stripe does (stripe.md §5.1). */
const injectedServerError = () =>
  new ApiError(
    500,
    { type: 'api_error', message: 'An unknown error occurred (injected by the Stripe emulator).' },
    true,
  );

/**
 * Executes a request under its fault: `server_error` answers a 500 before anything takes effect,
 * `server_error_executed` lets the request take effect and answers a 500 instead of its result.
 */
export function executeUnderFault<T>(fault: PickedFault, run: () => T): T {
  if (fault.kind === 'server_error') throw injectedServerError();
  const out = run();
  if (fault.kind === 'server_error_executed') throw injectedServerError();
  return out;
}

/** A 500 cannot happen to a replay: Stripe answers with the saved response. Other kinds still apply. */
export const appliesToReplay = (kind: FaultKind): boolean =>
  kind !== 'server_error' && kind !== 'server_error_executed';

/** Waits out the fault's latency, if any. */
export async function delay(fault: PickedFault): Promise<void> {
  if (fault.latency) await new Promise((resolve) => setTimeout(resolve, fault.latency));
}
