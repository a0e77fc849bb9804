// Every lookup the engine makes is served by an index (SQLite's query planner, on the shipped schema), and
// migrations are versioned and refuse a database from a newer package.
import { describe, expect, it } from 'vitest';
import { createSqliteStore, SQLITE_SCHEMA_VERSION } from '../src/index.js';

const LOOKUPS: [string, string][] = [
  ['session by id', 'SELECT state FROM acp_checkout_sessions WHERE id = ?'],
  [
    'sessions in one status, oldest update first (payment recovery)',
    `SELECT id FROM acp_checkout_sessions WHERE status IN (?) AND (updated_at, id) > (?, ?)
     ORDER BY updated_at, id LIMIT 10`,
  ],
  ['order by id', 'SELECT record FROM acp_orders WHERE id = ?'],
  ['order by session', 'SELECT record FROM acp_orders WHERE session_id = ?'],
  [
    'order by payment',
    'SELECT record FROM acp_orders WHERE payment_id = ? ORDER BY created_at DESC, id DESC LIMIT 1',
  ],
  ['orders newest first', 'SELECT record FROM acp_orders ORDER BY created_at DESC, id DESC LIMIT 10'],
  ['attempt by id', 'SELECT attempt FROM acp_payment_attempts WHERE id = ?'],
  [
    'attempts by session',
    'SELECT attempt FROM acp_payment_attempts WHERE session_id = ? ORDER BY number, id',
  ],
  ['idempotency by scope + key', 'SELECT state FROM acp_idempotency_records WHERE scope = ? AND key = ?'],
  ['idempotency sweep by expiry', 'SELECT scope FROM acp_idempotency_records WHERE expires_at <= ?'],
];

describe('SQLite schema', () => {
  const store = createSqliteStore({ filename: ':memory:' });

  it.each(LOOKUPS)('%s uses an index, never a full scan or a temp sort', (_name, sql) => {
    const params = new Array<null>(sql.match(/\?/g)?.length ?? 0).fill(null);
    const plan = store.database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
    const details = plan.map((p) => p.detail).join(' | ');
    expect(details).toMatch(/USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY|PRIMARY KEY/);
    expect(details).not.toMatch(/^SCAN \w+$|USE TEMP B-TREE/m);
  });

  it('sessions in several statuses (expiry sweep) are found through the status index', () => {
    const sql = `SELECT id FROM acp_checkout_sessions WHERE status IN (?, ?, ?) ORDER BY updated_at, id LIMIT 10`;
    const plan = store.database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(null, null, null) as {
      detail: string;
    }[];
    // One index range per status, merged by a sort of the matching rows only.
    expect(plan.map((p) => p.detail).join(' | ')).toMatch(
      /SEARCH acp_checkout_sessions USING (COVERING )?INDEX/,
    );
  });

  it('records applied migrations and refuses a database migrated by a newer package', () => {
    const rows = store.database.prepare('SELECT version, name FROM acp_schema_migrations').all();
    expect(rows).toEqual([{ version: SQLITE_SCHEMA_VERSION, name: 'initial schema' }]);
    store.database
      .prepare('INSERT INTO acp_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
      .run(SQLITE_SCHEMA_VERSION + 1, 'from the future', new Date(0).toISOString());
    expect(() => createSqliteStore({ database: store.database })).toThrow(
      /newer than this @acp\/store-sqlite/,
    );
  });
});
