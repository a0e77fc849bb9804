// The rendering of a stored session for reads. A session renders the same until its version (or its order)
// changes, so reads of an unchanged session reuse one rendering: the wire object (frozen: it is shared) and its
// JSON text, which the service hands to transports in `ServiceResult.text` (they send it as is).
import type { ResolvedConfig } from '../config.js';
import type { OrderRecord } from '../domain.js';
import { toWireSession } from '../engine/wire.js';
import type { CheckoutSession } from '../spec/2026-04-17/schemas.generated.js';
import type { ServiceResult } from './results.js';
import type { Stored } from './shell.js';

const RENDER_CACHE_SIZE = 2000;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function createRenderCache(config: ResolvedConfig, size = RENDER_CACHE_SIZE) {
  const cache = new Map<string, { body: CheckoutSession; text: string }>();
  return {
    /** The 200 answer of a read of `stored` (with its order, if any). */
    session(stored: Stored, order: OrderRecord | null): ServiceResult {
      const key = `${stored.state.id}\u0000${stored.version}\u0000${order?.updatedAt ?? ''}`;
      let hit = cache.get(key);
      if (!hit) {
        const body = deepFreeze(toWireSession(stored.state, config, order));
        hit = { body, text: JSON.stringify(body) };
        cache.set(key, hit);
        if (cache.size > size) cache.delete(cache.keys().next().value!);
      }
      return { status: 200, body: hit.body, text: hit.text, headers: {}, replayed: false };
    },
  };
}
