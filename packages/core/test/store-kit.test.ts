import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AcpError,
  clampPageLimit,
  compareKeyset,
  decideIdempotencyBegin,
  decodeKeysetCursor,
  encodeKeysetCursor,
  freshIdempotencyRecord,
  type IdempotencyBegin,
  type IdempotencyBeginDecision,
  type IdempotencyRecordState,
  idempotencyBeginResult,
  isoToMillis,
  type KeysetKey,
  keysetPage,
  lastAttemptPerId,
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

describe('decideIdempotencyBegin (the one idempotency-begin rule every store applies)', () => {
  const at = (ms: number) => new Date(Date.UTC(2026, 10, 24, 12) + ms).toISOString();
  const ms = (t: number) => Date.UTC(2026, 10, 24, 12) + t;
  const request = (requestHash: string, now: number): IdempotencyBegin => ({
    scope: 's',
    key: 'k',
    requestHash,
    now: at(now),
    lockUntil: at(now + 60_000),
    expiresAt: at(now + 86_400_000),
  });
  const record = (
    state: 'in_flight' | 'done',
    requestHash = 'h',
    lockUntil = 60_000,
    expiresAt = 86_400_000,
  ): IdempotencyRecordState => ({ requestHash, state, lockUntil: ms(lockUntil), expiresAt: ms(expiresAt) });
  const fresh = (hash: string, now: number) => ({
    kind: 'start',
    record: {
      requestHash: hash,
      state: 'in_flight',
      lockUntil: ms(now + 60_000),
      expiresAt: ms(now + 86_400_000),
    },
  });

  it.each<[string, IdempotencyRecordState | null, IdempotencyBegin, IdempotencyBeginDecision]>([
    ['no record: start', null, request('h', 0), fresh('h', 0) as IdempotencyBeginDecision],
    [
      'same body in flight: in_flight until its lock',
      record('in_flight'),
      request('h', 1),
      { kind: 'in_flight', lockUntil: ms(60_000) },
    ],
    ['other body in flight: conflict', record('in_flight'), request('x', 1), { kind: 'conflict' }],
    [
      'lock passed (at lockUntil): take over',
      record('in_flight'),
      request('h', 60_000),
      { kind: 'take_over', lockUntil: ms(120_000) },
    ],
    ['lock passed, other body: conflict', record('in_flight'), request('x', 60_000), { kind: 'conflict' }],
    ['finished, same body: replay even while locked', record('done'), request('h', 1), { kind: 'replay' }],
    ['finished, other body: conflict', record('done'), request('x', 1), { kind: 'conflict' }],
    [
      'expired (at expiresAt), finished, other body: start',
      record('done'),
      request('x', 86_400_000),
      fresh('x', 86_400_000) as IdempotencyBeginDecision,
    ],
    [
      'expired in flight: start',
      record('in_flight', 'h', 999_999_999),
      request('h', 86_400_001),
      fresh('h', 86_400_001) as IdempotencyBeginDecision,
    ],
    ['one ms before expiry: still a replay', record('done'), request('h', 86_399_999), { kind: 'replay' }],
  ])('%s', (_, existing, req, expected) => {
    expect(decideIdempotencyBegin(existing, req)).toEqual(expected);
  });

  it('answers the port result for each decision', () => {
    const response = { status: 200, body: { ok: true } };
    const read = () => response;
    expect(idempotencyBeginResult({ kind: 'start', record: record('in_flight') }, read)).toEqual({
      kind: 'started',
    });
    expect(idempotencyBeginResult({ kind: 'take_over', lockUntil: 1 }, read)).toEqual({ kind: 'started' });
    expect(idempotencyBeginResult({ kind: 'replay' }, read)).toEqual({ kind: 'replay', response });
    expect(idempotencyBeginResult({ kind: 'in_flight', lockUntil: ms(5) }, read)).toEqual({
      kind: 'in_flight',
      lockUntil: at(5),
    });
    expect(idempotencyBeginResult({ kind: 'conflict' }, read)).toEqual({ kind: 'conflict' });
    expect(freshIdempotencyRecord(request('h', 0))).toEqual(fresh('h', 0).record);
  });
});

describe('keyset pages', () => {
  it('orders by time then id by code unit, and cuts a page with the cursor of its last row', () => {
    const rows: KeysetKey[] = [
      [2, 'a'],
      [1, 'b'],
      [1, 'B'],
      [1, 'a'],
    ];
    expect([...rows].sort(compareKeyset)).toEqual([
      [1, 'B'],
      [1, 'a'],
      [1, 'b'],
      [2, 'a'],
    ]);
    const sorted = [...rows].sort(compareKeyset);
    expect(keysetPage(sorted.slice(0, 3), 2, (r) => r)).toEqual({
      page: sorted.slice(0, 2),
      nextCursor: encodeKeysetCursor(1, 'a'),
    });
    expect(keysetPage(sorted.slice(0, 2), 2, (r) => r)).toEqual({ page: sorted.slice(0, 2) });
    expect(keysetPage([], 2, (r: KeysetKey) => r)).toEqual({ page: [] });
  });
});

describe('lastAttemptPerId', () => {
  it('keeps one attempt per id, the last one given', () => {
    const a = (id: string, status: string) => ({ id, status });
    expect(lastAttemptPerId([a('1', 'pending'), a('2', 'pending'), a('1', 'declined')])).toEqual([
      a('1', 'declined'),
      a('2', 'pending'),
    ]);
    expect(lastAttemptPerId([])).toEqual([]);
  });
});
