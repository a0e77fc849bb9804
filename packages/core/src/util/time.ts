// ISO 8601 timestamps ↔ epoch milliseconds. A request formats and reads back several instants (now, now + lock,
// now + TTL, expiry, delivery estimates): `isoOf` formats the time of day by hand under a cached date prefix
// and `millisOf` reads core's own form by arithmetic, each a fraction of `toISOString` / `Date.parse`. Pure.

const DAY_MS = 86_400_000;
const MAX_TIME = 8.64e15;

/** "YYYY-MM-DDT" (or "±YYYYYY-MM-DDT") by day number, as char codes: a request's instants fall on a few days. */
const prefixes = new Map<number, number[]>();

/**
 * `new Date(ms).toISOString()`. Built with `String.fromCharCode`, so the string is flat (one piece: a stored
 * timestamp costs its 24 bytes, not a rope of pieces).
 */
export function isoOf(ms: number): string {
  // Outside whole milliseconds of Date's range: Date itself (which truncates, or throws RangeError).
  if (!Number.isInteger(ms) || ms > MAX_TIME || ms < -MAX_TIME) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  let prefix = prefixes.get(day);
  if (prefix === undefined) {
    const iso = new Date(day * DAY_MS).toISOString();
    prefix = Array.from(iso.slice(0, iso.indexOf('T') + 1), (c) => c.charCodeAt(0));
    if (prefixes.size >= 64) prefixes.clear();
    prefixes.set(day, prefix);
  }
  let r = ms - day * DAY_MS;
  const h = Math.floor(r / 3_600_000);
  r -= h * 3_600_000;
  const m = Math.floor(r / 60_000);
  r -= m * 60_000;
  const s = Math.floor(r / 1000);
  const f = r - s * 1000;
  const codes = prefix.slice();
  codes.push(
    48 + Math.floor(h / 10),
    48 + (h % 10),
    58, // :
    48 + Math.floor(m / 10),
    48 + (m % 10),
    58,
    48 + Math.floor(s / 10),
    48 + (s % 10),
    46, // .
    48 + Math.floor(f / 100),
    48 + (Math.floor(f / 10) % 10),
    48 + (f % 10),
    90, // Z
  );
  return String.fromCharCode.apply(null, codes);
}

/**
 * `Date.parse(iso)`: epoch milliseconds, NaN when unparsable. The form `toISOString` writes for years 0–9999
 * ("YYYY-MM-DDTHH:MM:SS.mmmZ", what core stores) is read by arithmetic; anything else goes to `Date.parse`.
 */
export function millisOf(iso: string): number {
  if (
    iso.length === 24 &&
    iso.charCodeAt(4) === 45 && // -
    iso.charCodeAt(7) === 45 &&
    iso.charCodeAt(10) === 84 && // T
    iso.charCodeAt(13) === 58 && // :
    iso.charCodeAt(16) === 58 &&
    iso.charCodeAt(19) === 46 && // .
    iso.charCodeAt(23) === 90 // Z
  ) {
    const y = digits(iso, 0, 4);
    const mo = digits(iso, 5, 2);
    const d = digits(iso, 8, 2);
    const h = digits(iso, 11, 2);
    const mi = digits(iso, 14, 2);
    const sec = digits(iso, 17, 2);
    const ms = digits(iso, 20, 3);
    if (
      y >= 0 &&
      mo >= 1 &&
      mo <= 12 &&
      d >= 1 &&
      d <= daysInMonth(y, mo) &&
      h >= 0 &&
      h < 24 &&
      mi >= 0 &&
      mi < 60 &&
      sec >= 0 &&
      sec < 60 &&
      ms >= 0
    ) {
      return daysFromCivil(y, mo, d) * DAY_MS + h * 3_600_000 + mi * 60_000 + sec * 1000 + ms;
    }
  }
  return Date.parse(iso);
}

/** The decimal number of `length` ASCII digits at `at`, or -1 when one is not a digit. */
function digits(s: string, at: number, length: number): number {
  let n = 0;
  for (let i = at; i < at + length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-compatible low-level date algorithms"). */
function daysFromCivil(year: number, m: number, d: number): number {
  const y = m <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
