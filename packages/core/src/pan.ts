// The one card-number (PAN) detector of the toolkit: pure, no I/O. Core refuses request fields that carry a
// PAN-like value (so nothing stores, logs, echoes or sends one), and adapters reuse it (log redaction, test
// helpers). It finds, anywhere in a string, 12–19 digits that pass the Luhn check and start with a card
// network's major industry identifier, written contiguously or in groups ("4242 4242 4242 4242",
// "4242-4242-4242-4242", "4242.4242.4242.4242", "4242 - 4242 - 4242 - 4242", "card 4242424242424242 12/31").
//
// The text is folded first, so a number looks the same however it was typed or pasted: Unicode NFKC
// (full-width "４２４２", no-break and other spaces, full-width punctuation, circled digits…), then every other
// decimal digit (`\p{Nd}`: Arabic-Indic, Devanagari, Thai…) to its ASCII value, and invisible format
// characters (`\p{Cf}`: zero-width space, soft hyphen…) dropped. Offsets are reported on the ORIGINAL string.
//
// Not detected (see README "What the PAN detector sees"): a number split across two fields, spelled out in
// words, or broken by letters or by separators other than those below.

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
 * Card networks issue PANs whose first digit (the major industry identifier) is 2–9: Mastercard 2-series,
 * Amex/Diners/JCB 3, Visa 4, Mastercard/Maestro 5–6, fleet 7, UnionPay/RuPay 8, 9. A run starting with 0 or
 * 1 is not read as a card: this keeps epoch-millisecond timestamps (13 digits, starting with 1) and
 * zero-padded numbers out. (The rare airline UATP cards, MII 1, are not detected.)
 */
const CARD_FIRST_DIGIT = /^[2-9]/;

/**
 * Maximal runs of digit groups joined by 1–3 separator characters (on folded text): whitespace, dashes
 * (`\p{Pd}`), `. _ / \ | , *`. Never `:` (times such as 12:30:45) nor `+` (phone numbers).
 */
const DIGIT_RUN = /\d+(?:[\s\p{Pd}._/\\|,*]{1,3}\d+)*/gu;

/**
 * A separator other than one ASCII space or one `-` (the ways card numbers are usually printed) joins two
 * groups only when both hold at least this many digits: keeps prices ("1,299.00"), decimals, coordinates
 * ("52.520008, 13.404954") and lists of small numbers ("36, 37, 38, 39, 40, 41, 42") from reading as cards.
 */
const MIN_GROUP_FOR_OTHER_SEPARATORS = 3;

const NON_WHITESPACE_MARK = /[^\s]/gu;
const DASH = /\p{Pd}/u;

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

/** The punctuation of a separator (whitespace removed, every dash as `-`); `?` when it mixes characters. */
function separatorMark(sep: string): string {
  const marks = new Set((sep.match(NON_WHITESPACE_MARK) ?? []).map((c) => (DASH.test(c) ? '-' : c)));
  if (marks.size === 0) return '';
  return marks.size === 1 ? [...marks][0]! : '?';
}

/**
 * Every PAN-like span in `text`, with offsets into `text` itself. Within a run of digit groups, any
 * consecutive groups holding 12–19 digits in total are a candidate (so a PAN followed by more digits,
 * "4242 4242 4242 4242 12 31", is still found), as long as their separators use at most one punctuation
 * character (whitespace aside, dashes alike): "4242 - 4242 - 4242 - 4242" is one number, "1,299.00" or
 * "415-555-2671, 415-555-2672" are not joined. A run introduced by `+` with at most 15 digits is an E.164
 * phone number, not a card.
 */
export function findPanLike(text: string): PanMatch[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const folded = fold(text);
  const f = maskMachineIds(folded.text);
  let digitCount = 0;
  for (let i = 0; i < f.length && digitCount < PAN_MIN_DIGITS; i++) {
    const c = f.charCodeAt(i);
    if (c >= 48 && c <= 57) digitCount++;
  }
  if (digitCount < PAN_MIN_DIGITS) return [];
  const origStart = (i: number) => (folded.from ? folded.from[i]! : i);
  const origEnd = (i: number) => (folded.to ? folded.to[i - 1]! : i);
  const found: PanMatch[] = [];
  for (const m of f.matchAll(DIGIT_RUN)) {
    const run = m[0];
    const at = m.index ?? 0;
    const groups: { start: number; digits: string; joins: boolean; mark: string }[] = [];
    let total = 0;
    let prevEnd = -1;
    for (const g of run.matchAll(/\d+/g)) {
      const start = at + (g.index ?? 0);
      const digits = g[0];
      let joins = false;
      let mark = '';
      if (prevEnd >= 0) {
        const sep = f.slice(prevEnd, start);
        const prev = groups[groups.length - 1]!;
        joins =
          sep === ' ' ||
          sep === '-' ||
          (prev.digits.length >= MIN_GROUP_FOR_OTHER_SEPARATORS &&
            digits.length >= MIN_GROUP_FOR_OTHER_SEPARATORS);
        mark = separatorMark(sep);
      }
      groups.push({ start, digits, joins, mark });
      prevEnd = start + digits.length;
      total += digits.length;
    }
    if (total < PAN_MIN_DIGITS) continue;
    if (at > 0 && f[at - 1] === '+' && total <= 15) continue;
    for (let i = 0; i < groups.length; i++) {
      let digits = '';
      let mark = '';
      for (let j = i; j < groups.length; j++) {
        const g = groups[j]!;
        if (j > i) {
          if (!g.joins || g.mark === '?') break;
          if (g.mark !== '') {
            if (mark !== '' && mark !== g.mark) break;
            mark = g.mark;
          }
        }
        digits += g.digits;
        if (digits.length > PAN_MAX_DIGITS) break;
        if (digits.length < PAN_MIN_DIGITS) continue;
        if (CARD_FIRST_DIGIT.test(digits) && luhnValid(digits)) {
          found.push({
            start: origStart(groups[i]!.start),
            end: origEnd(g.start + g.digits.length),
            length: digits.length,
          });
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

/** `text` with every PAN-like span replaced by `[card number removed]`. */
export function redactPans(text: string, replacement = '[card number removed]'): string {
  const spans = findPanLike(text);
  if (spans.length === 0) return text;
  // Merge overlapping spans, then cut them out back to front.
  spans.sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else merged.push({ start: s.start, end: s.end });
  }
  let out = text;
  for (const s of merged.reverse()) out = out.slice(0, s.start) + replacement + out.slice(s.end);
  return out;
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

/** The message of a refusal: names the field, never repeats the value. */
export function panRefusalMessage(param: string): string {
  return `${param} looks like a payment card number. Card numbers are never accepted in this field: pay with a payment token (payment_data) or a hosted payment link, and remove the card number.`;
}
