// ISO 8601 timestamps ↔ epoch milliseconds, memoized. `toISOString` costs about half a microsecond and a
// request formats the same few instants many times over (now, now + lock, now + TTL, delivery estimates), so
// the last few hundred conversions are kept. Both functions are pure; the caches only save work.

const MAX_ENTRIES = 512;
const isoByMillis = new Map<number, string>();
const millisByIso = new Map<string, number>();

/** `new Date(ms).toISOString()`, memoized. */
export function isoOf(ms: number): string {
  let s = isoByMillis.get(ms);
  if (s === undefined) {
    s = new Date(ms).toISOString();
    if (isoByMillis.size >= MAX_ENTRIES) isoByMillis.clear();
    isoByMillis.set(ms, s);
  }
  return s;
}

/** `Date.parse(iso)` (NaN when unparsable), memoized. */
export function millisOf(iso: string): number {
  let t = millisByIso.get(iso);
  if (t === undefined) {
    t = Date.parse(iso);
    if (millisByIso.size >= MAX_ENTRIES) millisByIso.clear();
    millisByIso.set(iso, t);
  }
  return t;
}
