// CheckoutStoreV1 on PostgreSQL (node-postgres). Correct with any number of connections, pools and
// processes on one database:
// - commit: one transaction; the session write is a compare-and-set (`UPDATE … WHERE id AND version`, or
//   `INSERT … ON CONFLICT DO NOTHING` for a new session) and comes first, so a lost race writes nothing;
//   READ COMMITTED re-checks the version after waiting on a concurrent writer's row lock.
// - one order per session: a unique index on `orders.session_id` + `ON CONFLICT (session_id) DO NOTHING`.
// - idempotency begin: `INSERT … ON CONFLICT DO NOTHING` (waits for a concurrent inserter, so exactly one
//   wins), else `SELECT … FOR UPDATE` and core's `decideIdempotencyBegin` under the row lock.
// Values are read back as text (`::text`, epoch milliseconds) so custom pg type parsers on a caller's pool
// cannot change what the store returns.
import {
  applyRefundUpdate,
  type CheckoutStoreV1,
  type CommitRequest,
  type CommitResult,
  clampPageLimit,
  decideIdempotencyBegin,
  decodeKeysetCursor,
  freshIdempotencyRecord,
  type IdempotencyBegin,
  type IdempotencyBeginResult,
  type IdempotencyFinish,
  type IdempotencyRecordState,
  idempotencyBeginResult,
  keysetPage,
  lastAttemptPerId,
  type OrderRecord,
  type PaymentAttempt,
  type RefundUpdate,
  type StoredResponse,
  type StoredSession,
} from '@acp/core';
import pg, { type Pool, type PoolClient, type PoolConfig } from 'pg';
import { migratePostgres, quoteSchema } from './migrations.js';

export interface PostgresStoreOptions {
  /** A pool you own (the store never ends it). */
  pool?: Pool;
  /** Or a connection string; the store creates (and `close()` ends) its own pool. */
  connectionString?: string;
  /** Extra settings for the pool the store creates from `connectionString` (e.g. `max`, `ssl`). */
  poolConfig?: Omit<PoolConfig, 'connectionString'>;
  /** Schema holding the tables, created when missing. Default `acp`. */
  schema?: string;
  /** Apply pending migrations before returning. Default true. */
  migrate?: boolean;
}

export interface PostgresStore extends CheckoutStoreV1 {
  readonly pool: Pool;
  readonly schema: string;
  /** Ends the pool if the store created it (idempotent). */
  close(): Promise<void>;
}

interface SessionRow {
  state: string;
  version: number;
}
interface SessionListRow extends SessionRow {
  id: string;
  updated_ms: number;
}
interface OrderRow {
  id: string;
  record: string;
  created_ms: number;
}
interface IdemRow extends IdempotencyRecordState {
  response: string | null;
}

const MS = (column: string, alias: string) => `(extract(epoch FROM ${column}) * 1000)::float8 AS ${alias}`;
const ORDER_COLUMNS = `id, record::text AS record, ${MS('created_at', 'created_ms')}`;

/** Connects (and migrates) a PostgreSQL checkout store. */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  if (!options.pool && !options.connectionString) {
    throw new TypeError('createPostgresStore needs a `pool` or a `connectionString`.');
  }
  const schema = options.schema ?? 'acp';
  const s = quoteSchema(schema);
  const owned = !options.pool;
  const pool =
    options.pool ?? new pg.Pool({ ...options.poolConfig, connectionString: options.connectionString! });
  if (owned) pool.on('error', () => {}); // an idle client's connection dropped; the pool replaces it
  try {
    if (options.migrate !== false) await migratePostgres(pool, { schema });
  } catch (e) {
    if (owned) await pool.end();
    throw e;
  }

  let closed = false;
  const T = {
    sessions: `${s}.checkout_sessions`,
    orders: `${s}.orders`,
    attempts: `${s}.payment_attempts`,
    idem: `${s}.idempotency_records`,
  };

  /** Runs `fn` in a transaction on one pooled client. */
  async function tx<R>(fn: (c: PoolClient) => Promise<R>): Promise<R> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw e;
      }
    } finally {
      client.release(broken);
    }
  }

  async function finishIdem(c: Pool | PoolClient, f: IdempotencyFinish): Promise<void> {
    // The first finish wins: a second owner (after a take-over) never replaces the answer already given.
    await c.query(
      `UPDATE ${T.idem} SET state = 'done', response = $3::json WHERE scope = $1 AND key = $2 AND state = 'in_flight'`,
      [f.scope, f.key, JSON.stringify(f.response)],
    );
  }

  async function commit(req: CommitRequest): Promise<CommitResult> {
    const st = req.session;
    return tx(async (c) => {
      const params = [st.id, st.status, JSON.stringify(st), st.updatedAt, st.expiresAt];
      const written =
        req.expectedVersion === null
          ? await c.query<{ version: number }>(
              `INSERT INTO ${T.sessions} (id, version, status, state, updated_at, expires_at, created_at)
               VALUES ($1, 1, $2, $3::json, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING version`,
              [...params, st.createdAt],
            )
          : await c.query<{ version: number }>(
              `UPDATE ${T.sessions} SET version = version + 1, status = $2, state = $3::json, updated_at = $4,
                 expires_at = $5
               WHERE id = $1 AND version = $6 RETURNING version`,
              [...params, req.expectedVersion],
            );
      const row = written.rows[0];
      // Nothing was written before this compare-and-set, so a conflict leaves no trace.
      if (!row) return { ok: false, reason: 'conflict' } as const;
      if (req.order) {
        const o = req.order;
        await c.query(
          `INSERT INTO ${T.orders} (id, session_id, payment_id, record, created_at, updated_at)
           VALUES ($1, $2, $3, $4::json, $5, $6) ON CONFLICT (session_id) DO NOTHING`,
          [o.order.id, o.sessionId, o.paymentId ?? null, JSON.stringify(o), o.createdAt, o.updatedAt],
        );
      }
      const attempts = lastAttemptPerId(req.attempts ?? []);
      if (attempts.length > 0) {
        await c.query(
          `INSERT INTO ${T.attempts} (id, session_id, number, status, payment_id, attempt, updated_at)
           SELECT a->>'id', a->>'sessionId', (a->>'number')::integer, a->>'status', a->>'paymentId', a,
                  (a->>'updatedAt')::timestamptz
             FROM json_array_elements($1::json) AS a
           ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id, number = excluded.number,
             status = excluded.status, payment_id = excluded.payment_id, attempt = excluded.attempt,
             updated_at = excluded.updated_at`,
          [JSON.stringify(attempts)],
        );
      }
      if (req.idempotency) await finishIdem(c, req.idempotency);
      return { ok: true, version: Number(row.version) } as const;
    });
  }

  /** A record to write, as query parameters 3… (times as ISO text for timestamptz). */
  const recordParams = (r: IdempotencyRecordState) => [
    r.requestHash,
    r.state,
    new Date(r.lockUntil).toISOString(),
    new Date(r.expiresAt).toISOString(),
  ];

  async function idempotencyBegin(req: IdempotencyBegin): Promise<IdempotencyBeginResult> {
    for (;;) {
      // Common case: no record, for which core's decision is `start` with this fresh record. A concurrent
      // inserter of the same key makes this wait for its commit, so exactly one inserts.
      const inserted = await pool.query(
        `INSERT INTO ${T.idem} (scope, key, request_hash, state, lock_until, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (scope, key) DO NOTHING`,
        [req.scope, req.key, ...recordParams(freshIdempotencyRecord(req))],
      );
      if (inserted.rowCount === 1) return { kind: 'started' };
      const decided = await tx(async (c): Promise<IdempotencyBeginResult | undefined> => {
        const { rows } = await c.query<IdemRow>(
          `SELECT request_hash AS "requestHash", state, ${MS('lock_until', '"lockUntil"')},
                  ${MS('expires_at', '"expiresAt"')}, response::text AS response
             FROM ${T.idem} WHERE scope = $1 AND key = $2 FOR UPDATE`,
          [req.scope, req.key],
        );
        const existing = rows[0];
        if (!existing) return undefined; // released or swept meanwhile: insert again
        const decision = decideIdempotencyBegin(existing, req);
        if (decision.kind === 'start') {
          await c.query(
            `UPDATE ${T.idem} SET request_hash = $3, state = $4, lock_until = $5, expires_at = $6,
               response = NULL WHERE scope = $1 AND key = $2`,
            [req.scope, req.key, ...recordParams(decision.record)],
          );
        } else if (decision.kind === 'take_over') {
          await c.query(`UPDATE ${T.idem} SET lock_until = $3 WHERE scope = $1 AND key = $2`, [
            req.scope,
            req.key,
            new Date(decision.lockUntil).toISOString(),
          ]);
        }
        return idempotencyBeginResult(
          decision,
          () => JSON.parse(existing.response ?? 'null') as StoredResponse,
        );
      });
      if (decided) return decided;
    }
  }

  async function listSessions(
    filter: { statuses?: readonly string[]; limit?: number; cursor?: string } = {},
  ): Promise<{ sessions: StoredSession[]; nextCursor?: string }> {
    const limit = clampPageLimit(filter.limit);
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.statuses) {
      if (filter.statuses.length === 0) return { sessions: [] };
      // One status (payment recovery) walks the (status, updated_at, id) index in order, with no sort.
      if (filter.statuses.length === 1) {
        params.push(filter.statuses[0]);
        where.push(`status = $${params.length}`);
      } else {
        params.push([...filter.statuses]);
        where.push(`status = ANY($${params.length}::text[])`);
      }
    }
    if (filter.cursor) {
      const [t, id] = decodeKeysetCursor(filter.cursor);
      params.push(new Date(t).toISOString(), id);
      where.push(`(updated_at, id) > ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(limit + 1);
    const { rows } = await pool.query<SessionListRow>(
      `SELECT id, state::text AS state, version, ${MS('updated_at', 'updated_ms')} FROM ${T.sessions}
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY updated_at, id LIMIT $${params.length}`,
      params,
    );
    const { page, nextCursor } = keysetPage(rows, limit, (r) => [r.updated_ms, r.id]);
    return { sessions: page.map(toStoredSession), ...(nextCursor ? { nextCursor } : {}) };
  }

  const one = async (sql: string, params: unknown[]): Promise<OrderRecord | null> => {
    const { rows } = await pool.query<OrderRow>(sql, params);
    return rows[0] ? (JSON.parse(rows[0].record) as OrderRecord) : null;
  };

  return {
    version: 1,
    pool,
    schema,

    async getSession(id) {
      const { rows } = await pool.query<SessionRow>(
        `SELECT state::text AS state, version FROM ${T.sessions} WHERE id = $1`,
        [id],
      );
      return rows[0] ? toStoredSession(rows[0]) : null;
    },

    commit,

    getOrder: (orderId) => one(`SELECT ${ORDER_COLUMNS} FROM ${T.orders} WHERE id = $1`, [orderId]),
    getOrderBySession: (sessionId) =>
      one(`SELECT ${ORDER_COLUMNS} FROM ${T.orders} WHERE session_id = $1`, [sessionId]),
    getOrderByPayment: (paymentId) =>
      one(
        `SELECT ${ORDER_COLUMNS} FROM ${T.orders} WHERE payment_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`,
        [paymentId],
      ),

    async upsertOrderRefund(orderId: string, update: RefundUpdate, now: string) {
      // The row lock serializes concurrent refund facts for one order (read-modify-write of the ledger).
      return tx(async (c) => {
        const { rows } = await c.query<{ record: string }>(
          `SELECT record::text AS record FROM ${T.orders} WHERE id = $1 FOR UPDATE`,
          [orderId],
        );
        if (!rows[0]) return null;
        const r = applyRefundUpdate(JSON.parse(rows[0].record) as OrderRecord, update, now);
        if (r.changed) {
          await c.query(`UPDATE ${T.orders} SET record = $2::json, updated_at = $3 WHERE id = $1`, [
            orderId,
            JSON.stringify(r.record),
            now,
          ]);
        }
        return r;
      });
    },

    async getPaymentAttempt(id) {
      const { rows } = await pool.query<{ attempt: string }>(
        `SELECT attempt::text AS attempt FROM ${T.attempts} WHERE id = $1`,
        [id],
      );
      return rows[0] ? (JSON.parse(rows[0].attempt) as PaymentAttempt) : null;
    },
    async listPaymentAttempts(sessionId) {
      const { rows } = await pool.query<{ attempt: string }>(
        `SELECT attempt::text AS attempt FROM ${T.attempts} WHERE session_id = $1 ORDER BY number, id`,
        [sessionId],
      );
      return rows.map((r) => JSON.parse(r.attempt) as PaymentAttempt);
    },

    listSessions,

    async listOrders(options) {
      const limit = clampPageLimit(options.limit);
      const after = options.cursor ? decodeKeysetCursor(options.cursor) : undefined;
      const { rows } = after
        ? await pool.query<OrderRow>(
            `SELECT ${ORDER_COLUMNS} FROM ${T.orders} WHERE (created_at, id) < ($1::timestamptz, $2)
             ORDER BY created_at DESC, id DESC LIMIT $3`,
            [new Date(after[0]).toISOString(), after[1], limit + 1],
          )
        : await pool.query<OrderRow>(
            `SELECT ${ORDER_COLUMNS} FROM ${T.orders} ORDER BY created_at DESC, id DESC LIMIT $1`,
            [limit + 1],
          );
      const { page, nextCursor } = keysetPage(rows, limit, (r) => [r.created_ms, r.id]);
      return {
        orders: page.map((r) => JSON.parse(r.record) as OrderRecord),
        ...(nextCursor ? { nextCursor } : {}),
      };
    },

    idempotencyBegin,
    async idempotencyFinish(f) {
      await finishIdem(pool, f);
    },
    async idempotencyRelease(scope, key) {
      await pool.query(`DELETE FROM ${T.idem} WHERE scope = $1 AND key = $2 AND state = 'in_flight'`, [
        scope,
        key,
      ]);
    },
    async idempotencySweep(now) {
      // `expires_at <= now`: core's idempotencyRecordExpired, in SQL.
      const r = await pool.query(`DELETE FROM ${T.idem} WHERE expires_at <= $1`, [now]);
      return r.rowCount ?? 0;
    },

    async close() {
      if (owned && !closed) {
        closed = true;
        await pool.end();
      }
    },
  };
}

function toStoredSession(row: SessionRow): StoredSession {
  return { state: JSON.parse(row.state) as StoredSession['state'], version: Number(row.version) };
}
