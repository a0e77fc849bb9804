// The rendering of a stored session for reads. A session renders the same until its version changes, so reads
// of an unchanged session reuse one rendering: the wire object and its JSON text, computed at most once and
// handed to transports in `ServiceResult.text` (they send it as is). (Priming the cache with the answers of
// writes was measured: a deep freeze per write cost more than the renderings it saved.) The body is shared between answers, so it is deep-frozen: a consumer can never change what a later
// answer (or the cached text) says. Sessions with an order are not cached: an order changes (refunds) without a
// session version, and a timestamp is no version.
import type { ResolvedConfig } from '../config.js';
import type { OrderRecord } from '../domain.js';
import { toWireSession } from '../engine/wire.js';
import type { CheckoutSession } from '../spec/2026-04-17/schemas.generated.js';
import { answer, type ServiceResult } from './results.js';
import type { Stored } from './shell.js';

const RENDER_CACHE_SIZE = 2000;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

interface Rendering {
  body: CheckoutSession;
  text?: string;
}

/** A session answer whose `text` is the body's JSON, serialized on first use and then kept. */
function cached(status: number, r: Rendering): ServiceResult {
  const result = answer<CheckoutSession>(status, r.body);
  Object.defineProperty(result, 'text', {
    enumerable: false,
    get: () => {
      r.text ??= JSON.stringify(r.body);
      return r.text;
    },
  });
  return result;
}

export function createRenderCache(config: ResolvedConfig, size = RENDER_CACHE_SIZE) {
  const cache = new Map<string, Rendering>();
  const keyOf = (stored: Stored) => `${stored.state.id}\u0000${stored.version}`;
  const put = (key: string, r: Rendering) => {
    cache.set(key, r);
    if (cache.size > size) cache.delete(cache.keys().next().value!);
  };
  return {
    /** The 200 answer of a read of `stored` (with its order, if any). */
    session(stored: Stored, order: OrderRecord | null): ServiceResult {
      if (order) return answer(200, toWireSession(stored.state, config, order));
      const key = keyOf(stored);
      let hit = cache.get(key);
      if (!hit) {
        hit = { body: deepFreeze(toWireSession(stored.state, config, order)) };
        put(key, hit);
      }
      return cached(200, hit);
    },
  };
}
