// Compact JSON for the memory store. A value is kept as its JSON text, cut into parts at its top-level members
// (each large member or element is a part; the text between them, punctuation and small members, is another).
// Every part of at least `sharedMinChars` is interned in a reference-counted pool that every record of one store
// shares, so what several records hold alike is kept once: the handler config and links in every session, a
// session's line items in its four idempotent responses, the wire order in the completion response and in the
// order record. (Cutting deeper was measured: more, smaller parts cost more in pointers and pool entries than
// they share.)
//
// Reading joins the parts, and the text is exactly `JSON.stringify(value)`: `JSON.parse` gives back an equal
// value with the same key order, so a replayed response serializes to the same bytes. A value that is not plain
// JSON data (a class instance, or a `toJSON` method on it or on a member, which JSON.stringify calls with the
// member's key) is kept whole as one part, which is just as exact.

/** The parts of a JSON text, in order; those of at least the pool's `sharedMinChars` are pooled. */
export type PackedJson = readonly string[];

export interface JsonPool {
  /** Packs a JSON value (taking a reference on every pooled part). `undefined` packs like JSON.stringify's. */
  pack(value: unknown): PackedJson;
  /** The exact JSON text of a packed value. */
  text(packed: PackedJson): string;
  /** Drops the references a packed value holds (call once when the record holding it is replaced or deleted). */
  release(packed: PackedJson): void;
  /** Distinct pooled parts and their total length in characters. */
  stats(): { parts: number; chars: number };
}

export interface JsonPoolOptions {
  /** Parts at least this long are pooled. Default 32 (measured: 48 and 64 keep more per session). */
  sharedMinChars?: number;
}

interface Entry {
  readonly text: string;
  refs: number;
}

const EMPTY: PackedJson = Object.freeze([]);

type Container = readonly unknown[] | Record<string, unknown>;

/** Arrays and objects whose JSON text is exactly that of their members (no toJSON, no class). */
function plainContainer(v: unknown): v is Container {
  if (v === null || typeof v !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(v);
  if (Array.isArray(v)) return proto === Array.prototype && !Object.hasOwn(v, 'toJSON');
  return (proto === Object.prototype || proto === null) && !('toJSON' in v);
}

/** A member JSON.stringify would serialize through `toJSON(key)`: its text may depend on its key. */
const keyedToJson = (v: unknown): boolean =>
  v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function';

export function createJsonPool(options: JsonPoolOptions = {}): JsonPool {
  const minChars = options.sharedMinChars ?? 32;
  const pool = new Map<string, Entry>();
  const keyTexts = new Map<string, string>();
  /** Small parts made of member names and punctuation only (`,"totals":`): one instance each, for all records. */
  const punctuation = new Map<string, string>();
  let chars = 0;

  // The last part pooled at each length: a new text is usually a part just seen (the same line items in a
  // session's next response, the same handler config), and comparing it with that one part skips hashing the
  // whole text for the pool lookup. Bounded; a stale or different candidate just falls through to the pool.
  const recent = new Map<number, Entry>();

  const intern = (text: string): string => {
    const candidate = recent.get(text.length);
    if (candidate !== undefined && candidate.refs > 0 && candidate.text === text) {
      candidate.refs++;
      return candidate.text;
    }
    let e = pool.get(text);
    if (e) {
      e.refs++;
    } else {
      e = { text, refs: 1 };
      pool.set(text, e);
      chars += text.length;
    }
    if (recent.size >= 1024) recent.clear();
    recent.set(text.length, e);
    return e.text;
  };

  const release = (packed: PackedJson): void => {
    for (const p of packed) {
      if (p.length < minChars) continue;
      const e = pool.get(p);
      if (e && --e.refs === 0) {
        pool.delete(p);
        chars -= p.length;
      }
    }
  };

  /** `"key":` for an object member (member names repeat across records: computed once). */
  const keyText = (k: string): string => {
    let t = keyTexts.get(k);
    if (t === undefined) {
      t = `${JSON.stringify(k)}:`;
      if (keyTexts.size < 4096) keyTexts.set(k, t);
    }
    return t;
  };

  return {
    pack(value) {
      const container = plainContainer(value) ? value : undefined;
      const keys = container && !Array.isArray(container) ? Object.keys(container) : undefined;
      const whole =
        container === undefined ||
        (keys
          ? keys.some((k) => keyedToJson((container as Record<string, unknown>)[k]))
          : (container as readonly unknown[]).some(keyedToJson));
      if (whole) {
        const text = JSON.stringify(value);
        return text === undefined ? EMPTY : [text.length < minChars ? text : intern(text)];
      }
      const out: string[] = [];
      let literal: string[] = [];
      let literalHasValue = false;
      const part = (text: string) => {
        out.push(text.length < minChars ? text : intern(text));
      };
      const flush = () => {
        if (literal.length === 0) return;
        const text = literal.length === 1 ? literal[0]! : literal.join('');
        if (!literalHasValue && text.length < minChars) {
          let one = punctuation.get(text);
          if (one === undefined) {
            one = text;
            if (punctuation.size < 4096) punctuation.set(text, text);
          }
          out.push(one);
        } else {
          part(text);
        }
        literal = [];
        literalHasValue = false;
      };
      /** Writes one member or element's text; false when JSON.stringify would leave it out (undefined, …). */
      const write = (v: unknown): boolean => {
        const text = JSON.stringify(v);
        if (text === undefined) return false;
        if (text.length < minChars) {
          literal.push(text);
          literalHasValue = true;
        } else {
          flush();
          part(text);
        }
        return true;
      };
      try {
        if (keys) {
          const o = container as Record<string, unknown>;
          literal.push('{');
          let first = true;
          for (const k of keys) {
            const at = literal.length;
            if (!first) literal.push(',');
            literal.push(keyText(k));
            if (write(o[k])) first = false;
            else literal.length = at; // left out (undefined, a function): drop its `"key":`
          }
          literal.push('}');
        } else {
          const a = container as readonly unknown[];
          literal.push('[');
          for (let i = 0; i < a.length; i++) {
            if (i > 0) literal.push(',');
            if (!write(a[i])) literal.push('null');
          }
          literal.push(']');
        }
        flush();
      } catch (e) {
        release(out); // JSON.stringify threw (a BigInt, a cycle): drop what was taken
        throw e;
      }
      return out.slice(); // exact length: kept for the record's lifetime
    },

    text(packed) {
      return packed.length === 1 ? packed[0]! : packed.join('');
    },

    release,

    stats() {
      return { parts: pool.size, chars };
    },
  };
}

/**
 * The pool's interface without sharing: every value is kept as its one JSON text. Costs one `JSON.stringify` per
 * write and nothing else; holds several copies of what records have in common.
 */
export function createPlainJsonPool(): JsonPool {
  let chars = 0;
  let parts = 0;
  return {
    pack(value) {
      const text = JSON.stringify(value);
      if (text === undefined) return EMPTY;
      chars += text.length;
      parts++;
      return [text];
    },
    text: (packed) => packed[0] ?? '',
    release(packed) {
      if (packed.length) {
        chars -= packed[0]!.length;
        parts--;
      }
    },
    stats: () => ({ parts, chars }),
  };
}
