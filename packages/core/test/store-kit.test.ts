import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AcpError,
  clampPageLimit,
  decodeKeysetCursor,
  encodeKeysetCursor,
  isoToMillis,
} from '../src/index.js';

describe('store adapter helpers', () => {
  it('keyset cursors round-trip any id and reject tampering with a typed 400', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 50 }),
        fc.string({ minLength: 1, maxLength: 80 }),
        (time, id) => {
          expect(decodeKeysetCursor(encodeKeysetCursor(time, id))).toEqual([time, id]);
        },
      ),
    );
    for (const bad of ['', 'k1.', 'k1.12', 'x.1.a', 'k1.1.%E0%A4%A']) {
      try {
        decodeKeysetCursor(bad);
        expect.unreachable(bad);
      } catch (e) {
        expect(AcpError.isInstance(e) && e.code === 'invalid_request' && e.param === '$.cursor').toBe(true);
      }
    }
  });
  it('clamps page limits and parses timestamps strictly', () => {
    expect(clampPageLimit(undefined)).toBe(50);
    expect(clampPageLimit(0)).toBe(1);
    expect(clampPageLimit(5000)).toBe(1000);
    expect(clampPageLimit(Number.NaN)).toBe(50);
    expect(isoToMillis('2026-11-24T12:00:00.000Z')).toBe(Date.UTC(2026, 10, 24, 12));
    expect(() => isoToMillis('yesterday')).toThrow(TypeError);
  });
});
