import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AcpError, canonicalJson, toJsonPath, toWireError } from '../src/index.js';
import { jsonEqual, unchangedOr } from '../src/util/json-equal.js';
import { sha256Hex } from '../src/util/sha256.js';
import { isoOf, millisOf } from '../src/util/time.js';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts keys, drops whitespace, normalises numbers', () => {
    expect(canonicalJson({ b: 1, a: [1.0, 'x', null, { d: true, c: -0 }] })).toBe(
      '{"a":[1,"x",null,{"c":0,"d":true}],"b":1}',
    );
    expect(canonicalJson({ a: 1 })).toBe(canonicalJson(JSON.parse('{ "a" : 1.0 }')));
  });
  it('treats null and absent as different, array order as significant', () => {
    expect(canonicalJson({ a: null })).not.toBe(canonicalJson({}));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
  it('RFC 8785 sample: UTF-16 key ordering', () => {
    expect(canonicalJson({ '\u20ac': 1, '\r': 2, '\ud83d\ude00': 3, '1': 4, '\u0080': 5 })).toBe(
      '{"\\r":2,"1":4,"\u0080":5,"\u20ac":1,"\ud83d\ude00":3}',
    );
  });
  it('equals a plain reference implementation, for any JSON and any string (property)', () => {
    // Sort the keys (UTF-16 code units), JSON.stringify every scalar: RFC 8785 for JSON.parse output.
    const reference = (v: unknown): string =>
      Array.isArray(v)
        ? `[${v.map(reference).join(',')}]`
        : v !== null && typeof v === 'object'
          ? `{${Object.keys(v)
              .sort()
              .map((k) => `${JSON.stringify(k)}:${reference((v as Record<string, unknown>)[k])}`)
              .join(',')}}`
          : JSON.stringify(v);
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (v, s) => {
        expect(canonicalJson(v)).toBe(reference(v));
        expect(canonicalJson({ [s]: [s] })).toBe(reference({ [s]: [s] }));
      }),
      { numRuns: 1000 },
    );
  });
  it('is stable under key reordering (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const reparsed = JSON.parse(JSON.stringify(v));
        expect(canonicalJson(reparsed)).toBe(canonicalJson(v));
      }),
    );
  });
});

describe('isoOf / millisOf (memoized time conversions)', () => {
  it('equal toISOString and Date.parse, also after their caches are cleared (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(isoOf(ms)).toBe(iso);
        expect(millisOf(iso)).toBe(ms);
      }),
      { numRuns: 2000 },
    );
    for (const ms of [0, -1, -86_400_001, 8.64e15, -8.64e15, 253_402_300_799_999, 253_402_300_800_000, 1.5]) {
      expect(isoOf(ms)).toBe(new Date(ms).toISOString());
      expect(millisOf(isoOf(ms))).toBe(Date.parse(new Date(ms).toISOString()));
    }
    expect(() => isoOf(8.64e15 + 1)).toThrow(RangeError);
    // Strings of the fast form, valid or not, read exactly as Date.parse reads them.
    const d = (n: number, w: number) => String(n).padStart(w, '0');
    fc.assert(
      fc.property(
        fc.tuple(
          fc.integer({ min: 0, max: 9999 }),
          fc.integer({ min: 0, max: 13 }),
          fc.integer({ min: 0, max: 32 }),
          fc.integer({ min: 0, max: 25 }),
          fc.integer({ min: 0, max: 61 }),
          fc.integer({ min: 0, max: 61 }),
          fc.integer({ min: 0, max: 999 }),
        ),
        ([y, mo, day, h, mi, s, ms]) => {
          const iso = `${d(y, 4)}-${d(mo, 2)}-${d(day, 2)}T${d(h, 2)}:${d(mi, 2)}:${d(s, 2)}.${d(ms, 3)}Z`;
          expect(millisOf(iso)).toBe(Date.parse(iso));
        },
      ),
      { numRuns: 5000 },
    );
    for (const iso of [
      '2024-02-29T00:00:00.000Z',
      '2023-02-29T00:00:00.000Z',
      '1900-02-29T00:00:00.000Z',
      '2000-02-29T23:59:59.999Z',
      '2026-11-29T24:00:00.000Z',
      '2026-1x-29T00:00:00.000Z',
      '0000-01-01T00:00:00.000Z',
    ])
      expect(millisOf(iso)).toBe(Date.parse(iso));
    expect(millisOf('not a date')).toBeNaN();
    expect(millisOf('2026-11-29T12:00:00+01:00')).toBe(Date.parse('2026-11-29T12:00:00+01:00'));
  });
});

describe('sha256Hex', () => {
  it('matches node:crypto on arbitrary strings (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (s) => {
        expect(sha256Hex(s)).toBe(createHash('sha256').update(s, 'utf8').digest('hex'));
      }),
      { numRuns: 300 },
    );
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const long = 'x'.repeat(100_000);
    expect(sha256Hex(long)).toBe(createHash('sha256').update(long).digest('hex'));
  });
  it('gives the FIPS 180-4 test vectors, on strings and on bytes, at every padding boundary', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(sha256Hex('a'.repeat(1_000_000))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
    expect(sha256Hex(new Uint8Array([0x61, 0x62, 0x63]))).toBe(sha256Hex('abc'));
    for (let n = 50; n <= 130; n++) {
      const s = 'é'.repeat(n >> 1) + 'a'.repeat(n & 1);
      expect(sha256Hex(s)).toBe(createHash('sha256').update(s, 'utf8').digest('hex'));
    }
  });
  it('encodes a lone surrogate as U+FFFD (as before: stored digests stay valid)', () => {
    expect(sha256Hex('a\ud800b')).toBe(sha256Hex('a\ufffdb'));
    expect(sha256Hex('\udc00')).toBe(createHash('sha256').update('\ufffd', 'utf8').digest('hex'));
  });
});

describe('errors', () => {
  it('toJsonPath builds RFC 9535 paths', () => {
    expect(toJsonPath(['line_items', 0, 'id'])).toBe('$.line_items[0].id');
    expect(toJsonPath(['a b', "it's"], '$.payload')).toBe("$.payload['a b']['it\\'s']");
  });
  it('the wire error is flat and declared-fields only; branded check works across copies', () => {
    const e = new AcpError('unsupported_api_version', 'nope', { supportedVersions: ['2026-04-17'] });
    expect(toWireError(e)).toEqual({
      type: 'invalid_request',
      code: 'unsupported_api_version',
      message: 'nope',
      supported_versions: ['2026-04-17'],
    });
    expect(e.status).toBe(400);
    expect(AcpError.isInstance(e)).toBe(true);
    expect(AcpError.isInstance({ code: e.code, message: e.message })).toBe(false);
    expect(AcpError.isInstance(new Error('x'))).toBe(false);
  });
});

describe('jsonEqual / unchangedOr', () => {
  it('is structural equality of JSON values (property: equal to comparing canonical JSON)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        expect(jsonEqual(a, b)).toBe(canonicalJson(a) === canonicalJson(b));
        expect(jsonEqual(a, JSON.parse(JSON.stringify(a)))).toBe(true);
      }),
      { numRuns: 500 },
    );
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
    const previous = { x: [1, { y: 'z' }] };
    expect(unchangedOr(previous, { x: [1, { y: 'z' }] })).toBe(previous);
    const next = { x: [1, { y: 'w' }] };
    expect(unchangedOr(previous, next)).toBe(next);
  });
});
