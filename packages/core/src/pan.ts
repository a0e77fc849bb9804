// The one card-number (PAN) detector of the toolkit: pure, no I/O. Core refuses request fields that carry a
// PAN-like value (so nothing stores, logs, echoes or sends one), and adapters reuse it (log redaction, test
// helpers). It finds, anywhere in a string, 12–19 digits that pass the Luhn check, start with a card network's
// issuer prefix in a length that network issues, and are written contiguously, in groups of any size joined by
// whitespace ("4242 4242 42424242", "4 2 4 2 …"), or with punctuation grouped the way card numbers are printed
// ("4242-4242-4242-4242", "4242.4242.4242.4242", "4242 - 4242 - 4242 - 4242", "3782 822463 10005",
// "card 4242424242424242 12/31").
//
// The text is folded first, so a number looks the same however it was typed or pasted: Unicode NFKC
// (full-width "４２４２", no-break and other spaces, full-width punctuation, circled digits…), then every other
// decimal digit (`\p{Nd}`: Arabic-Indic, Devanagari, Thai…) to its ASCII value, and invisible format
// characters (`\p{Cf}`: zero-width space, soft hyphen…) dropped. Offsets are reported on the ORIGINAL string.
//
// Not detected (see README "What the PAN detector sees"): a number split across two fields, spelled out in
// words, broken by letters or by separators other than those below, or joined by punctuation and grouped
// unlike a printed card.

/** Luhn (mod 10) check of a string of digits (false for anything else or for fewer than 2 digits). */
export function luhnValid(digits: string): boolean {
  if (!/^\d{2,}$/.test(digits)) return false;
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

export const PAN_MIN_DIGITS = 12;
export const PAN_MAX_DIGITS = 19;

/**
 * Card networks and the PAN lengths they issue, by issuer identification number (IIN) prefix. A digit run is
 * read as a card only when it starts with one of these prefixes and has one of the lengths of that network:
 * this keeps most ordinary 12–19 digit values (order numbers, compact timestamps `2026…`, tracking numbers
 * `94…`, epoch milliseconds `1…`) out, where "first digit 2–9" refused about 8% of random ids.
 *
 * Source: the IIN table of https://en.wikipedia.org/wiki/Payment_card_number ("Issuer identification
 * number (IIN)"), which collects the ranges the networks publish; where the networks' own figures are
 * narrower (e.g. Verve), the wider range is kept. Prefix ranges are inclusive and compared on equal-length
 * prefixes. Not covered: UATP (1), LankaPay (357111), private-label and fleet cards outside these ranges.
 */
const CARD_NETWORKS: readonly {
  name: string;
  prefixes: readonly (string | readonly [string, string])[];
  lengths: readonly number[];
}[] = [
  { name: 'Visa', prefixes: ['4'], lengths: [13, 16, 19] },
  {
    name: 'Mastercard',
    prefixes: [
      ['51', '55'],
      ['2221', '2720'],
    ],
    lengths: [16],
  },
  { name: 'American Express', prefixes: ['34', '37'], lengths: [15] },
  {
    name: 'Discover',
    prefixes: ['6011', ['644', '649'], '65', ['622126', '622925']],
    lengths: range(16, 19),
  },
  { name: 'JCB', prefixes: [['3528', '3589']], lengths: range(16, 19) },
  { name: 'Diners Club', prefixes: [['300', '305'], '3095', '36', ['38', '39']], lengths: range(14, 19) },
  { name: 'UnionPay', prefixes: ['62', '81'], lengths: range(16, 19) },
  { name: 'Maestro', prefixes: ['50', ['56', '69']], lengths: range(12, 19) },
  { name: 'Mir', prefixes: [['2200', '2204']], lengths: range(16, 19) },
  { name: 'RuPay', prefixes: ['60', '65', '81', '82', '508'], lengths: [16] },
  { name: 'Verve', prefixes: ['506', '650'], lengths: range(16, 19) },
  { name: 'Troy', prefixes: ['9792'], lengths: [16] },
  { name: 'Humo', prefixes: ['9860'], lengths: [16] },
  { name: 'Napas', prefixes: ['9704'], lengths: [16, 19] },
  { name: 'UzCard', prefixes: ['8600'], lengths: [16] },
  { name: 'BORICA', prefixes: ['2205'], lengths: [16] },
  { name: 'China T-Union', prefixes: ['31'], lengths: [19] },
  // 16–19 digits only, so 13-digit epoch milliseconds (first digit 1) still never read as a card.
  { name: 'GPN', prefixes: ['1946'], lengths: range(16, 19) },
];

function range(min: number, max: number): number[] {
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

/** Whether `digits` (12–19 ASCII digits) starts with a network's IIN prefix in a length it issues. */
export function plausibleCardNumber(digits: string): boolean {
  for (const network of CARD_NETWORKS) {
    if (!network.lengths.includes(digits.length)) continue;
    for (const prefix of network.prefixes) {
      const [lo, hi] = typeof prefix === 'string' ? [prefix, prefix] : prefix;
      const head = digits.slice(0, lo.length);
      if (head >= lo && head <= hi) return true;
    }
  }
  return false;
}

/**
 * Groupings of a card number printed with punctuation separators (digits per group): 4-4-4-4 and
 * 4-4-4-4-1..3 (Visa, Mastercard, Discover, 17–19 digit cards), 4-6-5 (Amex), 4-6-4 (Diners 14), 4-4-4-1..7
 * and 4-4-4 (13–19 and 12 digit cards), 4-4-5 (13 digits). Groups joined by punctuation and shaped otherwise
 * (a 3-7-7 order reference `112-3456789-1234567`, `415-555-2671`-like numbers) are not a card. Groups joined
 * by whitespace only are not held to this: a buyer or a voice transcription types a card in any grouping
 * ("4242 4242 42424242", "4 2 4 2 …", "42 42 42 …", Amex "37828 22463 10005"). A number written without
 * separators has any length 12–19.
 */
function printedCardGrouping(sizes: readonly number[]): boolean {
  if (sizes.length === 1) return true;
  if (sizes[0] !== 4) return false;
  const [, b, c, d, e] = sizes;
  switch (sizes.length) {
    case 3:
      return (b === 4 && (c === 4 || c === 5)) || (b === 6 && (c === 4 || c === 5));
    case 4:
      return b === 4 && c === 4 && d! >= 1 && d! <= 7;
    case 5:
      return b === 4 && c === 4 && d === 4 && e! >= 1 && e! <= 3;
    default:
      return false;
  }
}

/**
 * A contiguous 12 or 13 digit run whose last digit is a valid GS1 check digit is a UPC-A / EAN-13 barcode
 * (a product's GTIN), not a card: such a value is common in commerce metadata, and one in ten Luhn-valid
 * Maestro/Visa-prefixed barcodes would otherwise be refused. (A 12–13 digit card number that also passes the
 * GS1 check, one in ten of those rare lengths, is not detected.)
 */
function gs1Valid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(digits.length - 1 - i) - 48;
    sum += i % 2 === 1 ? d * 3 : d;
  }
  return sum % 10 === 0;
}

/**
 * Maximal runs of digit groups (on folded text) joined by whitespace of any length, or by 1–3 characters among
 * whitespace, dashes (`\p{Pd}`, U+2212 minus), `. _ / \ | , * +`, middle dot U+00B7 and bullet U+2022 (word
 * processors, PDF copies, form-encoded spaces). Never `:` (times such as 12:30:45). Linear: the two separator
 * forms cannot contain a digit, so a run is scanned once.
 */
const DIGIT_RUN = /\d+(?:(?:\s+|[\s\p{Pd}\u2212._/\\|,*+\u00b7\u2022]{1,3})\d+)*/gu;

/**
 * A separator other than whitespace or one `-` (the ways card numbers are usually printed) joins two groups
 * only when both hold at least this many digits: keeps prices ("1,299.00"), decimals, coordinates
 * ("52.520008, 13.404954"), sums ("1+2+3") and lists of small numbers ("36, 37, 38, 39, 40, 41, 42") from
 * reading as cards.
 */
const MIN_GROUP_FOR_OTHER_SEPARATORS = 3;

const NON_WHITESPACE_MARK = /[^\s]/gu;
const DASH = /[\p{Pd}\u2212]/u;
const WHITESPACE_ONLY = /^\s+$/u;
const LINE_BREAK = /[\n\v\f\r\u0085\u2028\u2029]/u;
const WORD_CHAR = /^[\p{L}\p{M}]$/u;

export interface PanMatch {
  /** Offset of the first digit in the (original) string. */
  start: number;
  /** Offset after the last digit in the (original) string. */
  end: number;
  /** Number of digits. */
  length: number;
}

// ------------------------------------------------------------------------------------------------ folding

const ND = /^\p{Nd}$/u;
const CF = /^\p{Cf}$/u;
const ANY_ND = /\p{Nd}/gu;

/**
 * ASCII value of a decimal digit code point. Unicode guarantees every `Nd` set is a contiguous run of ten
 * code points from zero (and consecutive sets, e.g. the mathematical digits, are whole runs of ten), so the
 * value is the number of consecutive `Nd` code points before it, modulo 10.
 */
function digitValue(cp: number): number {
  let k = 0;
  while (k < 64 && cp - k - 1 >= 0 && ND.test(String.fromCodePoint(cp - k - 1))) k++;
  return k % 10;
}

/** Folded form of one non-ASCII code point (memoised; bounded). */
const foldCache = new Map<number, string>();
function foldCodePoint(cp: number): string {
  const cached = foldCache.get(cp);
  if (cached !== undefined) return cached;
  const ch = String.fromCodePoint(cp);
  let out: string;
  if (CF.test(ch)) out = '';
  else
    out = ch
      .normalize('NFKC')
      .replace(ANY_ND, (d) => (d >= '0' && d <= '9' ? d : String(digitValue(d.codePointAt(0)!))));
  if (foldCache.size >= 4096) foldCache.clear();
  foldCache.set(cp, out);
  return out;
}

interface Folded {
  text: string;
  /** Original offset of the code point each folded UTF-16 unit came from (absent: identity). */
  from?: number[];
  /** Original offset after that code point. */
  to?: number[];
}

/** An ASCII string with fewer than PAN_MIN_DIGITS digits, or a lone UUID: no card number, nothing to fold. */
function cannotHoldPan(text: string): boolean {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return false;
    if (c >= 48 && c <= 57 && ++digits >= PAN_MIN_DIGITS) return LONE_UUID.test(text);
  }
  return true;
}
/** A string that is one UUID: blanked by `maskMachineIds` whole, so nothing in it can be a card. */
const LONE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** NFKC, every `\p{Nd}` to ASCII, `\p{Cf}` dropped; with the map back to original offsets. */
function fold(text: string): Folded {
  let ascii = true;
  for (let i = 0; i < text.length && ascii; i++) ascii = text.charCodeAt(i) < 0x80;
  if (ascii) return { text };
  let out = '';
  const from: number[] = [];
  const to: number[] = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const piece = cp < 0x80 ? text[i]! : foldCodePoint(cp);
    for (let u = 0; u < piece.length; u++) {
      from.push(i);
      to.push(i + width);
    }
    out += piece;
    i += width;
  }
  return { text: out, from, to };
}

// ------------------------------------------------------------------------------------------------ detection

/**
 * Machine identifiers are not typed card numbers, but their digit runs pass the rules above about once in two
 * hundred (a UUID's last group preceded by a digit-ending group, "…-a716-446655440000"). UUIDs
 * (8-4-4-4-12 hex) and hex strings of 32 or more characters with a letter (digests, trace ids) are blanked,
 * length kept so offsets still line up, before detection. A card number written inside such a shape is not
 * detected; nobody types one that way.
 */
const MACHINE_ID =
  /(?<![0-9A-Za-z])(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?=[0-9a-f]*[a-f])[0-9a-f]{32,})(?![0-9A-Za-z])/gi;
function maskMachineIds(text: string): string {
  return text.replace(MACHINE_ID, (m) => '#'.repeat(m.length));
}

/**
 * IBANs (ISO 13616: two letters, two check digits, then 11–30 letters and digits, printed in groups of four
 * with single spaces, "BE68 5390 0754 7034") hold digit groups that read as a card number about four times in
 * ten (German IBANs). A span of that shape whose check digits are right (ISO 7064 mod 97-10, what every real
 * IBAN passes) is blanked before detection, like a UUID. A card number written after two letters and two
 * digits that happen to make a valid IBAN (1 in 97) is not detected.
 */
const IBAN_START = /(?<![0-9A-Za-z])[A-Za-z]{2}[0-9]{2}(?= ?[0-9A-Za-z])/g;
const IBAN_MIN_BBAN = 11;
const IBAN_MAX_BBAN = 30;

function alnumValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 90) return c - 55;
  if (c >= 97 && c <= 122) return c - 87;
  return -1;
}

/** End of the IBAN starting at `at` (shortest one whose check digits are right), or -1. */
function ibanEnd(text: string, at: number): number {
  // mod 97 of the rearranged number: BBAN, then country letters (two digits each), then check digits.
  const tail = (r: number): number => {
    let x = (r * 100 + alnumValue(text.charCodeAt(at))) % 97;
    x = (x * 100 + alnumValue(text.charCodeAt(at + 1))) % 97;
    return (x * 100 + Number(text.slice(at + 2, at + 4))) % 97;
  };
  let r = 0;
  let n = 0;
  let p = at + 4;
  while (n < IBAN_MAX_BBAN && p < text.length) {
    if (text[p] === ' ') {
      if (p + 1 >= text.length || alnumValue(text.charCodeAt(p + 1)) < 0) break;
      p++;
    }
    const v = alnumValue(text.charCodeAt(p));
    if (v < 0) break;
    r = (r * (v > 9 ? 100 : 10) + v) % 97;
    n++;
    p++;
    if (n >= IBAN_MIN_BBAN && (p >= text.length || alnumValue(text.charCodeAt(p)) < 0) && tail(r) === 1)
      return p;
  }
  return -1;
}

function maskIbans(text: string): string {
  let out: string[] | undefined;
  let last = 0;
  for (const m of text.matchAll(IBAN_START)) {
    const at = m.index ?? 0;
    if (at < last) continue;
    const end = ibanEnd(text, at);
    if (end < 0) continue;
    out ??= [];
    out.push(text.slice(last, at), '#'.repeat(end - at));
    last = end;
  }
  if (!out) return text;
  out.push(text.slice(last));
  return out.join('');
}

/** The punctuation of a separator (whitespace removed, every dash as `-`); `?` when it mixes characters. */
function separatorMark(sep: string): string {
  const marks = new Set((sep.match(NON_WHITESPACE_MARK) ?? []).map((c) => (DASH.test(c) ? '-' : c)));
  if (marks.size === 0) return '';
  return marks.size === 1 ? [...marks][0]! : '?';
}

/**
 * Every PAN-like span in `text`, with offsets into `text` itself. Within a run of digit groups, any
 * consecutive groups holding 12–19 digits in total are a candidate (so a PAN followed by more digits,
 * "4242 4242 4242 4242 12 31", is still found) when they are grouped like a printed card number, start with a
 * card network's prefix in a length it issues and pass Luhn, as long as their separators use at most one
 * punctuation character (whitespace aside, dashes alike): "4242 - 4242 - 4242 - 4242" is one number,
 * "1,299.00" or "415-555-2671, 415-555-2672" are not joined. A run introduced by `+` with at most 15 digits
 * is an E.164 phone number, not a card. Linear in the length of `text`.
 */
export function findPanLike(text: string): PanMatch[] {
  if (typeof text !== 'string' || cannotHoldPan(text)) return [];
  const folded = fold(text);
  let digitCount = 0;
  for (let i = 0; i < folded.text.length && digitCount < PAN_MIN_DIGITS; i++) {
    const c = folded.text.charCodeAt(i);
    if (c >= 48 && c <= 57) digitCount++;
  }
  if (digitCount < PAN_MIN_DIGITS) return [];
  const f = maskIbans(maskMachineIds(folded.text));
  const origStart = (i: number) => (folded.from ? folded.from[i]! : i);
  const origEnd = (i: number) => (folded.to ? folded.to[i - 1]! : i);
  const found: PanMatch[] = [];
  for (const m of f.matchAll(DIGIT_RUN)) {
    const run = m[0];
    const at = m.index ?? 0;
    const groups: { start: number; digits: string; joins: boolean; mark: string; lineStart: boolean }[] = [];
    let total = 0;
    let prevEnd = -1;
    for (const g of run.matchAll(/\d+/g)) {
      const start = at + (g.index ?? 0);
      const digits = g[0];
      let joins = false;
      let mark = '';
      let lineStart = false;
      if (prevEnd >= 0) {
        const sep = f.slice(prevEnd, start);
        const prev = groups[groups.length - 1]!;
        joins =
          sep === '-' ||
          WHITESPACE_ONLY.test(sep) ||
          (prev.digits.length >= MIN_GROUP_FOR_OTHER_SEPARATORS &&
            digits.length >= MIN_GROUP_FOR_OTHER_SEPARATORS);
        mark = separatorMark(sep);
        lineStart = LINE_BREAK.test(sep);
      }
      groups.push({ start, digits, joins, mark, lineStart });
      prevEnd = start + digits.length;
      total += digits.length;
    }
    if (total < PAN_MIN_DIGITS) continue;
    if (at > 0 && f[at - 1] === '+' && total <= 15) continue;
    // Whether the run so far is joined groups of exactly 4 digits: a card is not read in the middle of such a
    // run (a 22-digit tracking number printed "9400 1118 9922 3397 8465 31"), only at its start, right after
    // a card found before it ("4242 4242 4242 4242 5555 5555 5555 4444" is two cards), or at the start of a
    // line: a 4-digit number on the line before ("Apt 1204\n4242 4242 4242 4242") is not its neighbour. (A
    // line break still joins groups, so a card wrapped across two lines is one number.)
    let foursSoFar = true;
    let afterCard = 0;
    for (let i = 0; i < groups.length; i++) {
      if (i === afterCard || groups[i]!.lineStart) foursSoFar = true;
      else {
        foursSoFar &&= groups[i - 1]!.digits.length === 4 && groups[i]!.joins;
        if (foursSoFar) continue;
      }
      let digits = '';
      let mark = '';
      const sizes: number[] = [];
      // Whitespace-only groupings other than a printed card's count only from a group that starts a word: the
      // "12" of "DE12 3456 7890 …" (an IBAN-shaped reference) does not start a card.
      const anyGrouping = groups[i]!.start === 0 || !WORD_CHAR.test(f[groups[i]!.start - 1]!);
      for (let j = i; j < groups.length; j++) {
        const g = groups[j]!;
        if (j > i) {
          if (!g.joins || g.mark === '?') break;
          if (g.mark !== '') {
            if (mark !== '' && mark !== g.mark) break;
            mark = g.mark;
          }
        }
        if (digits.length + g.digits.length > PAN_MAX_DIGITS) break;
        digits += g.digits;
        sizes.push(g.digits.length);
        if (digits.length < PAN_MIN_DIGITS) continue;
        if (
          ((mark === '' && anyGrouping) || printedCardGrouping(sizes)) &&
          plausibleCardNumber(digits) &&
          luhnValid(digits) &&
          !(sizes.length === 1 && digits.length <= 13 && gs1Valid(digits))
        ) {
          found.push({
            start: origStart(groups[i]!.start),
            end: origEnd(g.start + g.digits.length),
            length: digits.length,
          });
          afterCard = Math.max(afterCard, j + 1);
        }
      }
    }
  }
  return found;
}

/** Whether `text` holds anything that reads as a card number. */
export function containsPan(text: string): boolean {
  return findPanLike(text).length > 0;
}

/** `text` with every PAN-like span replaced by `[card number removed]`. Linear: one pass over the spans. */
export function redactPans(text: string, replacement = '[card number removed]'): string {
  const spans = findPanLike(text);
  if (spans.length === 0) return text;
  spans.sort((a, b) => a.start - b.start);
  const out: string[] = [];
  let last = -1;
  for (const s of spans) {
    // Overlapping or touching spans (a number inside a longer one) are one cut.
    if (last >= 0 && s.start <= last) {
      last = Math.max(last, s.end);
      continue;
    }
    out.push(text.slice(Math.max(last, 0), s.start), replacement);
    last = s.end;
  }
  out.push(text.slice(last));
  return out.join('');
}

/** Longest client value quoted in an error message or log line (`echoRedacted`). */
export const ECHO_MAX_CHARS = 256;
const LETTER = /^\p{L}$/u;

/**
 * A client-supplied value as quoted in an error message (an unknown product id, tool name, session id): card
 * numbers removed, and at most `max` characters followed by `…`. A cut never leaves the first digits of a
 * number behind (trailing digits and separators at the cut are dropped too). Cost is bounded by `max`
 * whatever the length of `value`.
 */
export function echoRedacted(value: string, max = ECHO_MAX_CHARS): string {
  if (value.length <= max) return redactPans(value);
  let end = max;
  // Drop what could be the start of a number cut in half: digits, separators, format characters.
  while (end > 0 && !LETTER.test(value[end - 1]!)) end--;
  return `${redactPans(value.slice(0, end))}…`;
}

/** A JSON number written as 12–19 integer digits is checked like a string of digits. */
function numberText(value: number): string | undefined {
  if (!Number.isInteger(value) || value < 0) return undefined;
  const s = String(value);
  return /^\d+$/.test(s) ? s : undefined;
}

export interface PanFieldOptions {
  /** JSONPath root of the reported `param` (`$` for REST, `$.payload` for the MCP binding). */
  root?: string;
  /**
   * Paths not checked, as segment patterns relative to the root: `'*'` matches any key or index, e.g.
   * `['line_items', '*', 'id']`. Use it only for identifiers that are looked up, never stored unmatched,
   * and echoed through `redactPans`.
   */
  skip?: readonly (readonly string[])[];
}

/** Segments to a JSONPath (same notation as core's errors: `$.a[0]['odd key']`). */
function jsonPath(root: string, path: readonly (string | number)[]): string {
  let out = root;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else
      out += /^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)
        ? `.${seg}`
        : `['${seg.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
  }
  return out;
}

function skipped(path: readonly (string | number)[], skip: PanFieldOptions['skip']): boolean {
  if (!skip) return false;
  return skip.some(
    (pattern) =>
      pattern.length === path.length && pattern.every((p, i) => p === '*' || p === String(path[i])),
  );
}

/**
 * The JSONPath of the first field of `value` (any JSON: objects, arrays, strings, numbers, keys) that holds
 * a PAN-like value, or undefined. A key that reads as a card number reports its parent object's path (the
 * path never repeats the number). Iterative, so deeply nested input cannot overflow the stack.
 */
export function findPanField(value: unknown, options: PanFieldOptions = {}): string | undefined {
  if (!mayHoldPan(value, 0)) return undefined;
  const root = options.root ?? '$';
  interface Node {
    value: unknown;
    seg: string | number | undefined;
    parent: Node | undefined;
  }
  const pathOf = (node: Node): (string | number)[] => {
    const out: (string | number)[] = [];
    for (let n: Node | undefined = node; n && n.seg !== undefined; n = n.parent) out.push(n.seg);
    return out.reverse();
  };
  const hit = (node: Node, text: string): string | undefined => {
    if (!containsPan(text)) return undefined;
    const path = pathOf(node);
    return skipped(path, options.skip) ? undefined : jsonPath(root, path);
  };
  const stack: Node[] = [{ value, seg: undefined, parent: undefined }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const v = node.value;
    let found: string | undefined;
    if (typeof v === 'string') found = hit(node, v);
    else if (typeof v === 'number') {
      const text = numberText(v);
      if (text !== undefined) found = hit(node, text);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], seg: i, parent: node });
    } else if (typeof v === 'object' && v !== null) {
      const keys = Object.keys(v);
      for (const k of keys) if (containsPan(k)) return jsonPath(root, pathOf(node));
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i]!;
        stack.push({ value: (v as Record<string, unknown>)[k], seg: k, parent: node });
      }
    }
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Whether some string, key or number in `value` could hold a card number: the allocation-free first pass of
 * `findPanField` (most bodies hold none, and their walk ends here). Deep input is left to the iterative walk.
 */
function mayHoldPan(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return !cannotHoldPan(value);
  if (typeof value === 'number') {
    const text = numberText(value);
    return text !== undefined && !cannotHoldPan(text);
  }
  if (typeof value !== 'object' || value === null) return false;
  if (depth > 64) return true;
  if (Array.isArray(value)) {
    for (const v of value) if (mayHoldPan(v, depth + 1)) return true;
    return false;
  }
  for (const k of Object.keys(value)) {
    if (!cannotHoldPan(k) || mayHoldPan((value as Record<string, unknown>)[k], depth + 1)) return true;
  }
  return false;
}

/** The message of a refusal: names the field, never repeats the value. */
export function panRefusalMessage(param: string): string {
  return `${param} looks like a payment card number. Card numbers are never accepted in this field: pay with a payment token (payment_data) or a hosted payment link, and remove the card number.`;
}
