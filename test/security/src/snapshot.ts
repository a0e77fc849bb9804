// Store snapshots: every row of every table (sessions, orders, payment attempts, idempotency records), as
// text, in primary-key order. Two snapshots compare equal when nothing was written. `rejectionDiff` checks the
// one write a rejected request may make: ACP stores a 4xx answer under the request's own Idempotency-Key so a
// retry replays it (core reading 10) — one new idempotency row for that key, holding exactly that answer.
// Core stores only the SHA-256 (hex) of an Idempotency-Key, so rows are matched by the key's digest.
import { createHash } from 'node:crypto';
import type { PostgresStore } from '@acp/store-postgres';
import type { SqliteStore } from '@acp/store-sqlite';

export interface IdemRow {
  scope: string;
  /** As stored: the SHA-256 (hex) of the request's Idempotency-Key. */
  key: string;
  state: string;
  /** The stored response JSON text (`{status, body, headers}`), or null while in flight. */
  response: string | null;
  /** The whole row as text. */
  row: string;
}

export interface Snapshot {
  sessions: string[];
  orders: string[];
  attempts: string[];
  idempotency: IdemRow[];
}

export function snapshotSqlite(store: SqliteStore): Snapshot {
  const db = store.database;
  const rows = (sql: string) =>
    (db.prepare(sql).all() as Record<string, unknown>[]).map((r) => JSON.stringify(r));
  return {
    sessions: rows('SELECT * FROM acp_checkout_sessions ORDER BY id'),
    orders: rows('SELECT * FROM acp_orders ORDER BY id'),
    attempts: rows('SELECT * FROM acp_payment_attempts ORDER BY id'),
    idempotency: (
      db.prepare('SELECT * FROM acp_idempotency_records ORDER BY scope, key').all() as Record<
        string,
        unknown
      >[]
    ).map((r) => ({
      scope: String(r.scope),
      key: String(r.key),
      state: String(r.state),
      response: typeof r.response === 'string' ? r.response : null,
      row: JSON.stringify(r),
    })),
  };
}

export async function snapshotPostgres(store: PostgresStore): Promise<Snapshot> {
  const q = `"${store.schema}"`;
  const rows = async (table: string, order: string) =>
    (
      await store.pool.query<{ t: string }>(
        `SELECT row_to_json(x)::text AS t FROM ${q}.${table} x ORDER BY ${order}`,
      )
    ).rows.map((r) => r.t);
  const idem = await store.pool.query<{
    t: string;
    scope: string;
    key: string;
    state: string;
    response: string | null;
  }>(
    `SELECT row_to_json(x)::text AS t, scope, key, state, response::text AS response FROM ${q}.idempotency_records x ORDER BY scope, key`,
  );
  return {
    sessions: await rows('checkout_sessions', 'id'),
    orders: await rows('orders', 'id'),
    attempts: await rows('payment_attempts', 'id'),
    idempotency: idem.rows.map((r) => ({
      scope: r.scope,
      key: r.key,
      state: r.state,
      response: r.response,
      row: r.t,
    })),
  };
}

export function snapshotCounts(s: Snapshot) {
  return {
    sessions: s.sessions.length,
    orders: s.orders.length,
    attempts: s.attempts.length,
    idempotency: s.idempotency.length,
  };
}

/**
 * Problems with the writes between `before` and `after` for a rejected request (empty = unchanged). When the
 * request carried an Idempotency-Key and got a 4xx, one new `done` record for that key holding exactly the
 * answer (`status`, `body`) is allowed. A string key is matched by its SHA-256 (what core stores); a RegExp
 * is matched against the stored key as is.
 */
export function rejectionDiff(
  before: Snapshot,
  after: Snapshot,
  answer?: { idempotencyKey: string | RegExp | undefined; status: number; body: unknown },
): string[] {
  const problems: string[] = [];
  for (const table of ['sessions', 'orders', 'attempts'] as const) {
    if (JSON.stringify(before[table]) !== JSON.stringify(after[table])) {
      problems.push(`${table} changed (${before[table].length} → ${after[table].length} rows)`);
    }
  }
  const old = new Map(before.idempotency.map((r) => [`${r.scope}\u0000${r.key}`, r.row]));
  const added: IdemRow[] = [];
  for (const r of after.idempotency) {
    const prev = old.get(`${r.scope}\u0000${r.key}`);
    if (prev === undefined) added.push(r);
    else if (prev !== r.row) problems.push(`idempotency record ${JSON.stringify(r.key)} was modified`);
    old.delete(`${r.scope}\u0000${r.key}`);
  }
  if (old.size) problems.push(`${old.size} idempotency record(s) deleted`);
  for (const r of added) {
    const allowed =
      answer?.idempotencyKey !== undefined &&
      (typeof answer.idempotencyKey === 'string'
        ? r.key === createHash('sha256').update(answer.idempotencyKey, 'utf8').digest('hex')
        : answer.idempotencyKey.test(r.key)) &&
      r.state === 'done' &&
      r.response !== null &&
      storedMatches(r.response, answer.status, answer.body);
    if (!allowed) {
      problems.push(
        `idempotency record added for key ${JSON.stringify(r.key.slice(0, 60))} (${r.state}) by a rejected request`,
      );
    }
  }
  return problems;
}

function storedMatches(responseText: string, status: number, body: unknown): boolean {
  try {
    const stored = JSON.parse(responseText) as { status?: number; body?: unknown };
    return stored.status === status && JSON.stringify(stored.body) === JSON.stringify(body);
  } catch {
    return false;
  }
}
