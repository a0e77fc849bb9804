// Card-data detectors for the leak scans: a PAN pattern (13–19 digits, optionally separated by single spaces
// or dashes) confirmed by the Luhn check and a card-network prefix, exact searches for the numbers and CVCs a
// run used, and `cvc`-named fields carrying a value.

/** Luhn (mod 10) check of a digit string. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Card networks' major industry identifiers: 2 (Mastercard 2-series), 3 (Amex, Diners, JCB), 4 (Visa),
 * 5 (Mastercard), 6 (Discover, UnionPay). Numbers starting with 0, 1, 7, 8, 9 are not payment cards; the
 * filter keeps epoch-millisecond timestamps (13 digits starting with 1) from reading as PANs, as DLP
 * scanners do.
 */
const CARD_PREFIX = /^[2-6]/;

/**
 * 13–19 digits, single space/dash separators allowed, standing as a token of its own: not inside a longer
 * digit run or an alphanumeric string (a SHA-256 hex digest holds 13+ digit runs that pass Luhn one time in
 * ten). The exact numbers a run used are also searched anywhere, embedded or not (`spelledNumber`).
 */
const PAN_CANDIDATE = /(?<![A-Za-z0-9])\d(?:[ -]?\d){12,18}(?![A-Za-z0-9])/g;

export interface PanHit {
  /** Where the text came from (a log line, a response, a table…). */
  source: string;
  /** The matched text, masked to its last four digits (the scan report itself must not leak). */
  masked: string;
  index: number;
}

export function maskPan(digits: string): string {
  return `${'•'.repeat(Math.max(0, digits.length - 4))}${digits.slice(-4)}`;
}

/** Every Luhn-valid, card-prefixed 13–19 digit run in `text`. */
export function findPans(text: string, source = 'text'): PanHit[] {
  const hits: PanHit[] = [];
  for (const m of text.matchAll(PAN_CANDIDATE)) {
    const digits = m[0].replace(/[ -]/g, '');
    if (digits.length < 13 || digits.length > 19) continue;
    if (!CARD_PREFIX.test(digits) || !luhnValid(digits)) continue;
    hits.push({ source, masked: maskPan(digits), index: m.index ?? 0 });
  }
  return hits;
}

/**
 * A regex that finds `digits` written with up to three separator characters (whitespace, dashes, `._/\\|,*`)
 * between digits. Texts are NFKC-normalized before the scan, so full-width digits and no-break spaces count.
 */
export function spelledNumber(digits: string): RegExp {
  return new RegExp(`(?<!\\d)${digits.split('').join('[\\s._/\\\\|,*-]{0,3}')}(?!\\d)`);
}

/** A CVC written as a token of its own (not inside a longer digit or alphanumeric run). */
export function cvcToken(cvc: string): RegExp {
  return new RegExp(`(?<![A-Za-z0-9])${cvc}(?![A-Za-z0-9])`);
}

/** A field named like a CVC/CVV holding digits: `"cvc":"123"`, `cvc=123`, `card[cvc]=123`, `cvc: 123`. */
export const CVC_FIELD = /\b(cvc|cvv|cvc2|cvv2|security_?code)\b["'\]]?\s*[:=]\s*["']?\d{3,4}/i;

export interface CardLeak {
  source: string;
  kind: 'pan' | 'used_number' | 'used_cvc' | 'cvc_field';
  detail: string;
}

/** Scans named texts for any card data; `used` are the numbers and CVCs the run sent. */
export function scanForCardData(
  texts: Iterable<{ source: string; text: string }>,
  used: { numbers: readonly string[]; cvcs: readonly string[] },
): CardLeak[] {
  const leaks: CardLeak[] = [];
  const numbers = used.numbers.map((n) => ({ n, re: spelledNumber(n.replace(/[ -]/g, '')) }));
  const cvcs = used.cvcs.map((c) => ({ c, re: cvcToken(c) }));
  for (const { source, text: raw } of texts) {
    // Full-width digits, no-break spaces and the like read as what they are.
    const text = raw.normalize('NFKC');
    for (const hit of findPans(text, source)) {
      const around = text.slice(Math.max(0, hit.index - 60), hit.index + 80).replace(/\d/g, '#');
      leaks.push({ source, kind: 'pan', detail: `${hit.masked} in …${around}…` });
    }
    for (const { n, re } of numbers) {
      if (re.test(text)) leaks.push({ source, kind: 'used_number', detail: maskPan(n.replace(/[ -]/g, '')) });
    }
    for (const { re } of cvcs) {
      const m = re.exec(text);
      if (m) {
        const around = text.slice(Math.max(0, m.index - 40), m.index + 44).replace(/\d/g, '#');
        leaks.push({ source, kind: 'used_cvc', detail: `…${around}…` });
      }
    }
    const field = CVC_FIELD.exec(text);
    if (field) leaks.push({ source, kind: 'cvc_field', detail: field[0].replace(/\d/g, '#') });
  }
  return leaks;
}
