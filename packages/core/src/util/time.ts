// ISO 8601 timestamps ↔ epoch milliseconds. A request formats several instants (now, now + lock, now + TTL,
// delivery estimates): `isoOf` formats the time of day by hand under a cached date prefix, a fraction of
// `toISOString`'s cost. Pure; the cache only saves work.

const DAY_MS = 86_400_000;
const MAX_TIME = 8.64e15;
const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** "YYYY-MM-DDT" (or "±YYYYYY-MM-DDT") by day number: a request's instants fall on a few days. */
const prefixes = new Map<number, string>();

/** `new Date(ms).toISOString()`. */
export function isoOf(ms: number): string {
  // Outside whole milliseconds of Date's range: Date itself (which truncates, or throws RangeError).
  if (!Number.isInteger(ms) || ms > MAX_TIME || ms < -MAX_TIME) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  let prefix = prefixes.get(day);
  if (prefix === undefined) {
    const iso = new Date(day * DAY_MS).toISOString();
    prefix = iso.slice(0, iso.indexOf('T') + 1);
    if (prefixes.size >= 64) prefixes.clear();
    prefixes.set(day, prefix);
  }
  let r = ms - day * DAY_MS;
  const h = Math.floor(r / 3_600_000);
  r -= h * 3_600_000;
  const m = Math.floor(r / 60_000);
  r -= m * 60_000;
  const s = Math.floor(r / 1000);
  return `${prefix}${PAD2[h]}:${PAD2[m]}:${PAD2[s]}.${PAD3[r - s * 1000]}Z`;
}

/** `Date.parse(iso)`: epoch milliseconds, NaN when unparsable. */
export const millisOf = (iso: string): number => Date.parse(iso);
