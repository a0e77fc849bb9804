// CheckoutStoreV1 on SQLite (better-sqlite3). The driver is synchronous, so every method that writes runs as
// one `BEGIN IMMEDIATE` transaction: it takes the file's write lock before reading, which makes
// compare-and-set and idempotency decisions correct across processes sharing the file (an HTTP server and a
// stdio server on one data dir), and `busy_timeout` makes the other writers wait instead of failing.

import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  applyRefundUpdate,
  type CheckoutStoreV1,
  type CommitRequest,
  type CommitResult,
  clampPageLimit,
  decideIdempotencyBegin,
  decodeKeysetCursor,
  type IdempotencyBegin,
  type IdempotencyBeginResult,
  type IdempotencyFinish,
  type IdempotencyRecordState,
  idempotencyBeginResult,
  isoToMillis,
  keysetPage,
  lastAttemptPerId,
  type OrderRecord,
  type PaymentAttempt,
  type RefundUpdate,
  type StoredResponse,
  type StoredSession,
} from '@acp/core';
import Database from 'better-sqlite3';
import { createWalSync } from './group-sync.js';
import { migrateSqlite } from './migrations.js';

export interface SqliteStoreOptions {
  /** Database file (created when missing). `':memory:'` gives a private in-memory database (tests). */
  filename?: string;
  /** An already open better-sqlite3 database. The store sets its pragmas; `close()` leaves it open. */
  database?: Database.Database;
  /** How long a writer waits for another connection's write lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * `FULL` (default): every write that records something (a session version, a charge attempt, an order, a
   * stored answer, a refund) resolves only once the WAL holding it is on disk, so it survives power loss. The
   * store does it by group commit (see `group-sync.ts`): one fsync, off the event loop, for the commits that
   * arrive together. `NORMAL` never waits for the disk: still safe against process crashes, but the last commits
   * may be lost on power loss.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** Apply pending migrations on open. Default true. */
  migrate?: boolean;
}

export interface SqliteStore extends CheckoutStoreV1 {
  /** The underlying connection (for backups, inspection and tests). */
  readonly database: Database.Database;
  /** Closes the connection if the store opened it. */
  close(): void;
}

interface SessionRow {
  state: string;
  version: number;
}
interface SessionListRow extends SessionRow {
  id: string;
  updated_at: number;
}
interface OrderRow {
  id: string;
  record: string;
  created_at: number;
}
interface IdemRow extends IdempotencyRecordState {
  response: string | null;
}

/** Opens (and migrates) a SQLite checkout store. */
export function createSqliteStore(options: SqliteStoreOptions = {}): SqliteStore {
  if (!options.database && !options.filename) {
    throw new TypeError('createSqliteStore needs a `filename` or an open `database`.');
  }
  const owned = !options.database;
  const db = options.database ?? new Database(options.filename!);
  let groupCommit = false;
  try {
    // busy_timeout first, so that switching to WAL waits for another process instead of failing.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    const wal = db.pragma('journal_mode = WAL', { simple: true }) === 'wal';
    // FULL durability by group commit where there is a WAL file; SQLite's own FULL otherwise (no file).
    // Only on a connection the store owns: a `database` given by the caller keeps the synchronous setting asked
    // for, so the caller's own writes on it are never less durable than they expect.
    groupCommit = owned && wal && (options.synchronous ?? 'FULL') === 'FULL' && !db.memory;
    db.pragma(`synchronous = ${groupCommit ? 'NORMAL' : (options.synchronous ?? 'FULL')}`);
    if (options.migrate !== false) migrateSqlite(db);
  } catch (e) {
    if (owned) db.close();
    throw e;
  }

  // SQLite opens a database through its symlinks and keeps the WAL beside the real file.
  const walSync = groupCommit ? createWalSync(`${realpathSync(resolve(db.name))}-wal`) : undefined;
  /** Resolves once what was just committed is on disk (at once when the store does not wait for the disk). */
  const durable = walSync ? () => walSync.afterCommit() : () => Promise.resolve();
  /**
   * Before answering with what it read: waits until this process's commits are on disk, so that nothing it
   * committed is handed out (a read, a replay) before it is durable, as with SQLite's own FULL mode.
   */
  const settled = walSync ? () => walSync.settled() : () => Promise.resolve();
  const afterSettled = async <T>(value: T): Promise<T> => {
    await settled();
    return value;
  };

  const q = {
    getSession: db.prepare<[string], SessionRow>(
      'SELECT state, version FROM acp_checkout_sessions WHERE id = ?',
    ),
    insertSession: db.prepare(
      `INSERT INTO acp_checkout_sessions (id, version, status, state, created_at, updated_at, expires_at)
       VALUES (@id, 1, @status, @state, @createdAt, @updatedAt, @expiresAt)
       ON CONFLICT (id) DO NOTHING`,
    ),
    updateSession: db.prepare(
      `UPDATE acp_checkout_sessions
         SET version = version + 1, status = @status, state = @state, updated_at = @updatedAt,
             expires_at = @expiresAt
       WHERE id = @id AND version = @expectedVersion`,
    ),
    insertOrder: db.prepare(
      `INSERT INTO acp_orders (id, session_id, payment_id, record, created_at, updated_at)
       VALUES (@id, @sessionId, @paymentId, @record, @createdAt, @updatedAt)
       ON CONFLICT (session_id) DO NOTHING`,
    ),
    upsertAttempt: db.prepare(
      `INSERT INTO acp_payment_attempts (id, session_id, number, status, payment_id, attempt, updated_at)
       VALUES (@id, @sessionId, @number, @status, @paymentId, @attempt, @updatedAt)
       ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id, number = excluded.number,
         status = excluded.status, payment_id = excluded.payment_id, attempt = excluded.attempt,
         updated_at = excluded.updated_at`,
    ),
    getOrder: db.prepare<[string], OrderRow>('SELECT id, record, created_at FROM acp_orders WHERE id = ?'),
    getOrderBySession: db.prepare<[string], OrderRow>(
      'SELECT id, record, created_at FROM acp_orders WHERE session_id = ?',
    ),
    getOrderByPayment: db.prepare<[string], OrderRow>(
      'SELECT id, record, created_at FROM acp_orders WHERE payment_id = ? ORDER BY created_at DESC, id DESC LIMIT 1',
    ),
    updateOrder: db.prepare('UPDATE acp_orders SET record = ?, updated_at = ? WHERE id = ?'),
    getAttempt: db.prepare<[string], { attempt: string }>(
      'SELECT attempt FROM acp_payment_attempts WHERE id = ?',
    ),
    listAttempts: db.prepare<[string], { attempt: string }>(
      'SELECT attempt FROM acp_payment_attempts WHERE session_id = ? ORDER BY number, id',
    ),
    listOrdersFirst: db.prepare<[number], OrderRow>(
      'SELECT id, record, created_at FROM acp_orders ORDER BY created_at DESC, id DESC LIMIT ?',
    ),
    listOrdersAfter: db.prepare<[number, string, number], OrderRow>(
      `SELECT id, record, created_at FROM acp_orders WHERE (created_at, id) < (?, ?)
       ORDER BY created_at DESC, id DESC LIMIT ?`,
    ),
    getIdem: db.prepare<[string, string], IdemRow>(
      `SELECT request_hash AS requestHash, state, lock_until AS lockUntil, expires_at AS expiresAt, response
         FROM acp_idempotency_records WHERE scope = ? AND key = ?`,
    ),
    putIdem: db.prepare(
      `INSERT INTO acp_idempotency_records (scope, key, request_hash, state, lock_until, expires_at, response)
       VALUES (@scope, @key, @requestHash, @state, @lockUntil, @expiresAt, NULL)
       ON CONFLICT (scope, key) DO UPDATE SET request_hash = excluded.request_hash, state = excluded.state,
         lock_until = excluded.lock_until, expires_at = excluded.expires_at, response = NULL`,
    ),
    takeOverIdem: db.prepare('UPDATE acp_idempotency_records SET lock_until = ? WHERE scope = ? AND key = ?'),
    finishIdem: db.prepare(
      // The first finish wins: a second owner (after a take-over) never replaces the answer already given.
      `UPDATE acp_idempotency_records SET state = 'done', response = ? WHERE scope = ? AND key = ? AND state = 'in_flight'`,
    ),
    releaseIdem: db.prepare(
      `DELETE FROM acp_idempotency_records WHERE scope = ? AND key = ? AND state = 'in_flight'`,
    ),
    // `expires_at <= now`: core's idempotencyRecordExpired, in SQL.
    sweepIdem: db.prepare('DELETE FROM acp_idempotency_records WHERE expires_at <= ?'),
  };

  const commitTx = db.transaction((req: CommitRequest): CommitResult => {
    const s = req.session;
    const row = {
      id: s.id,
      status: s.status,
      state: JSON.stringify(s),
      createdAt: isoToMillis(s.createdAt),
      updatedAt: isoToMillis(s.updatedAt),
      expiresAt: isoToMillis(s.expiresAt),
    };
    let version: number;
    if (req.expectedVersion === null) {
      if (q.insertSession.run(row).changes === 0) return { ok: false, reason: 'conflict' };
      version = 1;
    } else {
      const changed = q.updateSession.run({ ...row, expectedVersion: req.expectedVersion }).changes;
      if (changed === 0) return { ok: false, reason: 'conflict' };
      version = req.expectedVersion + 1;
    }
    // Nothing was written before the compare-and-set above, so returning `conflict` leaves no trace.
    if (req.order) {
      const o = req.order;
      q.insertOrder.run({
        id: o.order.id,
        sessionId: o.sessionId,
        paymentId: o.paymentId ?? null,
        record: JSON.stringify(o),
        createdAt: isoToMillis(o.createdAt),
        updatedAt: isoToMillis(o.updatedAt),
      });
    }
    for (const a of lastAttemptPerId(req.attempts ?? [])) {
      q.upsertAttempt.run({
        id: a.id,
        sessionId: a.sessionId,
        number: a.number,
        status: a.status,
        paymentId: a.paymentId ?? null,
        attempt: JSON.stringify(a),
        updatedAt: isoToMillis(a.updatedAt),
      });
    }
    if (req.idempotency) finishIdem(req.idempotency);
    return { ok: true, version };
  });

  function finishIdem(f: IdempotencyFinish): void {
    q.finishIdem.run(JSON.stringify(f.response), f.scope, f.key);
  }

  // The decision is core's (decideIdempotencyBegin); this transaction only reads the record and writes what
  // the decision says, under the write lock.
  const beginTx = db.transaction((req: IdempotencyBegin): IdempotencyBeginResult => {
    const existing = q.getIdem.get(req.scope, req.key);
    const decision = decideIdempotencyBegin(existing, req);
    if (decision.kind === 'start') q.putIdem.run({ scope: req.scope, key: req.key, ...decision.record });
    else if (decision.kind === 'take_over') q.takeOverIdem.run(decision.lockUntil, req.scope, req.key);
    return idempotencyBeginResult(decision, () => JSON.parse(existing?.response ?? 'null') as StoredResponse);
  });

  const refundTx = db.transaction(
    (
      orderId: string,
      update: RefundUpdate,
      now: string,
    ): { record: OrderRecord; changed: boolean } | null => {
      const row = q.getOrder.get(orderId);
      if (!row) return null;
      const r = applyRefundUpdate(JSON.parse(row.record) as OrderRecord, update, now);
      if (r.changed) q.updateOrder.run(JSON.stringify(r.record), isoToMillis(now), orderId);
      return r;
    },
  );

  // One prepared statement per shape (number of statuses, with or without cursor).
  const listStatements = new Map<string, Database.Statement<(string | number)[], SessionListRow>>();
  const listSessionsQuery = (
    statuses: readonly string[] | undefined,
    after: [number, string] | undefined,
    limit: number,
  ): SessionListRow[] => {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (statuses) {
      if (statuses.length === 0) return [];
      where.push(`status IN (${statuses.map(() => '?').join(', ')})`);
      params.push(...statuses);
    }
    if (after) {
      where.push('(updated_at, id) > (?, ?)');
      params.push(after[0], after[1]);
    }
    const sql = `SELECT id, state, version, updated_at FROM acp_checkout_sessions
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY updated_at, id LIMIT ?`;
    let statement = listStatements.get(sql);
    if (!statement) {
      statement = db.prepare<(string | number)[], SessionListRow>(sql);
      if (listStatements.size < 64) listStatements.set(sql, statement);
    }
    return statement.all(...params, limit);
  };

  return {
    version: 1,
    database: db,

    // Reads answer only with data on disk (see `settled`).
    async getSession(id) {
      const row = q.getSession.get(id);
      await settled();
      return row ? toStoredSession(row) : null;
    },

    async commit(req) {
      const r = commitTx.immediate(req);
      if (r.ok) await durable();
      return r;
    },

    async getOrder(orderId) {
      return afterSettled(parseOrder(q.getOrder.get(orderId)));
    },
    async getOrderBySession(sessionId) {
      return afterSettled(parseOrder(q.getOrderBySession.get(sessionId)));
    },
    async getOrderByPayment(paymentId) {
      return afterSettled(parseOrder(q.getOrderByPayment.get(paymentId)));
    },

    async upsertOrderRefund(orderId, update, now) {
      const r = refundTx.immediate(orderId, update, now);
      if (r?.changed) await durable();
      return r;
    },

    async getPaymentAttempt(id) {
      const row = q.getAttempt.get(id);
      return afterSettled(row ? (JSON.parse(row.attempt) as PaymentAttempt) : null);
    },
    async listPaymentAttempts(sessionId) {
      return afterSettled(q.listAttempts.all(sessionId).map((r) => JSON.parse(r.attempt) as PaymentAttempt));
    },

    async listSessions(filter) {
      const limit = clampPageLimit(filter.limit);
      const after = filter.cursor ? decodeKeysetCursor(filter.cursor) : undefined;
      const rows = listSessionsQuery(filter.statuses, after, limit + 1);
      const { page, nextCursor } = keysetPage(rows, limit, (r) => [r.updated_at, r.id]);
      return afterSettled({ sessions: page.map(toStoredSession), ...(nextCursor ? { nextCursor } : {}) });
    },

    async listOrders(options) {
      const limit = clampPageLimit(options.limit);
      const after = options.cursor ? decodeKeysetCursor(options.cursor) : undefined;
      const rows = after
        ? q.listOrdersAfter.all(after[0], after[1], limit + 1)
        : q.listOrdersFirst.all(limit + 1);
      const { page, nextCursor } = keysetPage(rows, limit, (r) => [r.created_at, r.id]);
      return afterSettled({
        orders: page.map((r) => JSON.parse(r.record) as OrderRecord),
        ...(nextCursor ? { nextCursor } : {}),
      });
    },

    // An in-flight record needs no wait for the disk: lost on power loss, the request simply never began (a
    // retry starts it again), and every later commit's sync covers it anyway. A replay hands out a stored
    // answer: only once it is on disk.
    async idempotencyBegin(req) {
      const r = beginTx.immediate(req);
      if (r.kind === 'replay') await settled();
      return r;
    },
    async idempotencyFinish(f) {
      finishIdem(f);
      await durable();
    },
    async idempotencyRelease(scope, key) {
      q.releaseIdem.run(scope, key);
    },
    async idempotencySweep(now) {
      return q.sweepIdem.run(isoToMillis(now)).changes;
    },

    close() {
      walSync?.close();
      if (owned && db.open) db.close();
    },
  };
}

function toStoredSession(row: SessionRow): StoredSession {
  return { state: JSON.parse(row.state) as StoredSession['state'], version: row.version };
}

function parseOrder(row: OrderRow | undefined): OrderRecord | null {
  return row ? (JSON.parse(row.record) as OrderRecord) : null;
}
