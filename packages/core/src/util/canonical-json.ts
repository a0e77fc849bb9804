// RFC 8785 JSON Canonicalization Scheme (JCS) for values that came from JSON.parse: object keys sorted by
// UTF-16 code units, no whitespace, numbers in ECMAScript shortest form (so 1.0 and 1 are equal), strings
// escaped as JSON.stringify does (which matches JCS for well-formed input).

export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return Object.is(value, -0) ? '0' : JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value))
        return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
      const entries = Object.keys(value as object)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort(compareUtf16)
        .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
      return `{${entries.join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: unsupported ${typeof value}`);
  }
}

function compareUtf16(a: string, b: string): number {
  // String comparison in JS already compares UTF-16 code units, which is what RFC 8785 §3.2.3 asks for.
  return a < b ? -1 : a > b ? 1 : 0;
}
