// Helpers for CheckoutStoreV1 adapters (SQL or otherwise): page limits, timestamps and opaque keyset cursors.
import { AcpError } from './errors.js';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 1000;

/** A `ListOptions.limit` clamped to 1…max (default when absent or not finite). */
export function clampPageLimit(
  limit: number | undefined,
  max = MAX_PAGE_LIMIT,
  fallback = DEFAULT_PAGE_LIMIT,
): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.max(1, Math.min(Math.floor(limit), max));
}

/** ISO-8601 timestamp → epoch milliseconds; rejects anything unparsable rather than storing garbage. */
export function isoToMillis(iso: string): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new TypeError(`Not an ISO-8601 timestamp: ${JSON.stringify(iso)}`);
  return t;
}

/** Keyset cursor: the sort key (time, id) of the last row of the previous page, opaque to callers. */
export function encodeKeysetCursor(time: number, id: string): string {
  return `k1.${Math.trunc(time)}.${encodeURIComponent(id)}`;
}

/** Inverse of `encodeKeysetCursor`; a malformed cursor is a 400 `invalid_request` on `$.cursor`. */
export function decodeKeysetCursor(cursor: string): [number, string] {
  const m = /^k1\.(-?\d{1,16})\.(.+)$/.exec(cursor);
  if (m) {
    try {
      return [Number(m[1]), decodeURIComponent(m[2]!)];
    } catch {
      // fall through
    }
  }
  throw new AcpError('invalid_request', 'The pagination cursor is not valid.', { param: '$.cursor' });
}
