// Every lookup the engine makes can be served by an index that also yields the requested order: with
// sequential scans, bitmap scans and sorts disabled, a disabled node still shows up in the plan when no
// index path exists. Migrations refuse a schema from a newer package.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, POSTGRES_SCHEMA_VERSION, type PostgresStore } from '../src/index.js';
import { dropSchema, PG_URL, pgUnavailable, testSchema } from './pg-env.js';

const LOOKUPS: [string, string, unknown[]][] = [
  ['session by id', 'SELECT state FROM {s}.checkout_sessions WHERE id = $1', ['x']],
  [
    'sessions in one status, oldest update first (payment recovery)',
    `SELECT id FROM {s}.checkout_sessions WHERE status = $1
       AND (updated_at, id) > ($2::timestamptz, $3) ORDER BY updated_at, id LIMIT 10`,
    ['complete_in_progress', '2026-01-01T00:00:00.000Z', 'x'],
  ],
  ['order by id', 'SELECT record FROM {s}.orders WHERE id = $1', ['x']],
  ['order by session', 'SELECT record FROM {s}.orders WHERE session_id = $1', ['x']],
  [
    'order by payment',
    'SELECT record FROM {s}.orders WHERE payment_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1',
    ['x'],
  ],
  ['orders newest first', 'SELECT record FROM {s}.orders ORDER BY created_at DESC, id DESC LIMIT 10', []],
  ['attempt by id', 'SELECT attempt FROM {s}.payment_attempts WHERE id = $1', ['x']],
  [
    'attempts by session',
    'SELECT attempt FROM {s}.payment_attempts WHERE session_id = $1 ORDER BY number, id',
    ['x'],
  ],
  [
    'idempotency by scope + key',
    'SELECT state FROM {s}.idempotency_records WHERE scope = $1 AND key = $2',
    ['a', 'b'],
  ],
  [
    'idempotency sweep by expiry',
    'SELECT scope FROM {s}.idempotency_records WHERE expires_at <= $1',
    [new Date()],
  ],
];

describe.skipIf(pgUnavailable !== undefined)('PostgreSQL schema', () => {
  let store: PostgresStore;
  let schema: string;
  beforeAll(async () => {
    schema = testSchema('schema');
    store = await createPostgresStore({ connectionString: PG_URL, schema, poolConfig: { max: 2 } });
  });
  afterAll(async () => {
    await store?.close();
    if (schema) await dropSchema(schema);
  });

  it.each(LOOKUPS)('%s is served in order by an index', async (_name, sql, params) => {
    const client = await store.pool.connect();
    try {
      await client.query('SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_sort = off');
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN ${sql.replaceAll('{s}', `"${schema}"`)}`,
        params,
      );
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/Index (Only )?Scan/);
      expect(plan).not.toMatch(/Seq Scan|\bSort\b/);
    } finally {
      await client.query('RESET enable_seqscan; RESET enable_bitmapscan; RESET enable_sort');
      client.release();
    }
  });

  it('records applied migrations and refuses a schema migrated by a newer package', async () => {
    const { rows } = await store.pool.query(`SELECT version, name FROM "${schema}".schema_migrations`);
    expect(rows).toEqual([{ version: POSTGRES_SCHEMA_VERSION, name: 'initial schema' }]);
    await store.pool.query(
      `INSERT INTO "${schema}".schema_migrations (version, name) VALUES ($1, 'future')`,
      [POSTGRES_SCHEMA_VERSION + 1],
    );
    await expect(createPostgresStore({ pool: store.pool, schema })).rejects.toThrow(
      /newer than this @acp\/store-postgres/,
    );
  });
});
