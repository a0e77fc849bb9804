import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJsonPool } from '../src/memory/packed-json.js';

describe('packed JSON (memory store rows)', () => {
  it('gives back exactly JSON.stringify of any JSON value (property)', () => {
    const pool = createJsonPool({ sharedMinChars: 8 });
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const packed = pool.pack(v);
        expect(pool.text(packed)).toBe(JSON.stringify(v));
        pool.release(packed);
      }),
      { numRuns: 500 },
    );
    expect(pool.stats()).toEqual({ parts: 0, chars: 0 });
  });

  it('leaves out what JSON.stringify leaves out and keeps toJSON values exact', () => {
    const pool = createJsonPool({ sharedMinChars: 4 });
    const values: unknown[] = [
      { a: undefined, b: () => 1, c: 1, d: undefined },
      { a: undefined },
      [undefined, () => 1, 'x'.repeat(10), Symbol('s')],
      { when: new Date(0), nested: { toJSON: (key: string) => `custom ${key}` } },
      [1, { toJSON: (key: string) => `at ${key}` }],
      new Date(5),
      Object.assign(Object.create(null) as object, { z: 'long enough', a: 2 }),
      'a string long enough to pool',
      42,
      null,
    ];
    for (const v of values) expect(pool.text(pool.pack(v))).toBe(JSON.stringify(v));
    expect(pool.text(pool.pack(undefined))).toBe('');
  });

  it('keeps what records hold alike once, and frees a part with its last record', () => {
    const pool = createJsonPool();
    const handlers = {
      handlers: [{ id: 'card_tokenized', psp: 'stripe', config: { brands: ['visa', 'amex'] } }],
    };
    const a = pool.pack({ id: 'cs_1', capabilities: handlers, status: 'ready_for_payment' });
    const b = pool.pack({ id: 'cs_2', capabilities: handlers, status: 'completed' });
    const shared = JSON.stringify(handlers);
    expect(a.filter((p) => p === shared)).toHaveLength(1);
    expect(pool.stats().parts).toBe(1);
    pool.release(a);
    expect(pool.stats()).toEqual({ parts: 1, chars: shared.length });
    pool.release(b);
    expect(pool.stats()).toEqual({ parts: 0, chars: 0 });
  });

  it('takes nothing from the pool when serializing throws', () => {
    const pool = createJsonPool();
    expect(() => pool.pack({ long: 'x'.repeat(100), bad: 1n })).toThrow(TypeError);
    expect(pool.stats()).toEqual({ parts: 0, chars: 0 });
  });

  it('pools a part again after its last holder released it (same length, other text: no mix-up)', () => {
    const pool = createJsonPool();
    const part = { text: 'a part long enough to be pooled, 1' };
    const a = pool.pack({ part });
    pool.release(a);
    expect(pool.stats().parts).toBe(0);
    const b = pool.pack({ part });
    const c = pool.pack({ part: { text: 'a part long enough to be pooled, 2' } });
    expect(pool.text(b)).toBe(JSON.stringify({ part }));
    expect(pool.text(c)).toContain('pooled, 2');
    expect(pool.stats().parts).toBe(2);
    pool.release(b);
    pool.release(c);
    expect(pool.stats()).toEqual({ parts: 0, chars: 0 });
  });
});
