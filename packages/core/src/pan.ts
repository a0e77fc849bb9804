// The one card-number (PAN) detector of the toolkit: pure, no I/O. Core refuses request fields that carry a
// PAN-like value (so nothing stores, logs, echoes or sends one), and adapters reuse it (log redaction, test
// helpers). It finds, anywhere in a string, a run of 12–19 digits written contiguously or in groups separated
// by single spaces or dashes ("4242 4242 4242 4242", "4242-4242-4242-4242", "card 4242424242424242 12/31")
// that passes the Luhn check and starts with a card network's major industry identifier.

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

/** Maximal runs of digit groups joined by single spaces or dashes. */
const DIGIT_RUN = /\d+(?:[ -]\d+)*/g;

export interface PanMatch {
  /** Offset of the first digit in the string. */
  start: number;
  /** Offset after the last digit. */
  end: number;
  /** Number of digits. */
  length: number;
}

/**
 * Every PAN-like span in `text`. Within a run of digit groups, any consecutive groups holding 12–19 digits
 * in total are a candidate (so a PAN followed by more digits, "4242 4242 4242 4242 12 31", is still found).
 * A run introduced by `+` with at most 15 digits is an E.164 phone number, not a card.
 */
export function findPanLike(text: string): PanMatch[] {
  if (typeof text !== 'string' || text.length < PAN_MIN_DIGITS) return [];
  const found: PanMatch[] = [];
  for (const m of text.matchAll(DIGIT_RUN)) {
    const run = m[0];
    const at = m.index ?? 0;
    const groups: { start: number; digits: string }[] = [];
    const groupRe = /\d+/g;
    let total = 0;
    for (const g of run.matchAll(groupRe)) {
      groups.push({ start: at + (g.index ?? 0), digits: g[0] });
      total += g[0].length;
    }
    if (total < PAN_MIN_DIGITS) continue;
    if (at > 0 && text[at - 1] === '+' && total <= 15) continue;
    for (let i = 0; i < groups.length; i++) {
      let digits = '';
      for (let j = i; j < groups.length; j++) {
        digits += groups[j]!.digits;
        if (digits.length > PAN_MAX_DIGITS) break;
        if (digits.length < PAN_MIN_DIGITS) continue;
        if (CARD_FIRST_DIGIT.test(digits) && luhnValid(digits)) {
          const last = groups[j]!;
          found.push({
            start: groups[i]!.start,
            end: last.start + last.digits.length,
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
