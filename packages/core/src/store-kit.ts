// Helpers for CheckoutStoreV1 adapters (SQL or otherwise): the idempotency-begin decision, page limits, keyset
// pages and cursors, timestamps. Every store (memory, SQLite, PostgreSQL) calls these, so each rule has one home;
// the stores only read and write rows inside their own transactions.

import type { StoredResponse } from './domain.js';
import { AcpError } from './errors.js';
import type { IdempotencyBegin, IdempotencyBeginResult } from './ports.js';
import { isoOf, millisOf } from './util/time.js';

// ---------------------------------------------------------------------------------------------- idempotency

/** An idempotency record as the begin decision reads it (times in epoch milliseconds). */
export interface IdempotencyRecordState {
  requestHash: string;
  state: 'in_flight' | 'done';
  lockUntil: number;
  expiresAt: number;
}

/**
 * What `idempotencyBegin` does, decided from the record read under the transaction's lock:
 * - `start`: no live record (none, or expired: a key reused after expiry is a new request). Write `record`, a
 *   fresh in-flight record replacing any expired one (its stored response, if any, is dropped).
 * - `take_over`: in flight, but its lock passed (the owner died). Set `lockUntil` only; hash and expiry stay.
 * - `replay` (answer the stored response), `in_flight` (locked until `lockUntil`), `conflict` (same key, other
 *   body): write nothing.
 */
export type IdempotencyBeginDecision =
  | { kind: 'start'; record: IdempotencyRecordState }
  | { kind: 'take_over'; lockUntil: number }
  | { kind: 'replay' }
  | { kind: 'in_flight'; lockUntil: number }
  | { kind: 'conflict' };

/** A record is expired (swept, and a new request under its key) once `expiresAt` is at or before `now`. */
export function idempotencyRecordExpired(expiresAt: number, now: number): boolean {
  return expiresAt <= now;
}

/** The record a `start` writes: in flight for this request's body, locked and kept as the request asks. */
export function freshIdempotencyRecord(request: IdempotencyBegin): IdempotencyRecordState {
  return {
    requestHash: request.requestHash,
    state: 'in_flight',
    lockUntil: isoToMillis(request.lockUntil),
    expiresAt: isoToMillis(request.expiresAt),
  };
}

/** The idempotency-begin rule (pure): the existing record (or none) and the request → what to answer and write. */
export function decideIdempotencyBegin(
  existing: IdempotencyRecordState | null | undefined,
  request: IdempotencyBegin,
): IdempotencyBeginDecision {
  const now = isoToMillis(request.now);
  if (!existing || idempotencyRecordExpired(existing.expiresAt, now)) {
    return { kind: 'start', record: freshIdempotencyRecord(request) };
  }
  // The body check comes first: a different body under a used key is a conflict whatever the record's state.
  if (existing.requestHash !== request.requestHash) return { kind: 'conflict' };
  if (existing.state === 'done') return { kind: 'replay' };
  if (existing.lockUntil > now) return { kind: 'in_flight', lockUntil: existing.lockUntil };
  return { kind: 'take_over', lockUntil: isoToMillis(request.lockUntil) };
}

/** The port's answer for a decision; `storedResponse` reads the record's response (called for a replay only). */
export function idempotencyBeginResult(
  decision: IdempotencyBeginDecision,
  storedResponse: () => StoredResponse,
): IdempotencyBeginResult {
  switch (decision.kind) {
    case 'start':
    case 'take_over':
      return { kind: 'started' };
    case 'replay':
      return { kind: 'replay', response: storedResponse() };
    case 'in_flight':
      return { kind: 'in_flight', lockUntil: isoOf(decision.lockUntil) };
    case 'conflict':
      return { kind: 'conflict' };
  }
}

// ---------------------------------------------------------------------------------------------- commit

/**
 * The payment attempts a commit upserts: one per id, the last one given winning (in its first position), as
 * if they were written one after another. SQL stores need it: one statement cannot update a row twice.
 */
export function lastAttemptPerId<A extends { id: string }>(attempts: readonly A[]): A[] {
  const byId = new Map<string, A>();
  for (const a of attempts) byId.set(a.id, a);
  return [...byId.values()];
}

// ---------------------------------------------------------------------------------------------- pages

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 1000;

/** A `ListOptions.limit` clamped to 1…max (default when absent or not finite). */
export function clampPageLimit(
  limit: number | undefined,
  max = MAX_PAGE_LIMIT,
  fallback = DEFAULT_PAGE_LIMIT,
): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.max(1, Math.min(Math.floor(limit), max));
}

/** ISO-8601 timestamp → epoch milliseconds; rejects anything unparsable rather than storing garbage. */
export function isoToMillis(iso: string): number {
  const t = millisOf(iso);
  if (Number.isNaN(t)) throw new TypeError(`Not an ISO-8601 timestamp: ${JSON.stringify(iso)}`);
  return t;
}

/** Keyset cursor: the sort key (time, id) of the last row of the previous page, opaque to callers. */
export function encodeKeysetCursor(time: number, id: string): string {
  return `k1.${Math.trunc(time)}.${encodeURIComponent(id)}`;
}

/** Inverse of `encodeKeysetCursor`; a malformed cursor is a 400 `invalid_request` on `$.cursor`. */
export function decodeKeysetCursor(cursor: string): [number, string] {
  const m = /^k1\.(-?\d{1,16})\.(.+)$/.exec(cursor);
  if (m) {
    try {
      return [Number(m[1]), decodeURIComponent(m[2]!)];
    } catch {
      // fall through
    }
  }
  throw new AcpError('invalid_request', 'The pagination cursor is not valid.', { param: '$.cursor' });
}

/** A keyset sort key: (time in epoch ms, id). Ids compare by code unit, like SQL's binary / "C" collation. */
export type KeysetKey = readonly [time: number, id: string];

/** Orders two keyset keys: negative, zero or positive (ascending time, then id). */
export function compareKeyset(a: KeysetKey, b: KeysetKey): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] === b[1] ? 0 : a[1] < b[1] ? -1 : 1;
}

/**
 * One page of a keyset listing. `rows` are the rows after the cursor in listing order, fetched with a limit of
 * `limit + 1`: the extra row only says that another page exists, whose cursor is the last returned row's key.
 */
export function keysetPage<R>(
  rows: readonly R[],
  limit: number,
  keyOf: (row: R) => KeysetKey,
): { page: R[]; nextCursor?: string } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  if (rows.length <= limit || last === undefined) return { page };
  const [time, id] = keyOf(last);
  return { page, nextCursor: encodeKeysetCursor(time, id) };
}
