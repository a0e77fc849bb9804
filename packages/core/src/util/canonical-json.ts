// RFC 8785 JSON Canonicalization Scheme (JCS) for values that came from JSON.parse: object keys sorted by
// UTF-16 code units, no whitespace, numbers in ECMAScript shortest form (so 1.0 and 1 are equal), strings
// escaped as JSON.stringify does (which matches JCS for well-formed input). One pass, appending to a string.

export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      // String() of a finite number is its ECMAScript shortest form, as JSON.stringify writes it; -0 is "0".
      return String(value);
    case 'string':
      return quote(value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const v: unknown = value[i];
          out += canonicalJson(v === undefined ? null : v);
        }
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      // The default sort compares UTF-16 code units, which is what RFC 8785 §3.2.3 asks for.
      if (keys.length > 1) keys.sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = record[k];
        if (v === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += quote(k);
        out += ':';
        out += canonicalJson(v);
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`canonicalJson: unsupported ${typeof value}`);
  }
}

/** A JSON string literal: as is between quotes when nothing needs escaping, else JSON.stringify's escaping. */
function quote(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}
